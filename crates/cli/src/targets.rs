//! `--target`: addresses (`server.lobby`, a parent such as `server.lobby` taking its databases
//! along, or a child `server.lobby/database.main`) and globs over the declared addresses
//! (`server.kim-*`, `server.*/database.main`), resolved against the manifests. The planner
//! receives plain addresses; the same resolution serves `plan` and `apply DIR`.

use crate::connect::{BoxDiag, diag};
use roost_model::Address;

/// Whether `pattern` is a glob rather than one address.
fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Whether `text` matches `pattern`: `*` any run of characters (`/` included), `?` one
/// character, everything else itself. Linear backtracking on the last `*`, no recursion.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The addresses `--target` names, in the order given, each once. Every pattern must name at
/// least one declared resource: a typo is an error, not an empty plan.
pub fn resolve(
    patterns: &[String],
    declared: impl Iterator<Item = Address>,
) -> Result<Vec<Address>, BoxDiag> {
    let declared: Vec<Address> = declared.collect();
    let mut out: Vec<Address> = Vec::new();
    for pattern in patterns {
        let matched: Vec<Address> = if is_glob(pattern) {
            let mut m: Vec<Address> = declared
                .iter()
                .filter(|a| glob_match(pattern, &a.to_string()))
                .cloned()
                .collect();
            m.sort();
            if m.is_empty() {
                return Err(diag(
                    "roost::bad-target",
                    format!(
                        "--target {pattern}: the glob matches no resource the manifests declare"
                    ),
                    "`*` matches any run of characters and `?` one, over the addresses `roost graph` lists (e.g. --target 'server.kim-*'; quote it so the shell does not expand it)",
                ));
            }
            m
        } else {
            let a: Address = pattern
                .parse()
                .map_err(|e: roost_model::AddressParseError| {
                    diag(
                        "roost::bad-target",
                        e.to_string(),
                        "write e.g. --target server.lobby or --target 'server.kim-*'",
                    )
                })?;
            if !declared.contains(&a) {
                return Err(diag(
                    "roost::bad-target",
                    format!("--target {a}: the manifests declare no such resource"),
                    "use an address that `roost graph` lists, or a glob such as 'server.kim-*'",
                ));
            }
            vec![a]
        };
        for a in matched {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{glob_match, resolve};
    use roost_model::Address;

    #[test]
    fn globs_match_as_shells_do() {
        assert!(glob_match("server.kim-*", "server.kim-1"));
        assert!(glob_match("server.kim-*", "server.kim-"));
        assert!(!glob_match("server.kim-*", "server.kimberly"));
        assert!(glob_match("server.*", "server.lobby/database.main"));
        assert!(glob_match(
            "server.*/database.main",
            "server.lobby/database.main"
        ));
        assert!(!glob_match(
            "server.*/database.main",
            "server.lobby/database.logs"
        ));
        assert!(glob_match("server.lobby-?", "server.lobby-2"));
        assert!(!glob_match("server.lobby-?", "server.lobby-12"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
        // Pathological patterns stay linear enough.
        let long = "a".repeat(10_000);
        assert!(!glob_match(&format!("{}b", "*a".repeat(50)), &long));
    }

    fn declared() -> Vec<Address> {
        ["server.kim-1", "server.kim-2", "server.lobby", "user.kim"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect()
    }

    #[test]
    fn targets_resolve_globs_and_addresses_once_each() {
        let got = resolve(
            &[
                "server.kim-*".into(),
                "server.kim-1".into(),
                "user.kim".into(),
            ],
            declared().into_iter(),
        )
        .unwrap();
        let got: Vec<String> = got.iter().map(|a| a.to_string()).collect();
        assert_eq!(got, ["server.kim-1", "server.kim-2", "user.kim"]);
    }

    #[test]
    fn a_target_that_names_nothing_is_an_error() {
        for bad in ["server.tim-*", "server.nope", "nonsense"] {
            let e = resolve(&[bad.into()], declared().into_iter()).unwrap_err();
            assert!(
                e.to_string().contains(bad) || bad == "nonsense",
                "{bad}: {e}"
            );
        }
    }
}
