//! Client API lists: Laravel's paginator with Fractal's `meta.pagination` (links that keep the
//! whole query string, or only `page`), and plain lists.

use super::ctx::Cx;
use crate::listing::ctx;
use crate::render::Ctx;
use crate::response::{ApiErr, Out};
use crate::state::SimState;
use crate::util::W;

/// What the pagination links carry besides `page`.
#[derive(Clone, Copy, PartialEq)]
pub enum Links {
    /// `->appends($request->query())`: the whole query string.
    KeepQuery,
    /// A plain paginator: only `page`.
    PageOnly,
}

/// `min($request->query('per_page', default), max)` as PHP evaluates it: a number is capped at
/// `max`, 0 falls back to the model's 15, text compares above any number (so `max`), a negative
/// number breaks the query.
pub fn per_page(cx: &Cx, default: usize, max: usize) -> Result<usize, ApiErr> {
    let Some(raw) = cx.q("per_page") else {
        return Ok(default.min(max));
    };
    match raw.trim().parse::<i64>() {
        Ok(0) => Ok(15),
        Ok(n) if n > 0 => Ok((n as usize).min(max)),
        Ok(_) => Err(ApiErr::server("QueryException")),
        Err(_) => Ok(max),
    }
}

/// PHP's `urlencode` (what `http_build_query` applies to keys and values).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn page_url(cx: &Cx, links: Links, page: usize) -> String {
    let base = cx.url(cx.path.trim_end_matches('/'));
    let mut pairs: Vec<(String, String)> = match links {
        Links::PageOnly => Vec::new(),
        Links::KeepQuery => cx.query.clone(),
    };
    match pairs.iter_mut().find(|(k, _)| k == "page") {
        Some(p) => p.1 = page.to_string(),
        None => pairs.push(("page".into(), page.to_string())),
    }
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    format!("{base}?{}", q.join("&"))
}

/// Writes one page of `items` with `meta.pagination` (and any extra meta keys after it).
pub fn paginate<T>(
    cx: &Cx,
    st: &SimState,
    items: &[T],
    per_page: usize,
    links: Links,
    extra_meta: impl FnOnce(&mut W),
    mut f: impl FnMut(&mut W, &Ctx, &T),
) -> Out {
    let page = cx
        .q("page")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1) as usize;
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let c = ctx(st);
    let mut w = W::new();
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in &items[start..end] {
        f(&mut w, &c, it);
    }
    w.end_arr();
    w.key("meta");
    w.obj();
    w.key("pagination");
    w.obj();
    w.k_i64("total", total as i64);
    w.k_i64("count", (end - start) as i64);
    w.k_i64("per_page", per_page as i64);
    w.k_i64("current_page", page as i64);
    w.k_i64("total_pages", total_pages as i64);
    w.key("links");
    w.obj();
    if page > 1 {
        w.k_str("previous", &page_url(cx, links, page - 1));
    }
    if page < total_pages {
        w.k_str("next", &page_url(cx, links, page + 1));
    }
    w.end_obj();
    w.end_obj();
    extra_meta(&mut w);
    w.end_obj();
    w.end_obj();
    Out::json(200, w.s)
}

#[cfg(test)]
mod tests {
    use super::urlencode;

    #[test]
    fn query_values_are_encoded_like_php() {
        assert_eq!(urlencode("filter[name]"), "filter%5Bname%5D");
        assert_eq!(urlencode("a b~"), "a+b%7E");
    }
}
