//! `location "SHORT" { description "..." }`: a Pterodactyl location.

use crate::diag::Problem;
use crate::ignore;
use crate::parse::{Rules, check_len, fields, resource_name, string_field};
use crate::print::{Out, q};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{Kind, Location};

pub const FIELDS: &[&str] = &["description", "ignore"];

#[derive(Debug, Clone)]
pub struct LocationDecl {
    pub name: Sp<String>,
    pub location: Location,
}

pub fn parse(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<LocationDecl> {
    let name = resource_name(r, node, "location")?;
    Entries::of(r, node, &[]);
    if !rules.pt() {
        r.push(
            Problem::new("roost::wrong-dialect", "locations do not exist on Pelican", r.span(node.name().span()), "Pterodactyl only")
                .help("Pelican groups nodes by tags: remove the location and write `tags \"...\"` in the nodes"),
        );
        return None;
    }
    check_len(r, &name, "a location's short code", 1, 60);
    let mut location = Location {
        short: name.v.clone(),
        description: None,
        ignore: Vec::new(),
        origin: name.span.origin(),
    };
    for (field, child) in fields(r, node, "location", FIELDS, &[]).list {
        if field == "ignore" {
            location.ignore = ignore::parse_block_ignore(r, rules.attributes, child, Kind::Location);
        } else if field == "description" {
            location.description =
                string_field(r, child, 1, 191, "description \"Frankfurt, Germany\"").map(|s| s.v);
        }
    }
    Some(LocationDecl { name, location })
}

/// `location "fra" { ... }`, or just `location "fra"` when it has nothing more to say.
pub(crate) fn print(o: &mut Out, l: &Location) {
    if l.description.is_none() && l.ignore.is_empty() {
        o.field("location", q(&l.short));
        return;
    }
    o.open("location", &q(&l.short));
    if let Some(desc) = &l.description {
        o.field("description", q(desc));
    }
    o.ignore(&l.ignore);
    o.close();
}
