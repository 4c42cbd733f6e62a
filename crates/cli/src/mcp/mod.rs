//! `roost mcp`: a Model Context Protocol server on stdio (rmcp), so AI agents can run the
//! day-2 workflows through roost's own commands and safety rails. stdout carries the protocol;
//! every call is audited as one JSON line on stderr.

mod gate;
mod tools;

use crate::connect::{BoxDiag, diag};
use crate::exit;
use gate::{Decision, Gate, audit_line};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tools::{Context, TOOLS};

#[derive(Debug, Clone, clap::Args)]
pub struct McpArgs {
    /// Directory of *.kdl manifests the tools work on.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The panel: a URL, or sim:PATH (default: $ROOST_PANEL, then the manifests).
    #[arg(long)]
    pub panel: Option<String>,
    /// Requests per minute for the commands the tools run (0 = off).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Allow a changing tool (server_power, server_command, backup_create, apply_plan);
    /// repeatable. Each call of it still needs a confirmation token.
    #[arg(long = "allow", value_name = "TOOL")]
    pub allow: Vec<String>,
}

/// The tools that change the panel: what `--allow` and the panel block's `mcp-allow` may name.
pub fn changing_tools() -> Vec<&'static str> {
    TOOLS.iter().filter(|t| t.changes).map(|t| t.name).collect()
}

/// The allowances of the manifests' panel block (`mcp-allow "server_power"`), checked when the
/// manifests load; none when `dir` holds no manifests.
fn panel_allowances(dir: &std::path::Path) -> Result<Vec<String>, BoxDiag> {
    let has_kdl = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "kdl"))
    });
    if !has_kdl {
        return Ok(Vec::new());
    }
    let manifest = crate::planning::load(dir)?;
    Ok(manifest.desired.panel.mcp_allow.clone())
}

struct Roost {
    cx: Context,
    gate: Arc<Mutex<Gate>>,
    program: PathBuf,
}

pub async fn run(args: McpArgs) -> Result<u8, BoxDiag> {
    for a in &args.allow {
        match tools::find(a) {
            Some(t) if t.changes => {}
            Some(_) => {
                return Err(diag(
                    "roost::mcp",
                    format!("`{a}` is read-only: it needs no --allow"),
                    "allow only changing tools",
                ));
            }
            None => {
                return Err(diag(
                    "roost::mcp",
                    format!("no tool `{a}`"),
                    format!("changing tools: {}", changing_tools().join(", ")),
                ));
            }
        }
    }
    let mut allowed = panel_allowances(&args.dir)?;
    allowed.extend(args.allow.iter().cloned());
    let program = std::env::current_exe().map_err(|e| {
        diag(
            "roost::mcp",
            format!("cannot find roost's own executable: {e}"),
            "run roost from a path that exists",
        )
    })?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id());
    let server = Roost {
        cx: Context {
            dir: args.dir.to_string_lossy().into_owned(),
            panel: args.panel,
            rate_limit: args.rate_limit,
        },
        gate: Arc::new(Mutex::new(Gate::new(allowed, seed))),
        program,
    };
    let running = server.serve(rmcp::transport::stdio()).await.map_err(|e| {
        diag(
            "roost::mcp",
            format!("the MCP session did not start: {e}"),
            "connect an MCP client on stdio",
        )
    })?;
    let _ = running.waiting().await;
    Ok(exit::OK)
}

impl ServerHandler for Roost {
    fn get_info(&self) -> ServerConfig {
        let mut config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        config.server_info = Implementation::new("roost", env!("CARGO_PKG_VERSION"));
        config.instructions = Some(
            "roost manages Pterodactyl/Pelican panels from KDL manifests. Read-only tools run freely. \
             A changing tool runs only if the operator allowed it, and only when called a second time \
             with the `confirmation` token the first call returns, with the same arguments."
                .into(),
        );
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let list = TOOLS
            .iter()
            .map(|t| Tool::new(t.name, t.description, Arc::new(t.schema())))
            .collect();
        Ok(ListToolsResult::with_all_items(list))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let args = request.arguments.unwrap_or_default();
        let Some(tool) = tools::find(&name) else {
            audit(&name, &args, "unknown tool");
            return Err(ErrorData::invalid_params(format!("no tool `{name}`"), None));
        };
        let decision = match self.gate.lock() {
            Ok(mut g) => g.decide(&name, tool.changes, &args, Instant::now()),
            Err(_) => Decision::Refuse("internal error: the gate is unavailable".into()),
        };
        let result = match decision {
            Decision::Refuse(why) => {
                audit(&name, &args, "refused");
                CallToolResult::error(vec![ContentBlock::text(why)])
            }
            Decision::Confirm(token) => {
                audit(&name, &args, "confirmation required");
                let text = json!({
                    "confirmation_required": true,
                    "confirmation": token,
                    "note": format!("nothing was done; call `{name}` again with the same arguments and \"confirmation\": \"{token}\" (valid {} s, once)", gate::TOKEN_LIFETIME.as_secs()),
                });
                CallToolResult::success(vec![ContentBlock::text(text.to_string())])
            }
            Decision::Run => match tools::argv(tool, &args, &self.cx) {
                Err(why) => {
                    audit(&name, &args, "invalid arguments");
                    CallToolResult::error(vec![ContentBlock::text(why)])
                }
                Ok(argv) => {
                    let (code, stdout, stderr) = self.execute(argv).await;
                    let ok = tool.ok_codes.contains(&code);
                    audit(&name, &args, &format!("exit {code}"));
                    let mut content = vec![ContentBlock::text(stdout)];
                    if !stderr.trim().is_empty() {
                        content.push(ContentBlock::text(format!(
                            "(stderr, exit {code})\n{stderr}"
                        )));
                    }
                    if ok {
                        CallToolResult::success(content)
                    } else {
                        CallToolResult::error(content)
                    }
                }
            },
        };
        Ok(result.into())
    }
}

impl Roost {
    /// Runs roost with `argv`; (exit code, stdout, stderr). stdin is closed: no prompt waits.
    async fn execute(&self, argv: Vec<String>) -> (i32, String, String) {
        let program = self.program.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(program)
                .args(argv)
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::null())
                .output()
        })
        .await;
        match out {
            Ok(Ok(o)) => (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            ),
            Ok(Err(e)) => (-1, String::new(), format!("could not run roost: {e}")),
            Err(e) => (-1, String::new(), format!("could not run roost: {e}")),
        }
    }
}

fn audit(tool: &str, args: &Map<String, Value>, outcome: &str) {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        audit_line(tool, args, outcome, ms)
    );
}
