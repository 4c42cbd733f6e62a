//! The `panel` block: connection defaults and policy, at most one in the whole set.

use crate::LoadOptions;
use crate::diag::{Problem, suggest};
use crate::ignore::{self, AttributeNames};
use crate::parse::{bool_field, fields, literal_secret, no_children, string_field, strings_field};
use crate::print::{Out, Style, q};
use crate::read::KdlNode;
use crate::value::{Entries, Reader, Sp, expect_args};
use roost_model::{Dialect, DialectChoice, Kind, PanelSettings};

pub const FIELDS: &[&str] = &[
    "url",
    "token-env",
    "client-token-env",
    "dialect",
    "namespace",
    "prune",
    "rate-limit",
    "delete-threshold",
    "ignore",
    "allow-destroy",
    "mcp-allow",
];

pub fn parse(r: &mut Reader, options: &LoadOptions, node: &KdlNode) -> PanelSettings {
    let attributes: AttributeNames = options.attributes;
    let mut panel = PanelSettings::default();
    let e = Entries::of(r, node, &[]);
    if let Some(a) = e.args.first() {
        let span = r.span(a.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "`panel` takes no name",
                span,
                "unexpected value",
            )
            .help("write `panel { url \"...\" }`"),
        );
    }
    for (field, child) in fields(r, node, "panel", FIELDS, &[]).list {
        match field {
            "url" => parse_url(r, child, &mut panel),
            "token-env" => {
                if let Some(v) =
                    parse_env_name(r, child, "token-env", "ROOST_TOKEN", "the API token")
                {
                    panel.token_env = v;
                }
            }
            "client-token-env" => {
                let example = "ROOST_CLIENT_TOKEN";
                let what = "the client API token";
                if let Some(v) = parse_env_name(r, child, "client-token-env", example, what) {
                    panel.client_token_env = v;
                }
            }
            "dialect" => parse_dialect(r, child, &mut panel),
            "namespace" => crate::ownership::parse_namespace(r, child, &mut panel),
            "prune" => parse_prune(r, child, &mut panel),
            "rate-limit" => {
                no_children(r, child);
                let e = Entries::of(r, child, &[]);
                if expect_args(r, child, &e.args, 1, "rate-limit 240")
                    && let Some(v) = r.int(e.args[0], 1, 100_000, "rate-limit", "rate-limit 240")
                {
                    panel.rate_limit = Some(v.v as u32);
                }
            }
            "allow-destroy" => {
                panel.allow_destroy = bool_field(r, child).map(|b| b.v).unwrap_or(false)
            }
            "delete-threshold" => parse_delete_threshold(r, child, &mut panel),
            "mcp-allow" => {
                for s in strings_field(r, child, "mcp-allow \"server_power\"") {
                    if check_mcp_tool(r, options.mcp_tools, &s) {
                        panel.mcp_allow.push(s.v);
                    }
                }
            }
            "ignore" => {
                for s in strings_field(r, child, "ignore \"server.*.description\"") {
                    if ignore::check_pattern(r, attributes, &s) {
                        panel.ignore.push(s.v);
                    }
                }
            }
            _ => {}
        }
    }
    panel
}

/// An `mcp-allow` entry names one of `roost mcp`'s changing tools (when the caller says which).
fn check_mcp_tool(
    r: &mut Reader,
    tools: Option<fn() -> Vec<&'static str>>,
    s: &Sp<String>,
) -> bool {
    let Some(tools) = tools else { return true };
    let known = tools();
    if known.contains(&s.v.as_str()) {
        return true;
    }
    let mut p = Problem::new(
        "roost::unknown-tool",
        format!("`{}` is not a changing tool of `roost mcp`", s.v),
        s.span,
        "unknown tool",
    );
    p = match suggest(&s.v, known.iter().copied()) {
        Some(best) => p.help(format!("did you mean `{best}`?")),
        None => p.help(format!(
            "changing tools: {} (read-only tools need no allowance)",
            known.join(", ")
        )),
    };
    r.push(p);
    false
}

fn parse_url(r: &mut Reader, child: &KdlNode, panel: &mut PanelSettings) {
    let Some(s) = string_field(r, child, 1, 2048, "url \"https://panel.example.com\"") else {
        return;
    };
    if !(s.v.starts_with("http://") || s.v.starts_with("https://")) {
        r.push(
            Problem::new(
                "roost::bad-url",
                format!("`{}` is not an http(s) URL", s.v),
                s.span,
                "not a URL",
            )
            .help("write the panel's root URL, e.g. \"https://panel.example.com\""),
        );
    } else {
        panel.url = Some(s.v.trim_end_matches('/').to_string());
    }
}

