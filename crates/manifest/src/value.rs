//! Typed reading of KDL entries: strings, integers, booleans, sizes with units, ports, ips.
//! Every failure becomes a [`Problem`] pointing at the entry.

use crate::diag::{Problem, Span};
use crate::number::{Decimal, NotDecimal};
use crate::read::{KdlEntry, KdlNode, KdlValue};
use roost_model::{EnvValue, SecretRef};
use std::net::IpAddr;

/// A value with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sp<T> {
    pub v: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(v: T, span: Span) -> Self {
        Sp { v, span }
    }
}

/// The name of the field an entry belongs to: its property name, or the first word of the
/// example written for it (`name "Survival #1"` → `name`).
fn field_name<'a>(entry: &'a KdlEntry, example: &'a str) -> &'a str {
    match entry.name() {
        Some(n) => n.value(),
        None => example
            .split_whitespace()
            .next()
            .and_then(|w| w.split('=').next())
            .unwrap_or("value"),
    }
}

pub(crate) fn type_name(v: &KdlValue) -> &'static str {
    match v {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a number with a fraction",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

/// Reads entries of one file, collecting problems.
pub struct Reader<'p> {
    pub file: u32,
    pub problems: &'p mut Vec<Problem>,
}

impl Reader<'_> {
    pub fn span(&self, s: miette::SourceSpan) -> Span {
        Span::new(self.file, s)
    }

    pub fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    pub fn wrong_type(&mut self, entry: &KdlEntry, what: &str, example: &str) {
        let span = self.span(entry.span());
        self.push(
            Problem::new(
                "roost::wrong-type",
                format!(
                    "`{}` must be {what}, not {}",
                    field_name(entry, example),
                    type_name(entry.value())
                ),
                span,
                format!("this is {}", type_name(entry.value())),
            )
            .help(format!("write it like this: {example}")),
        );
    }

    pub fn string(&mut self, entry: &KdlEntry, example: &str) -> Option<Sp<String>> {
        match entry.value() {
            KdlValue::String(s) => Some(Sp::new(s.clone(), self.span(entry.span()))),
            _ => {
                self.wrong_type(entry, "a string", example);
                None
            }
        }
    }

    pub fn boolean(&mut self, entry: &KdlEntry, example: &str) -> Option<Sp<bool>> {
        match entry.value() {
            KdlValue::Bool(b) => Some(Sp::new(*b, self.span(entry.span()))),
            KdlValue::String(s) if matches!(s.as_str(), "true" | "false" | "yes" | "no") => {
                let span = self.span(entry.span());
                self.push(
                    Problem::new(
                        "roost::wrong-type",
                        format!(
                            "`{}` must be a boolean, not a string",
                            field_name(entry, example)
                        ),
                        span,
                        "this is a string",
                    )
                    .help(format!(
                        "KDL booleans are #true and #false, without quotes: {example}"
                    )),
                );
                None
            }
            _ => {
                self.wrong_type(entry, "a boolean (#true or #false)", example);
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn int(
        &mut self,
        entry: &KdlEntry,
        min: i64,
        max: i64,
        what: &str,
        example: &str,
    ) -> Option<Sp<i64>> {
        let span = self.span(entry.span());
        match entry.value() {
            KdlValue::Integer(i) => {
                if *i < min as i128 || *i > max as i128 {
                    self.push(out_of_range(span, what, *i, min, max));
                    None
                } else {
                    Some(Sp::new(*i as i64, span))
                }
            }
            KdlValue::String(s) if s.trim().parse::<i64>().is_ok() => {
                self.push(
                    Problem::new(
                        "roost::wrong-type",
                        format!(
                            "`{}` must be an integer, not a string",
                            field_name(entry, example)
                        ),
                        span,
                        "this is a string",
                    )
                    .help(format!("write the number without quotes: {example}")),
                );
                None
            }
            _ => {
                self.wrong_type(entry, "an integer", example);
                None
            }
        }
    }

    /// A size in MiB: a bare integer is MiB; `(GiB)20` or `"20GiB"` carry an explicit unit.
    pub fn size(&mut self, entry: &KdlEntry, min: i64, max: i64, what: &str) -> Option<Sp<i64>> {
        let span = self.span(entry.span());
        let mib = match (entry.ty().map(|t| t.value()), entry.value()) {
            (None, KdlValue::Integer(i)) => Ok(*i),
            (Some(unit), KdlValue::Integer(i)) => unit_factor(unit)
                .map(|f| i.saturating_mul(f))
                .ok_or_else(|| format!("({unit}){i}")),
            (None, KdlValue::String(s)) => parse_size_text(s),
            (Some(unit), KdlValue::String(s)) => Err(format!("({unit})\"{s}\"")),
            _ => {
                let field = what.rsplit(' ').next().unwrap_or(what);
                self.wrong_type(
                    entry,
                    "a size",
                    &format!("{field} \"4GiB\" (a bare number is MiB)"),
                );
                return None;
            }
        };
        match mib {
            Ok(v) if v < min as i128 || v > max as i128 => {
                let written = written(entry);
                self.push(crate::number::size_out_of_range(
                    span, what, &written, v, min, max,
                ));
                None
            }
            Ok(v) => Some(Sp::new(v as i64, span)),
            Err(unit) => {
                self.push(bad_unit(span, &unit));
                None
            }
        }
    }
}

pub(crate) fn out_of_range(span: Span, what: &str, value: i128, min: i64, max: i64) -> Problem {
    crate::number::int_out_of_range(span, what, value, min, max)
}

/// A size entry's value as written: `20`, `(GiB)20`, `20GiB`.
fn written(entry: &KdlEntry) -> String {
    let value = match entry.value() {
        KdlValue::String(s) => s.clone(),
        v => v.to_string(),
    };
    match entry.ty() {
        Some(t) => format!("({}){value}", t.value()),
        None => value,
    }
}

fn bad_unit(span: Span, text: &str) -> Problem {
    const HELP: &str = "write sizes in MiB (a bare number), or with a binary unit: \"512MiB\", \"20GiB\", \"2TiB\" or (GiB)20. Decimal units such as GB or G are rejected because panels count in MiB and \"20GB\" could mean 20000 or 20480 MiB";
    // `20GB`, `20 g`, `(GB)20`: split into number and unit, whichever way round.
    let t = text.trim();
    let (num, unit, annotated) = match t.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((unit, num)) => (num.trim(), unit.trim(), true),
        None => {
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(t.len());
            (t[..split].trim(), t[split..].trim(), false)
        }
    };
    let Ok(n) = Decimal::parse(num) else {
        return Problem::new(
            "roost::bad-unit",
            format!("`{text}` is not a size roost understands"),
            span,
            "not a size",
        )
        .help(HELP);
    };
    let write = |u: &str| {
        if annotated {
            format!("({u}){num}")
        } else {
            format!("\"{num}{u}\"")
        }
    };
    if unit.is_empty() || unit_factor(unit).is_some() {
        // A binary unit, but the size is not a whole number of MiB.
        return Problem::new(
            "roost::bad-unit",
            format!("`{text}` is not a whole number of MiB"),
            span,
            "not whole MiB",
        )
        .help("the panels count memory and disk in whole MiB: write the size in MiB as a bare number, or a value that comes out whole");
    }
    let (binary, power): (&str, u32) = match unit.to_ascii_lowercase().as_str() {
        "m" | "mb" | "mib" => ("MiB", 0),
        "g" | "gb" | "gib" => ("GiB", 1),
        "t" | "tb" | "tib" => ("TiB", 2),
        _ => {
            return Problem::new(
                "roost::bad-unit",
                format!("`{text}` has a unit roost does not know: `{unit}`"),
                span,
                "unknown unit",
            )
            .help(HELP);
        }
    };
    // Exact, in MiB: the number times 1000 or 1024 per power.
    let decimal = n.times(1000i128.pow(power));
    let binary_mib = n.times(1024i128.pow(power));
    let message = match (decimal, binary_mib) {
        _ if unit.to_ascii_lowercase().ends_with("ib") => {
            format!("`{text}`: units are case-sensitive")
        }
        (Some(d), Some(b)) if power > 0 => {
            format!("`{text}` is ambiguous: {d} or {b} MiB?")
        }
        _ => format!("`{text}` is ambiguous: roost only takes binary units"),
    };
    let in_mib = binary_mib
        .map(|b| format!(" ({b} MiB)"))
        .unwrap_or_default();
    Problem::new("roost::bad-unit", message, span, format!("did you mean {}?", write(binary)))
        .help(format!(
            "write {}{in_mib}, as the panels count memory and disk in MiB; decimal and shortened units such as GB or G are rejected so that no size is guessed",
            write(binary),
        ))
}

fn unit_factor(unit: &str) -> Option<i128> {
    match unit {
        "MiB" => Some(1),
        "GiB" => Some(1024),
        "TiB" => Some(1024 * 1024),
        _ => None,
    }
}

/// "20GiB", "512 MiB", "1.5GiB" (must come out whole in MiB), "4096".
fn parse_size_text(text: &str) -> Result<i128, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(t.len());
    let (num, unit) = (t[..split].trim(), t[split..].trim());
    let factor = if unit.is_empty() {
        1
    } else {
        unit_factor(unit).ok_or_else(|| text.to_string())?
    };
    // Exactly (no float): a size too large to compute is beyond every maximum.
    match Decimal::parse(num).map(|n| n.times(factor)) {
        Ok(Some(mib)) => mib.whole().ok_or_else(|| text.to_string()),
        Ok(None) | Err(NotDecimal::TooLarge) => Ok(i128::MAX),
        Err(NotDecimal::Malformed) => Err(text.to_string()),
    }
}

