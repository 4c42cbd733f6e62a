//! Allocations: `/nodes/{id}/allocations` and `/nodes/{id}/allocations/{allocation}`.

use crate::listing::{check_filters, exact, paginate, partial};
use crate::render::{Ctx, Inc, close, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, parse_rules, php_string};
use crate::state::{Allocation, SimState};
use crate::util::W;
use roost_model::Dialect;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List(String),
    Create(String),
    /// (node, allocation)
    Delete(String, String),
}

/// The node must exist, and an allocation in the path must belong to it.
pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::List(n) | Route::Create(n) => exists(st.nodes.contains_key(&parse_id(n)?)),
        Route::Delete(n, a) => {
            let n = parse_id(n)?;
            exists(st.nodes.contains_key(&n))?;
            exists(
                st.allocations
                    .get(&parse_id(a)?)
                    .is_some_and(|a| a.node_id == n),
            )
        }
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List(n) => list_allocations(st, r, parse_id(&n)?),
        Route::Create(n) => create(st, r, parse_id(&n)?),
        Route::Delete(_, a) => delete(st, r, parse_id(&a)?),
    }
}

fn list_allocations(st: &SimState, r: &Req, nid: u64) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["ip", "port", "ip_alias", "server_id"])?;
    let inc = r.includes();
    let items: Vec<&Allocation> = st
        .idx
        .allocs_by_node
        .get(&nid)
        .into_iter()
        .flatten()
        .filter_map(|a| st.allocations.get(a))
        .filter(|a| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "ip" => exact(&a.ip, v),
                "port" => exact(&a.port.to_string(), v),
                "ip_alias" => partial(a.alias.as_deref(), v),
                _ => {
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                        a.server_id.map(|s| s.to_string()).as_deref() == Some(v.as_str())
                    } else {
                        a.server_id.is_none()
                    }
                }
            })
        })
        .collect();
    paginate(r, st, &items, 50, |w, c, a| render(w, c, a, &inc))
}

/// The `ports` of the body as (field key, value) pairs; a JSON object counts as a list too.
fn requested_ports(input: &Value) -> Vec<(String, Value)> {
    match input.get("ports") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, p)| (i.to_string(), p.clone()))
            .collect(),
        Some(Value::Object(o)) => o.iter().map(|(k, p)| (k.clone(), p.clone())).collect(),
        _ => vec![],
    }
}

