//! Database hosts (Pelican only): `/database-hosts`.

use crate::listing::paginate;
use crate::request::Req;
use crate::response::{ApiErr, Res};
use crate::state::SimState;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// The sim models no database hosts: the listing is always empty, which is all roost reads
    /// of it (its dialect probe).
    List,
}

pub fn bind(_st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::List => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => paginate(r, st, &[] as &[()], 10, |_, _, _| {}),
    }
}
