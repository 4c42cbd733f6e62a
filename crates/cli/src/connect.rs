//! Reaching the panel: a real one by URL and token, or the embedded simulator (`sim:PATH`).

use miette::Diagnostic;
use roost_manifest::{Manifest, SourceDiagnostic};
use roost_model::{Dialect, Secret};
use roost_panel::{ClientConfig, PanelClient, RateLimit};
use roost_sim::{Sim, SimConfig, SimHandle};
use std::path::PathBuf;

pub type BoxDiag = Box<dyn Diagnostic + Send + Sync>;

pub fn diag(code: &'static str, message: impl Into<String>, help: impl Into<String>) -> BoxDiag {
    Box::new(SourceDiagnostic::without_source(
        code,
        message,
        Some(help.into()),
    ))
}

/// A connected panel. Holding it keeps an embedded simulator running.
pub struct Panel {
    pub client: std::sync::Arc<PanelClient>,
    /// A client key of the application key's owner (optional: from the variable the panel
    /// block's `client-token-env` names, default `ROOST_CLIENT_TOKEN`; the embedded
    /// simulator's own), to learn through the Client API who that owner is, so that user is
    /// never deleted.
    pub client_token: Option<Secret>,
    /// The name of that variable, for messages.
    pub client_token_env: String,
    /// The Client API with that key: how server-level state (schedules) is read and written.
    pub client_api: Option<roost_panel::ClientApi>,
    /// What the user named: the URL, or `sim:PATH`.
    pub label: String,
    pub sim: Option<SimHandle>,
}