/// `25565` or `"25565-25600"`; returns the inclusive range.
pub(crate) fn port_range(
    r: &mut Reader,
    entry: &KdlEntry,
    min_port: u16,
) -> Option<Sp<(u16, u16)>> {
    let span = r.span(entry.span());
    let (lo, hi) = match entry.value() {
        KdlValue::Integer(i) => (*i, *i),
        KdlValue::String(s) => match s.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<i128>(), b.trim().parse::<i128>()) {
                (Ok(a), Ok(b)) => (a, b),
                _ => {
                    r.push(bad_port(span, &format!("`{s}` is not a port range")));
                    return None;
                }
            },
            None => match s.trim().parse::<i128>() {
                Ok(p) => (p, p),
                Err(_) => {
                    r.push(bad_port(span, &format!("`{s}` is not a port")));
                    return None;
                }
            },
        },
        _ => {
            r.wrong_type(
                entry,
                "a port or a port range",
                "allocations \"10.0.0.5\" 25565 \"25566-25600\"",
            );
            return None;
        }
    };
    if lo > hi {
        r.push(
            bad_port(span, &format!("the range {lo}-{hi} runs backwards"))
                .help(format!("write \"{hi}-{lo}\"")),
        );
        return None;
    }
    for p in [lo, hi] {
        if p < min_port as i128 || p > 65535 {
            r.push(
                Problem::new(
                    "roost::bad-port",
                    format!("port {p} is not between {min_port} and 65535"),
                    span,
                    "port out of range",
                )
                .help(format!(
                    "the panel only allocates ports from {min_port} to 65535{}",
                    if min_port == 1025 {
                        " (Pterodactyl rejects 1024 and below)"
                    } else {
                        ""
                    }
                )),
            );
            return None;
        }
    }
    Some(Sp::new((lo as u16, hi as u16), span))
}

