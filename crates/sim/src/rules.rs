//! The subset of Laravel validation both panels rely on, with Laravel's semantics (implicit rules,
//! `nullable`, `sometimes`, stop-after-failed-`required`) and each panel's English messages, plus a
//! tiny backtracking regex engine for `regex:` rules (egg variables, node names, images).

use roost_model::Dialect;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub detail: String,
}

pub enum Rule<'a> {
    Required,
    Nullable,
    Present,
    Sometimes,
    Str,
    Integer,
    Numeric,
    Boolean,
    Array,
    Email,
    Min(f64),
    Max(f64),
    Between(f64, f64),
    Size(f64),
    In(Vec<String>),
    NotIn(Vec<String>),
    Regex(String),
    AlphaNum,
    AlphaDash,
    RequiredWith(String),
    RequiredWithout(String),
    PUsername,
    Exists(Box<dyn Fn(&Value) -> bool + 'a>),
    Unique(Box<dyn Fn(&Value) -> bool + 'a>),
    Unknown,
}

fn num_param(p: &str) -> f64 {
    p.trim().parse::<f64>().unwrap_or(0.0)
}

/// Parses one Laravel rule such as `max:20` or `regex:/^a$/`.
pub fn parse_rule<'a>(s: &str) -> Rule<'a> {
    let (name, param) = match s.split_once(':') {
        Some((n, p)) => (n.trim(), p),
        None => (s.trim(), ""),
    };
    let list = || param.split(',').map(|x| x.to_string()).collect::<Vec<_>>();
    match name {
        "required" => Rule::Required,
        "nullable" => Rule::Nullable,
        "present" => Rule::Present,
        "sometimes" => Rule::Sometimes,
        "string" => Rule::Str,
        "integer" | "int" => Rule::Integer,
        "numeric" => Rule::Numeric,
        "boolean" | "bool" => Rule::Boolean,
        "array" => Rule::Array,
        "email" => Rule::Email,
        "min" => Rule::Min(num_param(param)),
        "max" => Rule::Max(num_param(param)),
        "size" => Rule::Size(num_param(param)),
        "between" => {
            let (a, b) = param.split_once(',').unwrap_or((param, param));
            Rule::Between(num_param(a), num_param(b))
        }
        "in" => Rule::In(list()),
        "not_in" | "notIn" => Rule::NotIn(list()),
        "regex" => Rule::Regex(param.to_string()),
        "alpha_num" => Rule::AlphaNum,
        "alpha_dash" => Rule::AlphaDash,
        "required_with" => Rule::RequiredWith(param.to_string()),
        "required_without" => Rule::RequiredWithout(param.to_string()),
        // Rules the sim does not model are ignored rather than failing every value.
        _ => Rule::Unknown,
    }
}

/// Splits a `|`-rule string exactly like Laravel does (plain explode).
pub fn parse_rules<'a>(s: &str) -> Vec<Rule<'a>> {
    s.split('|')
        .filter(|x| !x.trim().is_empty())
        .map(parse_rule)
        .collect()
}

impl Rule<'_> {
    fn implicit(&self) -> bool {
        matches!(
            self,
            Rule::Required | Rule::Present | Rule::RequiredWith(_) | Rule::RequiredWithout(_)
        )
    }
    fn name(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Nullable => "nullable",
            Rule::Present => "present",
            Rule::Sometimes => "sometimes",
            Rule::Str => "string",
            Rule::Integer => "integer",
            Rule::Numeric => "numeric",
            Rule::Boolean => "boolean",
            Rule::Array => "array",
            Rule::Email => "email",
            Rule::Min(_) => "min",
            Rule::Max(_) => "max",
            Rule::Between(..) => "between",
            Rule::Size(_) => "size",
            Rule::In(_) => "in",
            Rule::NotIn(_) => "not_in",
            Rule::Regex(_) => "regex",
            Rule::AlphaNum => "alpha_num",
            Rule::AlphaDash => "alpha_dash",
            Rule::RequiredWith(_) => "required_with",
            Rule::RequiredWithout(_) => "required_without",
            Rule::PUsername => "p_username",
            Rule::Exists(_) => "exists",
            Rule::Unique(_) => "unique",
            Rule::Unknown => "unknown",
        }
    }
}

