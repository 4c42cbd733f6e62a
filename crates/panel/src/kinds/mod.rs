//! One module per resource kind (the registry, `roost_model::for_each_kind!`, lists them): the
//! kind's wire types (the JSON the panels send, mapped into the model's live types), its request
//! bodies and its endpoints, with URLs from the model's routes (`roost_model::<kind>_routes`).
//!
//! Request bodies of the panels' update endpoints are full replacements: omitted fields are reset
//! (node `daemon_base`, server `external_id`/`description`, PL build `allocation` ...). So every
//! body carries *all* fields its endpoint takes, and `from_live` copies each of them from live
//! state: a caller changes only what it means to change and can never drop a field by accident.
//! Both panels ignore unknown body keys, so bodies are union payloads that work on both dialects
//! (`shared/panel-api/dialects.md` §4).

macro_rules! declare_panel_kinds {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        $(pub mod $module;)*
    };
}

roost_model::for_each_kind!(declare_panel_kinds);

/// Eggs (and Pterodactyl's nests): read, never managed, so not a kind of the registry.
pub mod egg;
