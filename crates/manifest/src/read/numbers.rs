//! Values other than strings: keywords (`#true`, `#null`, `#inf`, …) and numbers, decided
//! integer or float exactly as the `kdl` crate decides (`KdlValue::Integer` holds an `i128`).

use super::KdlValue;
use super::cursor::{Cursor, Fail, R, cut};

const KEYWORDS: &[(&str, KdlValue)] = &[
    ("true", KdlValue::Bool(true)),
    ("false", KdlValue::Bool(false)),
    ("null", KdlValue::Null),
    ("nan", KdlValue::Float(f64::NAN)),
    ("inf", KdlValue::Float(f64::INFINITY)),
    ("-inf", KdlValue::Float(f64::NEG_INFINITY)),
];

impl Cursor<'_> {
    /// `#true`, `#false`, `#null`, `#nan`, `#inf`, `#-inf`. Like the `kdl` crate, nothing is
    /// checked after the keyword (`#true{}` is an argument and a block); what follows it must
    /// still make sense to the node.
    pub fn keyword(&mut self) -> R<KdlValue> {
        if self.byte() != Some(b'#') || matches!(self.byte_at(self.pos + 1), Some(b'#' | b'"')) {
            return Err(Fail::Back);
        }
        self.pos += 1;
        for (word, value) in KEYWORDS {
            if self.eat(word) {
                return Ok(value.clone());
            }
        }
        Err(Fail::Reject)
    }

    /// `number`: a float if it has a fraction or an exponent, else an integer.
    pub fn number(&mut self) -> R<KdlValue> {
        let start = self.pos;
        match self.float() {
            Err(Fail::Back) => self.pos = start,
            other => return other,
        }
        self.integer()
    }

    fn sign(&mut self) -> bool {
        match self.byte() {
            Some(b'-') => {
                self.pos += 1;
                false
            }
            Some(b'+') => {
                self.pos += 1;
                true
            }
            _ => true,
        }
    }

    /// Digits of `radix` and `_` (not first): their value, which must fit an `i128` (else
    /// `Back`, as the `kdl` crate's `try_map`).
    fn digits(&mut self, radix: u32) -> R<i128> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        if !bytes
            .get(start)
            .is_some_and(|b| (*b as char).is_digit(radix))
        {
            return Err(Fail::Back);
        }
        let mut value: Option<i128> = Some(0);
        while let Some(&b) = bytes.get(self.pos) {
            if b == b'_' {
                self.pos += 1;
                continue;
            }
            let Some(d) = (b as char).to_digit(radix) else {
                break;
            };
            value = value
                .and_then(|v| v.checked_mul(i128::from(radix)))
                .and_then(|v| v.checked_add(i128::from(d)));
            self.pos += 1;
        }
        value.ok_or(Fail::Back)
    }

    /// `sign? integer` (the `kdl` crate's `decimal`).
    fn decimal(&mut self) -> R<i128> {
        let positive = self.sign();
        let v = self.digits(10)?;
        Ok(if positive { v } else { -v })
    }

    /// `decimal ('.' integer)? exponent | decimal '.' integer`. Each part is read as an `i128`
    /// first, as the `kdl` crate does: a part too large for one rejects the number.
    fn float(&mut self) -> R<KdlValue> {
        let start = self.pos;
        self.decimal()?;
        if self.eat(".") {
            cut(self.digits(10))?;
        }
        if matches!(self.byte(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.byte(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            cut(self.digits(10))?;
        } else {
            self.pos = start;
            self.decimal()?;
            if !self.eat(".") {
                return Err(Fail::Back);
            }
            cut(self.digits(10))?;
        }
        self.value_terminator_check()?;
        let written: String = self.text[start..self.pos]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        written
            .parse::<f64>()
            .map(KdlValue::Float)
            .map_err(|_| Fail::Back)
    }

    /// Hexadecimal, octal, binary or decimal, in the `kdl` crate's order. The `kdl` crate
    /// takes `0X`, `0O` and `0B` too.
    fn integer(&mut self) -> R<KdlValue> {
        let start = self.pos;
        for (radix, lower, upper) in [(16, "0x", "0X"), (8, "0o", "0O"), (2, "0b", "0B")] {
            self.pos = start;
            let positive = self.sign();
            if !(self.eat(lower) || self.eat(upper)) {
                continue;
            }
            if !self.byte().is_some_and(|b| (b as char).is_digit(radix)) {
                return Err(Fail::Reject);
            }
            let v = match self.digits(radix) {
                Ok(v) => v,
                // Too large: the `kdl` crate checks binary digits inside its cut, the others
                // after it (and then reads the `0` before the `x` as a decimal, which fails).
                Err(_) if radix == 2 => return Err(Fail::Reject),
                Err(_) => continue,
            };
            self.value_terminator_check()?;
            return Ok(KdlValue::Integer(if positive { v } else { -v }));
        }
        self.pos = start;
        let v = self.decimal()?;
        self.value_terminator_check()?;
        Ok(KdlValue::Integer(v))
    }
}