/// Laravel's `TrimStrings` + `ConvertEmptyStringsToNull`, applied recursively.
pub fn normalize(v: &mut Value) {
    match v {
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                *v = Value::Null;
            } else if t.len() != s.len() {
                *s = t.to_string();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        Value::Object(o) => o.values_mut().for_each(normalize),
        _ => {}
    }
}

pub fn get_path<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = root;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(o) => o.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        Value::String(s) => {
            let t = s.strip_prefix(['+', '-']).unwrap_or(s);
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty()
                || t.bytes()
                    .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
            {
                return None;
            }
            t.parse::<f64>().ok()
        }
        _ => None,
    }
}

pub fn is_bool(v: &Value) -> bool {
    match v {
        Value::Bool(_) => true,
        Value::Number(n) => n.as_i64().is_some_and(|i| i == 0 || i == 1),
        Value::String(s) => s == "0" || s == "1",
        _ => false,
    }
}

pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !(s.is_empty() || s == "0" || s.eq_ignore_ascii_case("false")),
        _ => false,
    }
}

/// PHP's `(string)` cast of a scalar.
pub fn php_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "Array".into(),
    }
}

fn filled(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => true,
    }
}

pub struct Validator<'i> {
    pub dialect: Dialect,
    pub input: &'i Value,
    pub errors: Vec<FieldError>,
}

impl<'i> Validator<'i> {
    pub fn new(dialect: Dialect, input: &'i Value) -> Self {
        Validator {
            dialect,
            input,
            errors: Vec::new(),
        }
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Validates `field` (dotted path) with a `|`-rule string plus extra rule objects.
    pub fn check(&mut self, field: &str, rules: &str) {
        self.check_with(field, None, rules, Vec::new());
    }

    pub fn check_with<'r>(
        &mut self,
        field: &str,
        display: Option<&str>,
        rules: &str,
        extra: Vec<Rule<'r>>,
    ) {
        let mut all = parse_rules(rules);
        all.extend(extra);
        let value = get_path(self.input, field);
        self.run(field, display, value, &all);
    }

    /// Validates an explicit value (egg variables are validated against a synthetic input).
    pub fn run(
        &mut self,
        field: &str,
        display: Option<&str>,
        value: Option<&Value>,
        rules: &[Rule],
    ) {
        let has_key = value.is_some();
        let val = value.unwrap_or(&Value::Null);
        if rules.iter().any(|r| matches!(r, Rule::Sometimes)) && !has_key {
            return;
        }
        let nullable = rules.iter().any(|r| matches!(r, Rule::Nullable));
        let numeric = rules
            .iter()
            .any(|r| matches!(r, Rule::Integer | Rule::Numeric));
        let display = display
            .map(str::to_string)
            .unwrap_or_else(|| field.replace('_', " "));
        for rule in rules {
            if matches!(rule, Rule::Nullable | Rule::Sometimes | Rule::Unknown) {
                continue;
            }
            let implicit = rule.implicit();
            if !implicit {
                if !has_key {
                    continue;
                }
                if let Value::String(s) = val
                    && s.trim().is_empty()
                {
                    continue;
                }
                if nullable && val.is_null() {
                    continue;
                }
            }
            if !self.passes(rule, has_key, val, numeric) {
                let detail = message(self.dialect, rule, &display, val, numeric);
                self.errors.push(FieldError {
                    field: field.to_string(),
                    rule: rule.name().to_string(),
                    detail,
                });
                if implicit {
                    break;
                }
            }
        }
    }

