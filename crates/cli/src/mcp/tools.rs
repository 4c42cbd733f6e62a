//! The tools `roost mcp` offers. Each is one of roost's own commands, run as a child process
//! with arguments built here — never through a shell, positionals after `--` so no value can
//! turn into a flag — so an agent gets exactly the behaviour, safety rails and redaction of
//! the command line. Destructive flags (`--allow-destroy`, `--show-password`) are never
//! offered.

use serde_json::{Map, Value, json};

/// One tool: its name, what it does, whether it changes the panel, its input schema.
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub changes: bool,
    /// Exit codes that are answers, not failures (drift's 3: drifted).
    pub ok_codes: &'static [i32],
    schema: fn() -> Value,
}

impl ToolSpec {
    pub fn schema(&self) -> Map<String, Value> {
        match (self.schema)() {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

fn servers_prop() -> Value {
    json!({ "type": "array", "items": { "type": "string" },
            "description": "servers: manifest addresses (server.lobby), globs (server.mc-*) or panel identifiers; empty: every server the manifests declare" })
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required })
}

fn confirmation_prop() -> Value {
    json!({ "type": "string", "description": "the token a first call returned; confirms this exact call" })
}

pub const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "plan",
        description: "What `roost apply` would change on the panel (JSON plan). Read-only.",
        changes: false,
        ok_codes: &[0],
        schema: || object(json!({}), &[]),
    },
    ToolSpec {
        name: "drift",
        description: "Where the panel differs from the manifests (JSON report). Read-only.",
        changes: false,
        ok_codes: &[0, 3],
        schema: || object(json!({}), &[]),
    },
    ToolSpec {
        name: "server_status",
        description: "State, CPU, memory, disk and uptime of servers (JSON). Read-only.",
        changes: false,
        ok_codes: &[0],
        schema: || object(json!({ "servers": servers_prop() }), &[]),
    },
    ToolSpec {
        name: "console_tail",
        description: "The last lines of a server's console. Read-only.",
        changes: false,
        ok_codes: &[0],
        schema: || {
            object(
                json!({ "server": { "type": "string" }, "lines": { "type": "integer", "minimum": 1, "maximum": 150 } }),
                &["server"],
            )
        },
    },
    ToolSpec {
        name: "backup_list",
        description: "The backups of servers (JSON). Read-only.",
        changes: false,
        ok_codes: &[0],
        schema: || object(json!({ "servers": servers_prop() }), &[]),
    },
    ToolSpec {
        name: "server_power",
        description: "Start, stop, restart or kill servers, waiting for the state. Changes the panel: needs the operator's --allow and a confirmation.",
        changes: true,
        ok_codes: &[0],
        schema: || {
            object(
                json!({ "servers": servers_prop(),
                        "signal": { "type": "string", "enum": ["start", "stop", "restart", "kill"] },
                        "confirmation": confirmation_prop() }),
                &["servers", "signal"],
            )
        },
    },
    ToolSpec {
        name: "server_command",
        description: "Send a console command to servers. Changes the panel: needs the operator's --allow and a confirmation.",
        changes: true,
        ok_codes: &[0],
        schema: || {
            object(
                json!({ "servers": servers_prop(), "command": { "type": "string" },
                        "confirmation": confirmation_prop() }),
                &["servers", "command"],
            )
        },
    },
    ToolSpec {
        name: "backup_create",
        description: "Back up servers and wait for the backups. Changes the panel: needs the operator's --allow and a confirmation.",
        changes: true,
        ok_codes: &[0],
        schema: || {
            object(
                json!({ "servers": servers_prop(), "name": { "type": "string" },
                        "confirmation": confirmation_prop() }),
                &["servers"],
            )
        },
    },
    ToolSpec {
        name: "apply_plan",
        description: "Apply a plan saved with `roost plan -o FILE` (refused if the panel changed since; never destructive changes). Changes the panel: needs the operator's --allow and a confirmation.",
        changes: true,
        ok_codes: &[0],
        schema: || {
            object(
                json!({ "plan_file": { "type": "string" }, "confirmation": confirmation_prop() }),
                &["plan_file"],
            )
        },
    },
];

pub fn find(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Where the commands run: the manifests, the panel, the rate limit.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub dir: String,
    pub panel: Option<String>,
    pub rate_limit: Option<u32>,
}

impl Context {
    fn reach(&self, with_dir: bool) -> Vec<String> {
        let mut v = Vec::new();
        if with_dir {
            v.extend(["--dir".to_string(), self.dir.clone()]);
        }
        if let Some(p) = &self.panel {
            v.extend(["--panel".to_string(), p.clone()]);
        }
        if let Some(r) = self.rate_limit {
            v.extend(["--rate-limit".to_string(), r.to_string()]);
        }
        v
    }
}

fn string(args: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Err(format!("`{key}` is empty")),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn required(args: &Map<String, Value>, key: &str) -> Result<String, String> {
    string(args, key)?.ok_or_else(|| format!("`{key}` is required"))
}

fn servers(args: &Map<String, Value>) -> Result<Vec<String>, String> {
    match args.get("servers") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v.as_str() {
                Some(s) if !s.is_empty() => Ok(s.to_string()),
                _ => Err("`servers` holds only non-empty strings".to_string()),
            })
            .collect(),
        Some(_) => Err("`servers` must be an array of strings".into()),
    }
}

