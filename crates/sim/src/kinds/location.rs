//! Locations (Pterodactyl only): `/locations`.

use crate::listing::{check_filters, item, item_with_resource, paginate, partial, sorts};
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, php_string};
use crate::state::{Location, SimState};
use crate::util::{W, now_unix, ts_iso};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Get(String),
    Patch(String),
    Delete(String),
}

/// Route-model binding: the location in the path must exist.
pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::Get(i) | Route::Patch(i) | Route::Delete(i) => {
            exists(st.locations.contains_key(&parse_id(i)?))
        }
        Route::List | Route::Create => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_locations(st, r),
        Route::Get(i) => {
            let inc = r.includes();
            let l = &st.locations[&parse_id(&i)?];
            Ok(item(st, 200, |w, c| render(w, c, l, &inc)))
        }
        Route::Create => save(st, r, None),
        Route::Patch(i) => save(st, r, Some(parse_id(&i)?)),
        Route::Delete(i) => delete(st, r, parse_id(&i)?),
    }
}

fn list_locations(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["short", "long"])?;
    let sort = sorts(r, &["id"])?;
    let inc = r.includes();
    let mut items: Vec<&Location> = st
        .locations
        .values()
        .filter(|l| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "short" => partial(Some(&l.short), v),
                _ => partial(l.long.as_deref(), v),
            })
        })
        .collect();
    if sort.first().is_some_and(|(_, d)| *d) {
        items.reverse();
    }
    paginate(r, st, &items, 50, |w, c, l| render(w, c, l, &inc))
}

fn save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    let short_taken = |val: &Value| {
        let s = php_string(val).to_lowercase();
        !st.locations
            .values()
            .any(|l| l.short.to_lowercase() == s && Some(l.id) != existing)
    };
    v.check_with(
        "short",
        Some("Location Identifier"),
        "required|string|between:1,60",
        vec![Rule::Unique(Box::new(short_taken))],
    );
    v.check_with(
        "long",
        Some("Location Description"),
        "string|nullable|between:1,191",
        vec![],
    );
    validate(v)?;
    let short = r.str("short").unwrap_or_default();
    let now = now_unix();
    let lid = match existing {
        Some(i) => {
            if let Some(l) = st.locations.get_mut(&i) {
                l.short = short;
                if r.has("long") {
                    l.long = r.str("long");
                }
                l.updated_at = now;
            }
            i
        }
        None => {
            let long = r.str("long");
            st.add_location(&short, long.as_deref())
        }
    };
    r.changed = true;
    let inc = r.includes();
    let l = &st.locations[&lid];
    Ok(match existing {
        Some(_) => item(st, 200, |w, c| render(w, c, l, &inc)),
        None => item_with_resource(st, r.url(&format!("/locations/{lid}")), |w, c| {
            render(w, c, l, &inc)
        }),
    })
}

fn delete(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    if st
        .idx
        .nodes_by_location
        .get(&id)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiErr::display(
            "HasActiveNodesException",
            "Cannot delete a location that has active nodes attached to it.",
        ));
    }
    st.locations.remove(&id);
    r.changed = true;
    Ok(Out::empty())
}

/// The `location` object; includes `nodes`, `servers`.
pub fn render(w: &mut W, c: &Ctx, l: &Location, inc: &Inc) {
    open(w, "location");
    w.k_i64("id", l.id as i64);
    w.k_str("short", &l.short);
    w.k_ostr("long", l.long.as_deref());
    w.k_str("updated_at", &ts_iso(l.updated_at));
    w.k_str("created_at", &ts_iso(l.created_at));
    if inc.any(&["nodes", "servers"]) {
        open_rels(w);
        let node_ids: Vec<u64> =
            c.st.idx
                .nodes_by_location
                .get(&l.id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
        if let Some(sub) = inc.get("nodes") {
            w.key("nodes");
            list(
                w,
                node_ids.iter().filter_map(|n| c.st.nodes.get(n)),
                |w, n| super::node::render(w, c, n, sub, &[], None),
            );
        }
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(
                w,
                node_ids.iter().flat_map(|n| c.st.node_servers(*n)),
                |w, s| super::server::render(w, c, s, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}