    fn passes(&self, rule: &Rule, has_key: bool, val: &Value, numeric: bool) -> bool {
        match rule {
            Rule::Required => filled(Some(val)),
            Rule::Present => has_key,
            Rule::RequiredWith(others) => {
                let any = others
                    .split(',')
                    .any(|o| filled(get_path(self.input, o.trim())));
                !any || filled(Some(val))
            }
            Rule::RequiredWithout(others) => {
                let missing = others
                    .split(',')
                    .any(|o| !filled(get_path(self.input, o.trim())));
                !missing || filled(Some(val))
            }
            Rule::Str => val.is_string(),
            Rule::Integer => is_integer(val),
            Rule::Numeric => as_number(val).is_some(),
            Rule::Boolean => is_bool(val),
            Rule::Array => val.is_array() || val.is_object(),
            Rule::Email => val.as_str().is_some_and(valid_email),
            Rule::Min(m) => size_of(val, numeric) >= *m,
            Rule::Max(m) => size_of(val, numeric) <= *m,
            Rule::Between(a, b) => {
                let s = size_of(val, numeric);
                s >= *a && s <= *b
            }
            Rule::Size(n) => size_of(val, numeric) == *n,
            Rule::In(list) => {
                !matches!(val, Value::Array(_) | Value::Object(_))
                    && list.contains(&php_string(val))
            }
            Rule::NotIn(list) => {
                matches!(val, Value::Array(_) | Value::Object(_))
                    || !list.contains(&php_string(val))
            }
            Rule::Regex(p) => match val {
                Value::String(_) | Value::Number(_) => {
                    Regex::parse_php(p).is_some_and(|r| r.is_match(&php_string(val)))
                }
                _ => false,
            },
            Rule::AlphaNum => match val {
                Value::String(_) | Value::Number(_) => {
                    php_string(val).chars().all(char::is_alphanumeric)
                }
                _ => false,
            },
            Rule::AlphaDash => match val {
                Value::String(_) | Value::Number(_) => php_string(val)
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_'),
                _ => false,
            },
            Rule::PUsername => val.as_str().is_some_and(|s| {
                Regex::parse_php(r"/^[a-z0-9]([\w\.-]+)[a-z0-9]$/")
                    .is_some_and(|r| r.is_match(&s.to_lowercase()))
            }),
            Rule::Exists(f) | Rule::Unique(f) => f(val),
            Rule::Nullable | Rule::Sometimes | Rule::Unknown => true,
        }
    }
}