/// The command line (after the program name) that carries out `tool` with `args`.
pub fn argv(
    tool: &ToolSpec,
    args: &Map<String, Value>,
    cx: &Context,
) -> Result<Vec<String>, String> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let with_all = |mut v: Vec<String>, sel: Vec<String>| {
        if sel.is_empty() {
            v.push("--all".into());
        }
        v.push("--".into());
        v.extend(sel);
        v
    };
    let out = match tool.name {
        "plan" => [
            s(&["plan", "--format", "json"]),
            cx.reach(false),
            s(&["--", &cx.dir]),
        ]
        .concat(),
        "drift" => [
            s(&["drift", "--format", "json"]),
            cx.reach(false),
            s(&["--", &cx.dir]),
        ]
        .concat(),
        "server_status" => with_all(
            [s(&["server", "status", "--format", "json"]), cx.reach(true)].concat(),
            servers(args)?,
        ),
        "backup_list" => with_all(
            [s(&["backup", "list", "--format", "json"]), cx.reach(true)].concat(),
            servers(args)?,
        ),
        "console_tail" => {
            let lines = match args.get("lines") {
                None | Some(Value::Null) => 50,
                Some(v) => v
                    .as_u64()
                    .filter(|n| (1..=150).contains(n))
                    .ok_or("`lines` is 1 to 150")?,
            };
            let server = required(args, "server")?;
            [
                s(&["server", "console", "--tail", &lines.to_string()]),
                cx.reach(true),
                vec!["--".into(), server],
            ]
            .concat()
        }
        "server_power" => {
            let signal = required(args, "signal")?;
            if !["start", "stop", "restart", "kill"].contains(&signal.as_str()) {
                return Err("`signal` is start, stop, restart or kill".into());
            }
            let sel = servers(args)?;
            if sel.is_empty() {
                return Err("`servers` names at least one server".into());
            }
            let base = [
                s(&[
                    "server",
                    "power",
                    "--yes",
                    "--wait",
                    "--timeout",
                    "5m",
                    "--format",
                    "json",
                ]),
                cx.reach(true),
            ]
            .concat();
            [base, vec!["--".into()], sel, vec![signal]].concat()
        }
        "server_command" => {
            let line = required(args, "command")?;
            let sel = servers(args)?;
            if sel.is_empty() {
                return Err("`servers` names at least one server".into());
            }
            let base = [
                s(&["server", "command", "--format", "json"]),
                cx.reach(true),
            ]
            .concat();
            [base, vec!["--".into()], sel, vec![line]].concat()
        }
        "backup_create" => {
            let mut base = [
                s(&["backup", "create", "--wait", "--format", "json"]),
                cx.reach(true),
            ]
            .concat();
            if let Some(n) = string(args, "name")? {
                base.extend(["--name".into(), n]);
            }
            let sel = servers(args)?;
            if sel.is_empty() {
                return Err("`servers` names at least one server".into());
            }
            [base, vec!["--".into()], sel].concat()
        }
        "apply_plan" => {
            let file = required(args, "plan_file")?;
            [
                s(&["apply", "--auto-approve", "--format", "json"]),
                cx.reach(false),
                vec!["--".into(), file],
            ]
            .concat()
        }
        other => return Err(format!("unknown tool `{other}`")),
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn cx() -> Context {
        Context {
            dir: "fleet".into(),
            panel: Some("https://panel.example".into()),
            rate_limit: None,
        }
    }

    #[test]
    fn values_never_become_flags() {
        let a = args(json!({"servers": ["server.lobby"], "command": "--help"}));
        let v = argv(find("server_command").unwrap(), &a, &cx()).unwrap();
        let dashdash = v.iter().position(|x| x == "--").unwrap();
        assert_eq!(&v[dashdash + 1..], ["server.lobby", "--help"]);
        assert!(v.contains(&"--panel".to_string()));
    }

    #[test]
    fn every_tool_has_a_schema_and_bad_arguments_are_refused() {
        for t in TOOLS {
            assert_eq!(t.schema()["type"], "object", "{}", t.name);
        }
        let power = find("server_power").unwrap();
        assert!(
            argv(
                power,
                &args(json!({"servers": ["x"], "signal": "hibernate"})),
                &cx()
            )
            .is_err()
        );
        assert!(argv(power, &args(json!({"signal": "stop"})), &cx()).is_err());
        assert!(
            argv(
                find("console_tail").unwrap(),
                &args(json!({"server": "x", "lines": 500})),
                &cx()
            )
            .is_err()
        );
        let status = argv(find("server_status").unwrap(), &args(json!({})), &cx()).unwrap();
        assert!(status.contains(&"--all".to_string()));
    }

    #[test]
    fn destructive_flags_are_never_offered() {
        let apply = argv(
            find("apply_plan").unwrap(),
            &args(json!({"plan_file": "plan.json"})),
            &cx(),
        )
        .unwrap();
        assert!(
            !apply
                .iter()
                .any(|a| a == "--allow-destroy" || a == "--force")
        );
    }
}
