//! `roost import`: write manifests that describe an existing panel.

use crate::connect::{BoxDiag, ConnectOptions, connect, diag, panel_error};
use crate::exit;
use crate::output;
use roost_import::{ImportOptions, Layout};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// One file per kind: nodes.kdl, users.kdl, servers.kdl...
    PerKind,
    /// One file per node with its servers (nodes/NODE.kdl).
    PerNode,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// Directory to write the manifests to (created; must hold no *.kdl files unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// Panel URL, or sim:PATH for the embedded simulator with its state in PATH.
    #[arg(long)]
    pub panel: Option<String>,
    /// Only these kinds (locations, nodes, users, servers); what they need comes along.
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// Only this node and its servers. Repeatable.
    #[arg(long = "node")]
    pub nodes: Vec<String>,
    /// Only servers of this owner (username). Repeatable.
    #[arg(long = "owner")]
    pub owners: Vec<String>,
    /// Only these servers (panel ids), comma-separated or repeated.
    #[arg(long = "server-id", value_delimiter = ',')]
    pub server_ids: Vec<u64>,
    /// How the written manifests are split into files.
    #[arg(long, value_enum, default_value_t = LayoutArg::PerKind)]
    pub layout: LayoutArg,
    /// The ownership namespace the manifests will use.
    #[arg(long, default_value = "roost:")]
    pub namespace: String,
    /// Overwrite *.kdl files already in --out.
    #[arg(long)]
    pub force: bool,
    /// Requests per minute to stay under (0 = off); default: the panel's limit.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// per_page of the panel listings.
    #[arg(long)]
    pub page_size: Option<u32>,
    /// Also import the servers' files matching these paths, comma-separated; `*` and `?` match
    /// within a file name (`server.properties,config/*.yml`). Text files are written beside the
    /// manifests as `source` files (files/SERVER/PATH); binary or too-large ones are skipped.
    #[arg(long, value_delimiter = ',')]
    pub files: Vec<String>,
}

pub async fn run(args: ImportArgs) -> Result<u8, BoxDiag> {
    let kinds = check_args(&args)?;
    let waits = crate::waits::WaitLine::new();
    let copts = ConnectOptions {
        panel: args.panel.clone(),
        rate_limit: args.rate_limit,
        page_size: args.page_size,
        on_wait: Some(waits.observer()),
        read_only: true,
    };
    let panel = connect(&copts, None).await?;
    let live = panel.client.read_live().await;
    let label = panel.label.clone();
    let mut live = match live {
        Ok(l) => l,
        Err(e) => {
            panel.close().await;
            return Err(panel_error(e));
        }
    };
    let opts = ImportOptions {
        kinds,
        nodes: args.nodes.clone(),
        owners: args.owners.clone(),
        server_ids: args.server_ids.clone(),
        layout: match args.layout {
            LayoutArg::PerKind => Layout::PerKind,
            LayoutArg::PerNode => Layout::PerNode,
        },
        namespace: args.namespace.clone(),
        panel_url: Some(label),
        template_min: 3,
    };
    // Schedules and subusers come through the Client API, one request per server and kind;
    // files only when asked.
    if let Err(e) = read_client_children(&panel, &opts, &args.files, &mut live).await {
        panel.close().await;
        return Err(e);
    }
    waits.clear();
    panel.close().await;
    let imported = roost_import::import(&live, &opts);
    write_out(&args.out, &imported)?;
    report(&args.out, &imported)
}

/// Writes the manifests and the files' sources under `out`, naming each on stdout.
fn write_out(out: &std::path::Path, imported: &roost_import::Imported) -> Result<(), BoxDiag> {
    let sources = imported.sources.iter().map(|(p, t)| (p, t));
    for (path, text) in imported.files.iter().map(|(p, t)| (p, t)).chain(sources) {
        let full = out.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                diag(
                    "roost::io",
                    format!("cannot create {}: {e}", parent.display()),
                    "check the path",
                )
            })?;
        }
        std::fs::write(&full, text).map_err(|e| {
            diag(
                "roost::io",
                format!("cannot write {}: {e}", full.display()),
                "check the path",
            )
        })?;
        output::stdout(&format!("{path}\n"));
    }
    Ok(())
}

