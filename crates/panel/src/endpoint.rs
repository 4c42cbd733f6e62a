//! The shapes every kind's endpoints share: read one item, write and read back one item, write
//! with an empty answer, refuse an operation the dialect lacks, and read an included list the
//! caller cannot do without. URLs come from the model's routes (`roost_model::<kind>_routes`).

use crate::client::{PanelClient, Req};
use crate::error::{PanelError, PanelSaid};
use crate::retry::Idempotency;
use crate::wire::{Item, Relation};
use reqwest::Method;
use roost_model::{Dialect, Route};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl PanelClient {
    /// Fails with [`PanelError::Unsupported`] unless the panel speaks `want` (detecting the
    /// dialect on first use).
    pub(crate) async fn require_dialect(
        &self,
        want: Dialect,
        operation: &'static str,
    ) -> Result<(), PanelError> {
        let dialect = self.ensure_dialect().await?;
        if dialect == want {
            Ok(())
        } else {
            Err(PanelError::Unsupported { operation, dialect })
        }
    }

    pub(crate) async fn get_item<T: DeserializeOwned>(
        &self,
        route: Route,
        query: Vec<(String, String)>,
    ) -> Result<T, PanelError> {
        let item: Item<T> = self.send_json(&Req::get(route, query)).await?;
        Ok(item.attributes)
    }

    pub(crate) async fn write_item<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        route: Route,
        query: Vec<(String, String)>,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<T, PanelError> {
        let req = Self::write_req(method, route, query, Some(body), idempotency)?;
        let item: Item<T> = self.send_json(&req).await?;
        Ok(item.attributes)
    }

    /// A request whose answer (204) has no body.
    pub(crate) async fn write_empty<B: Serialize>(
        &self,
        method: Method,
        route: Route,
        body: Option<&B>,
        idempotency: Idempotency,
    ) -> Result<(), PanelError> {
        let req = Self::write_req(method, route, Vec::new(), body, idempotency)?;
        self.execute(&req).await.map(|_| ())
    }
}

/// The attributes of an included list the caller cannot do without. A relation withheld as
/// `null_resource` means the key lacks read permission on it: reading on would report resources
/// as absent that exist, so it is an error.
pub(crate) fn required_list<'a, T>(
    rel: Option<&'a Relation<T>>,
    what: &str,
    path: &str,
) -> Result<Vec<&'a T>, PanelError> {
    let r = read_include(rel, what, path)?;
    Ok(r.list().map(|l| l.collect()).unwrap_or_default())
}

/// [`required_list`], the attributes taken out of the relation rather than borrowed.
pub(crate) fn required_items<T>(
    rel: Option<Relation<T>>,
    what: &str,
    path: &str,
) -> Result<Vec<T>, PanelError> {
    read_include(rel.as_ref(), what, path)?;
    Ok(rel
        .and_then(|r| r.data)
        .map(|items| items.into_iter().map(|i| i.attributes).collect())
        .unwrap_or_default())
}

/// The relation, unless the panel withheld it (`null_resource`) or ignored the include.
fn read_include<'a, T>(
    rel: Option<&'a Relation<T>>,
    what: &str,
    path: &str,
) -> Result<&'a Relation<T>, PanelError> {
    match rel {
        Some(r) if r.is_null_resource() => Err(PanelError::Forbidden {
            method: "GET".into(),
            path: path.to_string(),
            said: PanelSaid {
                code: String::new(),
                detail: format!(
                    "the panel withheld the `{what}` include: the API key needs read permission \
                     on {what}"
                ),
            },
        }),
        Some(r) => Ok(r),
        None => Err(PanelError::Decode {
            method: "GET".into(),
            path: path.to_string(),
            message: format!("the panel ignored `include={what}`"),
        }),
    }
}
