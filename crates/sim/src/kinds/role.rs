//! Roles (Pelican only): `/roles`.

use crate::listing::{check_filters, item, item_with_resource, paginate, partial, sorts};
use crate::render::{Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::Validator;
use crate::state::{Role, SimState};
use crate::util::{W, now_unix, ts_iso};

/// The role every panel has and no API call may change.
const ROOT_ADMIN: &str = "Root Admin";

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Get(String),
    Patch(String),
    Delete(String),
}

pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::Get(i) | Route::Patch(i) | Route::Delete(i) => {
            exists(st.roles.contains_key(&parse_id(i)?))
        }
        Route::List | Route::Create => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_roles(st, r),
        Route::Get(i) => {
            let inc = r.includes();
            let role = &st.roles[&parse_id(&i)?];
            Ok(item(st, 200, |w, _| render(w, role, &inc)))
        }
        Route::Create => save(st, r, None),
        Route::Patch(i) => save(st, r, Some(parse_id(&i)?)),
        Route::Delete(i) => delete(st, r, parse_id(&i)?),
    }
}

fn list_roles(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["id", "name"])?;
    let sort = sorts(r, &["id", "name"])?;
    let inc = r.includes();
    let mut items: Vec<&Role> = st
        .roles
        .values()
        .filter(|x| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "id" => partial(Some(&x.id.to_string()), v),
                _ => partial(Some(&x.name), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = if f == "name" {
                a.name.cmp(&b.name)
            } else {
                a.id.cmp(&b.id)
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 10, |w, _, x| render(w, x, &inc))
}

fn save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    v.check("name", "required|string|max:255");
    validate(v)?;
    let name = r.str("name").unwrap_or_default();
    if st
        .roles
        .values()
        .any(|x| x.name == name && Some(x.id) != existing)
    {
        // No uniqueness rule: the permission library / unique index throws.
        return Err(ApiErr::server("RoleAlreadyExists"));
    }
    let inc = r.includes();
    match existing {
        Some(i) => {
            if st.roles[&i].name == ROOT_ADMIN {
                return Err(ApiErr::server("PanelException"));
            }
            if let Some(x) = st.roles.get_mut(&i) {
                x.name = name;
                x.updated_at = now_unix();
            }
            r.changed = true;
            let x = &st.roles[&i];
            Ok(item(st, 200, |w, _| render(w, x, &inc)))
        }
        None => {
            let i = st.add_role(&name);
            r.changed = true;
            let x = &st.roles[&i];
            Ok(item_with_resource(
                st,
                r.url(&format!("/roles/{i}")),
                |w, _| render(w, x, &inc),
            ))
        }
    }
}

fn delete(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    if st.roles.get(&id).is_some_and(|x| x.name == ROOT_ADMIN) {
        return Err(ApiErr::server("PanelException"));
    }
    st.roles.remove(&id);
    for u in st.users.values_mut() {
        u.roles.retain(|x| *x != id);
    }
    r.changed = true;
    Ok(Out::empty())
}

/// The `role` object; includes `permissions`.
pub fn render(w: &mut W, r: &Role, inc: &Inc) {
    open(w, "role");
    w.k_i64("id", r.id as i64);
    w.k_str("name", &r.name);
    w.k_str("created_at", &ts_iso(r.created_at));
    w.k_str("updated_at", &ts_iso(r.updated_at));
    if inc.get("permissions").is_some() {
        open_rels(w);
        w.key("permissions");
        list(w, r.permissions.iter(), |w, p| {
            open(w, "permissions");
            w.k_str("name", p);
            w.k_str("created_at", &ts_iso(r.created_at));
            w.k_str("updated_at", &ts_iso(r.updated_at));
            close(w);
        });
        w.end_obj();
    }
    close(w);
}
