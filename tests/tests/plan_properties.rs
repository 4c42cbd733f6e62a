//! Properties of `roost plan` that hold for any fleet:
//!
//! - after `roost apply`, planning the same manifests against the panel yields no changes
//!   (every example, the fixture fleets of both dialects, and the fixture fleets after each kind
//!   of edit);
//! - the plan does not depend on how the manifests are laid out: the same blocks split across
//!   other files and directories, in another order (shuffled with seeded RNGs), give the same
//!   JSON plan, byte for byte.

mod common;

use common::fleet;
use common::manifests::Fleet;
use common::panel::Panel;
use roost_sim::{Dialect, ServerParams};
use std::path::{Path, PathBuf};

/// The examples with their dialect.
fn examples() -> Vec<(PathBuf, Dialect)> {
    let mut out = Vec::new();
    let dirs = std::fs::read_dir(common::repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        // examples/ci/ holds CI pipelines, not manifests.
        .filter(|p| p.is_dir() && !p.ends_with("ci"))
        .flat_map(|p| common::example_sets(&p));
    for dir in dirs {
        let panel = kdl_files(&dir)
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect::<String>();
        let dialect = if panel.contains("dialect \"pelican\"") {
            Dialect::Pelican
        } else {
            Dialect::Pterodactyl
        };
        out.push((dir, dialect));
    }
    out.sort();
    assert!(out.len() >= 3, "the shipped examples: {out:?}");
    out
}

fn kdl_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(kdl_files(&p));
        } else if p.extension().is_some_and(|e| e == "kdl") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn assert_no_changes(panel: &Panel, dir: &Path, what: &str) {
    let run = panel.plan(dir, &["--detailed-exitcode"]);
    assert_eq!(
        run.code,
        Some(0),
        "{what}: planning right after apply must find nothing to do:\n{}",
        run.show()
    );
    assert!(run.stdout.contains("No changes."), "{what}: {}", run.stdout);
}

#[test]
fn every_example_converges() {
    for (dir, dialect) in examples() {
        let panel = Panel::start(dialect);
        // An example may declare schedules: run as a user with the client key would.
        panel.use_client_key();
        panel.apply_ok(&dir);
        assert_no_changes(&panel, &dir, &dir.display().to_string());
    }
}

/// Edits of the fixture fleet (file, from, to), each applied on top of the fleet.
const EDITS: &[(&str, &str, &str, &str)] = &[
    (
        "limits",
        "servers.kdl",
        r#"limits memory="2GiB" disk="10GiB" cpu=100"#,
        r#"limits memory="3GiB" disk="12GiB" cpu=150 io=700"#,
    ),
    (
        "startup",
        "servers.kdl",
        "        -Dterminal.jline=false\n",
        "        -Dterminal.jline=false -Dterminal.ansi=true\n",
    ),
    (
        "allocation",
        "servers.kdl",
        "allocation 25565\n",
        "allocation 25569\n",
    ),
    (
        "pool",
        "infra.kdl",
        r#""25565-25570" alias="play.example.com""#,
        r#""25565-25569" "25600-25602" alias="play.example.com""#,
    ),
    (
        "extra allocation",
        "servers.kdl",
        "additional-allocations 25567\n",
        "additional-allocations 25567 25600 25601\n",
    ),
    (
        "description",
        "servers.kdl",
        "The main survival world.",
        "Season 2",
    ),
    ("features", "servers.kdl", "backups=3", "backups=5"),
    (
        "user",
        "users.kdl",
        r#"email "bob@example.com""#,
        r#"email "bob@builders.example.com""#,
    ),
];

