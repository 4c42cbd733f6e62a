//! Cron expressions as the panels' library (`dragonmantank/cron-expression` v3) reads them:
//! five whitespace-separated fields with `*`, lists, ranges, steps, month and weekday names,
//! `L`/`W` in the day of month and `L`/`#` in the day of week. A schedule's fields are joined
//! with spaces first, so a field containing a space shifts the others and fails as a whole.
//! The next run is searched minute by minute in UTC; an expression that never matches (a 31st
//! of February) fails like an invalid one.

use crate::util::civil_from_days;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    fn range(self) -> (i64, i64) {
        match self {
            Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (0, 7),
        }
    }

    /// A whole-value name (`JAN`, `MON`) as its number.
    fn literal(self, v: &str) -> String {
        let upper = v.to_uppercase();
        let pos = match self {
            Field::Month => MONTHS.iter().position(|m| *m == upper).map(|p| p + 1),
            // The library numbers MON=1 .. SUN=7.
            Field::DayOfWeek => DAYS
                .iter()
                .position(|d| *d == upper)
                .map(|p| if p == 0 { 7 } else { p }),
            _ => None,
        };
        pos.map(|p| p.to_string()).unwrap_or_else(|| v.to_string())
    }

    /// `AbstractField::validate` plus the day fields' extras.
    fn validate(self, raw: &str) -> bool {
        if self.basic(raw) {
            return !(self == Field::DayOfMonth
                && raw.contains(',')
                && (raw.contains('W') || raw.contains('L')));
        }
        match self {
            Field::DayOfMonth => {
                if raw.contains(',') && (raw.contains('W') || raw.contains('L')) {
                    return false;
                }
                raw == "L" || raw.strip_suffix('W').is_some_and(|d| self.validate(d))
            }
            Field::DayOfWeek => {
                if let Some((day, nth)) = raw.split_once('#') {
                    let day = self.literal(day);
                    let n_ok = nth.parse::<i64>().is_ok_and(|n| (1..=5).contains(&n));
                    if self.basic(&day) && n_ok {
                        return true;
                    }
                }
                raw.strip_suffix('L').is_some_and(|d| self.validate(d))
            }
            _ => false,
        }
    }

    fn basic(self, raw: &str) -> bool {
        let v = self.literal(raw);
        if v == "*" {
            return true;
        }
        if v.contains(',') {
            return v.split(',').all(|item| self.basic(item));
        }
        if let Some((range, step)) = v.split_once('/') {
            let step = step.split('/').next().unwrap_or("");
            // A numeric start ("5/10") is refused; the step must be an integer other than 0.
            if range.parse::<f64>().is_ok() {
                return false;
            }
            let step_ok = step.parse::<i64>().is_ok_and(|s| s != 0)
                && !step.starts_with('+')
                && !(step.starts_with('0') && step.len() > 1);
            return self.basic(range) && step_ok;
        }
        if v.contains('-') {
            let parts: Vec<&str> = v.split('-').collect();
            if parts.len() != 2 {
                return false;
            }
            let (a, b) = (self.literal(parts[0]), self.literal(parts[1]));
            if a == "*" || b == "*" {
                return false;
            }
            return self.basic(&a) && self.basic(&b);
        }
        if v.contains('.') {
            return false;
        }
        let (lo, hi) = self.range();
        v.parse::<i64>().is_ok_and(|n| (lo..=hi).contains(&n))
    }

    /// Whether `value` (a date part) satisfies one plain item (no list).
    fn item_matches(self, item: &str, value: i64) -> bool {
        let item = self.literal(item);
        if item == "*" {
            return true;
        }
        let (lo, hi) = self.range();
        if let Some((range, step)) = item.split_once('/') {
            let step: i64 = step.parse().unwrap_or(1).max(1);
            let (start, end) = match range {
                "*" => (lo, hi),
                r => match r.split_once('-') {
                    Some((a, b)) => (
                        self.literal(a).parse().unwrap_or(lo),
                        self.literal(b).parse().unwrap_or(hi),
                    ),
                    None => (r.parse().unwrap_or(lo), hi),
                },
            };
            return value >= start && value <= end && (value - start) % step == 0;
        }
        if let Some((a, b)) = item.split_once('-') {
            let a: i64 = self.literal(a).parse().unwrap_or(lo);
            let b: i64 = self.literal(b).parse().unwrap_or(hi);
            return value >= a && value <= b;
        }
        item.parse::<i64>().is_ok_and(|n| n == value)
    }

    fn matches(self, expr: &str, value: i64) -> bool {
        expr.split(',').any(|item| self.item_matches(item, value))
    }
}

/// A parsed five-field expression.
pub struct Cron {
    parts: [String; 5],
}

