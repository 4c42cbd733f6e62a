//! One module per resource: its routes (`Route`), route-model binding (`bind`), handlers
//! (validation, conflicts, effects; `handle`) and rendering (`render`). The router
//! ([`crate::router`]) maps paths to these routes in one table.

pub mod allocation;
pub mod database;
pub mod database_host;
pub mod egg;
pub mod location;
pub mod node;
pub mod role;
pub mod server;
pub mod user;