#[test]
fn fixture_fleets_converge_after_every_kind_of_edit() {
    for dialect in [Dialect::Pterodactyl, Dialect::Pelican] {
        let panel = Panel::start(dialect);
        panel.apply_ok(&fleet(dialect));
        assert_no_changes(&panel, &fleet(dialect), "the fixture fleet");
        // Each edit on top of the previous ones.
        let f = Fleet::copy(&fleet(dialect));
        for (what, file, from, to) in EDITS {
            f.edit(file, from, to);
            panel.apply_ok(f.path());
            assert_no_changes(
                &panel,
                f.path(),
                &format!("{dialect:?} after edit `{what}`"),
            );
        }
        // And a server leaving the manifests (pruned).
        let text = std::fs::read_to_string(f.path().join("servers.kdl")).unwrap();
        let start = text.find("server \"creative\"").unwrap();
        std::fs::write(f.path().join("servers.kdl"), &text[..start]).unwrap();
        panel.apply_ok(f.path());
        assert_no_changes(&panel, f.path(), &format!("{dialect:?} after pruning"));
    }
}

// ---------------------------------------------------------------------------------------------
// Layout and order

/// A small deterministic RNG (xorshift64*), so that a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// The top-level nodes of a KDL document, each with the comments above it. Strings (plain,
/// escaped and `"""` multi-line) and comments are skipped when counting braces.
fn top_level_blocks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut has_node = false;
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        if rest == "\"\"\"" {
            // Multi-line string: up to the closing """.
            let body: String = chars[i + 3..].iter().collect();
            let end = body.find("\"\"\"").expect("a closed multi-line string");
            let len = 3 + body[..end].chars().count() + 3;
            current.extend(&chars[i..i + len]);
            i += len;
            has_node = true;
            continue;
        }
        if c == '"' {
            let mut j = i + 1;
            while chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            current.extend(&chars[i..=j]);
            i = j + 1;
            has_node = true;
            continue;
        }
        if rest.starts_with("//") {
            while i < chars.len() && chars[i] != '\n' {
                current.push(chars[i]);
                i += 1;
            }
            continue;
        }
        if rest.starts_with("/*") {
            let body: String = chars[i..].iter().collect();
            let len = body.find("*/").expect("a closed block comment") + 2;
            current.extend(&chars[i..i + body[..len].chars().count()]);
            i += body[..len].chars().count();
            continue;
        }
        current.push(c);
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '\n' if depth == 0 && has_node => {
                blocks.push(std::mem::take(&mut current));
                has_node = false;
            }
            c if !c.is_whitespace() => has_node = true,
            _ => {}
        }
        i += 1;
    }
    if has_node {
        blocks.push(current);
    }
    blocks
}

