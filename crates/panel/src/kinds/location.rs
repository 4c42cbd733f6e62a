//! Locations (Pterodactyl only): wire type, body and endpoints.

use crate::client::PanelClient;
use crate::error::PanelError;
use crate::pagination::HasId;
use crate::retry::Idempotency;
use reqwest::Method;
use roost_model::{Dialect, LiveLocation, location_routes};
use serde::{Deserialize, Serialize};

/// PT only.
#[derive(Debug, Clone, Deserialize)]
pub struct LocationAttributes {
    pub id: u64,
    pub short: String,
    #[serde(default)]
    pub long: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl LocationAttributes {
    pub fn to_live(&self) -> LiveLocation {
        LiveLocation {
            id: self.id,
            short: self.short.clone(),
            long: self.long.clone(),
        }
    }
}

impl HasId for LocationAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// `POST /locations`, `PATCH /locations/{id}` (Pterodactyl only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationBody {
    pub short: String,
    pub long: Option<String>,
}

impl LocationBody {
    pub fn from_live(l: &LiveLocation) -> Self {
        LocationBody {
            short: l.short.clone(),
            long: l.long.clone(),
        }
    }
}

impl PanelClient {
    /// Pterodactyl only.
    pub async fn get_location(&self, id: u64) -> Result<LiveLocation, PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "locations")
            .await?;
        let l: LocationAttributes = self
            .get_item(location_routes::one(id), Vec::new())
            .await?;
        Ok(l.to_live())
    }

    /// Pterodactyl only.
    pub async fn list_locations(&self) -> Result<Vec<LiveLocation>, PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "locations")
            .await?;
        Ok(self
            .list_locations_raw(0)
            .await?
            .iter()
            .map(LocationAttributes::to_live)
            .collect())
    }

    pub(crate) async fn list_locations_raw(
        &self,
        expected: u64,
    ) -> Result<Vec<LocationAttributes>, PanelError> {
        self.list_all_into(location_routes::list(), Vec::new(), expected, Ok)
            .await
    }

    pub async fn create_location(&self, body: &LocationBody) -> Result<LiveLocation, PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "locations")
            .await?;
        let l: LocationAttributes = self
            .write_item(
                Method::POST,
                location_routes::list(),
                Vec::new(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(l.to_live())
    }

    pub async fn update_location(
        &self,
        id: u64,
        body: &LocationBody,
    ) -> Result<LiveLocation, PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "locations")
            .await?;
        let l: LocationAttributes = self
            .write_item(
                Method::PATCH,
                location_routes::one(id),
                Vec::new(),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(l.to_live())
    }

    pub async fn delete_location(&self, id: u64) -> Result<(), PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "locations")
            .await?;
        self.write_empty::<()>(
            Method::DELETE,
            location_routes::one(id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }
}
