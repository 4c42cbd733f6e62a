//! One module per block: each kind of resource ([`roost_model::for_each_kind!`] lists them),
//! plus the `panel` block and templates. A kind's module parses its block (checking shapes,
//! types, ranges and dialect rules), resolves what only the whole set can tell, and prints the
//! block back.

macro_rules! declare_manifest_kinds {
    ($($variant:ident $module:ident $singular:literal $plural:literal [$($parent:ident)?],)*) => {
        $(pub mod $module;)*

        /// Every field and property name each kind's blocks know (for the reference and its
        /// test): a kind without a module, or whose module does not say, does not compile.
        pub const KIND_FIELDS: &[(roost_model::Kind, &[&str])] =
            &[$((roost_model::Kind::$variant, $module::FIELDS),)*];
    };
}

roost_model::for_each_kind!(declare_manifest_kinds);

pub mod panel;
pub mod template;
