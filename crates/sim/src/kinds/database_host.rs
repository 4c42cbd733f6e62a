//! Database hosts: Pelican's `/database-hosts` and `/database-hosts/{id}` (database-hosts.md).
//! Pterodactyl serves no host endpoints; its hosts show only as a server database's `host`
//! include. The sim's hosts are seeded (one stock host) or added through `/__sim/`.

use super::database::{Shown, render as render_database};
use crate::listing::{check_filters, item, paginate, partial, sorts};
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Res};
use crate::state::{DatabaseHost, SimState};
use crate::util::{W, ts_iso};
use roost_model::Dialect;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Get(String),
}

pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::List => Ok(()),
        Route::Get(i) => exists(st.database_hosts.contains_key(&parse_id(i)?)),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_hosts(st, r),
        Route::Get(i) => {
            let inc = r.includes();
            let h = &st.database_hosts[&parse_id(&i)?];
            Ok(item(st, 200, |w, c| render(w, c, h, &inc)))
        }
    }
}

fn list_hosts(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["name", "host"])?;
    let sort = sorts(r, &["id", "name", "host"])?;
    let inc = r.includes();
    let mut items: Vec<&DatabaseHost> = st
        .database_hosts
        .values()
        .filter(|h| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "name" => partial(Some(&h.name), v),
                _ => partial(Some(&h.host), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = match f.as_str() {
                "name" => a.name.cmp(&b.name),
                "host" => a.host.cmp(&b.host),
                _ => a.id.cmp(&b.id),
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 10, |w, c, h| render(w, c, h, &inc))
}

/// The `database_host` object. Pterodactyl's (only ever embedded) has the single `node` it is
/// linked to; Pelican's shows node links only through `include=nodes` and also includes
/// `databases`.
pub fn render(w: &mut W, c: &Ctx, h: &DatabaseHost, inc: &Inc) {
    open(w, "database_host");
    w.k_i64("id", h.id as i64);
    w.k_str("name", &h.name);
    w.k_str("host", &h.host);
    w.k_i64("port", i64::from(h.port));
    w.k_str("username", &h.username);
    if c.d == Dialect::Pterodactyl {
        w.k_oi64("node", h.nodes.first().map(|n| *n as i64));
    }
    w.k_str("created_at", &ts_iso(h.created_at));
    w.k_str("updated_at", &ts_iso(h.updated_at));
    if c.d == Dialect::Pelican && inc.any(&["databases", "nodes"]) {
        open_rels(w);
        if let Some(sub) = inc.get("databases") {
            w.key("databases");
            list(
                w,
                c.st.databases.values().filter(|d| d.host_id == h.id),
                |w, d| render_database(w, c, d, sub, Shown::Stored),
            );
        }
        if let Some(sub) = inc.get("nodes") {
            w.key("nodes");
            list(
                w,
                h.nodes.iter().filter_map(|n| c.st.nodes.get(n)),
                |w, n| super::node::render(w, c, n, sub, &[], None),
            );
        }
        w.end_obj();
    }
    close(w);
}
