//! Loading the stock content ([`crate::stock`]) into the tables: the state depends on the stock
//! data, never the other way round.

use super::{DatabaseHostParams, Egg, EggVariable, Nest, SimState};
use crate::stock::{DATABASE_HOST, NESTS, StockEgg, StockNest};
use crate::util::now_unix;
use roost_model::Dialect;
use serde_json::{Value, json};

impl SimState {
    /// Adds the stock nests (Pterodactyl; Pelican has none: its eggs carry the nest's name as a
    /// tag), eggs and database host.
    pub(super) fn seed_stock(&mut self) {
        for nest in NESTS {
            let nest_id = match self.dialect {
                Dialect::Pterodactyl => Some(self.seed_nest(nest)),
                Dialect::Pelican => None,
            };
            for egg in nest.eggs {
                self.seed_egg(nest, nest_id, egg);
            }
        }
        self.add_database_host(DatabaseHostParams {
            name: DATABASE_HOST.name.into(),
            host: DATABASE_HOST.host.into(),
            port: DATABASE_HOST.port,
            username: DATABASE_HOST.username.into(),
            nodes: Vec::new(),
        });
    }

    fn stock_author(&self) -> &'static str {
        match self.dialect {
            Dialect::Pterodactyl => "support@pterodactyl.io",
            Dialect::Pelican => "panel@example.com",
        }
    }

    fn seed_nest(&mut self, nest: &StockNest) -> u64 {
        let now = now_unix();
        let id = SimState::next_id(&mut self.counters.nest);
        let uuid = self.new_uuid();
        let author = self.stock_author();
        self.nests.insert(
            id,
            Nest {
                id,
                uuid,
                author: author.into(),
                name: nest.name.into(),
                description: Some(nest.description.into()),
                created_at: now,
                updated_at: now,
            },
        );
        id
    }

    fn seed_egg(&mut self, nest: &StockNest, nest_id: Option<u64>, e: &StockEgg) {
        let now = now_unix();
        let dialect = self.dialect;
        let id = SimState::next_id(&mut self.counters.egg);
        let uuid = self.new_uuid();
        let mut variables = Vec::new();
        for (i, v) in e.vars.iter().enumerate() {
            let vid = SimState::next_id(&mut self.counters.egg_variable);
            variables.push(EggVariable {
                id: vid,
                egg_id: id,
                name: v.name.into(),
                description: format!("{}.", v.name),
                env_variable: v.env_variable.into(),
                default_value: v.default_value.into(),
                user_viewable: true,
                user_editable: true,
                rules: v.rules.split('|').map(str::to_string).collect(),
                sort: match dialect {
                    Dialect::Pterodactyl => None,
                    Dialect::Pelican => Some(i as i64 + 1),
                },
                created_at: now,
                updated_at: now,
            });
        }
        let images = e
            .images
            .iter()
            .map(|(label, image)| {
                let image = match dialect {
                    Dialect::Pterodactyl => image.to_string(),
                    Dialect::Pelican => {
                        image.replace("ghcr.io/pterodactyl/", "ghcr.io/pelican-eggs/")
                    }
                };
                (label.to_string(), image)
            })
            .collect();
        let author = self.stock_author();
        self.eggs.insert(
            id,
            Egg {
                id,
                uuid,
                nest_id,
                name: e.name.into(),
                author: author.into(),
                description: Some(e.description.into()),
                features: Some(e.features.iter().map(|f| f.to_string()).collect()),
                tags: match nest_id {
                    None => vec![nest.name.to_lowercase()],
                    Some(_) => Vec::new(),
                },
                docker_images: images,
                startup_commands: vec![("Default".into(), e.startup.into())],
                config_files: stock_config_files(dialect, e),
                config_startup: json!({ "done": e.done }),
                config_stop: Some(e.stop.into()),
                config_logs: json!([]),
                file_denylist: json!([]),
                config_extends: None,
                script_privileged: true,
                script_install: Some(format!("#!/bin/bash\n# {} installation script\n", e.name)),
                script_entry: "bash".into(),
                script_container: e.container.into(),
                script_extends: None,
                variables,
                created_at: now,
                updated_at: now,
            },
        );
    }
}

/// Minecraft eggs (those stopped with `stop`) edit `server.properties`; the others have no
/// config files, an empty object on Pterodactyl and an empty list on Pelican.
fn stock_config_files(dialect: Dialect, e: &StockEgg) -> Value {
    if e.stop == "stop" {
        json!({"server.properties": {"parser": "properties", "find": {"server-ip": "0.0.0.0", "server-port": "{{server.build.default.port}}"}}})
    } else {
        match dialect {
            Dialect::Pterodactyl => json!({}),
            Dialect::Pelican => json!([]),
        }
    }
}
