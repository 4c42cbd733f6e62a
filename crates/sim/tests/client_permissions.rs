//! Who may do what on the Client API: owners, subusers with and without each permission, root
//! admins (who reach every server, listed by `type=admin|admin-all`), Pelican role admins,
//! users without access (404) and application keys (403).

mod common;

use common::both;
use common::client::{World, world};
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::{Value, json};

/// (method, path under the server, body, permission) of routes guarded by one permission.
fn guarded(w: &World) -> Vec<(Method, String, Option<Value>, &'static str)> {
    let a2 = w.allocs[1];
    let image = w.t.sim.state().servers[&w.server].image.clone();
    let schedule = json!({"name": "n", "minute": "0", "hour": "0", "day_of_month": "*", "month": "*", "day_of_week": "*"});
    let mut v = vec![
        (Method::GET, "/startup".to_string(), None, "startup.read"),
        (
            Method::PUT,
            "/startup/variable".into(),
            Some(json!({"key": "BUILD_NUMBER", "value": "1"})),
            "startup.update",
        ),
        (
            Method::PUT,
            "/settings/docker-image".into(),
            Some(json!({"docker_image": image})),
            "startup.docker-image",
        ),
        (
            Method::POST,
            "/settings/rename".into(),
            Some(json!({"name": "renamed"})),
            "settings.rename",
        ),
        (
            Method::POST,
            "/settings/reinstall".into(),
            None,
            "settings.reinstall",
        ),
        (Method::GET, "/databases".into(), None, "database.read"),
        (
            Method::POST,
            "/databases".into(),
            Some(json!({"database": "main", "remote": "%"})),
            "database.create",
        ),
        (
            Method::GET,
            "/network/allocations".into(),
            None,
            "allocation.read",
        ),
        (
            Method::POST,
            "/network/allocations".into(),
            None,
            "allocation.create",
        ),
        (
            Method::POST,
            format!("/network/allocations/{a2}"),
            Some(json!({"notes": "x"})),
            "allocation.update",
        ),
        (
            Method::DELETE,
            format!("/network/allocations/{a2}"),
            None,
            "allocation.delete",
        ),
        (Method::GET, "/users".into(), None, "user.read"),
        (
            Method::POST,
            "/users".into(),
            Some(json!({"email": "x@example.com", "permissions": []})),
            "user.create",
        ),
        (Method::GET, "/schedules".into(), None, "schedule.read"),
        (
            Method::POST,
            "/schedules".into(),
            Some(schedule),
            "schedule.create",
        ),
        (Method::GET, "/backups".into(), None, "backup.read"),
        (
            Method::POST,
            "/backups".into(),
            Some(json!({})),
            "backup.create",
        ),
        (Method::GET, "/files/list".into(), None, "file.read"),
        (
            Method::GET,
            "/files/contents?file=a".into(),
            None,
            "file.read-content",
        ),
        (Method::GET, "/files/upload".into(), None, "file.create"),
        (
            Method::POST,
            "/command".into(),
            Some(json!({"command": "say hi"})),
            "control.console",
        ),
        (
            Method::POST,
            "/power".into(),
            Some(json!({"signal": "start"})),
            "control.start",
        ),
        (
            Method::POST,
            "/power".into(),
            Some(json!({"signal": "kill"})),
            "control.stop",
        ),
        (Method::GET, "/activity".into(), None, "activity.read"),
    ];
    if w.d == Dialect::Pelican {
        v.push((
            Method::POST,
            "/settings/description".into(),
            Some(json!({"description": "d"})),
            "settings.description",
        ));
    }
    v
}

