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

            fn runs_last(&self) -> bool {
                match self {
                    $(Op::$variant(op) => op.runs_last(),)*
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

        /// The attribute names `ignore` may use for `kind`, to suggest from and list in
        /// messages (a map attribute's entries, `environment.NAME`, are not listed).
        pub fn attribute_names(kind: Kind) -> Vec<&'static str> {
            match kind {
                $(Kind::$variant => $module::TABLE.names(),)*
            }
        }
    };
}

roost_model::for_each_kind!(declare_plan_kinds);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_may_name_compared_attributes_only() {
        assert!(attribute_known(Kind::Node, "fqdn"));
        assert!(attribute_known(Kind::Server, "limits.memory"));
        assert!(attribute_known(Kind::Server, "environment.MOTD"));
        assert!(attribute_known(Kind::Database, "remote"));
        // Identity, what replaces an object, and requests are not states another tool owns.
        assert!(!attribute_known(Kind::Location, "short"));
        assert!(!attribute_known(Kind::Server, "node"));
        assert!(!attribute_known(Kind::User, "password"));
        assert!(!attribute_known(Kind::Server, "environment."));
        assert!(!attribute_known(Kind::Node, "environment.X"));
        assert_eq!(attribute_names(Kind::Allocation), ["alias"]);
        assert_eq!(attribute_names(Kind::Database), ["host", "remote"]);
        assert_eq!(attribute_names(Kind::Location), ["description"]);
    }

    #[test]
    fn creates_are_read_back_and_reinstalls_never_resent() {
        use crate::ops::Ref;
        let create: Op = server::Op::Create {
            fields: Box::new(server::CreateFields {
                name: "x".into(),
                description: String::new(),
                external_id: None,
                owner: Ref::Id(1),
                egg: 1,
                image: String::new(),
                startup: String::new(),
                environment: Default::default(),
                limits: server::Limits {
                    memory: 0,
                    swap: 0,
                    disk: 0,
                    io: 500,
                    cpu: 0,
                    threads: None,
                    oom_killer: false,
                },
                feature_limits: server::FeatureLimits {
                    databases: None,
                    allocations: None,
                    backups: None,
                },
                allocation: Ref::Id(1),
                additional_allocations: Vec::new(),
                skip_scripts: false,
            }),
        }
        .into();
        assert_eq!(create.retry(), Retry::ReadBack);
        assert_eq!(create.kind(), Kind::Server);
        let reinstall: Op = server::Op::Reinstall { id: 7 }.into();
        assert_eq!(reinstall.retry(), Retry::Never);
        assert_eq!(
            reinstall.call().unwrap().to_string(),
            "POST /servers/7/reinstall"
        );
        let json = serde_json::to_value(&reinstall).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "server", "op": "reinstall", "id": 7})
        );
        assert_eq!(serde_json::from_value::<Op>(json).unwrap(), reinstall);
        let db: Op = database::Op::Create {
            server: Ref::Pending("server.lobby".parse().unwrap()),
            name: "main".into(),
            host: 1,
            remote: "%".into(),
        }
        .into();
        assert_eq!(
            db.call().unwrap().to_string(),
            "POST /servers/{server.lobby}/databases"
        );
        let back: Op = serde_json::from_value(serde_json::to_value(&db).unwrap()).unwrap();
        assert_eq!(back, db);
    }
}
