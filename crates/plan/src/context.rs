//! The planning context: everything a kind's `plan` reads (the desired state as the panel
//! stores it, the live state's indexes, the identity facts, the ignore rules) and what it
//! writes (changes, errors, notes, what it leaves unmanaged). Built once per plan.

use crate::attr::Diff;
use crate::error::PlanError;
use crate::identity::Identity;
use crate::ignore::Ignores;
use crate::lookup::Lookup;
use crate::ops::Ref;
use crate::options::Options;
use crate::types::{Action, Change, Unmanaged};
use roost_model::{Address, Desired, Dialect, Origin};
use std::collections::HashSet;

pub(crate) struct PlanCx<'a> {
    /// The desired state as the panel will store it (`normalize.rs`).
    pub desired: &'a Desired,
    pub dialect: Dialect,
    pub lookup: Lookup<'a>,
    pub identity: Identity<'a>,
    pub options: &'a Options,
    pub ignores: Ignores,
    pub errors: Vec<PlanError>,
    pub notes: Vec<String>,
    /// Creates, updates, adoptions and replacements.
    pub changes: Vec<Change>,
    pub deletes: Vec<Change>,
    pub unmanaged: Unmanaged,
    /// Resources that exist as declared (not turned into changes).
    pub unchanged: usize,
    /// Resources this plan deletes and creates again (their panel ids change): whatever refers
    /// to one names it by address ([`Ref::Pending`]).
    pub recreated: HashSet<Address>,
}

impl<'a> PlanCx<'a> {
    pub fn new(desired: &'a Desired, lookup: Lookup<'a>, options: &'a Options) -> Self {
        let mut errors = Vec::new();
        let identity = Identity::new(desired, &lookup, &mut errors);
        PlanCx {
            desired,
            dialect: lookup.live.dialect,
            ignores: Ignores::new(desired, &options.ignore),
            lookup,
            identity,
            options,
            errors,
            notes: Vec::new(),
            changes: Vec::new(),
            deletes: Vec::new(),
            unmanaged: Unmanaged::default(),
            unchanged: 0,
            recreated: HashSet::new(),
        }
    }

    /// Whether the panel is Pelican (else Pterodactyl).
    pub fn is_pelican(&self) -> bool {
        self.dialect == Dialect::Pelican
    }

    /// Whether attribute `name` of `address` is ignored.
    pub fn ignored<'s>(&'s self, address: &'s Address) -> impl Fn(&str) -> bool + 's {
        move |name| self.ignores.ignores(address, name)
    }

    /// A reference to the resource at `address`, whose live id (if it exists) is `id`: the id,
    /// unless this plan creates it (again), in which case the engine learns the id from that
    /// create. The address is made only when it is needed.
    pub fn reference(&self, id: Option<u64>, address: impl FnOnce() -> Address) -> Ref {
        match id {
            Some(id) if self.recreated.is_empty() => Ref::Id(id),
            Some(id) => {
                let address = address();
                match self.recreated.contains(&address) {
                    true => Ref::Pending(address),
                    false => Ref::Id(id),
                }
            }
            None => Ref::Pending(address()),
        }
    }

    pub fn error(&mut self, e: PlanError) {
        self.errors.push(e);
    }

    /// Record a change. An update (or a replacement) that changes nothing after the ignore
    /// rules is no change: it counts as unchanged.
    pub fn push(&mut self, c: Change) {
        match c.action {
            Action::Update | Action::Replace if c.attributes.is_empty() => self.unchanged += 1,
            Action::Delete => self.deletes.push(c),
            _ => self.changes.push(c),
        }
    }
}

/// A change of `address` with the attributes of `diff`.
pub(crate) fn change<W: Copy + Ord>(
    address: Address,
    action: Action,
    id: Option<u64>,
    diff: Diff<W>,
    origin: Option<Origin>,
) -> Change {
    let impact = diff.impact();
    Change {
        address,
        action,
        id,
        impact,
        unchanged: diff.unchanged,
        attributes: diff.changed,
        cause: None,
        ops: Vec::new(),
        calls: Vec::new(),
        depends_on: Vec::new(),
        warnings: Vec::new(),
        origin,
    }
}