/// A subuser is refused without the permission and let through with it; owners and root
/// admins always pass.
#[tokio::test]
async fn each_permission_guards_its_route() {
    for d in both() {
        for (m, path, body, perm) in guarded(&world(d).await) {
            // A fresh panel per route: the routes change state.
            let w = world(d).await;
            w.grant(&["websocket.connect"]);
            let without = w
                .call(&w.sub_key, m.clone(), &w.srv(&path), body.clone())
                .await;
            assert_eq!(
                without.code(),
                403,
                "{d} {m} {path} without {perm}: {}",
                without.text
            );
            let w = world(d).await;
            w.grant(&["websocket.connect", perm]);
            let with = w
                .call(&w.sub_key, m.clone(), &w.srv(&path), body.clone())
                .await;
            assert_ne!(
                with.code(),
                403,
                "{d} {m} {path} with {perm}: {}",
                with.text
            );
            for as_admin in [false, true] {
                // The panel's checks only: a missing file must not answer 404 here.
                let w = world(d).await;
                w.without_wings();
                let key = if as_admin { &w.admin_key } else { &w.owner_key };
                let r = w.call(key, m.clone(), &w.srv(&path), body.clone()).await;
                let who = if as_admin { "root admin" } else { "owner" };
                assert!(
                    ![403, 404].contains(&r.code()),
                    "{d} {m} {path} as {who}: {}",
                    r.text
                );
            }
        }
    }
}

/// The websocket token needs `websocket.connect` (its own 403 message); deleting a task needs
/// `schedule.update` on Pterodactyl and `schedule.delete` on Pelican.
#[tokio::test]
async fn controller_checks_have_their_own_answers() {
    for d in both() {
        let w = world(d).await;
        w.grant(&[]);
        let r = w.get(&w.sub_key, &w.srv("/websocket")).await;
        assert_eq!(r.code(), 403);
        assert_eq!(r.errors()[0].0, "HttpForbiddenException");
        let s = w
            .post(&w.owner_key, &w.srv("/schedules"), json!({"name": "n", "minute": "0", "hour": "0", "day_of_month": "*", "month": "*", "day_of_week": "*"}))
            .await
            .json();
        let id = s["attributes"]["id"].as_u64().unwrap();
        let t = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}/tasks")),
                json!({"action": "command", "payload": "say", "time_offset": 0}),
            )
            .await
            .json();
        let task = t["attributes"]["id"].as_u64().unwrap();
        let path = w.srv(&format!("/schedules/{id}/tasks/{task}"));
        w.grant(&["websocket.connect", "schedule.update"]);
        let r = w.call(&w.sub_key, Method::DELETE, &path, None).await;
        match d {
            Dialect::Pterodactyl => assert_eq!(r.code(), 204, "{}", r.text),
            Dialect::Pelican => {
                assert_eq!(r.code(), 403, "{}", r.text);
                assert_eq!(
                    r.json()["errors"][0]["detail"],
                    "You do not have permission to perform this action."
                );
                w.grant(&["websocket.connect", "schedule.delete"]);
                let r = w.call(&w.sub_key, Method::DELETE, &path, None).await;
                assert_eq!(r.code(), 204, "{}", r.text);
            }
        }
    }
}

