//! A server's settings and startup through the Client API (client/servers.md, startup.md):
//! rename, Pelican's description, reinstall, the docker image (one of the egg's), the startup
//! variables a user may see and edit.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::client_api::wire::de_rules;
use crate::error::PanelError;
use crate::wire::Item;
use roost_model::{client_settings_routes, client_startup_routes};
use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::json;

/// An egg variable as a user sees it (`egg_variable`): only viewable ones are ever shown.
#[derive(Debug, Clone, Deserialize)]
pub struct StartupVariable {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The key `PUT /startup/variable` takes.
    pub env_variable: String,
    #[serde(default)]
    pub default_value: Option<String>,
    /// `null` when the server has no value of its own.
    #[serde(default)]
    pub server_value: Option<String>,
    #[serde(default)]
    pub is_editable: bool,
    /// Laravel rules, `|`-joined.
    #[serde(default, deserialize_with = "de_rules")]
    pub rules: String,
}

/// `GET /startup`: the variables, the startup line (hidden values `[hidden]`), the images the
/// docker-image setting accepts, and the raw line.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "StartupEnvelope")]
pub struct StartupConfig {
    pub variables: Vec<StartupVariable>,
    pub startup_command: String,
    /// `label → image`, in the panel's order: the values `set_docker_image` accepts.
    pub docker_images: Vec<(String, String)>,
    pub raw_startup_command: String,
}

#[derive(Deserialize)]
struct StartupMeta {
    #[serde(default)]
    startup_command: String,
    #[serde(default, deserialize_with = "de_images")]
    docker_images: Vec<(String, String)>,
    #[serde(default)]
    raw_startup_command: String,
}

fn de_images<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    crate::kinds::egg::de_labelled(d)
}

#[derive(Deserialize)]
struct StartupEnvelope {
    data: Vec<Item<StartupVariable>>,
    meta: StartupMeta,
}

impl From<StartupEnvelope> for StartupConfig {
    fn from(env: StartupEnvelope) -> Self {
        StartupConfig {
            variables: env.data.into_iter().map(|i| i.attributes).collect(),
            startup_command: env.meta.startup_command,
            docker_images: env.meta.docker_images,
            raw_startup_command: env.meta.raw_startup_command,
        }
    }
}

/// `PUT /startup/variable`'s answer: the variable and the startup line after the change.
#[derive(Debug, Clone)]
pub struct VariableUpdated {
    pub variable: StartupVariable,
    pub startup_command: String,
    pub raw_startup_command: String,
}

#[derive(Deserialize)]
struct VariableEnvelope {
    attributes: StartupVariable,
    meta: StartupMeta,
}

impl ClientApi {
    /// Renames the server (Pterodactyl also takes a description here; roost leaves it be).
    pub async fn rename_server(&self, server: &str, name: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(ClientOp::Rename, client_settings_routes::rename(server))
            .on(server)
            .json(&json!({ "name": name }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Sets the description: Pelican's own route; on Pterodactyl the rename route carries it,
    /// with the current name.
    pub async fn set_server_description(
        &self,
        server: &str,
        description: &str,
    ) -> Result<(), PanelError> {
        let req = match self.ensure_dialect().await? {
            roost_model::Dialect::Pelican => ClientReq::new(
                ClientOp::Description,
                client_settings_routes::description(server),
            )
            .json(&json!({ "description": description }))?,
            roost_model::Dialect::Pterodactyl => {
                let name = self.server(server).await?.server.name;
                ClientReq::new(ClientOp::Rename, client_settings_routes::rename(server))
                    .json(&json!({ "name": name, "description": description }))?
            }
        };
        self.send(&req.on(server)).await.map(|_| ())
    }

    /// Reinstalls the server (every route but the server's own then answers 409 until Wings
    /// reports the install). Never sent twice.
    pub async fn reinstall_server(&self, server: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::Reinstall,
            client_settings_routes::reinstall(server),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }

    /// Sets the docker image: one of the egg's images (`startup().docker_images`), and only
    /// while the current one is too (an image an admin set by hand cannot be changed here).
    pub async fn set_docker_image(&self, server: &str, image: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::DockerImage,
            client_settings_routes::docker_image(server),
        )
        .on(server)
        .json(&json!({ "docker_image": image }))?;
        self.send(&req).await.map(|_| ())
    }

    pub async fn startup(&self, server: &str) -> Result<StartupConfig, PanelError> {
        let req = ClientReq::new(ClientOp::Startup, client_startup_routes::list(server)).on(server);
        self.json(&req).await
    }

    /// Sets one viewable, editable variable (`None` clears it), validated by its own rules.
    pub async fn set_startup_variable(
        &self,
        server: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<VariableUpdated, PanelError> {
        let req = ClientReq::new(
            ClientOp::StartupVariable,
            client_startup_routes::variable(server),
        )
        .on(server)
        .json(&json!({ "key": key, "value": value }))?;
        let env: VariableEnvelope = self.json(&req).await?;
        Ok(VariableUpdated {
            variable: env.attributes,
            startup_command: env.meta.startup_command,
            raw_startup_command: env.meta.raw_startup_command,
        })
    }
}
