//! What an agent may do: read-only tools freely; a changing tool only when the operator
//! allowed it (`roost mcp --allow TOOL`), and only on a second call that presents the
//! confirmation token the first call returned for exactly the same arguments. A token is
//! single-use and expires. Every call is audited as one JSON line with secrets redacted.

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a confirmation token stays valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The argument that carries a confirmation token (never part of what it confirms).
pub const CONFIRMATION: &str = "confirmation";

/// What the gate decided for one call.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run it.
    Run,
    /// Changes nothing: the caller must call again with this token and the same arguments.
    Confirm(String),
    /// Refused, with the reason the caller sees.
    Refuse(String),
}

#[derive(Debug, Default)]
pub struct Gate {
    allowed: Vec<String>,
    /// token → (tool, canonical arguments, issued).
    pending: HashMap<String, (String, String, Instant)>,
    counter: u64,
    seed: u64,
}

impl Gate {
    pub fn new(allowed: Vec<String>, seed: u64) -> Gate {
        Gate {
            allowed,
            seed,
            ..Gate::default()
        }
    }

    pub fn is_allowed(&self, tool: &str) -> bool {
        self.allowed.iter().any(|a| a == tool)
    }

    /// The decision for `tool` (changing when `changes`) called with `args`, at `now`.
    pub fn decide(
        &mut self,
        tool: &str,
        changes: bool,
        args: &Map<String, Value>,
        now: Instant,
    ) -> Decision {
        if !changes {
            return Decision::Run;
        }
        if !self.is_allowed(tool) {
            return Decision::Refuse(format!(
                "`{tool}` changes the panel and is not allowed: the operator allows it with `roost mcp --allow {tool}` or `mcp-allow \"{tool}\"` in the panel block"
            ));
        }
        self.pending
            .retain(|_, (_, _, at)| now.duration_since(*at) < TOKEN_LIFETIME);
        let canonical = canonical(args);
        match args.get(CONFIRMATION).and_then(Value::as_str) {
            None => {
                self.counter += 1;
                let token = format!("confirm-{:016x}", mix(self.seed ^ self.counter.rotate_left(17) ^ hash(&canonical)));
                self.pending.insert(token.clone(), (tool.to_string(), canonical, now));
                Decision::Confirm(token)
            }
            Some(token) => match self.pending.remove(token) {
                Some((t, a, _)) if t == tool && a == canonical => Decision::Run,
                Some(_) => Decision::Refuse(
                    "the confirmation token was issued for another call (tool or arguments differ); it is now spent: start again without it".into(),
                ),
                None => Decision::Refuse(
                    "unknown, expired or already used confirmation token: call again without it to get a new one".into(),
                ),
            },
        }
    }
}

/// The arguments without the confirmation, in a stable order.
fn canonical(args: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = args.keys().filter(|k| *k != CONFIRMATION).collect();
    keys.sort();
    let ordered: Vec<(String, &Value)> = keys.into_iter().map(|k| (k.clone(), &args[k])).collect();
    serde_json::to_string(&ordered).unwrap_or_default()
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// splitmix64: spreads the bits so tokens do not look sequential.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Argument names whose values are never written to the audit log.
const SECRET_KEYS: [&str; 4] = ["password", "token", "secret", CONFIRMATION];

/// One audit line: the tool, its arguments with secrets redacted, and the outcome.
pub fn audit_line(tool: &str, args: &Map<String, Value>, outcome: &str, unix_ms: u128) -> String {
    let redacted: Map<String, Value> = args
        .iter()
        .map(|(k, v)| {
            let secret = SECRET_KEYS
                .iter()
                .any(|s| k.to_ascii_lowercase().contains(s));
            (
                k.clone(),
                if secret {
                    json!("[redacted]")
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    json!({ "audit": "roost-mcp", "at_ms": unix_ms as u64, "tool": tool, "arguments": redacted, "outcome": outcome })
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_run_and_writes_need_an_allowance_and_a_confirmation() {
        let mut g = Gate::new(vec!["server_command".into()], 7);
        let now = Instant::now();
        assert_eq!(
            g.decide("server_status", false, &args(json!({})), now),
            Decision::Run
        );
        assert!(
            matches!(g.decide("server_power", true, &args(json!({})), now), Decision::Refuse(r) if r.contains("--allow server_power"))
        );
        let a = args(json!({"servers": ["server.lobby"], "command": "say hi"}));
        let Decision::Confirm(token) = g.decide("server_command", true, &a, now) else {
            panic!()
        };
        let mut with = a.clone();
        with.insert(CONFIRMATION.into(), json!(token));
        assert_eq!(g.decide("server_command", true, &with, now), Decision::Run);
        assert!(
            matches!(g.decide("server_command", true, &with, now), Decision::Refuse(r) if r.contains("already used"))
        );
    }

    #[test]
    fn a_token_confirms_only_its_own_arguments_and_expires() {
        let mut g = Gate::new(vec!["server_command".into()], 7);
        let now = Instant::now();
        let a = args(json!({"servers": ["server.lobby"], "command": "say hi"}));
        let Decision::Confirm(token) = g.decide("server_command", true, &a, now) else {
            panic!()
        };
        let other =
            args(json!({"servers": ["server.lobby"], "command": "stop", "confirmation": token}));
        assert!(
            matches!(g.decide("server_command", true, &other, now), Decision::Refuse(r) if r.contains("another call"))
        );
        let Decision::Confirm(late) = g.decide("server_command", true, &a, now) else {
            panic!()
        };
        let mut with = a.clone();
        with.insert(CONFIRMATION.into(), json!(late));
        assert!(matches!(
            g.decide("server_command", true, &with, now + TOKEN_LIFETIME),
            Decision::Refuse(_)
        ));
    }

    #[test]
    fn audit_lines_redact_secrets() {
        let a =
            args(json!({"servers": ["x"], "confirmation": "confirm-1", "db_password": "hunter2"}));
        let line = audit_line("db_rotate", &a, "ok", 1);
        assert!(
            !line.contains("hunter2") && !line.contains("confirm-1"),
            "{line}"
        );
        assert!(line.contains("\"tool\":\"db_rotate\""), "{line}");
    }
}
