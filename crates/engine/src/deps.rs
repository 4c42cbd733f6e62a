//! Which changes a change that did not happen (it failed, or was skipped) holds back.
//!
//! A dependent is skipped when it needs what the missing change would have made. What it needs
//! of a location, node or user is only that the object exists (a node is named by its id in
//! `POST /nodes/{id}/allocations`, an owner by its id in a server's body): an update of one of
//! those that failed leaves it existing, so its dependents still run. Everything else holds its
//! dependents back: a create or replace (the object may not exist), a delete (what follows
//! waits for it to be gone), and a server's update (the allocations or ownership it gives up
//! are what allocation and user deletes, and other servers, wait for).

use roost_model::Kind;
use roost_plan::{Action, Change};

/// Whether the dependents of `missing` must be skipped because it did not happen.
pub fn holds_back(missing: &Change) -> bool {
    let exists_anyway = matches!(missing.action, Action::Update | Action::Adopt)
        && matches!(
            missing.address.kind,
            Kind::Location | Kind::Node | Kind::User
        );
    !exists_anyway
}

/// [`holds_back`] for a task (a group of allocation creates shares one task).
pub fn task_holds_back(missing: &[Change]) -> bool {
    missing.iter().any(holds_back)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roost_model::Address;

    fn change(kind: Kind, action: Action) -> Change {
        Change {
            address: Address::new(kind, "x"),
            action,
            id: None,
            attributes: Vec::new(),
            unchanged: 0,
            impact: Default::default(),
            cause: None,
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: Vec::new(),
            ops: Vec::new(),
            origin: None,
        }
    }

    #[test]
    fn failed_updates_of_what_others_only_reference_do_not_block() {
        for kind in [Kind::Location, Kind::Node, Kind::User] {
            for action in [Action::Update, Action::Adopt] {
                assert!(!holds_back(&change(kind, action)), "{kind:?} {action:?}");
            }
            for action in [Action::Create, Action::Replace, Action::Delete] {
                assert!(holds_back(&change(kind, action)), "{kind:?} {action:?}");
            }
        }
        // A server update releases allocations and ownership that others wait for.
        assert!(holds_back(&change(Kind::Server, Action::Update)));
        assert!(holds_back(&change(Kind::Server, Action::Adopt)));
        assert!(holds_back(&change(Kind::Allocation, Action::Create)));
        assert!(task_holds_back(&[
            change(Kind::Node, Action::Update),
            change(Kind::Node, Action::Create)
        ]));
        assert!(!task_holds_back(&[change(Kind::User, Action::Update)]));
    }
}
