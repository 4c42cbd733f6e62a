//! Users: keyed by their usernames (as the panel stores them); passwords never exported but
//! named as environment variables.

use crate::Imported;
use crate::select::Chosen;
use roost_manifest::{Block, Item};
use roost_model::{
    AdoptUser, Dialect, Live, LiveUser, PasswordSpec, SecretRef, User, parse_marker,
    stored_username,
};
use std::collections::HashMap;

pub(crate) fn users(
    live: &Live,
    chosen: &Chosen,
    namespace: &str,
    out: &mut Imported,
) -> Vec<Block> {
    let role_name: HashMap<u64, &str> =
        live.roles.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut blocks = Vec::new();
    for u in live
        .users
        .iter()
        .filter(|u| chosen.user_ids.contains(&u.id))
    {
        let user = user(live, u, &role_name, namespace);
        blocks.push(
            Block::new(Item::User(user)).comment(format!("panel id {}, uuid {}", u.id, u.uuid)),
        );
        out.count("users", 1);
    }
    blocks
}

fn user(live: &Live, u: &LiveUser, role_name: &HashMap<u64, &str>, namespace: &str) -> User {
    let name = stored_username(&u.username);
    let pterodactyl = live.dialect == Dialect::Pterodactyl;
    let non_blank = |s: &Option<String>| s.clone().filter(|s| pterodactyl && !s.trim().is_empty());
    let mut roles: Vec<String> = if pterodactyl {
        Vec::new()
    } else {
        u.role_ids
            .iter()
            .filter_map(|id| role_name.get(id).map(|r| r.to_string()))
            .collect()
    };
    roles.sort_unstable();
    let mut user = User {
        username: name.clone(),
        email: u.email.clone(),
        first_name: non_blank(&u.first_name),
        last_name: non_blank(&u.last_name),
        admin: pterodactyl && u.root_admin,
        roles,
        language: Some(u.language.clone()).filter(|l| l != "en"),
        external_id: None,
        password: Some(PasswordSpec {
            source: SecretRef::Env(password_env(&name)),
            rotate: false,
            origin: Default::default(),
        }),
        protect: false,
        adopt: None,
        ignore: Vec::new(),
        origin: Default::default(),
    };
    // roost's own marker for this name: managed as it is (protected or not); another system's
    // external id: kept; none: adopted by id.
    match u.external_id.as_deref() {
        Some(e) => match parse_marker(namespace, e) {
            Some((k, protected)) if stored_username(k) == name => user.protect = protected,
            _ => user.external_id = Some(e.to_string()),
        },
        None => user.adopt = Some(AdoptUser::Id(u.id)),
    }
    user
}

/// The environment variable a user's password is read from: `ROOST_PASSWORD_<USERNAME>`,
/// upper-case, anything but letters and digits as `_`.
fn password_env(username: &str) -> String {
    let upper: String = username
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("ROOST_PASSWORD_{upper}")
}
