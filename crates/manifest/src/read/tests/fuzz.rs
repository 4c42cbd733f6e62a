//! A bounded fuzz corpus, deterministic and seeded:
//! - mutations of the examples, fixtures and specification cases: each case applies one to
//!   three of a flipped bit, a deleted run, an inserted piece of KDL syntax (braces, quotes,
//!   backslashes, slashes, `#`, `;`, `=`, parentheses, newlines, and the tokens made of them), a
//!   truncation, or a duplicated run;
//! - generated documents: nodes with every kind of name, value, type annotation, property,
//!   space, terminator, block and slashdash in random arrangements, then mutated up to twice.
//!   They reach arrangements no manifest holds (a slashdash before a block after a property…).

#[path = "../../../tests/rng/mod.rs"]
mod rng;

use rng::Rng;

/// How many cases of each kind the test runs (a few seconds in a debug build).
/// `ROOST_KDL_FUZZ_CASES` asks for more, to search further by hand.
pub(super) const CASES: usize = 3000;

/// What insertions draw from: KDL's significant characters, and tokens and characters that
/// exercise its corners (raw strings, multi-line strings, slashdash, comments, numbers,
/// escapes, unicode spaces and newlines, a BOM, a disallowed control character).
const PIECES: &[&str] = &[
    "{", "}", "\"", "\\", "/", "#", ";", "=", "(", ")", "\n", "\r\n", " ", "/-", "/*", "*/", "//",
    "\"\"\"", "#\"", "\"#", "##", "-", "+", ".", "_", "0x", "0b", "0o", "e", "1", "#true", "#null",
    "#inf", "\\u{", "\\n", "\\s", "\u{a0}", "\u{2028}", "\u{85}", "\u{feff}", "\u{7}", "\u{7f}",
    "\t", "\u{b}", "true", "[", "é", "\"\"\"\n", "\n\"\"\"",
];

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    let at = rng.below(len + 1);
    match rng.below(6) {
        0 if len > 0 => {
            let i = at.min(len - 1);
            bytes[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let end = (at + 1 + rng.below(8)).min(len);
            bytes.drain(at.min(len - 1)..end);
        }
        2 => {
            bytes.truncate(at);
        }
        3 if len > 0 => {
            let from = rng.below(len);
            let end = (from + 1 + rng.below(64)).min(len);
            let run = bytes[from..end].to_vec();
            bytes.splice(at..at, run);
        }
        _ => {
            let piece = rng.pick(PIECES).as_bytes();
            bytes.splice(at..at, piece.iter().copied());
        }
    }
}

fn count(default: usize) -> usize {
    std::env::var("ROOST_KDL_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// `count` cases (or `ROOST_KDL_FUZZ_CASES`), each a mutation of one of `bases`, named by its
/// base and number.
pub(super) fn mutations(bases: &[(String, String)], count: usize) -> Vec<(String, String)> {
    let count = self::count(count);
    let mut rng = Rng(0x726f_6f73_745f_6b64);
    (0..count)
        .map(|i| {
            let (name, text) = &bases[rng.below(bases.len())];
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..1 + rng.below(3) {
                mutate(&mut rng, &mut bytes);
            }
            // A flip may break UTF-8: the replacement character stands in, as for any text.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (format!("{name} #{i}"), text)
        })
        .collect()
}

const NAMES: &[&str] = &[
    "a",
    "node",
    "\"q n\"",
    "#\"raw\"#",
    "-",
    "+x",
    ".d",
    "é",
    "\"\"",
    "b-c_d",
    "\"\"\"\n  ml\n  \"\"\"",
];
const VALUES: &[&str] = &[
    "1",
    "-2",
    "1.5",
    "1e3",
    "0x1F",
    "0b1",
    "1_0",
    "+5",
    "#true",
    "#null",
    "#-inf",
    "#nan",
    "\"s\"",
    "\"a\\tb\"",
    "#\"r\"#",
    "word",
    "-.x",
    "\"\"\"\n  x\n  \"\"\"",
];
const TYPES: &[&str] = &["(t)", "( t ) ", "(\"t\")"];
const SLASHDASHES: &[&str] = &["/-", "/- ", "/-\n"];
const SPACES: &[&str] = &[
    " ",
    "  ",
    "\t",
    " /*c*/ ",
    "/*c*/",
    " \\\n ",
    " \\ // c\n",
    "\u{a0}",
];
const EQUALS: &[&str] = &["=", " = ", "= "];
const BEFORE_BLOCK: &[&str] = &[" ", "", " /-{ x } ", "\\\n"];
const AFTER_BLOCK: &[&str] = &[" /-{}", "/-{ y }", " /-z"];
const TERMINATORS: &[&str] = &[
    "\n", ";", "; ", "\r\n", " // c\n", "\n\n", "\u{2028}", ";\n",
];

impl Rng {
    /// One of `from`, as the text it borrows.
    fn word<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// `from` one time in `n`.
    fn maybe<'a>(&mut self, n: usize, from: &[&'a str]) -> &'a str {
        if self.below(n) == 0 {
            self.word(from)
        } else {
            ""
        }
    }
}

/// Up to three nodes, each maybe commented out and typed, with up to three entries and maybe a
/// block of the same (three levels at most).
fn generate_nodes(rng: &mut Rng, out: &mut String, depth: usize) {
    for _ in 0..rng.below(4) {
        out.push_str(rng.maybe(6, SLASHDASHES));
        out.push_str(rng.maybe(6, TYPES));
        out.push_str(rng.word(NAMES));
        for _ in 0..rng.below(4) {
            out.push_str(rng.word(SPACES));
            out.push_str(rng.maybe(6, SLASHDASHES));
            if rng.below(3) == 0 {
                out.push_str(rng.word(NAMES));
                out.push_str(rng.word(EQUALS));
            }
            out.push_str(rng.maybe(6, TYPES));
            out.push_str(rng.word(VALUES));
        }
        if depth < 3 && rng.below(3) == 0 {
            out.push_str(rng.word(BEFORE_BLOCK));
            out.push_str(rng.maybe(5, &["/-"]));
            out.push('{');
            out.push_str(rng.word(&["", "\n", " "]));
            generate_nodes(rng, out, depth + 1);
            out.push('}');
            out.push_str(rng.maybe(5, AFTER_BLOCK));
        }
        out.push_str(rng.maybe(8, SPACES));
        out.push_str(rng.word(TERMINATORS));
    }
}

/// `count` generated documents (or `ROOST_KDL_FUZZ_CASES`), each mutated up to twice.
pub(super) fn generated(count: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x6b64_6c5f_6765_6e73);
    (0..self::count(count))
        .map(|i| {
            let mut text = String::new();
            generate_nodes(&mut rng, &mut text, 0);
            let mut bytes = text.into_bytes();
            for _ in 0..rng.below(3) {
                mutate(&mut rng, &mut bytes);
            }
            (
                format!("generated #{i}"),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}
