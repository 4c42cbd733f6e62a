//! The account's SSH keys (both panels; Pterodactyl removes with `POST /ssh-keys/remove`,
//! Pelican with `DELETE /ssh-keys/{fingerprint}`) and Pterodactyl's two-factor routes
//! (client/account.md).

use super::ctx::Cx;
use super::digest::totp;
use super::ssh::{Kind, parse};
use crate::render::{close, list, open};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{FieldError, Validator, php_string};
use crate::state::{SimState, SshKey};
use crate::util::{W, random_alnum, ts_iso};
use serde_json::json;

fn render(w: &mut W, k: &SshKey) {
    open(w, "ssh_key");
    w.k_str("name", &k.name);
    w.k_str("fingerprint", &k.fingerprint);
    w.k_str("public_key", &k.public_key);
    w.k_str("created_at", &ts_iso(k.created_at));
    close(w);
}

pub fn list_keys(st: &SimState, cx: &Cx) -> Res {
    let mut w = W::new();
    let mine = st.ssh_keys.values().filter(|k| k.user_id == cx.user);
    list(&mut w, mine, render);
    Ok(Out::json(200, w.s))
}

/// `POST /account/ssh-keys`: the key must parse, not be DSA, an RSA key must have 2048 bits,
/// and the account must not hold it yet (all 422s on `public_key`, without a rule name).
pub fn create_key(st: &mut SimState, cx: &mut Cx) -> Res {
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("name", "required|string");
    v.check("public_key", "required|string");
    let text = cx.get("public_key").map(php_string).unwrap_or_default();
    let parsed = parse(&text);
    let mut after = |detail: &str| {
        v.errors.push(FieldError {
            field: "public_key".into(),
            rule: String::new(),
            detail: detail.into(),
        })
    };
    match &parsed {
        None => after("The public key provided is not valid."),
        Some(k) => {
            if k.kind == Kind::Dsa {
                after("DSA keys are not supported.");
            }
            if matches!(k.kind, Kind::Rsa { bits } if bits < 2048) {
                after("RSA keys must be at least 2048 bytes in length.");
            }
            let me = cx.user;
            if st
                .ssh_keys
                .values()
                .any(|x| x.user_id == me && x.fingerprint == k.fingerprint)
            {
                after("The public key provided already exists on your account.");
            }
        }
    }
    validate(v)?;
    let k = parsed.ok_or_else(|| ApiErr::server("Exception"))?;
    let id = SimState::next_id(&mut st.counters.ssh_key);
    let key = SshKey {
        id,
        user_id: cx.user,
        name: cx.str("name").unwrap_or_default(),
        fingerprint: k.fingerprint.clone(),
        public_key: k.pem,
        created_at: st.now(),
    };
    let mut w = W::new();
    render(&mut w, &key);
    st.ssh_keys.insert(id, key);
    cx.changed = true;
    cx.log(
        "user:ssh-key.create",
        None,
        json!({"fingerprint": k.fingerprint}),
    );
    Ok(Out::json(200, w.s))
}

/// Pterodactyl's `POST /ssh-keys/remove` (an unknown fingerprint is still a 204) and
/// Pelican's `DELETE /ssh-keys/{fingerprint}` (404 when unknown).
pub fn delete_key(st: &mut SimState, cx: &mut Cx, fingerprint: Option<&str>) -> Res {
    let fingerprint = match fingerprint {
        Some(f) => f.to_string(),
        None => {
            let mut v = Validator::new(cx.d, &cx.input);
            v.check("fingerprint", "required|string");
            validate(v)?;
            cx.str("fingerprint").unwrap_or_default()
        }
    };
    let me = cx.user;
    let found = st
        .ssh_keys
        .values()
        .find(|k| k.user_id == me && k.fingerprint == fingerprint)
        .map(|k| k.id);
    match found {
        Some(id) => {
            st.ssh_keys.remove(&id);
            cx.changed = true;
            cx.log(
                "user:ssh-key.delete",
                None,
                json!({"fingerprint": fingerprint}),
            );
        }
        None if cx.d == roost_model::Dialect::Pelican => return Err(ApiErr::not_found()),
        None => {}
    }
    Ok(Out::empty())
}

fn wrong_password() -> ApiErr {
    ApiErr::new(
        400,
        "BadRequestHttpException",
        "The password provided was not valid.",
    )
}

fn password_ok(st: &SimState, cx: &Cx) -> bool {
    let given = cx.get("password").map(php_string);
    st.users
        .get(&cx.user)
        .and_then(|u| u.password.as_ref())
        .is_some_and(|p| Some(p) == given.as_ref())
}

/// `GET /account/two-factor` (Pterodactyl): a new secret and its `otpauth://` URL.
pub fn setup(st: &mut SimState, cx: &mut Cx) -> Res {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let u = st.users.get(&cx.user).ok_or_else(ApiErr::not_found)?;
    if u.use_totp {
        return Err(ApiErr::new(
            400,
            "BadRequestHttpException",
            "Two-factor authentication is already enabled on this account.",
        ));
    }
    let email = u.email.clone();
    let secret: String = random_alnum(&mut st.rng, 16)
        .bytes()
        .map(|b| B32[b as usize % 32] as char)
        .collect();
    if let Some(u) = st.users.get_mut(&cx.user) {
        u.totp_secret = Some(secret.clone());
    }
    cx.changed = true;
    let url = format!(
        "otpauth://totp/Pterodactyl:{}?secret={secret}&issuer=Pterodactyl",
        email.replace('@', "%40")
    );
    Ok(Out::json(
        200,
        json!({"data": {"image_url_data": url, "secret": secret}}).to_string(),
    ))
}

/// `POST /account/two-factor`: the password, then a valid code (±4 steps) turns 2FA on and
/// answers ten recovery tokens.
pub fn enable(st: &mut SimState, cx: &mut Cx) -> Res {
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("code", "required|string|size:6");
    v.check("password", "required|string");
    validate(v)?;
    if !password_ok(st, cx) {
        return Err(wrong_password());
    }
    let secret = st
        .users
        .get(&cx.user)
        .and_then(|u| u.totp_secret.clone())
        .ok_or_else(|| ApiErr::server("DecryptException"))?;
    let code = cx.str("code").unwrap_or_default();
    let now = st.now();
    let valid = (-4..=4).any(|k| totp(&secret, now + k * 30).as_deref() == Some(code.as_str()));
    if !valid {
        return Err(ApiErr::display(
            "TwoFactorAuthenticationTokenInvalid",
            "The provided two-factor authentication token was not valid.",
        ));
    }
    let tokens: Vec<String> = (0..10).map(|_| random_alnum(&mut st.rng, 10)).collect();
    if let Some(u) = st.users.get_mut(&cx.user) {
        u.use_totp = true;
    }
    cx.changed = true;
    cx.log("user:two-factor.create", None, json!({}));
    Ok(Out::json(
        200,
        json!({"object": "recovery_tokens", "attributes": {"tokens": tokens}}).to_string(),
    ))
}

/// `POST /account/two-factor/disable`.
pub fn disable(st: &mut SimState, cx: &mut Cx) -> Res {
    if !password_ok(st, cx) {
        return Err(wrong_password());
    }
    if let Some(u) = st.users.get_mut(&cx.user) {
        u.use_totp = false;
    }
    cx.changed = true;
    cx.log("user:two-factor.delete", None, json!({}));
    Ok(Out::empty())
}
