//! Database hosts and server databases: the panels' naming rules for a new database and its
//! user, and seeding without HTTP.

use super::{Database, DatabaseHost, SimState};
use crate::util::{now_unix, random_alnum};
use rand::{Rng, RngCore};

/// The longest database name, prefix included.
pub const DATABASE_NAME_MAX: usize = 48;

/// `s<server id>_` + the requested name, cut so the whole name fits [`DATABASE_NAME_MAX`]. The
/// panels cut bytes (PHP `substr`); a cut inside a multi-byte character backs off to the
/// character's start here instead of leaving broken UTF-8.
pub fn database_name(server_id: u64, name: &str) -> String {
    let prefix = format!("s{server_id}_");
    let mut room = DATABASE_NAME_MAX
        .saturating_sub(prefix.len())
        .min(name.len());
    while !name.is_char_boundary(room) {
        room -= 1;
    }
    format!("{prefix}{}", &name[..room])
}

/// `u<server id>_` + 10 random letters and digits.
pub fn new_database_username(rng: &mut impl RngCore, server_id: u64) -> String {
    format!("u{server_id}_{}", random_alnum(rng, 10))
}

/// 24 random characters with 2 to 6 of them replaced by specials, as the panels generate them
/// (some MySQL setups require a special character).
pub fn new_database_password(rng: &mut impl RngCore) -> String {
    const SPECIALS: &[u8] = b"!@=.+^";
    let mut password: Vec<u8> = random_alnum(rng, 24).into_bytes();
    for _ in 0..rng.random_range(2..=6) {
        let at = rng.random_range(0..password.len());
        password[at] = SPECIALS[rng.random_range(0..SPECIALS.len())];
    }
    String::from_utf8(password).unwrap_or_default()
}

/// Parameters for [`SimState::add_database_host`].
#[derive(Clone, Debug)]
pub struct DatabaseHostParams {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub nodes: Vec<u64>,
}

impl Default for DatabaseHostParams {
    fn default() -> Self {
        DatabaseHostParams {
            name: "mysql".into(),
            host: "127.0.0.1".into(),
            port: 3306,
            username: "panel".into(),
            nodes: Vec::new(),
        }
    }
}

impl SimState {
    pub fn add_database_host(&mut self, p: DatabaseHostParams) -> u64 {
        let id = Self::next_id(&mut self.counters.database_host);
        let now = now_unix();
        self.database_hosts.insert(
            id,
            DatabaseHost {
                id,
                name: p.name,
                host: p.host,
                port: p.port,
                username: p.username,
                nodes: p.nodes,
                created_at: now,
                updated_at: now,
            },
        );
        id
    }

    /// Adds a database of a server (as a panel admin would; no limit is checked): `name` is the
    /// requested name, stored prefixed.
    pub fn add_database(&mut self, server_id: u64, host_id: u64, name: &str, remote: &str) -> u64 {
        let id = Self::next_id(&mut self.counters.database);
        let now = now_unix();
        let database = Database {
            id,
            server_id,
            host_id,
            database: database_name(server_id, name),
            username: new_database_username(&mut self.rng, server_id),
            remote: remote.to_string(),
            password: new_database_password(&mut self.rng),
            max_connections: 0,
            created_at: now,
            updated_at: now,
        };
        self.insert_database(database);
        id
    }

    pub fn insert_database(&mut self, d: Database) {
        self.idx
            .databases_by_server
            .entry(d.server_id)
            .or_default()
            .insert(d.id);
        self.databases.insert(d.id, d);
    }

    pub fn remove_database(&mut self, id: u64) -> Option<Database> {
        let d = self.databases.remove(&id)?;
        if let Some(set) = self.idx.databases_by_server.get_mut(&d.server_id) {
            set.remove(&id);
        }
        Some(d)
    }

    /// A server's databases, by id.
    pub fn server_databases(&self, server_id: u64) -> impl Iterator<Item = &Database> {
        self.idx
            .databases_by_server
            .get(&server_id)
            .into_iter()
            .flatten()
            .filter_map(|d| self.databases.get(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    #[test]
    fn names_are_prefixed_and_cut_to_48_bytes() {
        assert_eq!(database_name(12, "main"), "s12_main");
        let long = "x".repeat(60);
        let cut = database_name(12, &long);
        assert_eq!(cut.len(), DATABASE_NAME_MAX);
        assert!(cut.starts_with("s12_xxx"));
        // 44 bytes of room after "s12_": 22 two-byte letters fit, the 23rd does not.
        let wide = "é".repeat(30);
        assert_eq!(database_name(12, &wide), format!("s12_{}", "é".repeat(22)));
        let odd = format!("a{}", "é".repeat(30));
        assert_eq!(
            database_name(12, &odd),
            format!("s12_a{}", "é".repeat(21)),
            "a cut inside a character backs off"
        );
    }

    #[test]
    fn usernames_and_passwords_have_the_panels_shape() {
        let mut rng = SmallRng::seed_from_u64(7);
        let u = new_database_username(&mut rng, 12);
        assert!(u.starts_with("u12_") && u.len() == 14, "{u}");
        for _ in 0..50 {
            let p = new_database_password(&mut rng);
            assert_eq!(p.chars().count(), 24, "{p}");
            assert!(p.chars().any(|c| "!@=.+^".contains(c)), "{p}");
        }
    }
}