/// Joins the fields as the panels do and parses the result (None: not a valid expression).
pub fn parse(minute: &str, hour: &str, dom: &str, month: &str, dow: &str) -> Option<Cron> {
    let joined = format!("{minute} {hour} {dom} {month} {dow}");
    let parts: Vec<&str> = joined.split_whitespace().collect();
    let [mi, h, d, mo, w] = parts.as_slice() else {
        return None;
    };
    let fields = [
        (Field::Minute, mi),
        (Field::Hour, h),
        (Field::DayOfMonth, d),
        (Field::Month, mo),
        (Field::DayOfWeek, w),
    ];
    if !fields.iter().all(|(f, v)| f.validate(v)) {
        return None;
    }
    Some(Cron {
        parts: [mi, h, d, mo, w].map(|s| s.to_string()),
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Cron {
    fn day_of_month_matches(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        let expr = &self.parts[2];
        if expr == "L" {
            return d == days_in_month(y, m);
        }
        if let Some(target) = expr.strip_suffix('W').and_then(|t| t.parse::<i64>().ok()) {
            return d == nearest_weekday(y, m, target, d, weekday);
        }
        Field::DayOfMonth.matches(expr, d)
    }

    fn day_of_week_matches(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        let expr = Field::DayOfWeek.literal(&self.parts[4]);
        let last = days_in_month(y, m);
        if let Some(day) = expr.strip_suffix('L') {
            let want = Field::DayOfWeek.literal(day).parse::<i64>().unwrap_or(-1) % 7;
            return weekday == want && d + 7 > last;
        }
        if let Some((day, nth)) = expr.split_once('#') {
            let want = Field::DayOfWeek.literal(day).parse::<i64>().unwrap_or(-1) % 7;
            let nth: i64 = nth.parse().unwrap_or(0);
            return weekday == want && (d - 1) / 7 + 1 == nth;
        }
        // 0 and 7 are both Sunday.
        expr.split(',').any(|item| {
            Field::DayOfWeek.item_matches(item, weekday)
                || (weekday == 0 && Field::DayOfWeek.item_matches(item, 7))
        })
    }

    fn day_matches(&self, y: i64, m: i64, d: i64, weekday: i64) -> bool {
        let dom_any = self.parts[2] == "*";
        let dow_any = self.parts[4] == "*";
        let dom = self.day_of_month_matches(y, m, d, weekday);
        let dow = self.day_of_week_matches(y, m, d, weekday);
        if !dom_any && !dow_any {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// The first matching minute strictly after `now` (Unix seconds, UTC), searching up to
    /// eight years ahead.
    pub fn next_after(&self, now: i64) -> Option<i64> {
        let start = now.div_euclid(60) * 60 + 60;
        let first_day = start.div_euclid(86_400);
        for day in first_day..first_day + 366 * 8 {
            let (y, m, d) = civil_from_days(day);
            let weekday = (day + 4).rem_euclid(7);
            if !Field::Month.matches(&Field::Month.literal(&self.parts[3]), m)
                || !self.day_matches(y, m, d, weekday)
            {
                continue;
            }
            for h in 0..24 {
                if !Field::Hour.matches(&self.parts[1], h) {
                    continue;
                }
                for mi in 0..60 {
                    let t = day * 86_400 + h * 3600 + mi * 60;
                    if t >= start && Field::Minute.matches(&self.parts[0], mi) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }
}

/// The weekday (Mon–Fri) nearest to day `target` of the month, not leaving the month.
fn nearest_weekday(y: i64, m: i64, target: i64, d: i64, weekday: i64) -> i64 {
    let last = days_in_month(y, m);
    if target > last {
        return -1;
    }
    let wd_of = |day: i64| (weekday + (day - d)).rem_euclid(7);
    if (1..=5).contains(&wd_of(target)) {
        return target;
    }
    for delta in [-1, 1, -2, 2] {
        let c = target + delta;
        if c >= 1 && c <= last && (1..=5).contains(&wd_of(c)) {
            return c;
        }
    }
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_follows_the_library() {
        for ok in [
            ("*", "*", "*", "*", "*"),
            ("*/5", "0-23/2", "1,15", "JAN-MAR", "mon-fri"),
            ("0", "4", "L", "*", "5L"),
            ("30", "3", "15W", "*", "1#2"),
            ("0", "0", "*", "*", "7"),
        ] {
            assert!(parse(ok.0, ok.1, ok.2, ok.3, ok.4).is_some(), "{ok:?}");
        }
        for bad in [
            ("60", "*", "*", "*", "*"),
            ("*", "24", "*", "*", "*"),
            ("5/10", "*", "*", "*", "*"),
            ("*/0", "*", "*", "*", "*"),
            ("*", "*", "1,L", "*", "*"),
            ("*", "*", "*", "13", "*"),
            ("0 0", "*", "*", "*", "*"),
            ("a", "*", "*", "*", "*"),
            ("1-2-3", "*", "*", "*", "*"),
            ("1.5", "*", "*", "*", "*"),
        ] {
            assert!(
                parse(bad.0, bad.1, bad.2, bad.3, bad.4).is_none(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn next_run_is_the_first_matching_minute_after_now() {
        // 2024-09-14T18:02:55Z
        let now = 1_726_336_975;
        let c = parse("0", "4", "*", "*", "*").expect("valid");
        // 2024-09-15T04:00:00Z
        assert_eq!(c.next_after(now), Some(1_726_372_800));
        let every = parse("*", "*", "*", "*", "*").expect("valid");
        assert_eq!(every.next_after(now), Some(1_726_336_980));
        let never = parse("0", "0", "31", "2", "*").expect("valid fields");
        assert_eq!(never.next_after(now), None);
        // Sundays at 03:30: 2024-09-15 is a Sunday.
        let sunday = parse("30", "3", "*", "*", "0").expect("valid");
        assert_eq!(sunday.next_after(now), Some(1_726_371_000));
    }
}
