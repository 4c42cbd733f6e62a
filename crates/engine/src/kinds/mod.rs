//! One module per resource kind, generated from the registry ([`roost_model::for_each_kind!`]):
//! each carries out its kind's operations (`execute`), and re-reads by identity after a create
//! whose outcome is unknown. The dispatch below has no catch-all arm: a kind without a module
//! here does not compile.

use crate::context::ApplyCx;
use roost_plan::{Change, Op};

macro_rules! declare_engine_kinds {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        $(mod $module;)*

        /// Carry out one operation of `change`.
        pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
            match op {
                $(Op::$variant(op) => $module::execute(op, cx, change).await,)*
            }
        }
    };
}

roost_model::for_each_kind!(declare_engine_kinds);