fn valid_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((l, d)) => {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn size_of(v: &Value, numeric: bool) -> f64 {
    if numeric && let Some(n) = as_number(v) {
        return n;
    }
    match v {
        Value::Array(a) => a.len() as f64,
        Value::Object(o) => o.len() as f64,
        _ => php_string(v).chars().count() as f64,
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn message(d: Dialect, rule: &Rule, attr: &str, val: &Value, numeric: bool) -> String {
    let pt = d == Dialect::Pterodactyl;
    // PT ships the pre-Laravel-10 English file ("The x must be ..."), PL the current one
    // ("The x field must be ...").
    let must = if pt { "must" } else { "field must" };
    let kind = if numeric {
        0
    } else if val.is_array() || val.is_object() {
        1
    } else {
        2
    };
    match rule {
        Rule::Required => format!("The {attr} field is required."),
        Rule::Present => format!("The {attr} field must be present."),
        Rule::RequiredWith(o) => {
            format!(
                "The {attr} field is required when {} is present.",
                o.replace(',', " / ")
            )
        }
        Rule::RequiredWithout(o) => format!(
            "The {attr} field is required when {} is not present.",
            o.replace(',', " / ")
        ),
        Rule::Str => format!("The {attr} {must} be a string."),
        Rule::Integer => format!("The {attr} {must} be an integer."),
        Rule::Numeric => format!("The {attr} {must} be a number."),
        Rule::Boolean => format!("The {attr} field must be true or false."),
        Rule::Array => format!("The {attr} {must} be an array."),
        Rule::Email => format!("The {attr} {must} be a valid email address."),
        Rule::Min(m) => {
            let m = fmt_num(*m);
            match kind {
                0 => format!("The {attr} {must} be at least {m}."),
                1 => format!("The {attr} {must} have at least {m} items."),
                _ => format!("The {attr} {must} be at least {m} characters."),
            }
        }
        Rule::Max(m) => {
            let m = fmt_num(*m);
            let not = if pt { "may not" } else { "field must not" };
            match kind {
                0 => format!("The {attr} {not} be greater than {m}."),
                1 => {
                    if pt {
                        format!("The {attr} may not have more than {m} items.")
                    } else {
                        format!("The {attr} field must not have more than {m} items.")
                    }
                }
                _ => format!("The {attr} {not} be greater than {m} characters."),
            }
        }
        Rule::Between(a, b) => {
            let (a, b) = (fmt_num(*a), fmt_num(*b));
            match kind {
                0 => format!("The {attr} {must} be between {a} and {b}."),
                1 => format!("The {attr} {must} have between {a} and {b} items."),
                _ => format!("The {attr} {must} be between {a} and {b} characters."),
            }
        }
        Rule::Size(n) => {
            let n = fmt_num(*n);
            match kind {
                0 => format!("The {attr} {must} be {n}."),
                1 => format!("The {attr} {must} contain {n} items."),
                _ => format!("The {attr} {must} be {n} characters."),
            }
        }
        Rule::In(_) | Rule::NotIn(_) | Rule::Exists(_) => {
            format!("The selected {attr} is invalid.")
        }
        Rule::Regex(_) => {
            if pt {
                format!("The {attr} format is invalid.")
            } else {
                format!("The {attr} field format is invalid.")
            }
        }
        Rule::AlphaNum => {
            if pt {
                format!("The {attr} may only contain letters and numbers.")
            } else {
                format!("The {attr} field must only contain letters and numbers.")
            }
        }
        Rule::AlphaDash => {
            if pt {
                format!("The {attr} may only contain letters, numbers, dashes and underscores.")
            } else {
                format!(
                    "The {attr} field must only contain letters, numbers, dashes, and underscores."
                )
            }
        }
        Rule::Unique(_) => format!("The {attr} has already been taken."),
        Rule::PUsername => format!(
            "The {attr} must start and end with alpha-numeric characters and contain only letters, numbers, dashes, underscores, and periods."
        ),
        Rule::Nullable | Rule::Sometimes | Rule::Unknown => format!("The {attr} is invalid."),
    }
}

// ---------------------------------------------------------------------------------------------
// Tiny regex engine (PCRE subset): literals, `.`, classes with ranges and \w\d\s, groups (incl.
// `(?:`), alternation, `* + ? {n} {n,} {n,m}` (lazy suffix accepted), `^ $`, flag `i`.

#[derive(Debug, Clone)]
enum Item {
    Range(char, char),
    Word(bool),
    Digit(bool),
    Space(bool),
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<Item>, bool),
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[derive(Debug, Clone)]
pub struct Regex {
    alts: Vec<Vec<Node>>,
    icase: bool,
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }
    fn alts(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut alts = vec![self.seq()?];
        while self.peek() == Some('|') {
            self.i += 1;
            alts.push(self.seq()?);
        }
        Some(alts)
    }
    fn seq(&mut self) -> Option<Vec<Node>> {
        let mut seq = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.i += 1;
            let atom = match c {
                '(' => {
                    if self.c.get(self.i) == Some(&'?') && self.c.get(self.i + 1) == Some(&':') {
                        self.i += 2;
                    }
                    let a = self.alts()?;
                    if self.peek() != Some(')') {
                        return None;
                    }
                    self.i += 1;
                    Node::Group(a)
                }
                '[' => self.class()?,
                '.' => Node::Any,
                '^' => Node::Start,
                '$' => Node::End,
                '\\' => self
                    .escape(false)?
                    .map_or_else(Node::Char, |it| Node::Class(vec![it], false)),
                '*' | '+' | '?' | '{' => return None,
                c => Node::Char(c),
            };
            let atom = self.quant(atom)?;
            seq.push(atom);
        }
        Some(seq)
    }
    fn quant(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let rest: String = self.c[self.i + 1..].iter().collect();
                let end = rest.find('}')?;
                let body = &rest[..end];
                let (a, b) = match body.split_once(',') {
                    Some((a, "")) => (a.parse().ok()?, None),
                    Some((a, b)) => (a.parse().ok()?, Some(b.parse().ok()?)),
                    None => {
                        let n = body.parse().ok()?;
                        (n, Some(n))
                    }
                };
                self.i += end + 1;
                (a, b)
            }
            _ => return Some(atom),
        };
        self.i += 1;
        if matches!(self.peek(), Some('?') | Some('+')) {
            self.i += 1; // lazy/possessive: same match/no-match answer for our use
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }
    /// Returns Err(char) for a literal, Ok(item) for a class shorthand.
    fn escape(&mut self, _in_class: bool) -> Option<Result<Item, char>> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            'w' => Ok(Item::Word(false)),
            'W' => Ok(Item::Word(true)),
            'd' => Ok(Item::Digit(false)),
            'D' => Ok(Item::Digit(true)),
            's' => Ok(Item::Space(false)),
            'S' => Ok(Item::Space(true)),
            'n' => Err('\n'),
            't' => Err('\t'),
            'r' => Err('\r'),
            c => Err(c),
        })
    }
    fn class(&mut self) -> Option<Node> {
        let mut neg = false;
        if self.peek() == Some('^') {
            neg = true;
            self.i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Ok(it) => {
                        items.push(it);
                        continue;
                    }
                    Err(ch) => ch,
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.c.get(self.i + 1).is_some_and(|&n| n != ']') {
                self.i += 1;
                let mut hi = self.peek()?;
                self.i += 1;
                if hi == '\\' {
                    hi = match self.escape(true)? {
                        Err(ch) => ch,
                        Ok(_) => return None,
                    };
                }
                items.push(Item::Range(lo, hi));
            } else {
                items.push(Item::Range(lo, lo));
            }
        }
        Some(Node::Class(items, neg))
    }
}