fn bad_port(span: Span, msg: &str) -> Problem {
    Problem::new("roost::bad-port", msg.to_string(), span, "bad port")
        .help("write a port as a number (25565) and a range as a string (\"25565-25600\")")
}

/// An IP literal, or a CIDR block expanded to its addresses (`prefix_min..=32` for IPv4).
pub(crate) fn ip_or_cidr(r: &mut Reader, s: &Sp<String>, prefix_min: u8) -> Option<Vec<IpAddr>> {
    let bad = |msg: String| {
        Problem::new("roost::bad-ip", msg, s.span, "not an IP address")
            .help("write an IPv4 or IPv6 address (\"10.0.0.5\", \"2001:db8::5\") or an IPv4 block (\"10.0.0.0/29\"); host names are not resolved")
    };
    if let Some((addr, prefix)) = s.v.split_once('/') {
        let base = match addr.parse::<IpAddr>() {
            Ok(IpAddr::V4(base)) => base,
            Ok(IpAddr::V6(_)) => {
                r.push(
                    Problem::new(
                        "roost::bad-ip",
                        format!("`{}` is an IPv6 block; only IPv4 blocks are expanded", s.v),
                        s.span,
                        "IPv6 block",
                    )
                    .help(format!(
                        "write the IPv6 addresses you use one by one, e.g. allocations \"{addr}1\" 25565"
                    )),
                );
                return None;
            }
            Err(_) => {
                r.push(bad(format!("`{}` is not an IPv4 CIDR block", s.v)));
                return None;
            }
        };
        let Ok(prefix) = prefix.parse::<u8>() else {
            r.push(bad(format!("`{}` has no valid prefix length", s.v)));
            return None;
        };
        if prefix > 32 {
            r.push(
                Problem::new(
                    "roost::bad-ip",
                    format!("`{}` has no valid prefix length: IPv4 prefixes end at /32", s.v),
                    s.span,
                    "invalid prefix",
                )
                .help(format!(
                    "write a block from /{prefix_min} to /32, e.g. \"{addr}/{prefix_min}\", or a single address \"{addr}\""
                )),
            );
            return None;
        }
        if prefix < prefix_min {
            r.push(
                Problem::new(
                    "roost::bad-ip",
                    format!(
                        "the block /{prefix} is too large: the panel accepts blocks from /{prefix_min} ({} addresses) to /32",
                        1u32 << (32 - prefix_min as u32)
                    ),
                    s.span,
                    "block too large",
                )
                .help(format!(
                    "split it into /{prefix_min} blocks, one `allocations` line each, or list only the addresses you use"
                )),
            );
            return None;
        }
        let base = u32::from(base) & (u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0));
        let count = 1u32 << (32 - prefix as u32);
        return Some((0..count).map(|i| IpAddr::V4((base + i).into())).collect());
    }
    match s.v.parse::<IpAddr>() {
        Ok(ip) => Some(vec![ip]),
        Err(_) => {
            r.push(bad(format!("`{}` is not an IP address", s.v)));
            None
        }
    }
}

