//! The one list of the resource kinds roost manages.
//!
//! Every layer that has per-kind code (model, plan, engine, …) expands this list with a macro of
//! its own, which declares one module per kind and generates the layer's kind enums and its
//! exhaustive dispatch. Adding a kind is one line here plus the kind's own modules; a layer whose
//! module for the new kind is missing, or lacks an item the layer needs, does not compile.

/// Calls `$callback!` with the list of kinds, one per line:
/// `Variant module "singular" "plural" [ParentVariant]`, in creation order (a kind after the
/// kinds it may depend on; ties in the create order are broken by this order).
#[macro_export]
macro_rules! for_each_kind {
    ($callback:path) => {
        $callback! {
            Location   location   "location"   "locations"   [],
            Node       node       "node"       "nodes"       [],
            Allocation allocation "allocation" "allocations" [],
            User       user       "user"       "users"       [],
            Server     server     "server"     "servers"     [],
            Database   database   "database"   "databases"   [Server],
            Schedule   schedule   "schedule"   "schedules"   [Server],
            Subuser    subuser    "subuser"    "subusers"    [Server],
            File       file       "file"       "files"       [Server],
        }
    };
}

/// Generates [`Kind`](crate::Kind) from the registry.
macro_rules! declare_kind_enum {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        /// A kind of resource roost manages.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        #[serde(rename_all = "lowercase")]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            /// Every kind, in registry (creation) order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The singular name, as written in addresses (`server.lobby`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $singular,)*
                }
            }

            /// The plural name, as written in `prune` settings and summaries.
            pub fn plural(self) -> &'static str {
                match self {
                    $(Kind::$variant => $plural,)*
                }
            }

            /// The kind this kind lives inside (`database` inside `server`), if any.
            pub fn parent(self) -> Option<Kind> {
                match self {
                    $(Kind::$variant => declare_kind_enum!(@parent $($parent)?),)*
                }
            }
        }
    };
    (@parent $parent:ident) => { Some(Kind::$parent) };
    (@parent) => { None };
}

for_each_kind!(declare_kind_enum);
