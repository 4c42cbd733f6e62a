//! One module per resource kind, generated from the registry ([`roost_model::for_each_kind!`]):
//! each declares its operations (`Op`), its attribute table (`TABLE`) and its `plan`. The
//! enum of every kind's operations and the dispatch over kinds are generated here, with no
//! catch-all arm: a kind whose module lacks one of these items does not compile.

use crate::context::PlanCx;
use crate::ops::{ApiCall, OpSpec, Retry};
use roost_model::{Kind, SecretRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! declare_plan_kinds {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        $(pub mod $module;)*

        /// One operation of `apply`, of one kind (`{"kind": "server", "op": "build", ...}`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "kind", rename_all = "lowercase")]
        pub enum Op {
            $($variant($module::Op),)*
        }

        impl Op {
            /// The kind of resource the operation acts on.
            pub fn kind(&self) -> Kind {
                match self {
                    $(Op::$variant(_) => Kind::$variant,)*
                }
            }
        }

        impl OpSpec for Op {
            fn call(&self) -> Option<ApiCall> {
                match self {
                    $(Op::$variant(op) => op.call(),)*
                }
            }

            fn retry(&self) -> Retry {
                match self {
                    $(Op::$variant(op) => op.retry(),)*
                }
            }

            fn secrets(&self) -> Vec<&SecretRef> {
                match self {
                    $(Op::$variant(op) => op.secrets(),)*
                }
            }
        }

        $(
            impl From<$module::Op> for Op {
                fn from(op: $module::Op) -> Op {
                    Op::$variant(op)
                }
            }
        )*

        /// Plan every kind, in registry order (a kind after those it refers to).
        pub(crate) fn plan_all(cx: &mut PlanCx) {
            $($module::plan(cx);)*
        }

        /// Whether `ignore` may name attribute `name` of `kind` (`environment.NAME` for a
        /// server's egg variables): the attribute tables are the only list.
        pub fn attribute_known(kind: Kind, name: &str) -> bool {
            match kind {
                $(Kind::$variant => $module::TABLE.knows(name),)*
            }
        }

        /// The attribute names `ignore` may use for `kind`, for messages (map attributes as
        /// `PREFIX.NAME`).
        pub fn attribute_names(kind: Kind) -> Vec<String> {
            let (names, maps) = match kind {
                $(Kind::$variant => ($module::TABLE.names(), $module::TABLE.map_prefixes()),)*
            };
            names
                .into_iter()
                .map(str::to_string)
                .chain(maps.into_iter().map(|p| format!("{p}.NAME")))
                .collect()
        }
    };
}

roost_model::for_each_kind!(declare_plan_kinds);
