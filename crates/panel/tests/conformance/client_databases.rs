//! Databases and network allocations through `ClientApi`, both dialects: create, list (with
//! passwords), rotate, delete; automatic assignment, notes, primary, release. Each read back.
//! Pelican's client database create that answers 500 yet leaves the database is never re-sent.

use crate::client_common::*;
use roost_panel::{ClientDatabaseBody, Dialect, PanelError, Refusal};
use roost_sim::{FaultAction, FaultRule, Faults};

fn db(name: &str) -> ClientDatabaseBody {
    ClientDatabaseBody {
        database: name.into(),
        remote: "%".into(),
    }
}

/// A database made on the panel's side (Pelican's client create never succeeds).
fn seed_database(p: &Panel, name: &str) {
    let server = p.server;
    let name = name.to_string();
    p.sim.mutate(move |s| {
        let host = *s.database_hosts.keys().next().expect("the sim has a host");
        s.add_database(server, host, &name, "%")
    });
}

fn pelican_quirk(e: &PanelError) {
    let PanelError::NotResent { cause, reread, .. } = e else {
        panic!("{e:?}")
    };
    assert!(cause.contains("500"), "{cause}");
    assert!(reread.contains("not sent again"), "{reread}");
    assert!(reread.contains("Application API"), "{reread}");
}

#[tokio::test]
async fn databases_create_list_rotate_and_delete() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let made = c.create_database(&id, &db("stats")).await;
        let first = match d {
            Dialect::Pterodactyl => {
                let made = made.unwrap();
                assert!(made.name.ends_with("_stats"), "{}", made.name);
                Some(made.password.expect("the create shows the password"))
            }
            Dialect::Pelican => {
                pelican_quirk(&made.unwrap_err());
                seed_database(&p, "stats");
                None
            }
        };
        let listed = c.databases(&id, true).await.unwrap();
        assert_eq!(listed.len(), 1, "{d}");
        let made = listed[0].clone();
        assert!(made.name.ends_with("stats"), "{d}: {}", made.name);
        let shown = made.password.clone().expect("asked for passwords");
        if let Some(first) = first {
            assert_eq!(shown.expose(), first.expose(), "{d}");
        }
        let hidden = c.databases(&id, false).await.unwrap();
        assert!(
            hidden[0].password.is_none(),
            "{d}: no password unless asked"
        );
        let rotated = c.rotate_database_password(&id, &made.id).await.unwrap();
        let second = rotated.password.expect("rotation shows the new password");
        assert_ne!(second.expose(), shown.expose(), "{d}");
        let listed = c.databases(&id, true).await.unwrap();
        assert_eq!(
            listed[0].password.as_ref().unwrap().expose(),
            second.expose()
        );
        c.delete_database(&id, &made.id).await.unwrap();
        assert!(c.databases(&id, false).await.unwrap().is_empty(), "{d}");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn database_limit_is_a_typed_refusal() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        p.sim
            .mutate(|s| s.servers.get_mut(&p.server).unwrap().database_limit = Some(1));
        seed_database(&p, "one");
        let e = c.create_database(&id, &db("two")).await.unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Refused {
                    reason: Refusal::TooManyDatabases,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        p.shutdown().await;
    }
}

fn fail_next_post(p: &Panel, path: &str, after_commit: bool) {
    p.sim.set_faults(Faults {
        rules: vec![FaultRule {
            method: Some("POST".into()),
            path: path.into(),
            nth: 1,
            times: 1,
            action: FaultAction::Status {
                status: 500,
                after_commit,
            },
        }],
        ..Faults::default()
    });
}

/// Pelican's running panel answers 500 although the database stays on the host: the client
/// re-reads, never sends it again, and says what to do. On Pterodactyl a 500 is re-read too:
/// sent again once the re-read proves it absent, taken as made when the re-read finds it.
#[tokio::test]
async fn a_database_create_that_answers_500_is_reread_not_resent_blindly() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let path = format!("/api/client/servers/{id}/databases");
        match d {
            Dialect::Pelican => {
                pelican_quirk(&c.create_database(&id, &db("quirk")).await.unwrap_err());
                assert_eq!(p.logged("POST", &path), 1, "never re-sent");
                assert_eq!(p.logged("GET", &path), 1, "re-read once");
                // The injected fault behaves the same.
                p.advance(61);
                fail_next_post(&p, &path, true);
                let (fresh, _) = api(&p, &p.owner_key);
                pelican_quirk(&fresh.create_database(&id, &db("other")).await.unwrap_err());
                assert_eq!(p.logged("POST", &path), 2);
            }
            Dialect::Pterodactyl => {
                fail_next_post(&p, &path, false);
                let made = c.create_database(&id, &db("before")).await.unwrap();
                assert!(made.name.ends_with("_before"));
                assert_eq!(p.logged("POST", &path), 2, "re-sent after a re-read");
                fail_next_post(&p, &path, true);
                let made = c.create_database(&id, &db("after")).await.unwrap();
                assert!(made.name.ends_with("_after"));
                assert_eq!(p.logged("POST", &path), 3, "found by the re-read");
                assert_eq!(c.databases(&id, false).await.unwrap().len(), 2);
            }
        }
        p.shutdown().await;
    }
}

#[tokio::test]
async fn allocations_assign_notes_primary_and_release() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let before = c.allocations(&id).await.unwrap();
        assert_eq!(before.len(), 2, "{d}");
        let e = c.assign_allocation(&id).await.unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Refused {
                    reason: Refusal::AutoAllocationNotEnabled,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        p.sim.mutate(|s| {
            s.settings.client_allocations = true;
            s.settings.allocation_range = Some((25565, 25600));
        });
        let added = c.assign_allocation(&id).await.unwrap();
        assert_eq!(added.ip, "203.0.113.10");
        assert_eq!(c.allocations(&id).await.unwrap().len(), 3, "{d}");
        let noted = c
            .set_allocation_notes(&id, added.id, Some("voice"))
            .await
            .unwrap();
        assert_eq!(noted.notes.as_deref(), Some("voice"));
        let primary = c.set_primary_allocation(&id, added.id).await.unwrap();
        assert!(primary.is_default, "{d}");
        let now = c.allocations(&id).await.unwrap();
        let read = now.iter().find(|a| a.id == added.id).unwrap();
        assert!(
            read.is_default && read.notes.as_deref() == Some("voice"),
            "{d}"
        );
        let old = before.iter().find(|a| a.is_default).unwrap().id;
        c.release_allocation(&id, old).await.unwrap();
        let after = c.allocations(&id).await.unwrap();
        assert!(after.iter().all(|a| a.id != old), "{d}: released");
        assert_eq!(after.len(), 2);
        p.shutdown().await;
    }
}