/// What was imported, checked as `roost validate` would, and what to do next.
fn report(out: &std::path::Path, imported: &roost_import::Imported) -> Result<u8, BoxDiag> {
    for w in &imported.warnings {
        output::warn(&format!("warning: {w}"));
    }
    let counts: Vec<String> = imported
        .counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    output::status(&format!(
        "Imported {} into {}.",
        counts.join(", "),
        out.display()
    ));
    // The output must be valid manifests: check it the way `roost validate` would.
    if let Err(e) = crate::planning::load(out) {
        output::status(
            "The imported manifests do not validate (a bug in roost import, please report it):",
        );
        output::report(e.as_ref());
        return Ok(exit::ERROR);
    }
    if !imported.secrets.is_empty() {
        output::status(&format!(
            "Secret egg variables were not exported: before planning, set {} to the value{} the panel holds (each is named in a comment above its server's `env`).",
            imported.secrets.join(", "),
            if imported.secrets.len() == 1 { "" } else { "s" }
        ));
    }
    output::status(&format!(
        "Next: review them, then `roost plan {}`: it should only adopt (set roost's markers).",
        out.display()
    ));
    Ok(exit::OK)
}

/// The arguments checked before anything is read: the kinds named, the namespace, and an
/// output directory that holds no manifests (unless --force).
fn check_args(args: &ImportArgs) -> Result<std::collections::BTreeSet<roost_model::Kind>, BoxDiag> {
    let mut kinds = std::collections::BTreeSet::new();
    for k in &args.kinds {
        kinds.insert(roost_model::Kind::parse(k).ok_or_else(|| {
            diag(
                "roost::bad-kind",
                format!("`{k}` is not a kind of resource"),
                "use locations, nodes, users or servers",
            )
        })?);
    }
    if let Some(why) = roost_model::namespace_problem(&args.namespace) {
        return Err(diag(
            "roost::bad-namespace",
            format!("--namespace `{}` {why}", args.namespace),
            "end it with `:` or `/`, e.g. --namespace roost:",
        ));
    }
    if args.out.exists() && !args.force {
        let has_kdl = std::fs::read_dir(&args.out)
            .map(|rd| {
                rd.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "kdl") || e.path().is_dir())
            })
            .unwrap_or(false);
        if has_kdl {
            return Err(diag(
                "roost::out-exists",
                format!("{} already holds manifests", args.out.display()),
                "choose an empty directory, or pass --force to overwrite",
            ));
        }
    }
    Ok(kinds)
}

/// `*` and `?` within one name (no `/`), everything else literally.
fn glob_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// `config/*.yml` → (`/config`, `*.yml`): wildcards only in the file name.
fn split_pattern(pattern: &str) -> Result<(String, String), BoxDiag> {
    let path = pattern.trim().trim_start_matches('/');
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let bad = dir.contains(['*', '?']) || name.is_empty() || dir.split('/').any(|p| p == "..");
    if bad {
        return Err(diag(
            "roost::bad-pattern",
            format!(
                "--files `{pattern}`: wildcards may only stand in the file name, below the server's root"
            ),
            "write a directory, then a name pattern: `config/*.yml`, `server.properties`",
        ));
    }
    Ok((format!("/{dir}"), name.to_string()))
}

