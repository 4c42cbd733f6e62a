//! Tiny regex engine (PCRE subset): literals, `.`, classes with ranges and \w\d\s, groups (incl.
//! `(?:`), alternation, `* + ? {n} {n,} {n,m}` (lazy suffix accepted), `^ $`, flag `i`.

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
}
