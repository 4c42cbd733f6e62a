//! `/api/client/account...` (client/account.md): the key owner's account object (Pterodactyl's
//! `AccountTransformer`, Pelican's `UserTransformer`), its account API keys, e-mail, password
//! and (Pelican) username changes behind the current password, and its activity.

use super::access::unauthorized;
use super::activity;
use super::ctx::Cx;
use super::security;
use crate::render::{close, list, open};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{FieldError, Rule, Validator, php_string, string_column_max};
use crate::state::{ApiKey, SimState};
use crate::util::{W, ts_iso};
use roost_model::Dialect;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Get,
    Email,
    Password,
    Username,
    Activity,
    ApiKeys,
    ApiKeyCreate,
    ApiKeyDelete(String),
    SshKeys,
    SshKeyCreate,
    /// Pterodactyl: `POST /ssh-keys/remove` with the fingerprint in the body.
    SshKeyRemove,
    /// Pelican: `DELETE /ssh-keys/{fingerprint}`.
    SshKeyDelete(String),
    /// Pterodactyl's two-factor routes.
    TwoFactor,
    TwoFactorEnable,
    TwoFactorDisable,
}

/// Deterministic 48-character client key (16-char identifier + 32-char secret) of the user
/// owning the application key.
pub fn default_client_token(dialect: Dialect) -> String {
    let prefix = match dialect {
        Dialect::Pterodactyl => "ptlc_",
        Dialect::Pelican => "pacc_",
    };
    format!("{prefix}simroost002roostsimclientaccountsecretkey02")
}

pub fn handle(st: &mut SimState, cx: &mut Cx, route: Route) -> Res {
    match route {
        Route::Get => get(st, cx),
        Route::Email => email(st, cx),
        Route::Password => password(st, cx),
        Route::Username => username(st, cx),
        Route::Activity => activity::account(st, cx),
        Route::ApiKeys => {
            let mut w = W::new();
            list(&mut w, st.user_api_keys(cx.user), render_key);
            Ok(Out::json(200, w.s))
        }
        Route::ApiKeyCreate => create_key(st, cx),
        Route::ApiKeyDelete(identifier) => delete_key(st, cx, &identifier),
        Route::SshKeys => security::list_keys(st, cx),
        Route::SshKeyCreate => security::create_key(st, cx),
        Route::SshKeyRemove => security::delete_key(st, cx, None),
        Route::SshKeyDelete(fp) => security::delete_key(st, cx, Some(&fp)),
        Route::TwoFactor => security::setup(st, cx),
        Route::TwoFactorEnable => security::enable(st, cx),
        Route::TwoFactorDisable => security::disable(st, cx),
    }
}

fn get(st: &SimState, cx: &Cx) -> Res {
    let u = st.users.get(&cx.user).ok_or_else(ApiErr::not_found)?;
    let admin = st.is_root_admin(u);
    let attributes = match st.dialect {
        Dialect::Pterodactyl => json!({
            "id": u.id,
            "admin": admin,
            "username": u.username,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "language": u.language,
        }),
        Dialect::Pelican => json!({
            "uuid": u.uuid,
            "username": u.username,
            "email": u.email,
            "language": u.language,
            "image": format!("https://gravatar.com/avatar/{}", super::digest::md5_hex(u.email.to_lowercase().as_bytes())),
            "admin": admin,
            "root_admin": admin,
            "2fa_enabled": u.use_totp,
            "created_at": ts_iso(u.created_at),
            "updated_at": ts_iso(u.updated_at),
        }),
    };
    Ok(Out::json(
        200,
        json!({"object": "user", "attributes": attributes}).to_string(),
    ))
}

/// The `authorize()` of the account change requests: the current password must match (the sim
/// keeps passwords in clear; a user without one never matches).
fn check_password(st: &SimState, cx: &Cx, field: &str) -> Result<(), ApiErr> {
    let given = cx.get(field).map(php_string);
    let ok = st
        .users
        .get(&cx.user)
        .and_then(|u| u.password.as_ref())
        .is_some_and(|p| Some(p) == given.as_ref());
    if ok {
        Ok(())
    } else {
        Err(ApiErr::display(
            "InvalidPasswordProvidedException",
            "The password provided was invalid for this account.",
        ))
    }
}

/// Pelican refuses account changes of externally managed users (403).
fn check_managed(st: &SimState, cx: &Cx) -> Result<(), ApiErr> {
    let managed = cx.d == Dialect::Pelican
        && st
            .users
            .get(&cx.user)
            .is_some_and(|u| u.is_managed_externally);
    if managed { Err(unauthorized()) } else { Ok(()) }
}

fn email(st: &mut SimState, cx: &mut Cx) -> Res {
    check_password(st, cx, "password")?;
    check_managed(st, cx)?;
    let me = cx.user;
    let taken = |v: &Value| {
        st.idx
            .user_by_email
            .get(&php_string(v).to_lowercase())
            .is_none_or(|id| *id == me)
    };
    let mut v = Validator::new(cx.d, &cx.input);
    v.check_with(
        "email",
        None,
        &format!("required|email|between:1,{}", string_column_max(cx.d)),
        vec![Rule::Unique(Box::new(taken))],
    );
    validate(v)?;
    let new = cx.str("email").unwrap_or_default();
    let old = st
        .users
        .get(&me)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let changed = match cx.d {
        Dialect::Pterodactyl => old != new,
        Dialect::Pelican => old.to_lowercase() != new.to_lowercase(),
    };
    if changed {
        let now = st.now();
        if let Some(u) = st.users.get(&me).cloned() {
            st.remove_user_index(&u);
            let mut u = u;
            u.email = new.clone();
            u.updated_at = now;
            st.insert_user(u);
        }
        cx.changed = true;
        cx.log(
            "user:account.email-changed",
            None,
            json!({"old": old, "new": new}),
        );
    }
    Ok(Out::empty())
}

