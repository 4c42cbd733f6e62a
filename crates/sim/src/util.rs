//! Small self-contained helpers: a streaming JSON writer (responses are written straight into a
//! buffer, which keeps the transformers' key order and is much faster than building `Value`s),
//! timestamp formatting, uuids and query-string decoding.

use rand::{Rng, RngCore};
use serde_json::Value;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Streaming JSON writer with comma bookkeeping.
#[derive(Default)]
pub struct W {
    pub s: String,
    first: Vec<bool>,
    after_key: bool,
}

impl W {
    pub fn new() -> Self {
        W {
            s: String::with_capacity(1024),
            ..Default::default()
        }
    }
    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(f) = self.first.last_mut() {
            if !*f {
                self.s.push(',');
            }
            *f = false;
        }
    }
    pub fn obj(&mut self) {
        self.sep();
        self.s.push('{');
        self.first.push(true);
    }
    pub fn end_obj(&mut self) {
        self.s.push('}');
        self.first.pop();
    }
    pub fn arr(&mut self) {
        self.sep();
        self.s.push('[');
        self.first.push(true);
    }
    pub fn end_arr(&mut self) {
        self.s.push(']');
        self.first.pop();
    }
    pub fn key(&mut self, k: &str) {
        self.sep();
        escape_into(&mut self.s, k);
        self.s.push(':');
        self.after_key = true;
    }
    pub fn str(&mut self, v: &str) {
        self.sep();
        escape_into(&mut self.s, v);
    }
    pub fn i64(&mut self, v: i64) {
        self.sep();
        let _ = write!(self.s, "{v}");
    }
    pub fn bool(&mut self, v: bool) {
        self.sep();
        self.s.push_str(if v { "true" } else { "false" });
    }
    pub fn null(&mut self) {
        self.sep();
        self.s.push_str("null");
    }
    pub fn value(&mut self, v: &Value) {
        self.sep();
        // Serialising a Value into a String cannot fail.
        self.s
            .push_str(&serde_json::to_string(v).unwrap_or_else(|_| "null".into()));
    }
    pub fn k_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }
    pub fn k_ostr(&mut self, k: &str, v: Option<&str>) {
        self.key(k);
        match v {
            Some(v) => self.str(v),
            None => self.null(),
        }
    }
    pub fn k_i64(&mut self, k: &str, v: i64) {
        self.key(k);
        self.i64(v);
    }
    pub fn k_oi64(&mut self, k: &str, v: Option<i64>) {
        self.key(k);
        match v {
            Some(v) => self.i64(v),
            None => self.null(),
        }
    }
    pub fn k_bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }
    pub fn k_value(&mut self, k: &str, v: &Value) {
        self.key(k);
        self.value(v);
    }
    pub fn null_resource(&mut self) {
        self.obj();
        self.k_str("object", "null_resource");
        self.key("attributes");
        self.null();
        self.end_obj();
    }
}

pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            // PHP's json_encode escapes "/" by default; both panels emit it that way.
            '/' => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's days-to-civil).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn civil(ts: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    (
        y,
        m as u32,
        d as u32,
        (secs / 3600) as u32,
        ((secs % 3600) / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `2025-03-14 09:26:53` — PHP's `toDateTimeString()` (backup names).
pub fn ts_datetime(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(ts);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `2025-03-14T09:26:53+00:00` — transformer timestamps (README §9).
pub fn ts_iso(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(ts);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// `2025-03-14T09:26:53.000000Z` — Laravel model serialisation (egg/server variables).
pub fn ts_model(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(ts);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000000Z")
}

pub fn uuid4(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn random_alnum(rng: &mut impl RngCore, n: usize) -> String {
    const CS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| CS[rng.random_range(0..CS.len())] as char)
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query string as ordered (key, value) pairs, decoded.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// splitmix64: a deterministic hash for seeded fault decisions.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn time_formats() {
        assert_eq!(ts_iso(1_710_408_413), "2024-03-14T09:26:53+00:00");
        assert_eq!(ts_model(0), "1970-01-01T00:00:00.000000Z");
    }
    #[test]
    fn writer_commas() {
        let mut w = W::new();
        w.obj();
        w.k_i64("a", 1);
        w.key("b");
        w.arr();
        w.i64(1);
        w.str("x/y");
        w.end_arr();
        w.k_ostr("c", None);
        w.end_obj();
        assert_eq!(w.s, r#"{"a":1,"b":[1,"x\/y"],"c":null}"#);
    }
    #[test]
    fn decode() {
        assert_eq!(percent_decode("filter%5Bname%5D"), "filter[name]");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
    }
}
