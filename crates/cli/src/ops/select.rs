//! Which servers a day-2 command acts on. A selector is a manifest address (`server.lobby`), a
//! glob over addresses (`server.mc-*`), `--all` (every server the manifests declare), or a
//! panel identifier (the 8-character handle or the uuid). Addresses resolve through roost's
//! marker on the live servers, exactly as `plan` matches them, so a command never reaches a
//! server the manifests do not mean.

use roost_model::{Desired, LiveServer, parse_marker};

/// What selectors need of the manifests: the namespace and each server's key and marker.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub namespace: String,
    /// (key, the external id roost gives it, whether the manifest sets that id itself).
    pub servers: Vec<(String, String, bool)>,
}

impl Declared {
    pub fn of(d: &Desired) -> Declared {
        Declared {
            namespace: d.panel.namespace.clone(),
            servers: d
                .servers
                .values()
                .map(|s| {
                    (
                        s.key.clone(),
                        d.server_external_id(s),
                        s.external_id.is_some(),
                    )
                })
                .collect(),
        }
    }
}

/// What selectors need of a live server.
#[derive(Debug, Clone, Default)]
pub struct Handle {
    pub identifier: String,
    pub uuid: String,
    pub external_id: Option<String>,
}

impl Handle {
    pub fn of(l: &LiveServer) -> Handle {
        Handle {
            identifier: l.identifier.clone(),
            uuid: l.uuid.clone(),
            external_id: l.external_id.clone(),
        }
    }
}

/// One selector as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `server.KEY`, or a glob of such (`*` any run of characters, `?` one).
    Address(String),
    /// An identifier or uuid the panel knows the server by.
    Panel(String),
}

/// A server a command acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What to call it in output: its address, or the identifier it was selected by.
    pub label: String,
    /// How the Client API addresses it (identifier or uuid).
    pub handle: String,
}

/// Reads a selector: `server.…` is an address; 8 hex characters or a uuid are a panel handle.
pub fn parse(text: &str) -> Result<Selector, String> {
    if let Some(key) = text.strip_prefix("server.") {
        if key.is_empty() {
            return Err(format!("`{text}` names no server: write server.KEY"));
        }
        return Ok(Selector::Address(key.to_string()));
    }
    if is_identifier(text) || is_uuid(text) {
        return Ok(Selector::Panel(text.to_string()));
    }
    Err(format!(
        "`{text}` is neither a server address nor a panel identifier: write server.{text} for the server declared as `server \"{text}\"`, a glob such as server.mc-*, or the server's 8-character identifier"
    ))
}

fn is_identifier(s: &str) -> bool {
    s.len() == 8 && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether any selector needs the manifests (an address or `--all`).
pub fn needs_manifests(selectors: &[Selector], all: bool) -> bool {
    all || selectors.iter().any(|s| matches!(s, Selector::Address(_)))
}

/// The servers `selectors` (and `--all`) name, each once, in the order named. Every selector
/// must match at least one server: a typo is an error, never an empty run.
pub fn resolve(
    selectors: &[Selector],
    all: bool,
    desired: Option<&Declared>,
    live: &[Handle],
) -> Result<Vec<Target>, Vec<String>> {
    let mut targets: Vec<Target> = Vec::new();
    let mut errors = Vec::new();
    let push = |t: Target, targets: &mut Vec<Target>| {
        if !targets.iter().any(|x| x.handle == t.handle) {
            targets.push(t);
        }
    };
    let declared_keys: Vec<&String> = desired
        .map(|d| d.servers.iter().map(|(k, _, _)| k).collect())
        .unwrap_or_default();
    let mut patterns: Vec<(String, bool)> = selectors
        .iter()
        .filter_map(|s| match s {
            Selector::Address(p) => Some((p.clone(), false)),
            Selector::Panel(_) => None,
        })
        .collect();
    if all {
        patterns.push(("*".into(), true));
    }
    for (pattern, is_all) in &patterns {
        let keys: Vec<&&String> = declared_keys.iter().filter(|k| glob(pattern, k)).collect();
        if keys.is_empty() {
            errors.push(match is_all {
                true => "--all: the manifests declare no server".to_string(),
                false => no_match(pattern, &declared_keys),
            });
        }
        for key in keys {
            match desired.and_then(|d| find_live(d, key, live)) {
                Some(s) => push(
                    Target {
                        label: format!("server.{key}"),
                        handle: s.identifier.clone(),
                    },
                    &mut targets,
                ),
                None => errors.push(format!(
                    "server.{key} is declared but not on the panel (no server carries its marker): run `roost apply` first"
                )),
            }
        }
    }
    for s in selectors {
        if let Selector::Panel(handle) = s {
            let label = live
                .iter()
                .find(|l| &l.identifier == handle || &l.uuid == handle)
                .and_then(|l| desired.and_then(|d| address_of(d, l)))
                .unwrap_or_else(|| handle.clone());
            push(
                Target {
                    label,
                    handle: handle.clone(),
                },
                &mut targets,
            );
        }
    }
    if errors.is_empty() {
        Ok(targets)
    } else {
        Err(errors)
    }
}

/// The live server roost's marker (or the manifest's own `external-id`) ties to `key`; with
/// roost's marker, protected or not.
fn find_live<'a>(d: &Declared, key: &str, live: &'a [Handle]) -> Option<&'a Handle> {
    let (_, wanted, explicit) = d.servers.iter().find(|(k, _, _)| k == key)?;
    live.iter().find(|l| match l.external_id.as_deref() {
        Some(ext) if ext == wanted => true,
        Some(ext) => !explicit && parse_marker(&d.namespace, ext).is_some_and(|(k, _)| k == key),
        None => false,
    })
}

