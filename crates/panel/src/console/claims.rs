//! What a websocket token grants, read from its claims (websocket.md §1): the per-event
//! permissions Wings checks. Wings drops an event the token does not allow without a word, so
//! the client checks first and says which permission is missing. The signature is not checked
//! (the client has no key); the claims only decide what is worth sending.

use serde::Deserialize;

/// The permissions of one token, as far as they could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grants {
    /// `None`: the claims could not be read, so nothing is refused client-side.
    permissions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    permissions: Vec<String>,
}

impl Grants {
    /// Reads the `permissions` claim of a JWT (`header.payload.signature`, base64url).
    pub(crate) fn from_jwt(token: &str) -> Grants {
        let permissions = token
            .split('.')
            .nth(1)
            .and_then(base64url_decode)
            .and_then(|payload| serde_json::from_slice::<Claims>(&payload).ok())
            .map(|c| c.permissions);
        Grants { permissions }
    }

    /// Whether the token allows `permission`: listed, or `*` (which grants everything but the
    /// `admin` ones, as Wings' `HasPermission`). Unknown claims allow everything.
    pub(crate) fn allows(&self, permission: &str) -> bool {
        match &self.permissions {
            None => true,
            Some(list) => list
                .iter()
                .any(|p| p == permission || (p == "*" && !permission.starts_with("admin"))),
        }
    }
}

/// Unpadded (or padded) base64url; `None` on any other character.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_known_values() {
        assert_eq!(base64url_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64url_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64url_decode("a+b"), None);
    }

    #[test]
    fn star_grants_all_but_admin_permissions() {
        // {"permissions":["*"]}
        let owner = Grants::from_jwt("eyJhbGciOiJIUzI1NiJ9.eyJwZXJtaXNzaW9ucyI6WyIqIl19.sig");
        assert!(owner.allows("control.console"));
        assert!(!owner.allows("admin.websocket.install"));
        // {"permissions":["websocket.connect"]}
        let sub = Grants::from_jwt("h.eyJwZXJtaXNzaW9ucyI6WyJ3ZWJzb2NrZXQuY29ubmVjdCJdfQ.s");
        assert!(sub.allows("websocket.connect"));
        assert!(!sub.allows("control.console"));
    }

    #[test]
    fn unreadable_claims_refuse_nothing() {
        for token in ["", "opaque", "a.!!!.c", "a.bm90IGpzb24.c"] {
            assert!(Grants::from_jwt(token).allows("control.console"), "{token}");
        }
    }
}