/// `meta.user_permissions`: owner `["*"]`, root admin `*` plus the admin websocket grants, a
/// subuser its list; a user without access gets the 404 that hides the server.
#[tokio::test]
async fn user_permissions_and_hidden_servers() {
    for d in both() {
        let w = world(d).await;
        w.grant(&["websocket.connect", "control.console"]);
        let owner = w.get(&w.owner_key, &w.srv("")).await.json();
        assert_eq!(
            owner["meta"],
            json!({"is_server_owner": true, "user_permissions": ["*"]})
        );
        let admin = w.get(&w.admin_key, &w.srv("")).await.json();
        assert_eq!(
            admin["meta"]["user_permissions"],
            json!([
                "*",
                "admin.websocket.errors",
                "admin.websocket.install",
                "admin.websocket.transfer"
            ])
        );
        assert_eq!(admin["attributes"]["server_owner"], false);
        let sub = w.get(&w.sub_key, &w.srv("")).await.json();
        assert_eq!(
            sub["meta"]["user_permissions"],
            json!(["websocket.connect", "control.console"])
        );
        // Without startup.read/allocation.read: variables hidden, only the primary, no notes.
        assert_eq!(
            sub["attributes"]["relationships"]["variables"]["object"],
            "null_resource"
        );
        assert_eq!(
            sub["attributes"]["relationships"]["allocations"]["data"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(
            sub["attributes"]["invocation"]
                .as_str()
                .unwrap()
                .contains("[hidden]")
        );
        let r = w.get(&w.stranger_key, &w.srv("")).await;
        assert_eq!(r.code(), 404);
        let app = w.get(&w.t.sim.token(), &w.srv("")).await;
        assert_eq!(app.code(), 403);
        assert_eq!(
            app.json()["errors"][0]["detail"],
            "You are attempting to use an application API key on an endpoint that requires a client API key."
        );
    }
}

/// `GET /api/client`: own and subuser servers by default, `owner`, and for root admins
/// `admin` (servers they are not on) and `admin-all`; others get empty lists.
#[tokio::test]
async fn server_list_types() {
    for d in both() {
        let w = world(d).await;
        let count = |r: common::Resp| r.json()["data"].as_array().unwrap().len();
        assert_eq!(count(w.get(&w.owner_key, "/api/client").await), 1);
        assert_eq!(count(w.get(&w.sub_key, "/api/client").await), 1);
        assert_eq!(count(w.get(&w.sub_key, "/api/client?type=owner").await), 0);
        assert_eq!(count(w.get(&w.stranger_key, "/api/client").await), 0);
        assert_eq!(
            count(w.get(&w.stranger_key, "/api/client?type=admin-all").await),
            0
        );
        assert_eq!(
            count(w.get(&w.admin_key, "/api/client").await),
            0,
            "{d}: not on the server"
        );
        assert_eq!(
            count(w.get(&w.admin_key, "/api/client?type=admin").await),
            1
        );
        assert_eq!(
            count(w.get(&w.admin_key, "/api/client?type=admin-all").await),
            1
        );
        let filtered = w
            .get(&w.owner_key, "/api/client?filter[*]=203.0.113.10:2556")
            .await;
        assert_eq!(count(filtered), 1, "{d}: allocation filter");
        let none = w
            .get(&w.owner_key, "/api/client?filter[name]=nomatch")
            .await;
        assert_eq!(count(none), 0);
        let bad = w.get(&w.owner_key, "/api/client?filter[bogus]=x").await;
        assert_eq!(bad.code(), 400);
        assert_eq!(bad.errors()[0].0, "InvalidFilterQuery");
    }
}

/// Pelican: a role admin whose role grants `update server` passes every server check.
#[tokio::test]
async fn pelican_role_admin_with_update_server() {
    let w = world(Dialect::Pelican).await;
    let (uid, role) = w.t.sim.mutate(|s| {
        let role = s.add_role("Support");
        s.roles.get_mut(&role).unwrap().permissions = vec!["update server".into()];
        let uid = s.add_user(roost_sim::UserParams {
            username: "support".into(),
            email: "support@example.com".into(),
            ..Default::default()
        });
        s.users.get_mut(&uid).unwrap().roles.push(role);
        (uid, role)
    });
    let key = w.t.sim.mint_client_key(uid).unwrap();
    let r = w.get(&key, &w.srv("/startup")).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let meta = w.get(&key, &w.srv("")).await.json()["meta"].clone();
    assert_eq!(meta["user_permissions"][0], "*");
    // Without the permission on the role: hidden.
    w.t.sim
        .mutate(|s| s.roles.get_mut(&role).unwrap().permissions.clear());
    assert_eq!(w.get(&key, &w.srv("")).await.code(), 404);
}

/// A subuser may only grant what it holds; nobody may change their own subuser entry.
#[tokio::test]
async fn subusers_grant_only_what_they_hold() {
    for d in both() {
        let w = world(d).await;
        w.grant(&[
            "websocket.connect",
            "user.create",
            "user.update",
            "control.console",
        ]);
        let r = w
            .post(
                &w.sub_key,
                &w.srv("/users"),
                json!({"email": "x@example.com", "permissions": ["control.start"]}),
            )
            .await;
        assert_eq!(r.code(), 403, "{}", r.text);
        assert_eq!(r.errors()[0].0, "HttpForbiddenException");
        let r = w
            .post(
                &w.sub_key,
                &w.srv("/users"),
                json!({"email": "x@example.com", "permissions": ["control.console"]}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let me = w.t.sim.state().users[&w.sub].uuid.clone();
        let r = w
            .post(
                &w.sub_key,
                &w.srv(&format!("/users/{me}")),
                json!({"permissions": ["control.console"]}),
            )
            .await;
        assert_eq!(r.code(), 403, "{}", r.text);
        assert_eq!(r.errors()[0].0, "AccessDeniedHttpException");
    }
}