/// The name of an environment variable holding a token; a value that looks like the token
/// itself is refused (manifests live in git).
fn parse_env_name(
    r: &mut Reader,
    child: &KdlNode,
    field: &str,
    example: &str,
    what: &str,
) -> Option<String> {
    let hint = format!("{field} \"{example}\"");
    let s = string_field(r, child, 1, 255, &hint)?;
    if s.v.len() >= 40
        && !s
            .v
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        r.push(literal_secret(s.span, &hint, what));
        None
    } else {
        Some(s.v)
    }
}

fn parse_dialect(r: &mut Reader, child: &KdlNode, panel: &mut PanelSettings) {
    let Some(s) = string_field(r, child, 1, 32, "dialect \"pelican\"") else {
        return;
    };
    match s.v.as_str() {
        "auto" => panel.dialect = DialectChoice::Auto,
        other => match Dialect::parse(other) {
            Some(d) => panel.dialect = d.into(),
            None => {
                let mut p = Problem::new(
                    "roost::bad-value",
                    format!("unknown dialect `{other}`"),
                    s.span,
                    "unknown dialect",
                );
                p = match suggest(other, ["pterodactyl", "pelican", "auto"]) {
                    Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                    None => p.help("choose \"pterodactyl\", \"pelican\" or \"auto\""),
                };
                r.push(p);
            }
        },
    }
}

fn parse_prune(r: &mut Reader, child: &KdlNode, panel: &mut PanelSettings) {
    for s in strings_field(r, child, "prune \"servers\" \"users\"") {
        match Kind::parse(&s.v) {
            Some(Kind::File) => r.push(
                Problem::new(
                    "roost::bad-value",
                    "roost never deletes files: `files` cannot be pruned",
                    s.span,
                    "not prunable",
                )
                .help("only declared files are written; a file whose block left the manifests stays on the server (delete it with `roost files rm` if it must go)"),
            ),
            Some(k) => {
                panel.prune.insert(k);
            }
            None => {
                let plurals: Vec<&str> = Kind::ALL
                    .iter()
                    .filter(|k| **k != Kind::File)
                    .map(|k| k.plural())
                    .collect();
                let mut p = Problem::new(
                    "roost::bad-value",
                    format!("`{}` is not a kind of resource", s.v),
                    s.span,
                    "unknown kind",
                );
                p = match suggest(&s.v, plurals.iter().copied()) {
                    Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                    None => p.help(format!("kinds: {}", plurals.join(", "))),
                };
                r.push(p);
            }
        }
    }
}

fn parse_delete_threshold(r: &mut Reader, child: &KdlNode, panel: &mut PanelSettings) {
    no_children(r, child);
    let e = Entries::of(r, child, &["percent", "count"]);
    expect_args(r, child, &e.args, 0, "delete-threshold percent=10 count=20");
    if let Some(p) = e
        .prop("percent")
        .and_then(|p| r.int(p, 0, 100, "percent", "percent=10"))
    {
        panel.delete_threshold.percent = p.v as u32;
    }
    if let Some(c) = e
        .prop("count")
        .and_then(|c| r.int(c, 0, 1_000_000, "count", "count=20"))
    {
        panel.delete_threshold.count = Some(c.v as u32);
    }
    panel.delete_threshold.origin = Some(r.span(child.span()).origin());
}

pub(crate) fn print(o: &mut Out, p: &PanelSettings) {
    o.open("panel", "");
    if let Some(url) = &p.url {
        o.field("url", q(url));
    }
    let defaults = PanelSettings::default();
    if o.style == Style::Resolved || p.token_env != defaults.token_env {
        o.field("token-env", q(&p.token_env));
    }
    if o.style == Style::Resolved || p.client_token_env != defaults.client_token_env {
        o.field("client-token-env", q(&p.client_token_env));
    }
    let dialect = match p.dialect {
        DialectChoice::Auto => "auto",
        DialectChoice::Pterodactyl => "pterodactyl",
        DialectChoice::Pelican => "pelican",
    };
    o.field("dialect", q(dialect));
    match &p.previous_namespace {
        Some(prev) => o.field(
            "namespace",
            format!("{} previous={}", q(&p.namespace), q(prev)),
        ),
        None => o.field("namespace", q(&p.namespace)),
    }
    if !p.prune.is_empty() {
        let kinds: Vec<String> = p.prune.iter().map(|k| q(k.plural())).collect();
        o.field("prune", kinds.join(" "));
    }
    if let Some(r) = p.rate_limit {
        o.field("rate-limit", r);
    }
    if p.allow_destroy {
        o.field("allow-destroy", "#true");
    }
    let t = &p.delete_threshold;
    if t.percent != 10 || t.count.is_some() {
        let mut v = format!("percent={}", t.percent);
        if let Some(c) = t.count {
            v.push_str(&format!(" count={c}"));
        }
        o.field("delete-threshold", v);
    }
    o.ignore(&p.ignore);
    if !p.mcp_allow.is_empty() {
        let tools: Vec<String> = p.mcp_allow.iter().map(|t| q(t)).collect();
        o.field("mcp-allow", tools.join(" "));
    }
    o.close();
}