impl Regex {
    /// Parses a PHP pattern with delimiters, e.g. `/^a+$/i`.
    pub fn parse_php(p: &str) -> Option<Regex> {
        let mut chars = p.chars();
        let delim = chars.next()?;
        let close = match delim {
            '(' => ')',
            '{' => '}',
            '[' => ']',
            '<' => '>',
            d if d.is_alphanumeric() || d == '\\' || d.is_whitespace() => return None,
            d => d,
        };
        let body = &p[delim.len_utf8()..];
        let end = body.rfind(close)?;
        let flags = &body[end + close.len_utf8()..];
        Regex::parse(&body[..end], flags.contains('i'))
    }

    pub fn parse(body: &str, icase: bool) -> Option<Regex> {
        let c: Vec<char> = body.chars().collect();
        let mut p = Parser { c: &c, i: 0 };
        let alts = p.alts()?;
        if p.i != c.len() {
            return None;
        }
        Some(Regex { alts, icase })
    }

    pub fn is_match(&self, s: &str) -> bool {
        let input: Vec<char> = s.chars().collect();
        let m = Matcher {
            input: &input,
            icase: self.icase,
        };
        (0..=input.len()).any(|start| self.alts.iter().any(|seq| m.seq(seq, start, &mut |_| true)))
    }
}

struct Matcher<'a> {
    input: &'a [char],
    icase: bool,
}