fn create(st: &mut SimState, r: &mut Req, nid: u64) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    v.check("ip", "required|string");
    v.check(
        "alias",
        match r.d {
            Dialect::Pterodactyl => "sometimes|nullable|string|max:191",
            Dialect::Pelican => "sometimes|nullable|string|max:255",
        },
    );
    v.check("ports", "required|array");
    let ports = requested_ports(&r.input);
    for (k, p) in &ports {
        v.run(&format!("ports.{k}"), None, Some(p), &parse_rules("string"));
    }
    validate(v)?;
    let ip_raw = r.str("ip").unwrap_or_default();
    let alias = r.str("alias");
    let ips = expand_ip(&ip_raw, r.d)?;
    let mut rows: Vec<(String, u16)> = Vec::new();
    for (_, p) in &ports {
        let (lo, hi) = port_span(r.d, &php_string(p))?;
        for ip in &ips {
            for port in lo..=hi {
                rows.push((ip.clone(), port as u16));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (ip, port) in &rows {
        let duplicate =
            st.idx.alloc_pairs.contains(&(nid, ip.clone(), *port)) || !seen.insert((ip, *port));
        if duplicate && r.d == Dialect::Pelican {
            // Unique-index violation; the transaction rolls everything back.
            return Err(ApiErr::server("QueryException"));
        }
    }
    for (ip, port) in rows {
        // PT: INSERT IGNORE (add_allocation returns the existing row for duplicates).
        st.add_allocation(nid, &ip, port, alias.as_deref());
    }
    r.changed = true;
    Ok(Out::empty())
}

/// One `ports` entry (`25565` or `25565-25570`) as an inclusive span, with the dialect's limits.
fn port_span(d: Dialect, p: &str) -> Result<(u64, u64), ApiErr> {
    let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let range = parse_range(p);
    if !digits && range.is_none() {
        return Err(ApiErr::display(
            "InvalidPortMappingException",
            format!("The mapping provided for {p} was invalid and could not be processed."),
        ));
    }
    let (lo, hi) = match range {
        Some((a, b)) => (a.min(b), a.max(b)),
        None => {
            let n = p.parse::<u64>().unwrap_or(u64::MAX);
            (n, n)
        }
    };
    if hi - lo + 1 > 1000 {
        return Err(ApiErr::display(
            "TooManyPortsInRangeException",
            "Adding more than 1000 ports in a single range at once is not supported.",
        ));
    }
    let (floor_ok, out_of_range) = match d {
        Dialect::Pterodactyl => (
            lo > 1024,
            "Ports in an allocation must be greater than 1024 and less than or equal to 65535.",
        ),
        Dialect::Pelican => (
            lo >= 1024,
            "Ports in an allocation must be greater than or equal to 1024 and less than or equal to 65535.",
        ),
    };
    if !floor_ok || hi > 65535 {
        return Err(ApiErr::display("PortOutOfRangeException", out_of_range));
    }
    Ok((lo, hi))
}

/// `25565-25570` (4 or 5 digits each side).
pub fn parse_range(p: &str) -> Option<(u64, u64)> {
    let (a, b) = p.split_once('-')?;
    let ok = |x: &str| (4..=5).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit());
    if ok(a) && ok(b) {
        Some((a.parse().ok()?, b.parse().ok()?))
    } else {
        None
    }
}

/// The addresses of an `ip` field: one address, or a CIDR block (/25../32 on Pelican,
/// /27../32 on Pterodactyl).
fn expand_ip(raw: &str, d: Dialect) -> Result<Vec<String>, ApiErr> {
    let parse_err = |why: &str| {
        ApiErr::display(
            "DisplayException",
            format!("Could not parse provided allocation IP address ({raw}): {why}"),
        )
    };
    let (addr, mask) = match raw.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (raw, None),
    };
    let resolves_hostnames = d == Dialect::Pterodactyl;
    let ip: std::net::IpAddr = match addr.parse() {
        Ok(ip) => ip,
        // PT resolves hostnames; the sim only knows localhost (no DNS in tests).
        Err(_)
            if resolves_hostnames && mask.is_none() && addr.eq_ignore_ascii_case("localhost") =>
        {
            return Ok(vec!["127.0.0.1".into()]);
        }
        Err(_) => return Err(parse_err("Invalid IP address format")),
    };
    let Some(mask) = mask else {
        return Ok(vec![ip.to_string()]);
    };
    let m: u32 = mask
        .parse()
        .map_err(|_| parse_err("Invalid IP address format"))?;
    let smallest_mask = match d {
        Dialect::Pterodactyl => 27,
        Dialect::Pelican => 25,
    };
    if !(smallest_mask..=32).contains(&m) {
        return Err(ApiErr::display(
            "CidrOutOfRangeException",
            "CIDR notation only allows masks between /25 and /32.",
        ));
    }
    match ip {
        std::net::IpAddr::V4(v4) => {
            let base = u32::from(v4) & (u32::MAX << (32 - m)).wrapping_mul((m != 0) as u32);
            let n = 1u32 << (32 - m);
            Ok((0..n)
                .map(|i| std::net::Ipv4Addr::from(base + i).to_string())
                .collect())
        }
        std::net::IpAddr::V6(_) => Err(parse_err("Unsupported IPv6 range")),
    }
}

fn delete(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    if st
        .allocations
        .get(&id)
        .is_some_and(|a| a.server_id.is_some())
    {
        return Err(ApiErr::display(
            "ServerUsingAllocationException",
            "A server is currently assigned to this allocation. An allocation can only be deleted if no server is currently assigned.",
        ));
    }
    st.remove_allocation(id);
    r.changed = true;
    Ok(Out::empty())
}

/// The `allocation` object; includes `node`, `server`.
pub fn render(w: &mut W, c: &Ctx, a: &Allocation, inc: &Inc) {
    open(w, "allocation");
    w.k_i64("id", a.id as i64);
    w.k_str("ip", &a.ip);
    w.k_ostr("alias", a.alias.as_deref());
    w.k_i64("port", a.port as i64);
    w.k_ostr("notes", a.notes.as_deref());
    w.k_bool("assigned", a.server_id.is_some());
    if inc.any(&["node", "server"]) {
        open_rels(w);
        if let Some(sub) = inc.get("node") {
            w.key("node");
            match c.st.nodes.get(&a.node_id) {
                Some(n) => super::node::render(w, c, n, sub, &[], None),
                None => w.null_resource(),
            }
        }
        if let Some(sub) = inc.get("server") {
            w.key("server");
            match a.server_id.and_then(|s| c.st.servers.get(&s)) {
                Some(s) => super::server::render(w, c, s, sub),
                None => w.null_resource(),
            }
        }
        w.end_obj();
    }
    close(w);
}