/// The value of one egg variable: a literal (`"20"`, `20`, `#true`), or a secret read from
/// `(env)"VAR"` or `(file)"PATH"`. Other annotations are reported by `annotations::check`.
pub(crate) fn env_value(r: &mut Reader, entry: &KdlEntry) -> Option<EnvValue> {
    let source = entry.ty().map(|t| t.value());
    let value = entry.value();
    match (source, value) {
        (None, KdlValue::String(s)) => Some(EnvValue::Literal(s.clone())),
        (None, KdlValue::Integer(i)) => Some(EnvValue::Literal(i.to_string())),
        (None, KdlValue::Bool(b)) => Some(EnvValue::Literal(if *b { "1" } else { "0" }.into())),
        (None, _) => {
            r.wrong_type(entry, "a string", "env MAX_PLAYERS=\"20\"");
            None
        }
        (Some(kind @ ("env" | "file")), KdlValue::String(s)) => {
            let span = r.span(entry.span());
            let name = entry.name().map(|n| n.value()).unwrap_or("NAME");
            let bad_env = kind == "env"
                && (s.is_empty()
                    || s.starts_with(|c: char| c.is_ascii_digit())
                    || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            if bad_env || s.trim().is_empty() {
                let what = if kind == "env" {
                    "an environment variable name"
                } else {
                    "a file path"
                };
                r.push(
                    Problem::new(
                        "roost::bad-value",
                        format!("`({kind})\"{s}\"` is not {what}"),
                        span,
                        format!("not {what}"),
                    )
                    .help(format!(
                        "write {name}=(env)\"RUST_RCON_PASS\" (letters, digits and `_`) or {name}=(file)\"secrets/rcon.txt\""
                    )),
                );
                return None;
            }
            Some(EnvValue::Secret(if kind == "env" {
                SecretRef::Env(s.clone())
            } else {
                SecretRef::File(s.clone())
            }))
        }
        (Some(kind @ ("env" | "file")), _) => {
            let what = if kind == "env" {
                "the name of an environment variable, as a string"
            } else {
                "a file path, as a string"
            };
            r.wrong_type(entry, what, "env RCON_PASS=(env)\"RUST_RCON_PASS\"");
            None
        }
        (Some(_), _) => None,
    }
}

/// Positional arguments and properties of a node, checked against what the node accepts.
pub struct Entries<'n> {
    pub args: Vec<&'n KdlEntry>,
    pub props: Vec<(&'n str, &'n KdlEntry)>,
    /// Known properties that unknown ones were probably meant to be (already reported).
    pub misspelt: Vec<&'static str>,
}

