//! Writing items and lists: single objects (with `meta.resource` for creates), paginated and
//! plain lists, and the `filter[...]`/`sort` parameters of listings.

use crate::render::Ctx;
use crate::request::Req;
use crate::response::{ApiErr, Out, Res};
use crate::state::SimState;
use crate::util::W;

pub fn ctx(st: &SimState) -> Ctx<'_> {
    Ctx { st, d: st.dialect }
}

pub fn item(st: &SimState, status: u16, f: impl FnOnce(&mut W, &Ctx)) -> Out {
    let mut w = W::new();
    f(&mut w, &ctx(st));
    Out::json(status, w.s)
}

/// Wraps a single item and adds `meta.resource`.
pub fn item_with_resource(st: &SimState, url: String, f: impl FnOnce(&mut W, &Ctx)) -> Out {
    let mut w = W::new();
    f(&mut w, &ctx(st));
    // The item writer produced `{...}`; splice the meta before the closing brace.
    let mut s = w.s;
    s.pop();
    let mut m = W::new();
    m.obj();
    m.key("resource");
    m.str(&url);
    m.end_obj();
    s.push_str(",\"meta\":");
    s.push_str(&m.s);
    s.push('}');
    Out::json(201, s)
}

pub fn check_filters(filters: &[(String, String)], allowed: &[&str]) -> Result<(), ApiErr> {
    let bad: Vec<&str> = filters
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !allowed.contains(k))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(ApiErr::display(
            "InvalidFilterQuery",
            format!(
                "Requested filter(s) `{}` are not allowed. Allowed filter(s) are `{}`.",
                bad.join(", "),
                allowed.join(", ")
            ),
        ))
    }
}

/// Parsed `sort` parameter: (field, descending).
pub fn sorts(r: &Req, allowed: &[&str]) -> Result<Vec<(String, bool)>, ApiErr> {
    sorts_in(r.q("sort"), allowed)
}

/// Parsed `sort` query value: (field, descending); a field not in `allowed` is a 400.
pub fn sorts_in(sort: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, bool)>, ApiErr> {
    let Some(s) = sort else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (f, desc) = match part.strip_prefix('-') {
            Some(f) => (f, true),
            None => (part, false),
        };
        if allowed.contains(&f) {
            out.push((f.to_string(), desc));
        } else {
            bad.push(f.to_string());
        }
    }
    if !bad.is_empty() {
        return Err(ApiErr::display(
            "InvalidSortQuery",
            format!(
                "Requested sort(s) `{}` is not allowed. Allowed sort(s) are `{}`.",
                bad.join(", "),
                allowed.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// Partial, case-insensitive match; a comma splits into OR-ed values.
pub fn partial(col: Option<&str>, value: &str) -> bool {
    let Some(col) = col else { return false };
    let col = col.to_lowercase();
    value
        .split(',')
        .any(|v| col.contains(&v.trim().to_lowercase()))
}

pub fn exact(col: &str, value: &str) -> bool {
    value.split(',').any(|v| v.trim() == col)
}

/// Writes a paginated list of the given (already filtered and sorted) items.
pub fn paginate<T>(
    r: &Req,
    st: &SimState,
    items: &[T],
    default_pp: usize,
    mut f: impl FnMut(&mut W, &Ctx, &T),
) -> Res {
    let per_page = match r.q("per_page") {
        None => default_pp,
        Some(p) => match p.trim().parse::<i64>() {
            Ok(0) => 15,
            Ok(n) if n > 0 => n as usize,
            // Non-numeric/negative per_page breaks the SQL query in the real panels.
            _ if items.is_empty() => default_pp,
            _ => return Err(ApiErr::server("QueryException")),
        },
    };
    let page = r
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
    let base = r.url(r.path.trim_end_matches('/'));
    if page > 1 {
        w.k_str("previous", &format!("{base}?page={}", page - 1));
    }
    if page < total_pages {
        w.k_str("next", &format!("{base}?page={}", page + 1));
    }
    w.end_obj();
    w.end_obj();
    w.end_obj();
    w.end_obj();
    Ok(Out::json(200, w.s))
}

pub fn plain_list<T>(st: &SimState, items: &[T], mut f: impl FnMut(&mut W, &Ctx, &T)) -> Out {
    let c = ctx(st);
    let mut w = W::new();
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in items {
        f(&mut w, &c, it);
    }
    w.end_arr();
    w.end_obj();
    Out::json(200, w.s)
}
