//! Wire types shared by every kind: the envelopes the panels wrap resources in (items, lists,
//! pagination, included relations) and error bodies. Each kind's own wire types live in
//! `kinds/<kind>.rs`; they are re-exported here, where callers have always found them.
//!
//! One struct per resource serves both dialects: fields only one panel (or only some panel
//! versions) sends are `Option` or defaulted, and unknown fields are ignored, because panels
//! differ across versions (see `shared/panel-api/dialects.md`). Where a panel is known to vary a
//! field's JSON type (ints as strings, `0/1` for booleans, objects or arrays), a lenient
//! deserializer (`lenient.rs`) accepts every observed form.

use crate::lenient::*;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::kinds::allocation::{AllocationAttributes, AllocationRelationships, ServerRef};
pub use crate::kinds::database::{DatabaseAttributes, DatabaseHostAttributes, IncludedDatabase};
pub use crate::kinds::egg::{
    EggAttributes, EggRelationships, EggVariableAttributes, NestAttributes, NestRelationships,
    split_rules,
};
pub use crate::kinds::location::LocationAttributes;
pub use crate::kinds::node::{AllocatedResources, NodeAttributes, NodeRelationships};
pub use crate::kinds::server::{
    PANEL_ENV_EXTRAS, ServerAttributes, ServerContainer, ServerFeatureLimits, ServerLimits,
    ServerRelationships,
};
pub use crate::kinds::user::{RoleAttributes, UserAttributes, UserRelationships};

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/// A single enveloped item: `{"object": "...", "attributes": {...}, "meta": {...}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Item<T> {
    // `object` (the resource name) is not read: serde skips it without allocating, which adds
    // up over tens of thousands of items in one refresh.
    pub attributes: T,
    /// Create responses of some resources carry `meta.resource`; nothing else relies on it.
    #[serde(default)]
    pub meta: Option<Value>,
}

/// A list, paginated (with `meta.pagination`) or not (no `meta`).
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    #[serde(default)]
    pub object: String,
    pub data: Vec<Item<T>>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListMeta {
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pagination {
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub total: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub count: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub per_page: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub current_page: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub total_pages: u64,
    #[serde(default, deserialize_with = "de_links")]
    pub links: Links,
}

/// `links` is `{}` when empty (an empty PHP array could also render as `[]`; accept both).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
}

/// Whether an `object` name is `null_resource`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NullResource(pub bool);

impl<'de> Deserialize<'de> for NullResource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NullResource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NullResource, E> {
                Ok(NullResource(v == "null_resource"))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<NullResource, E> {
                Ok(NullResource(false))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<NullResource, E> {
                Ok(NullResource(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// An included relation: a list, an item, or a `null_resource` (include the key may not read).
#[derive(Debug, Clone, Deserialize)]
pub struct Relation<T> {
    /// Only whether it is a `null_resource` matters; read without allocating.
    #[serde(default, rename = "object")]
    pub null_resource: NullResource,
    #[serde(default = "Option::default")]
    pub data: Option<Vec<Item<T>>>,
    #[serde(default = "Option::default")]
    pub attributes: Option<Box<T>>,
}

impl<T> Relation<T> {
    pub fn is_null_resource(&self) -> bool {
        self.null_resource.0
    }

    /// The included list's attributes, or `None` when the panel withheld it (null_resource)
    /// or sent a single item instead of a list.
    pub fn list(&self) -> Option<impl Iterator<Item = &T>> {
        self.data.as_ref().map(|d| d.iter().map(|i| &i.attributes))
    }
}

/// An object key (or a string) borrowed from the body when it holds no escapes, so a key that is
/// only compared, or skipped, is never copied.
pub(crate) enum Name<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Name<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Name::Borrowed(s) => s,
            Name::Owned(s) => s,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            Name::Borrowed(s) => s.to_string(),
            Name::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name::Owned(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// An included object of which only the id is read: serde skips the rest without building it,
/// which matters when every server of a large panel brings its allocations along.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct IdOnly {
    pub id: u64,
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An error body: the `{"errors": [...]}` envelope, or anything else (PL answers a Root Admin
/// delete with the literal body `[]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    Envelope { errors: Vec<ErrorEntry> },
    Other(Value),
}

impl ErrorBody {
    pub fn entries(&self) -> &[ErrorEntry] {
        match self {
            ErrorBody::Envelope { errors } => errors,
            ErrorBody::Other(_) => &[],
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ErrorEntry {
    #[serde(default)]
    pub code: String,
    /// The HTTP status as a string (kept lenient: an int is accepted too).
    #[serde(default, deserialize_with = "de_string_lenient")]
    pub status: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    /// Validation errors: `{source_field, rule}`; debug mode adds traces (ignored).
    #[serde(default)]
    pub meta: Option<ErrorMeta>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ErrorMeta {
    #[serde(default)]
    pub source_field: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
}

fn de_links<'de, D: Deserializer<'de>>(d: D) -> Result<Links, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(map) => {
            Links::deserialize(Value::Object(map)).map_err(|e| de::Error::custom(e.to_string()))
        }
        // `[]` or null: an empty PHP array rendered as a list.
        _ => Ok(Links::default()),
    }
}
