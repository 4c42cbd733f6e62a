//! Attribute tables. Each kind declares every attribute it compares once, in one table: its
//! name, how it reads from the target (the desired state resolved against the panel) and from
//! the live object, its impact, whether it is sensitive, which write operation carries it, and
//! what an ignore rule does to it. The diff, the ignore rules, the choice of operations and the
//! list of names `ignore` may use all read the same table.

use crate::lookup::Lookup;
use crate::types::{AttrChange, Impact};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// Any serialisable value as the plan shows it.
pub(crate) fn json_of<T: Serialize>(x: T) -> Value {
    serde_json::to_value(x).unwrap_or(Value::Null)
}

/// How an attribute takes part in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Compared on updates, shown on creates; `ignore` may name it.
    Always,
    /// Part of the object's identity (a location's short code, a node's name): shown when it is
    /// created, never compared, not something `ignore` can name.
    CreateOnly,
    /// Compared, but `ignore` may not name it: a change replaces the object (a server's node),
    /// or it is a request rather than a state (a password to set).
    Fixed,
}

/// One attribute of a kind whose target is `T`, live object `L` and write operations `W`.
pub(crate) struct Attr<T: 'static, L: 'static, W: 'static> {
    pub name: &'static str,
    pub compare: Compare,
    /// The value to reach, as the panel would store it. `live` is `None` for a create. `None`
    /// means the attribute is not managed in this case: not compared, not shown, and an update
    /// made for other attributes keeps the panel's value (`keep_live`).
    pub want: fn(&T, Option<&L>, &Lookup) -> Option<Value>,
    /// The value the panel holds, in the same form.
    pub have: fn(&L, &T, &Lookup) -> Value,
    pub impact: Impact,
    /// Compared, but never shown: only said to change.
    pub sensitive: bool,
    /// The write operation that carries a change of this attribute.
    pub write: W,
    /// Make the target carry the live value: what an ignore rule (or an attribute left
    /// unmanaged) does, so that a full-replacement write of other fields does not overwrite it.
    pub keep_live: fn(&mut T, &L),
}

/// One key of a map-valued attribute, compared.
pub(crate) enum Compared {
    /// A value the plan may show. `have` is `None` for a create.
    Values { have: Option<Value>, want: Value },
    /// A sensitive value: whether it changes (or, for a create, is set), never what it is.
    Secret { changed: bool },
}

/// How a map attribute compares its keys: each key with its comparison.
pub(crate) type CompareMap<T, L> = fn(&T, Option<&L>, &Lookup) -> Vec<(String, Compared)>;

/// A map-valued attribute shown and ignored per key (`environment.NAME`).
pub(crate) struct MapAttr<T: 'static, L: 'static, W: 'static> {
    pub prefix: &'static str,
    /// Every key to compare, with how it compares.
    pub compare: CompareMap<T, L>,
    pub impact: Impact,
    pub write: W,
    /// An ignored key keeps the panel's value.
    pub keep_live: fn(&mut T, &L, &str),
}

/// A kind's whole attribute table.
pub(crate) struct Table<T: 'static, L: 'static, W: 'static> {
    pub attrs: &'static [Attr<T, L, W>],
    pub maps: &'static [MapAttr<T, L, W>],
}