impl Matcher<'_> {
    fn one(&self, n: &Node, c: char) -> bool {
        match n {
            Node::Char(x) => *x == c || (self.icase && x.to_lowercase().eq(c.to_lowercase())),
            Node::Any => c != '\n',
            Node::Class(items, neg) => {
                let hit = items.iter().any(|it| match it {
                    Item::Range(a, b) => {
                        (*a..=*b).contains(&c)
                            || (self.icase
                                && ((*a..=*b).contains(&c.to_ascii_lowercase())
                                    || (*a..=*b).contains(&c.to_ascii_uppercase())))
                    }
                    Item::Word(n) => (c.is_ascii_alphanumeric() || c == '_') != *n,
                    Item::Digit(n) => c.is_ascii_digit() != *n,
                    Item::Space(n) => c.is_whitespace() != *n,
                });
                hit != *neg
            }
            _ => false,
        }
    }

    fn seq(&self, seq: &[Node], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match seq.split_first() {
            None => k(pos),
            Some((n, rest)) => self.node(n, pos, &mut |p| self.seq(rest, p, k)),
        }
    }

    fn node(&self, n: &Node, pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match n {
            Node::Char(_) | Node::Any | Node::Class(..) => {
                pos < self.input.len() && self.one(n, self.input[pos]) && k(pos + 1)
            }
            Node::Start => pos == 0 && k(pos),
            Node::End => {
                (pos == self.input.len()
                    || (pos + 1 == self.input.len() && self.input[pos] == '\n'))
                    && k(pos)
            }
            Node::Group(alts) => alts.iter().any(|seq| self.seq(seq, pos, k)),
            Node::Repeat(inner, min, max) => {
                if matches!(**inner, Node::Char(_) | Node::Any | Node::Class(..)) {
                    // Single-character atoms: iterate instead of recursing per character.
                    let mut n = 0usize;
                    let limit = max.map_or(usize::MAX, |m| m as usize);
                    while n < limit
                        && pos + n < self.input.len()
                        && self.one(inner, self.input[pos + n])
                    {
                        n += 1;
                    }
                    let min = *min as usize;
                    if n < min {
                        return false;
                    }
                    (min..=n).rev().any(|c| k(pos + c))
                } else {
                    self.rep(inner, *min, *max, 0, pos, k)
                }
            }
        }
    }

    fn rep(
        &self,
        inner: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        pos: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if max.is_none_or(|m| count < m)
            && self.node(inner, pos, &mut |p| {
                // An empty iteration cannot make progress; stop to avoid infinite recursion.
                if p == pos {
                    return false;
                }
                self.rep(inner, min, max, count + 1, p, k)
            })
        {
            return true;
        }
        count >= min && k(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn re(p: &str, s: &str) -> bool {
        Regex::parse_php(p).expect("pattern").is_match(s)
    }

    #[test]
    fn regex_subset() {
        let jar = r"/^([\w\d._-]+)(\.jar)$/";
        assert!(re(jar, "server.jar"));
        assert!(re(jar, "paper-1.20.jar"));
        assert!(!re(jar, "server.zip"));
        assert!(!re(jar, "bad name.jar"));
        assert!(re(r"/^[\w .-]{1,100}$/", "node 1.a"));
        assert!(!re(r"/^[\w .-]{1,100}$/", "node#1"));
        assert!(re(r"/^([\/][\d\w.\-\/]+)$/", "/var/lib/x"));
        assert!(re(r"/^[0-9-,]+$/", "0-1,3"));
        assert!(re(r"/^(latest|[0-9.]+)$/", "1.2"));
        assert!(re(r"/^(latest|[0-9.]+)$/", "latest"));
        assert!(!re(r"/^(latest|[0-9.]+)$/", "new"));
        assert!(re(r"/ab+c/i", "xxABBC"));
        assert!(re(r"/^(?:ab){2}$/", "abab"));
        assert!(!re(r"/^(?:ab){2}$/", "ababab"));
        assert!(Regex::parse_php("/(/").is_none());
    }

    #[test]
    fn laravel_semantics() {
        let input = json!({"a": null, "b": "x", "n": "12", "l": {"m": 1}});
        let mut v = Validator::new(Dialect::Pterodactyl, &input);
        v.check("a", "nullable|string|max:3");
        v.check("missing", "string|max:3");
        assert!(v.ok());
        v.check("a", "string");
        v.check("missing", "required|string");
        v.check("n", "required|integer|between:1,10");
        v.check("l.x", "required_with:l|numeric");
        let rules: Vec<_> = v.errors.iter().map(|e| e.rule.as_str()).collect();
        assert_eq!(rules, ["string", "required", "between", "required_with"]);
        assert_eq!(v.errors[2].detail, "The n must be between 1 and 10.");
        assert_eq!(
            v.errors[3].detail,
            "The l.x field is required when l is present."
        );
    }
}
