//! Who reaches what, through `ClientApi`, both dialects: subusers invited, updated and removed;
//! a subuser without a permission gets the typed 403 naming it (one route per resource family)
//! and succeeds once granted; the root admin reaches a server it does not own; a stranger does
//! not.

use crate::client_common::*;
use roost_panel::{ClientApi, Dialect, PanelError, PowerSignal, ServerListType, SubuserBody};

#[tokio::test]
async fn subusers_invite_read_update_and_remove() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let before = c.subusers(&id).await.unwrap();
        assert_eq!(before.len(), 1, "{d}: the seeded helper");
        let carol = c
            .create_subuser(
                &id,
                &SubuserBody {
                    email: "carol@example.org".into(),
                    permissions: vec!["file.read".into(), "control.start".into()],
                },
            )
            .await
            .unwrap();
        assert_eq!(carol.email, "carol@example.org");
        assert!(
            carol.permissions.contains(&"control.start".to_string()),
            "{d}"
        );
        let read = c.subuser(&id, &carol.uuid).await.unwrap();
        assert_eq!(read.uuid, carol.uuid);
        assert_eq!(c.subusers(&id).await.unwrap().len(), 2, "{d}");
        let perms = vec!["backup.read".to_string(), "user.read".to_string()];
        let updated = c.update_subuser(&id, &carol.uuid, &perms).await.unwrap();
        assert!(updated.permissions.contains(&"backup.read".to_string()));
        assert!(
            !updated.permissions.contains(&"file.read".to_string()),
            "{d}"
        );
        let read = c.subuser(&id, &carol.uuid).await.unwrap();
        assert_eq!(read.permissions, updated.permissions, "{d}");
        c.delete_subuser(&id, &carol.uuid).await.unwrap();
        let after = c.subusers(&id).await.unwrap();
        assert!(after.iter().all(|s| s.uuid != carol.uuid), "{d}: removed");
        let e = c.subuser(&id, &carol.uuid).await.unwrap_err();
        assert!(matches!(e, PanelError::NotFound { .. }), "{d}: {e:?}");
        p.shutdown().await;
    }
}

/// One route of each resource family, the permission it needs, and a call of it.
async fn try_family(c: &ClientApi, id: &str, family: &str) -> Result<(), PanelError> {
    match family {
        "control.start" => c.power(id, PowerSignal::Start).await,
        "control.console" => c.command(id, "list").await,
        "file.read" => c.list_files(id, "/").await.map(drop),
        "backup.read" => c.backups(id).await.map(drop),
        "database.read" => c.databases(id, false).await.map(drop),
        "schedule.read" => c.schedules(id).await.map(drop),
        "allocation.read" => c.allocations(id).await.map(drop),
        "user.read" => c.subusers(id).await.map(drop),
        "startup.read" => c.startup(id).await.map(drop),
        "settings.rename" => c.rename_server(id, "renamed by helper").await,
        "activity.read" => c.server_activity(id).await.map(drop),
        "websocket.connect" => c.websocket(id).await.map(drop),
        other => panic!("no route for {other}"),
    }
}

const FAMILIES: [&str; 12] = [
    "control.start",
    "control.console",
    "file.read",
    "backup.read",
    "database.read",
    "schedule.read",
    "allocation.read",
    "user.read",
    "startup.read",
    "settings.rename",
    "activity.read",
    "websocket.connect",
];

#[tokio::test]
async fn a_subuser_without_the_permission_is_told_which_one() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let (sub, _) = api(&p, &p.sub_key);
        let id = p.ident();
        for family in FAMILIES {
            // Everything but the one permission (the websocket's is otherwise always added).
            let others: Vec<&str> = FAMILIES.iter().copied().filter(|f| *f != family).collect();
            p.grant(&others);
            let e = try_family(&sub, &id, family).await.unwrap_err();
            missing(e, family);
            p.grant(&[family]);
            try_family(&sub, &id, family)
                .await
                .unwrap_or_else(|e| panic!("{d}: {family} granted: {e:?}"));
        }
        // A deeper permission than the family's read: creating a schedule.
        p.grant(&["schedule.read"]);
        let e = sub
            .create_schedule(&id, &crate::client_schedules::nightly("x"))
            .await
            .unwrap_err();
        missing(e, "schedule.create");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn the_root_admin_reaches_servers_it_does_not_own_and_a_stranger_none() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let (admin, _) = api(&p, &p.admin_key);
        assert!(admin.account().await.unwrap().is_root_admin(), "{d}");
        let all = admin.list_servers(ServerListType::AdminAll).await.unwrap();
        let there = all.iter().find(|s| s.identifier == p.ident());
        assert!(there.is_some_and(|s| !s.server_owner), "{d}: {all:?}");
        let not_member = admin.list_servers(ServerListType::Admin).await.unwrap();
        assert!(not_member.iter().any(|s| s.identifier == p.ident()), "{d}");
        let own = admin.list_servers(ServerListType::Member).await.unwrap();
        assert!(own.iter().all(|s| s.identifier != p.ident()), "{d}");
        let details = admin.server(&p.ident()).await.unwrap();
        assert!(
            !details.is_server_owner && details.can("file.delete"),
            "{d}"
        );
        admin
            .rename_server(&p.ident(), "Admin was here")
            .await
            .unwrap();
        let owner = p.owner();
        let name = owner.server(&p.ident()).await.unwrap().server.name;
        assert_eq!(name, "Admin was here", "{d}");
        let (stranger, _) = api(&p, &p.stranger_key);
        assert!(
            stranger
                .list_servers(ServerListType::Member)
                .await
                .unwrap()
                .is_empty()
        );
        let e = stranger.server(&p.ident()).await.unwrap_err();
        assert!(matches!(e, PanelError::NotFound { .. }), "{d}: {e:?}");
        // The panel would answer a non-admin's admin-all listing with an empty list, which
        // reads as "no servers": the client refuses it instead, typed, without sending.
        let sent = p.logged("GET", "type=admin-all");
        let e = stranger
            .list_servers(ServerListType::AdminAll)
            .await
            .unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{d}: {e:?}");
        assert!(e.to_string().contains("root admin"), "{e}");
        assert_eq!(p.logged("GET", "type=admin-all"), sent, "{d}: nothing sent");
        p.shutdown().await;
    }
}
