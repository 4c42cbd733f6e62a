//! One module per resource kind (the registry, [`for_each_kind!`], lists them): each holds the
//! kind's desired and live types and where the panel serves it (`<kind>_routes`).

macro_rules! declare_model_kinds {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        $(pub mod $module;)*
        $(pub use $module::*;)*
    };
}

for_each_kind!(declare_model_kinds);
