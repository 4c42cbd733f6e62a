//! Users (and Pelican's roles, Pterodactyl's nests): create, exact lookup by username, update,
//! read, delete; refused while they own servers.

use crate::common::*;
use roost_panel::{Dialect, PanelError, UserBody};

async fn users(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let user = cl.create_user(&user_body("confuser")).await.unwrap();
    assert_eq!(user.username, "confuser");
    match dialect {
        Dialect::Pterodactyl => assert_eq!(user.first_name.as_deref(), Some("Conf")),
        Dialect::Pelican => assert_eq!(user.first_name, None),
    }
    let found = cl
        .find_user_by_username("confuser")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.id, user.id);
    assert!(
        cl.find_user_by_username("confuse").await.unwrap().is_none(),
        "exact match only"
    );
    let mut ub = UserBody::from_live(&user);
    ub.email = "changed@example.com".into();
    let user2 = cl.update_user(user.id, &ub).await.unwrap();
    assert_eq!(user2.email, "changed@example.com");
    assert_eq!(user2.external_id.as_deref(), Some("ext-confuser"));
    assert_eq!(
        cl.get_user(user.id).await.unwrap().email,
        "changed@example.com"
    );
    assert!(
        cl.list_users()
            .await
            .unwrap()
            .iter()
            .any(|u| u.id == user.id)
    );
    cl.delete_user(user.id).await.unwrap();
    assert!(matches!(
        cl.get_user(user.id).await,
        Err(PanelError::NotFound { .. })
    ));

    // Refused while the user owns a server.
    let fleet = small_fleet(&c, "owner", &[25565]).await;
    conflict(
        cl.delete_user(fleet.user).await.unwrap_err(),
        "DisplayException",
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_users() {
    users(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_users() {
    users(Dialect::Pelican).await;
}

#[tokio::test]
async fn roles_on_pelican_nests_on_pterodactyl() {
    let c = start(Dialect::Pelican, |_| {}).await;
    let cl = &c.client;
    let user = cl.create_user(&user_body("roled")).await.unwrap();
    let role = c.sim.mutate(|s| s.add_role("Operators"));
    let with = cl.assign_roles(user.id, &[role]).await.unwrap();
    assert_eq!(with.role_ids, vec![role]);
    assert!(cl.list_roles().await.unwrap().iter().any(|r| r.id == role));
    let without = cl.remove_roles(user.id, &[role]).await.unwrap();
    assert!(without.role_ids.is_empty());
    assert_eq!(
        cl.get_user(user.id).await.unwrap().role_ids,
        Vec::<u64>::new()
    );
    assert!(matches!(
        cl.list_nests().await,
        Err(PanelError::Unsupported { .. })
    ));
    c.sim.shutdown().await;

    let c = start(Dialect::Pterodactyl, |_| {}).await;
    let cl = &c.client;
    assert!(matches!(
        cl.assign_roles(1, &[1]).await,
        Err(PanelError::Unsupported { .. })
    ));
    assert!(matches!(
        cl.list_roles().await,
        Err(PanelError::Unsupported { .. })
    ));
    assert!(!cl.list_nests().await.unwrap().is_empty());
    let eggs = cl.list_eggs().await.unwrap();
    assert!(!eggs.is_empty() && eggs.iter().all(|e| e.nest.is_some()));
    c.sim.shutdown().await;
}
