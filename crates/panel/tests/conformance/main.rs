//! Conformance: the client against the simulator, in both dialects, one module per resource
//! kind (create, read, list across pages, update and delete; refusals because of state), plus
//! `read_live`, every error class, 429 handling, retries of idempotent calls under injected
//! faults, and no re-send of an ambiguous POST. The `client_*` modules do the same for the
//! Client API (`ClientApi`): every route of its table, subuser permissions, 409s, every
//! limiter, and Wings failures through a fake daemon.

mod allocation;
mod client;
mod client_access;
mod client_backups;
mod client_common;
mod client_conflicts;
mod client_databases;
mod client_file_reads;
mod client_files;
mod client_limits;
mod client_schedules;
mod client_servers;
mod common;
mod database;
mod errors;
mod live;
mod location;
mod node;
mod retries;
mod server;
mod user;