fn password(st: &mut SimState, cx: &mut Cx) -> Res {
    check_password(st, cx, "current_password")?;
    check_managed(st, cx)?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("password", "required|string|confirmed|min:8");
    validate(v)?;
    let new = cx.str("password").unwrap_or_default();
    let now = st.now();
    if let Some(u) = st.users.get_mut(&cx.user) {
        u.password = Some(new);
        u.updated_at = now;
    }
    cx.changed = true;
    cx.log("user:account.password-changed", None, json!({}));
    Ok(Out::empty())
}

/// Pelican only.
fn username(st: &mut SimState, cx: &mut Cx) -> Res {
    check_password(st, cx, "password")?;
    check_managed(st, cx)?;
    let me = cx.user;
    let free = |v: &Value| {
        st.idx
            .user_by_username
            .get(&php_string(v).to_lowercase())
            .is_none_or(|id| *id == me)
    };
    let mut v = Validator::new(cx.d, &cx.input);
    v.check_with(
        "username",
        None,
        "required|between:1,255",
        vec![Rule::Unique(Box::new(free))],
    );
    validate(v)?;
    let new = cx.str("username").unwrap_or_default();
    let old = st
        .users
        .get(&me)
        .map(|u| u.username.clone())
        .unwrap_or_default();
    if old != new {
        let now = st.now();
        if let Some(mut u) = st.users.get(&me).cloned() {
            st.remove_user_index(&u);
            u.username = new.clone();
            u.updated_at = now;
            st.insert_user(u);
        }
        cx.changed = true;
        cx.log(
            "user:account.username-changed",
            None,
            json!({"old": old, "new": new}),
        );
    }
    Ok(Out::empty())
}

/// The `api_key` object (the secret is never shown again).
fn render_key(w: &mut W, k: &ApiKey) {
    open(w, "api_key");
    w.k_str("identifier", &k.identifier);
    w.k_str("description", &k.memo);
    w.key("allowed_ips");
    w.arr();
    for ip in &k.allowed_ips {
        w.str(ip);
    }
    w.end_arr();
    w.k_ostr("last_used_at", k.last_used_at.map(ts_iso).as_deref());
    w.k_str("created_at", &ts_iso(k.created_at));
    close(w);
}

/// Whether `ip` is an IP address or CIDR range (`IPTools\Range::parse`).
fn valid_range(ip: &str) -> bool {
    let (addr, mask) = match ip.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (ip, None),
    };
    let Ok(addr) = addr.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    mask.is_none_or(|m| m.parse::<u8>().is_ok_and(|m| m <= max))
}

fn create_key(st: &mut SimState, cx: &mut Cx) -> Res {
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("description", "required|nullable|string|max:500");
    match cx.d {
        Dialect::Pterodactyl => v.check("allowed_ips", "nullable|array|max:50"),
        Dialect::Pelican => v.check("allowed_ips", "array|max:50"),
    }
    let ips: Vec<Value> = match cx.raw("allowed_ips") {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    for i in 0..ips.len() {
        v.check(&format!("allowed_ips.{i}"), "string");
    }
    // `$validator->after()`: each entry must parse as an IP or range (no rule name).
    for (i, ip) in ips.iter().enumerate() {
        let text = php_string(ip);
        if !valid_range(&text) {
            v.errors.push(FieldError {
                field: format!("allowed_ips.{i}"),
                rule: String::new(),
                detail: format!("\"{text}\" is not a valid IP address or CIDR range."),
            });
        }
    }
    validate(v)?;
    if st.user_api_keys(cx.user).count() >= st.settings.api_key_limit as usize {
        return Err(ApiErr::display(
            "DisplayException",
            "You have reached the account limit for number of API keys.",
        ));
    }
    let memo = cx.str("description").unwrap_or_default();
    let allowed: Vec<String> = ips.iter().map(php_string).collect();
    let token = st.mint_api_key(cx.user, &memo, allowed);
    let id = st
        .find_api_key(&token)
        .map(|k| k.id)
        .ok_or_else(ApiErr::not_found)?;
    let k = &st.api_keys[&id];
    cx.changed = true;
    cx.log(
        "user:api-key.create",
        None,
        json!({"identifier": k.identifier}),
    );
    let mut w = W::new();
    render_key(&mut w, k);
    let mut body = w.s;
    body.pop();
    body.push_str(",\"meta\":");
    body.push_str(&json!({"secret_token": k.secret}).to_string());
    body.push('}');
    Ok(Out::json(200, body))
}

fn delete_key(st: &mut SimState, cx: &mut Cx, identifier: &str) -> Res {
    let id = st
        .user_api_keys(cx.user)
        .find(|k| k.identifier == identifier)
        .map(|k| k.id)
        .ok_or_else(ApiErr::not_found)?;
    st.remove_api_key(id);
    cx.changed = true;
    cx.log(
        "user:api-key.delete",
        None,
        json!({"identifier": identifier}),
    );
    Ok(Out::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_client_token_is_a_real_48_character_key() {
        for d in [Dialect::Pterodactyl, Dialect::Pelican] {
            let t = default_client_token(d);
            assert_eq!(t.len(), 48, "16-char identifier + 32-char secret: {t}");
        }
        assert!(default_client_token(Dialect::Pterodactyl).starts_with("ptlc_"));
        assert!(default_client_token(Dialect::Pelican).starts_with("pacc_"));
    }
}