impl<T, L, W: Copy + Ord> Table<T, L, W> {
    /// The attribute names `ignore` may use (`PREFIX.NAME` for map attributes).
    pub fn names(&self) -> Vec<&'static str> {
        let attrs = self
            .attrs
            .iter()
            .filter(|a| a.compare == Compare::Always)
            .map(|a| a.name);
        attrs.collect()
    }

    /// Whether `ignore` may name `name` (`environment.NAME` for a map).
    pub fn knows(&self, name: &str) -> bool {
        self.attrs
            .iter()
            .any(|a| a.compare == Compare::Always && a.name == name)
            || self.maps.iter().any(|m| {
                name.strip_prefix(m.prefix)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|key| !key.is_empty())
            })
    }

    /// Compare `target` with `live` (`None`: a create, which shows every value it sets).
    pub fn diff(&self, target: &T, live: Option<&L>, lookup: &Lookup) -> Diff<W> {
        let mut d = Diff::default();
        for (i, a) in self.attrs.iter().enumerate() {
            if a.compare == Compare::CreateOnly && live.is_some() {
                continue;
            }
            let Some(want) = (a.want)(target, live, lookup) else {
                d.unmanaged.push(i);
                continue;
            };
            let have = live.map(|l| (a.have)(l, target, lookup));
            let compared = if a.sensitive {
                Compared::Secret {
                    changed: have.is_none_or(|h| h != want),
                }
            } else {
                Compared::Values { have, want }
            };
            let name = || a.name.to_string();
            d.record(name, compared, live.is_none(), a.impact, a.write);
        }
        for m in self.maps {
            for (key, compared) in (m.compare)(target, live, lookup) {
                let name = || format!("{}.{key}", m.prefix);
                d.record(name, compared, live.is_none(), m.impact, m.write);
            }
        }
        d
    }

    /// For an update: drop the ignored attributes from `diff`, and make the target carry the
    /// panel's value of what is ignored or not managed; the remaining changes say which writes
    /// are needed.
    pub fn settle(
        &self,
        diff: &mut Diff<W>,
        target: &mut T,
        live: &L,
        ignored: impl Fn(&str) -> bool,
    ) {
        for &i in &diff.unmanaged {
            (self.attrs[i].keep_live)(target, live);
        }
        let mut dropped = Vec::new();
        diff.changed.retain(|c| {
            let keep = !ignored(&c.name);
            if !keep {
                dropped.push(c.name.clone());
            }
            keep
        });
        diff.unchanged += dropped.len();
        for name in &dropped {
            if let Some(a) = self.attrs.iter().find(|a| a.name == name) {
                (a.keep_live)(target, live);
            } else if let Some((m, key)) = self.map_of(name) {
                (m.keep_live)(target, live, key);
            }
        }
        diff.writes = diff
            .changed
            .iter()
            .filter_map(|c| self.write_of(&c.name))
            .collect();
    }

    fn map_of<'n>(&self, name: &'n str) -> Option<(&MapAttr<T, L, W>, &'n str)> {
        self.maps.iter().find_map(|m| {
            let key = name.strip_prefix(m.prefix)?.strip_prefix('.')?;
            Some((m, key))
        })
    }

    fn write_of(&self, name: &str) -> Option<W> {
        match self.attrs.iter().find(|a| a.name == name) {
            Some(a) => Some(a.write),
            None => self.map_of(name).map(|(m, _)| m.write),
        }
    }
}

/// The attributes of one resource that change, and the write operations they need.
#[derive(Debug)]
pub(crate) struct Diff<W> {
    pub changed: Vec<AttrChange>,
    pub unchanged: usize,
    pub writes: BTreeSet<W>,
    /// Attributes (indices into the table) not managed in this case.
    unmanaged: Vec<usize>,
}

impl<W> Default for Diff<W> {
    fn default() -> Self {
        Diff {
            changed: Vec::new(),
            unchanged: 0,
            writes: BTreeSet::new(),
            unmanaged: Vec::new(),
        }
    }
}

impl<W: Copy + Ord> Diff<W> {
    /// Record one attribute; `name` is made only for a change (most attributes do not change).
    fn record(
        &mut self,
        name: impl FnOnce() -> String,
        compared: Compared,
        create: bool,
        impact: Impact,
        write: W,
    ) {
        // A create needs no restart, whatever it sets.
        let impact = if create { Impact::None } else { impact };
        let change = |old, new, sensitive| AttrChange {
            name: name(),
            old,
            new,
            sensitive,
            impact,
            cause: None,
        };
        match compared {
            // A create shows what it sets (nothing for a value left at null).
            Compared::Values { have: None, want } if want.is_null() => {}
            Compared::Values { have: None, want } => {
                self.changed.push(change(None, Some(want), false))
            }
            Compared::Values {
                have: Some(have),
                want,
            } if have == want => self.unchanged += 1,
            Compared::Values {
                have: Some(have),
                want,
            } => {
                self.writes.insert(write);
                self.changed.push(change(Some(have), Some(want), false));
            }
            Compared::Secret { changed: false } => self.unchanged += 1,
            Compared::Secret { changed: true } => {
                if !create {
                    self.writes.insert(write);
                }
                self.changed.push(change(None, None, true));
            }
        }
    }

    /// The largest impact of the changed attributes.
    pub fn impact(&self) -> Impact {
        self.changed
            .iter()
            .map(|a| a.impact)
            .max()
            .unwrap_or_default()
    }

    /// Whether write `w` is needed.
    pub fn needs(&self, w: W) -> bool {
        self.writes.contains(&w)
    }
}
