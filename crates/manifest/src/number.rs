//! Numbers in manifests: the largest values the panels store, exact decimal sizes, and the
//! messages for numbers out of range.
//!
//! Sizes are computed exactly: `"1.5GiB"` is 1536 MiB and `"12345678901234567890.5GiB"` is
//! 12641975194864197519872 MiB, never a float's approximation of it.

use crate::diag::{Problem, Span};
use std::fmt;

/// The panels keep sizes, limits, counts and ids in 32-bit `int unsigned` database columns
/// (Pterodactyl 1.11's schema; Pelican's migrations inherit it): no field takes more.
pub(crate) const UINT_MAX: i64 = u32::MAX as i64;
/// Swap and overallocation are signed `int` columns.
pub(crate) const INT_MAX: i64 = i32::MAX as i64;

/// A decimal number as written, exactly: `digits / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    digits: i128,
    scale: u32,
}

/// Why a text is not a [`Decimal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotDecimal {
    /// Not digits with an optional fraction.
    Malformed,
    /// Digits, but more than 38 of them.
    TooLarge,
}

impl Decimal {
    /// `[-]digits[.digits]` (either part may be empty, not both).
    pub(crate) fn parse(text: &str) -> Result<Decimal, NotDecimal> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return Err(NotDecimal::Malformed);
        }
        let mut digits: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            digits = digits
                .checked_mul(10)
                .and_then(|d| d.checked_add(i128::from(b - b'0')))
                .ok_or(NotDecimal::TooLarge)?;
        }
        let scale = u32::try_from(frac.len()).map_err(|_| NotDecimal::TooLarge)?;
        10i128.checked_pow(scale).ok_or(NotDecimal::TooLarge)?;
        Ok(Decimal {
            digits: if negative { -digits } else { digits },
            scale,
        })
    }

    /// `self × factor`, if it fits.
    pub(crate) fn times(self, factor: i128) -> Option<Decimal> {
        Some(Decimal {
            digits: self.digits.checked_mul(factor)?,
            scale: self.scale,
        })
    }

    /// The value, when it is a whole number.
    pub(crate) fn whole(self) -> Option<i128> {
        let unit = 10i128.pow(self.scale);
        (self.digits % unit == 0).then_some(self.digits / unit)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = 10i128.pow(self.scale);
        let (int, frac) = (self.digits / unit, (self.digits % unit).unsigned_abs());
        if self.digits < 0 && int == 0 {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac != 0 {
            let frac = format!("{frac:0width$}", width = self.scale as usize);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

/// An integer field out of `min..=max`, saying which bound it crosses.
pub(crate) fn int_out_of_range(span: Span, what: &str, value: i128, min: i64, max: i64) -> Problem {
    out_of_range(
        span,
        what,
        &value.to_string(),
        value > max as i128,
        min,
        max,
        "",
    )
}

/// A size out of `min..=max` MiB: `written` is the value as written (`"5000TiB"`), `mib` its
/// value in MiB (saturated when beyond any number).
pub(crate) fn size_out_of_range(
    span: Span,
    what: &str,
    written: &str,
    mib: i128,
    min: i64,
    max: i64,
) -> Problem {
    let shown = if written == mib.to_string() || mib == i128::MAX || mib == i128::MIN {
        written.to_string()
    } else {
        format!("{written} ({mib} MiB)")
    };
    out_of_range(span, what, &shown, mib > max as i128, min, max, " MiB").help(format!(
        "{what} is in MiB unless a unit is given; allowed: {min}..={max}"
    ))
}

fn out_of_range(
    span: Span,
    what: &str,
    shown: &str,
    too_large: bool,
    min: i64,
    max: i64,
    unit: &str,
) -> Problem {
    let bound = if too_large {
        format!("at most {max}{unit}")
    } else {
        format!("at least {min}{unit}")
    };
    Problem::new(
        "roost::out-of-range",
        format!("{what} must be {bound}, not {shown}"),
        span,
        format!("must be between {min} and {max}"),
    )
}

/// An integer literal the KDL parser cannot hold (beyond ±2^127), found before parsing.
pub(crate) fn too_large_literal(span: Span, literal: &str) -> Problem {
    Problem::new(
        "roost::out-of-range",
        format!("the number {literal} is too large"),
        span,
        "too large",
    )
    .help(format!(
        "no roost field takes a number above {UINT_MAX}: check for extra digits"
    ))
}

/// Whether a bare KDL token is an integer literal beyond what the parser holds
/// (`[+-]digits`, `0x…`, `0o…`, `0b…`, with `_` separators).
pub(crate) fn is_oversized_integer(token: &str) -> bool {
    let body = token.trim_start_matches(['+', '-']);
    if body.len() + 1 < token.len() {
        return false;
    }
    let (radix, digits) = match body.get(..2) {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ => (10, body),
    };
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    !digits.is_empty()
        && digits.chars().all(|c| c.is_digit(radix))
        && body.starts_with(|c: char| c.is_ascii_digit())
        && i128::from_str_radix(&digits, radix).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(d("1.5").times(1024).and_then(Decimal::whole), Some(1536));
        assert_eq!(d("0.3").times(1).and_then(Decimal::whole), None);
        assert_eq!(
            d("12345678901234567890.5").times(1024).unwrap().to_string(),
            "12641975194864197519872"
        );
        assert_eq!(d("1.1").times(1024).unwrap().to_string(), "1126.4");
        assert_eq!(d("-0.50").to_string(), "-0.5");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(Decimal::parse("1.2.3"), Err(NotDecimal::Malformed));
        assert_eq!(Decimal::parse("1e3"), Err(NotDecimal::Malformed));
        assert_eq!(Decimal::parse(""), Err(NotDecimal::Malformed));
        assert_eq!(Decimal::parse(&"9".repeat(40)), Err(NotDecimal::TooLarge));
        assert_eq!(d(&"9".repeat(38)).times(1024 * 1024), None);
    }

    #[test]
    fn oversized_integer_literals_are_recognised() {
        assert!(is_oversized_integer(&"9".repeat(40)));
        assert!(is_oversized_integer(
            "-0x1_0000_0000_0000_0000_0000_0000_0000_0000"
        ));
        assert!(!is_oversized_integer("99999999999999999999"));
        assert!(!is_oversized_integer(&format!("{}.5", "9".repeat(40))));
        assert!(!is_oversized_integer(&format!("{}e3", "9".repeat(40))));
        assert!(!is_oversized_integer(
            "a99999999999999999999999999999999999999999"
        ));
        assert!(!is_oversized_integer(
            "--9999999999999999999999999999999999999999"
        ));
    }
}