/// Reads the files of `servers` matching `patterns` into `live.files` (text ones with their
/// text), and says which matching files are skipped and why.
async fn import_files(
    api: &roost_panel::ClientApi,
    servers: &[(u64, String)],
    patterns: &[String],
    live: &mut roost_model::Live,
) -> Result<(), BoxDiag> {
    let split: Vec<(String, String)> = patterns
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| split_pattern(p))
        .collect::<Result<_, _>>()?;
    let read_error = |e: roost_panel::PanelError| {
        diag(
            "roost::file-read",
            format!("cannot read files through the Client API: {e}"),
            "the client key needs `file.read` and `file.read-content` on the servers",
        )
    };
    for (id, identifier) in servers {
        let mut dirs: Vec<&String> = split.iter().map(|(d, _)| d).collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            let listing = match api.list_files(identifier, dir).await {
                Ok(l) => l,
                // No such directory on this server (Pelican reports Wings' 404 as a 500).
                Err(e) if matches!(e.status(), Some(404 | 500)) => continue,
                Err(e) => return Err(read_error(e)),
            };
            for entry in listing.iter().filter(|e| e.is_file) {
                let wanted = split
                    .iter()
                    .any(|(d, n)| d == dir && glob_matches(n, &entry.name));
                if !wanted {
                    continue;
                }
                let path = format!("{}/{}", dir.trim_start_matches('/'), entry.name)
                    .trim_start_matches('/')
                    .to_string();
                let shown = format!("server {identifier}: /{path}");
                if entry.size > roost_model::FILE_EDIT_LIMIT {
                    output::status(&format!(
                        "skipped {shown}: {} bytes, over the panels' 4 MiB edit limit (declare it with a `source` file you keep yourself)",
                        entry.size
                    ));
                    continue;
                }
                let bytes = api
                    .file_contents(identifier, &format!("/{path}"))
                    .await
                    .map_err(read_error)?;
                let text =
                    roost_model::file_text(&bytes).filter(|_| bytes.len() as u64 == entry.size);
                let Some(text) = text else {
                    output::status(&format!(
                        "skipped {shown}: not a text file (binary files are declared by hand with `source`)"
                    ));
                    continue;
                };
                live.files.push(roost_model::LiveFile {
                    server_id: *id,
                    path,
                    size: entry.size,
                    modified_at: entry.modified_at.clone().unwrap_or_default(),
                    mode: entry.mode_bits.clone(),
                    sha256: Some(roost_model::sha256_hex(&bytes)),
                    text: Some(text.to_string()),
                });
            }
        }
    }
    Ok(())
}

/// What an import reads through the Client API: the chosen servers' schedules and subusers, and
/// with `--files` their matching files; without a client key only a note (an error with
/// `--files`).
async fn read_client_children(
    panel: &crate::connect::Panel,
    opts: &ImportOptions,
    patterns: &[String],
    live: &mut roost_model::Live,
) -> Result<(), BoxDiag> {
    let Some(api) = &panel.client_api else {
        output::status(&format!(
            "note: schedules and subusers are not imported: ${} (the client key) is not set",
            panel.client_token_env
        ));
        if patterns.is_empty() {
            return Ok(());
        }
        return Err(diag(
            "roost::no-client-key",
            "--files reads the servers' files through the Client API, but no client key is set",
            format!(
                "export {}=<client API key of a root admin>",
                panel.client_token_env
            ),
        ));
    };
    let kinds = vec![roost_model::Kind::Schedule, roost_model::Kind::Subuser];
    let servers: Vec<_> = roost_import::chosen_servers(live, opts)
        .into_iter()
        .map(|(id, identifier)| (id, identifier, kinds.clone()))
        .collect();
    roost_panel::read_server_level(api, &servers, live)
        .await
        .map_err(|e| crate::planning::client_read_error(&panel.client_token_env, e))?;
    for (id, r) in &live.server_level {
        if let roost_model::ServerLevelRead::Unreadable(why) = r {
            output::status(&format!(
                "warning: the schedules and subusers of server id {id} were not imported: {why}"
            ));
        }
    }
    if patterns.is_empty() {
        return Ok(());
    }
    let servers = roost_import::chosen_servers(live, opts);
    import_files(api, &servers, patterns, live).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_within_a_name() {
        assert!(glob_matches("*.yml", "paper.yml"));
        assert!(glob_matches("server.properties", "server.properties"));
        assert!(!glob_matches("*.yml", "paper.yaml"));
        assert!(glob_matches("?aper.*", "paper.yml"));
        assert_eq!(
            split_pattern("config/*.yml").unwrap(),
            ("/config".to_string(), "*.yml".to_string())
        );
        assert_eq!(
            split_pattern("/server.properties").unwrap(),
            ("/".to_string(), "server.properties".to_string())
        );
        assert!(split_pattern("*/x.yml").is_err());
        assert!(split_pattern("../x").is_err());
    }
}