/// The address of a live server the manifests declare, if they do.
fn address_of(d: &Declared, l: &Handle) -> Option<String> {
    d.servers
        .iter()
        .find(|(k, _, _)| find_live(d, k, std::slice::from_ref(l)).is_some())
        .map(|(k, _, _)| format!("server.{k}"))
}

fn no_match(pattern: &str, declared: &[&String]) -> String {
    let near = declared
        .iter()
        .map(|k| (strsim_distance(pattern, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!(": did you mean server.{k}?"))
        .unwrap_or_else(|| {
            ": check the name, or pass --dir with the manifests that declare it".into()
        });
    format!("server.{pattern} matches no server the manifests declare{near}")
}

/// Levenshtein distance, for did-you-mean on short names.
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `*` matches any run of characters, `?` one; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            back = Some((pi, ti));
            pi += 1;
        } else if let Some((bp, bt)) = back {
            pi = bp + 1;
            ti = bt + 1;
            back = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(keys: &[&str]) -> Declared {
        Declared {
            namespace: "roost:".into(),
            servers: keys
                .iter()
                .map(|k| (k.to_string(), format!("roost:{k}"), false))
                .collect(),
        }
    }

    fn live(ident: &str, ext: Option<&str>) -> Handle {
        Handle {
            identifier: ident.into(),
            uuid: format!("{ident}-0000-4000-8000-000000000000"),
            external_id: ext.map(str::to_string),
        }
    }

    #[test]
    fn selectors_are_addresses_or_panel_handles() {
        assert_eq!(parse("server.lobby"), Ok(Selector::Address("lobby".into())));
        assert_eq!(parse("1a2b3c4d"), Ok(Selector::Panel("1a2b3c4d".into())));
        let uuid = "1a2b3c4d-0000-4000-8000-000000000000";
        assert_eq!(parse(uuid), Ok(Selector::Panel(uuid.into())));
        let e = parse("lobby").unwrap_err();
        assert!(e.contains("server.lobby"), "{e}");
        assert!(parse("server.").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob("mc-*", "mc-lobby"));
        assert!(glob("*", "x"));
        assert!(glob("mc-?", "mc-1"));
        assert!(!glob("mc-?", "mc-12"));
        assert!(glob("*-eu-*", "mc-eu-1"));
        assert!(!glob("mc-*", "lobby"));
        assert!(glob("lobby", "lobby"));
    }

    #[test]
    fn addresses_resolve_through_the_marker_only() {
        let d = desired(&["lobby", "mc-1", "mc-2"]);
        let l = vec![
            live("aaaaaaaa", Some("roost:lobby")),
            live("bbbbbbbb", Some("roost:mc-1!")),
            live("cccccccc", Some("other:mc-2")),
            live("dddddddd", Some("roost:mc-2")),
        ];
        let sel = [
            parse("server.mc-*").unwrap(),
            parse("server.lobby").unwrap(),
        ];
        let t = resolve(&sel, false, Some(&d), &l).unwrap();
        let handles: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.label.as_str(), t.handle.as_str()))
            .collect();
        assert_eq!(
            handles,
            [
                ("server.mc-1", "bbbbbbbb"),
                ("server.mc-2", "dddddddd"),
                ("server.lobby", "aaaaaaaa")
            ]
        );
    }

    #[test]
    fn all_names_every_declared_server_once_and_panel_handles_get_their_address() {
        let d = desired(&["lobby"]);
        let l = vec![live("aaaaaaaa", Some("roost:lobby"))];
        let sel = [parse("aaaaaaaa").unwrap()];
        let t = resolve(&sel, true, Some(&d), &l).unwrap();
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].label, "server.lobby");
    }

    #[test]
    fn a_typo_or_a_server_not_yet_created_is_an_error_not_an_empty_run() {
        let d = desired(&["lobby", "survival"]);
        let l = vec![live("aaaaaaaa", Some("roost:lobby"))];
        let e = resolve(&[parse("server.loby").unwrap()], false, Some(&d), &l).unwrap_err();
        assert!(e[0].contains("did you mean server.lobby"), "{e:?}");
        let e = resolve(&[parse("server.survival").unwrap()], false, Some(&d), &l).unwrap_err();
        assert!(e[0].contains("roost apply"), "{e:?}");
        let e = resolve(&[], true, Some(&desired(&[])), &l).unwrap_err();
        assert!(e[0].contains("declare no server"), "{e:?}");
    }
}
