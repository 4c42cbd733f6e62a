//! Wings' side of the panel's tokens (WPT/WPL `router/tokens/`): HS256 verified with the
//! node's daemon token, then only the expiry is validated (`ParseToken` has one validator,
//! `ExpirationTimeValidator`: `nbf` and `iat` are not checked, except that Wings refuses
//! tokens issued before it booted or before a denied JTI). Permissions follow
//! `WebsocketPayload::HasPermission`: `*` grants everything except `admin.*`.

use crate::client::digest::hmac_sha256;
use serde_json::Value;

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenError {
    /// Not three base64url parts of JSON, not HS256, or a bad signature (Wings does not tell
    /// these apart from other failures).
    Invalid,
    /// `jwt: exp claim is invalid`.
    Expired,
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    } as u32)
}

/// base64url without padding.
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        acc = (acc << 6) | b64_value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Constant-time comparison (the habit, even in a simulator).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The token's claims when its signature and expiry hold at `now` (sim seconds).
pub fn verify(token: &str, key: &str, now: i64) -> Result<Value, TokenError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    let header: Value = base64url_decode(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Invalid)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(TokenError::Invalid);
    }
    let expected = hmac_sha256(key.as_bytes(), format!("{h}.{p}").as_bytes());
    let given = base64url_decode(sig).ok_or(TokenError::Invalid)?;
    if !same(&expected, &given) {
        return Err(TokenError::Invalid);
    }
    let claims: Value = base64url_decode(p)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Invalid)?;
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
        && now > exp
    {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

pub fn str_claim<'a>(claims: &'a Value, k: &str) -> &'a str {
    claims.get(k).and_then(Value::as_str).unwrap_or("")
}

/// `scope` holds the wanted scope (space-separated list).
pub fn has_scope(claims: &Value, scope: &str) -> bool {
    str_claim(claims, "scope").split(' ').any(|s| s == scope)
}

/// `HasPermission`: the exact name, or `*` for anything not starting with `admin`.
pub fn has_permission(claims: &Value, permission: &str) -> bool {
    claims
        .get("permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|k| k == permission || (!permission.starts_with("admin") && k == "*"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::digest::base64url;

    fn token(key: &str, claims: &str) -> String {
        let h = base64url(br#"{"typ":"JWT","alg":"HS256"}"#);
        let p = base64url(claims.as_bytes());
        let s = base64url(&hmac_sha256(key.as_bytes(), format!("{h}.{p}").as_bytes()));
        format!("{h}.{p}.{s}")
    }

    #[test]
    fn base64url_round_trips() {
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64url_decode(&base64url(&data)), Some(data));
        }
    }

    #[test]
    fn signature_and_expiry_are_checked_and_nothing_else() {
        let t = token("k", r#"{"exp":100,"nbf":90,"permissions":["*"]}"#);
        assert!(verify(&t, "k", 100).is_ok());
        assert!(verify(&t, "k", 50).is_ok(), "nbf is not validated by Wings");
        assert_eq!(verify(&t, "k", 101), Err(TokenError::Expired));
        assert_eq!(verify(&t, "other", 100), Err(TokenError::Invalid));
        assert_eq!(verify("a.b", "k", 0), Err(TokenError::Invalid));
        let mut tampered = t.clone();
        tampered.push('A');
        assert_eq!(verify(&tampered, "k", 0), Err(TokenError::Invalid));
    }

    #[test]
    fn a_star_grants_everything_but_admin_permissions() {
        let c: Value =
            serde_json::from_str(r#"{"permissions":["*"],"scope":"websocket file-upload"}"#)
                .unwrap();
        assert!(has_permission(&c, "control.console"));
        assert!(!has_permission(&c, "admin.websocket.errors"));
        assert!(has_scope(&c, "file-upload"));
        assert!(!has_scope(&c, "file-download"));
    }
}