impl Panel {
    pub async fn close(self) {
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--panel`: a URL or `sim:PATH`.
    pub panel: Option<String>,
    /// `--rate-limit`: requests per minute (0 = off).
    pub rate_limit: Option<u32>,
    pub page_size: Option<u32>,
    /// Told about every wait (rate limit, Retry-After, backoff).
    pub on_wait: Option<roost_panel::WaitObserver>,
    /// Build a client that refuses every request but GET.
    pub read_only: bool,
}

/// The dialect stored in an existing simulator state file, if any.
fn sim_file_dialect(path: &std::path::Path) -> Option<Dialect> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Dialect::parse(v.get("dialect")?.as_str()?)
}

pub async fn connect(opts: &ConnectOptions, manifest: Option<&Manifest>) -> Result<Panel, BoxDiag> {
    let settings = manifest
        .map(|m| m.desired.panel.clone())
        .unwrap_or_default();
    let target = opts.panel.clone().or_else(|| std::env::var("ROOST_PANEL").ok()).or(settings.url.clone()).ok_or_else(|| {
        diag(
            "roost::no-panel",
            "no panel to talk to",
            "pass --panel https://panel.example.com (or --panel sim:STATE.json for the embedded simulator), set ROOST_PANEL, or add `url` to the manifests' panel block",
        )
    })?;
    let expected = settings.dialect.known();
    if let Some(path) = target.strip_prefix("sim:") {
        let path = PathBuf::from(path);
        let dialect = sim_file_dialect(&path)
            .or(expected)
            .unwrap_or(Dialect::Pterodactyl);
        let mut config = SimConfig::new(dialect);
        config.state_file = Some(path.clone());
        // A local demo panel: no reason to wait for a rate limit nobody else shares.
        config.rate_limit = None;
        let sim = Sim::start(config).await.map_err(|e| {
            diag("roost::sim", format!("cannot start the embedded simulator with state {}: {e}", path.display()), "check that the directory exists and the file is a roost simulator state (or remove it to start empty)")
        })?;
        let mut cc = ClientConfig::new(sim.url(), Secret::new(sim.token()));
        cc.dialect = expected;
        // The embedded panel has no limit of its own; `--rate-limit` still paces the client.
        cc.rate_limit = match opts.rate_limit {
            Some(n) if n > 0 => RateLimit::PerMinute(n),
            _ => RateLimit::Off,
        };
        cc.on_wait = opts.on_wait.clone();
        cc.read_only = opts.read_only;
        if let Some(p) = opts.page_size {
            cc.page_size = p;
        }
        let client_token = Secret::new(sim.client_token());
        let client_api = client_api(&cc, &client_token)?;
        let client = std::sync::Arc::new(PanelClient::new(cc).map_err(panel_error)?);
        return Ok(Panel {
            client,
            client_api: Some(client_api),
            client_token: Some(client_token),
            client_token_env: settings.client_token_env.clone(),
            label: target,
            sim: Some(sim),
        });
    }
    if !(target.starts_with("http://") || target.starts_with("https://")) {
        return Err(diag(
            "roost::bad-panel",
            format!("`{target}` is not a panel"),
            "write an http(s) URL such as https://panel.example.com, or sim:PATH for the embedded simulator",
        ));
    }
    let var = settings.token_env.clone();
    let token = std::env::var(&var).ok().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        diag("roost::no-token", format!("the API token is not set: ${var} is empty"), format!("export {var}=<application API key> (create one in the panel under Admin → Application API)"))
    })?;
    let mut cc = ClientConfig::new(target.trim_end_matches('/'), Secret::new(token.trim()));
    cc.dialect = expected;
    cc.rate_limit = match opts.rate_limit.or(settings.rate_limit) {
        Some(0) => RateLimit::Off,
        Some(n) => RateLimit::PerMinute(n),
        None => RateLimit::Default,
    };
    if let Some(p) = opts.page_size {
        cc.page_size = p;
    }
    cc.on_wait = opts.on_wait.clone();
    cc.read_only = opts.read_only;
    let client_token = std::env::var(&settings.client_token_env)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(|t| Secret::new(t.trim()));
    let client_api = client_token
        .as_ref()
        .map(|t| client_api(&cc, t))
        .transpose()?;
    let client = std::sync::Arc::new(PanelClient::new(cc).map_err(panel_error)?);
    Ok(Panel {
        client,
        client_api,
        client_token,
        client_token_env: settings.client_token_env.clone(),
        label: target,
        sim: None,
    })
}

/// A Client API with the client key `token`, configured as the application client is (URL,
/// dialect, pacing, waits reported).
fn client_api(app: &ClientConfig, token: &Secret) -> Result<roost_panel::ClientApi, BoxDiag> {
    let mut cc = app.clone();
    cc.token = token.clone();
    // The Client API counts in its own per-user bucket; the application key's page size and
    // read-only switch do not apply to it differently.
    roost_panel::ClientApi::new(cc).map_err(panel_error)
}

/// A panel error as a diagnostic, with what to do about it.
pub fn panel_error(e: roost_panel::PanelError) -> BoxDiag {
    use roost_panel::PanelError as E;
    let help = match &e {
        E::Unauthorized { .. } => {
            "the token was refused: check the environment variable named by `token-env` (default ROOST_TOKEN) holds a valid application API key"
        }
        E::Forbidden { .. } => {
            "the key lacks a permission, or its owner is not an administrator: give the key read and write on every resource roost manages"
        }
        E::DialectMismatch { .. } => {
            "set `dialect` in the manifests' panel block to match the panel, or point --panel at the right panel"
        }
        E::Transport { .. } | E::Timeout { .. } => {
            "check the panel URL and that the panel is reachable from here"
        }
        E::RateLimited { .. } => {
            "the panel kept answering 429: lower --rate-limit or try again later"
        }
        E::Ambiguous { .. } => {
            "the panel may have applied the request: run `roost plan` to see the panel's state, then apply again"
        }
        _ => "see the panel's message above",
    };
    diag("roost::panel", e.to_string(), help)
}

/// The user owning the API key in use, when a client token lets the panel say; a token that is
/// set but refused is an error, never silently ignored.
pub async fn key_owner(panel: &Panel) -> Result<Option<roost_model::KeyOwner>, BoxDiag> {
    let Some(token) = &panel.client_token else {
        return Ok(None);
    };
    let var = &panel.client_token_env;
    panel.client.key_owner(token).await.map(Some).map_err(|e| {
        diag(
            "roost::client-token",
            format!("cannot ask the panel who owns the API key: {e}"),
            format!(
                "${var} (the panel block's `client-token-env`) must hold a client API key (Account → API Credentials) of the user who owns the application key; unset it to plan without (roost then treats every root admin as possibly that user)"
            ),
        )
    })
}