impl<'n> Entries<'n> {
    /// Split entries, reporting properties not in `known` (with a suggestion) and repeated ones.
    pub fn of(r: &mut Reader, node: &'n KdlNode, known: &[&'static str]) -> Self {
        let mut args = Vec::new();
        let mut misspelt = Vec::new();
        let mut props: Vec<(&str, &KdlEntry)> = Vec::new();
        for e in node.entries() {
            match e.name() {
                None => args.push(e),
                Some(name) => {
                    let key = name.value();
                    if !known.contains(&key) {
                        let span = r.span(name.span());
                        let mut p = Problem::new(
                            "roost::unknown-property",
                            format!("`{}` has no property `{key}`", node.name().value()),
                            span,
                            "unknown property",
                        );
                        p = match crate::diag::suggest(key, known.iter().copied()) {
                            Some(s) => {
                                misspelt.push(s);
                                p.help(format!("did you mean `{s}`?"))
                            }
                            None if known.is_empty() => {
                                p.help(format!("`{}` takes no properties", node.name().value()))
                            }
                            None => p.help(format!("known properties: {}", known.join(", "))),
                        };
                        r.push(p);
                    } else if let Some((_, first)) = props.iter().find(|(k, _)| *k == key) {
                        let span = r.span(e.span());
                        let first = r.span(first.span());
                        r.push(
                            Problem::new(
                                "roost::duplicate",
                                format!("property `{key}` is set twice"),
                                span,
                                "set again here",
                            )
                            .label(first, "first set here")
                            .help("KDL keeps the last value silently; roost asks you to keep one"),
                        );
                    } else {
                        props.push((key, e));
                    }
                }
            }
        }
        Entries {
            args,
            props,
            misspelt,
        }
    }

    pub fn prop(&self, key: &str) -> Option<&'n KdlEntry> {
        self.props.iter().find(|(k, _)| *k == key).map(|(_, e)| *e)
    }
}

/// Exactly `n` positional arguments, or a problem naming what is missing or extra.
pub(crate) fn expect_args<'n>(
    r: &mut Reader,
    node: &'n KdlNode,
    args: &[&'n KdlEntry],
    n: usize,
    example: &str,
) -> bool {
    let name = node.name().value();
    if args.len() == n {
        return true;
    }
    if args.len() < n {
        let span = r.span(node.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                format!("`{name}` needs a value"),
                span,
                "value missing",
            )
            .help(format!("write it like this: {example}")),
        );
    } else {
        let extra = args[n];
        let span = r.span(extra.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                format!("`{name}` takes {n} value{}", if n == 1 { "" } else { "s" }),
                span,
                "unexpected value",
            )
            .help(format!("write it like this: {example}")),
        );
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_text_accepts_binary_units_only() {
        assert_eq!(parse_size_text("20GiB"), Ok(20480));
        assert_eq!(parse_size_text("512 MiB"), Ok(512));
        assert_eq!(parse_size_text("1.5GiB"), Ok(1536));
        assert_eq!(parse_size_text("2TiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size_text("4096"), Ok(4096));
        assert!(parse_size_text("20GB").is_err());
        assert!(parse_size_text("20G").is_err());
        assert!(parse_size_text("0.3MiB").is_err());
    }

    #[test]
    fn bad_sizes_say_what_is_wrong_with_them() {
        let msg = |t: &str| {
            let p = bad_unit(Span::default(), t);
            (p.message, p.labels[0].1.clone())
        };
        assert_eq!(
            msg("20GB"),
            (
                "`20GB` is ambiguous: 20000 or 20480 MiB?".into(),
                "did you mean \"20GiB\"?".into()
            )
        );
        assert_eq!(
            msg("(G)2"),
            (
                "`(G)2` is ambiguous: 2000 or 2048 MiB?".into(),
                "did you mean (GiB)2?".into()
            )
        );
        assert_eq!(msg("512MB").1, "did you mean \"512MiB\"?");
        assert_eq!(msg("8gib").0, "`8gib`: units are case-sensitive");
        // A known unit that does not come out whole is not an "unknown unit".
        assert_eq!(
            msg("0.3MiB"),
            (
                "`0.3MiB` is not a whole number of MiB".into(),
                "not whole MiB".into()
            )
        );
        assert_eq!(msg("32 gigs").1, "unknown unit");
        assert_eq!(msg("lots").1, "not a size");
    }
}