/// The blocks of every file of `dir`, shuffled with `seed` and dealt into 1 to 4 files, some in
/// a subdirectory.
fn relayout(dir: &Path, seed: u64) -> tempfile::TempDir {
    let mut rng = Rng::new(seed);
    // Included files (examples/environments) are dealt in with the rest, their `include`
    // lines dropped: the relaid set must stand on its own.
    let mut files = kdl_files(dir);
    let common = dir.join("../common");
    if dir.parent().is_some_and(|p| p.ends_with("environments")) && common.is_dir() {
        files.extend(kdl_files(&common));
    }
    // Each block with the folder of the file it came from (relative to `dir`), for its
    // `source` paths, which are relative to the file that names them.
    let mut blocks: Vec<(PathBuf, String)> = files
        .iter()
        .flat_map(|f| {
            let from = f
                .parent()
                .unwrap()
                .strip_prefix(dir)
                .unwrap_or(Path::new(""))
                .to_path_buf();
            top_level_blocks(&std::fs::read_to_string(f).unwrap())
                .into_iter()
                .map(move |b| (from.clone(), b))
        })
        .filter(|(_, b)| !b.lines().any(|l| l.starts_with("include ")))
        .collect();
    rng.shuffle(&mut blocks);
    let files = 1 + rng.below(4);
    let mut texts = vec![String::new(); files];
    for (from, b) in blocks {
        let i = rng.below(files);
        // Odd parts go one folder down (`nested/`).
        let b = with_sources_moved(&b, &from, i % 2);
        let t = &mut texts[i];
        t.push_str(b.trim_start_matches('\n'));
        t.push('\n');
    }
    let out = tempfile::tempdir().unwrap();
    common::manifests::copy_non_kdl(dir, out.path());
    for (i, text) in texts.iter().enumerate() {
        let path = if i % 2 == 1 {
            out.path().join(format!("nested/part-{i}.kdl"))
        } else {
            out.path().join(format!("part-{i}.kdl"))
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    out
}

/// `block`'s `source "PATH"` paths, written in a file in folder `from`, rewritten for a file
/// `depth` folders below the manifest directory.
fn with_sources_moved(block: &str, from: &Path, depth: usize) -> String {
    let mut out = String::new();
    let mut rest = block;
    while let Some(at) = rest.find("source \"") {
        let start = at + "source \"".len();
        let Some(len) = rest[start..].find('"') else {
            break;
        };
        let mut parts: Vec<String> = Vec::new();
        for c in from.join(&rest[start..start + len]).components() {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        out.push_str(&rest[..start]);
        out.push_str(&"../".repeat(depth));
        out.push_str(&parts.join("/"));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_splitter_keeps_every_block() {
    for (dir, _) in examples() {
        for f in kdl_files(&dir) {
            let text = std::fs::read_to_string(&f).unwrap();
            let blocks = top_level_blocks(&text);
            assert_eq!(
                blocks.concat().trim_end(),
                text.trim_end(),
                "{}",
                f.display()
            );
        }
    }
    let blocks = top_level_blocks("// a\nx \"}\" {\n  y \"\"\"\n  {\n  \"\"\"\n}\nz 1\n");
    assert_eq!(
        blocks,
        ["// a\nx \"}\" {\n  y \"\"\"\n  {\n  \"\"\"\n}\n", "z 1\n"]
    );
}

/// The JSON plan of `dir`; it must exit 0. The directory it names (`manifests`, where file
/// secrets are read) is the one thing that may differ.
fn json_plan(panel: &Panel, dir: &Path) -> String {
    let run = panel.plan_as(dir, "json", &[]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let mut plan = run.json();
    let named = plan
        .as_object_mut()
        .and_then(|o| o.remove("manifests"))
        .and_then(|d| d.as_str().map(str::to_string));
    assert_eq!(
        named.as_deref(),
        dir.to_str(),
        "the plan names its manifests"
    );
    serde_json::to_string_pretty(&plan).expect("JSON")
}

const SEEDS: [u64; 4] = [1, 7, 42, 2026];

fn assert_layout_independent(panel: &Panel, dir: &Path) {
    let reference = json_plan(panel, dir);
    assert!(
        reference.contains("\"changes\": [\n"),
        "a plan with changes"
    );
    for seed in SEEDS {
        let other = relayout(dir, seed);
        let plan = json_plan(panel, other.path());
        assert!(
            plan == reference,
            "{} laid out with seed {seed} plans differently",
            dir.display()
        );
    }
}

#[test]
fn plan_does_not_depend_on_file_layout_or_block_order() {
    let mut dirs = examples();
    dirs.push((fleet(Dialect::Pterodactyl), Dialect::Pterodactyl));
    dirs.push((fleet(Dialect::Pelican), Dialect::Pelican));
    for (dir, dialect) in dirs {
        // Against an empty panel: every resource is created.
        let panel = Panel::start(dialect);
        panel.use_client_key();
        assert_layout_independent(&panel, &dir);
        // Against a panel that holds the fleet, changed out of band: updates, a delete and an
        // unmanaged server.
        panel.apply_ok(&dir);
        panel.mutate(|st| {
            let first = st.servers.values_mut().next().unwrap();
            first.memory += 512;
            first.name.push_str(" (renamed)");
            let (user, egg, node) = (first.user_id, first.egg_id, first.node_id);
            for (name, ext) in [("Ghost", Some("roost:ghost")), ("Stray", None)] {
                st.add_server(ServerParams {
                    name: name.into(),
                    user_id: user,
                    egg_id: egg,
                    node_id: Some(node),
                    external_id: ext.map(str::to_string),
                    ..ServerParams::default()
                });
            }
        });
        assert_layout_independent(&panel, &dir);
    }
}
