//! Safety rails `apply` enforces on a plan: which changes are destructive (`--allow-destroy`)
//! and which take root admin rights away (`--allow-admin-removal`). The planner computes them;
//! the CLI only asks. The delete threshold (`--force`) is in `threshold.rs`.

use crate::kinds::{Op, user};
use crate::types::*;
use roost_model::{Dialect, Kind};

/// The `apply` flag that approves deleting or demoting a root administrator.
pub const ADMIN_REMOVAL_FLAG: &str = "--allow-admin-removal";

/// Whether `c` destroys data or an account, or changes admin rights: `apply --auto-approve`
/// needs `--allow-destroy` for it.
pub fn is_destructive(c: &Change) -> bool {
    let deletes_data = match c.address.kind {
        Kind::Server | Kind::User | Kind::Database | Kind::Schedule | Kind::Subuser => {
            c.action == Action::Delete
        }
        // Never deleted; a write replaces content the manifests declare.
        Kind::Location | Kind::Node | Kind::Allocation | Kind::File => false,
    };
    deletes_data
        || (c.address.kind == Kind::Server && c.action == Action::Replace)
        || c.impact >= Impact::Reinstall
        || !c.warnings.is_empty()
}

/// Whether `c` deletes a root administrator or takes root admin rights away. roost cannot tell
/// from the Application API which user owns the key it uses, and losing the last root admin
/// locks everyone out of the panel's admin area: this needs its own approval.
pub fn removes_root_admin(dialect: Dialect, c: &Change) -> bool {
    c.ops.iter().any(|op| {
        let Op::User(op) = op else {
            return false;
        };
        match op {
            user::Op::Delete { root_admin, .. } => *root_admin,
            // Pterodactyl's `root_admin` is a field; Pelican's Root Admin role cannot be
            // revoked through the API (the planner refuses that plan).
            user::Op::Update { set, was, .. } => {
                dialect == Dialect::Pterodactyl
                    && was.root_admin == Some(true)
                    && set.root_admin == Some(false)
            }
            user::Op::Create { .. }
            | user::Op::AssignRoles { .. }
            | user::Op::RemoveRoles { .. } => false,
        }
    })
}

/// The changes of `plan` that need `--allow-admin-removal`.
pub fn admin_removals(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| removes_root_admin(plan.dialect, c))
        .collect()
}

/// The warning a root-admin removal carries in the plan.
pub(crate) fn admin_removal_warning(what: &str, username: &str) -> String {
    format!(
        "{what} `{username}`: `roost apply` needs {ADMIN_REMOVAL_FLAG} as well (roost cannot tell from the Application API whether this user owns the API key in use)"
    )
}
