//! One state interface, two stores: in memory for runs without `--state`,
//! SQLite for the rest. Distribution reads and writes only through this.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// What a lead was given: kept in the ledger so a repeated lead gets it again.
/// Names are shared, not copied, per lead: routing a million leads would
/// otherwise spend its time allocating the same few names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Assignment {
    pub queue: Arc<str>,
    pub owner: Arc<str>,
    pub rule: Arc<str>,
}

pub trait Store {
    /// Index of the member the queue's rotation gives the next lead to.
    fn rotation(&mut self, queue: &str) -> usize;
    fn set_rotation(&mut self, queue: &str, next: usize);
    /// Leads `route` assigned to this member on the run date.
    fn count(&mut self, member: &str) -> u32;
    fn add_count(&mut self, member: &str);
    fn sticky(&mut self, queue: &str, value: &str) -> Option<String>;
    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str);
    /// The assignment a lead with this key was given before, if any.
    fn recorded(&mut self, key: &str) -> Option<Assignment>;
    /// Files a lead's assignment. `held`: the lead entered a queue whose
    /// leads are held open until an outcome (a shark tank, or a queue with
    /// `claim limit` or `release after`) at this time, in seconds since
    /// 1970; its owner is empty while it waits to be claimed. Only a lead
    /// with a key is held.
    fn record(&mut self, key: Option<&str>, assignment: &Assignment, held: Option<i64>);
    /// Open leads of `queue` that `owner` holds (assigned or claimed, no
    /// outcome yet).
    fn open_count(&mut self, queue: &str, owner: &str) -> u32;
    /// The decision the next changes belong to, for the lead's history
    /// (`RUN:N`, as a server answers it). Stores that number their own
    /// decisions ignore it.
    fn decision(&mut self, _id: &str) {}
}

/// A lead held open in a queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub key: String,
    pub queue: String,
    /// Empty while the lead waits in the pool.
    pub owner: String,
    /// When the owner got it, or when it went back to the pool.
    pub since: i64,
    /// Reps who let it lapse: it never goes back to them.
    pub lapsed: Vec<String>,
}

/// One step of a lead's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// `assigned`, `pooled`, `claimed`, `released` or `outcome: …`.
    pub what: String,
    pub owner: String,
    pub at: i64,
    pub decision: String,
}

/// The held leads of a store that serves claims, outcomes and releases.
pub trait Pool: Store {
    /// The oldest open lead of `queue` with no owner that `rep` did not let lapse.
    fn oldest_unowned(&mut self, queue: &str, rep: &str) -> Option<Held>;
    /// Open leads of `queue` owned since `before` or earlier, oldest first.
    fn due(&mut self, queue: &str, before: i64) -> Vec<Held>;
    /// Gives a held lead to `held.owner` (empty: back to the pool) as of
    /// `held.since`, in the ledger too, and logs `what` in its history.
    fn set_owner(&mut self, held: &Held, what: &str);
    /// Records an outcome for a lead of the ledger; false when the key is
    /// not in it. The lead stays, tagged with the outcome.
    fn set_outcome(&mut self, key: &str, outcome: &str, at: i64) -> bool;
}

/// A map keyed by what leads carry (their keys, sticky values such as
/// email domains): a lead file or a request chooses those, so the map
/// hashes with a random seed. With a fixed hash, keys made to collide
/// would turn every look-up into a walk over all of them.
pub type ByLeadValue<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// State that lives for one run only.
#[derive(Default, Debug)]
pub struct MemoryStore {
    pub rotations: HashMap<String, usize>,
    pub counts: HashMap<String, u32>,
    /// Per queue: sticky value → owner.
    pub sticky: HashMap<String, ByLeadValue<String, String>>,
    pub ledger: ByLeadValue<String, Assignment>,
    /// Assignments recorded in this run, keyed or not, in order.
    pub recorded_in_run: u64,
    /// Held leads: key → queue and owner. Only a dry run's preview holds
    /// leads in memory: without a lasting state no lead has a key to hold.
    pub held: ByLeadValue<String, (String, String)>,
    /// Open leads per queue and owner.
    pub open: HashMap<(String, String), u32>,
}

impl MemoryStore {
    /// Holds a lead open in the assignment's queue, or, routed again to a
    /// queue that does not hold leads, holds it no more (as the state
    /// file does: its ledger row, hold included, is replaced).
    fn hold(&mut self, key: &str, assignment: &Assignment, held: bool) {
        let before = match held {
            true => {
                let open = (assignment.queue.to_string(), assignment.owner.to_string());
                self.held.insert(key.to_string(), open)
            }
            // Most stores never hold a lead: no look-up for them.
            false if self.held.is_empty() => None,
            false => self.held.remove(key),
        };
        if let Some((queue, owner)) = before {
            self.open_change(&queue, &owner, false);
        }
        if held {
            self.open_change(&assignment.queue, &assignment.owner, true);
        }
    }

    fn open_change(&mut self, queue: &str, owner: &str, up: bool) {
        if owner.is_empty() {
            return;
        }
        let n = (self.open)
            .entry((queue.to_string(), owner.to_string()))
            .or_default();
        *n = if up { *n + 1 } else { n.saturating_sub(1) };
    }
}

impl Store for MemoryStore {
    fn rotation(&mut self, queue: &str) -> usize {
        self.rotations.get(queue).copied().unwrap_or(0)
    }

    fn set_rotation(&mut self, queue: &str, next: usize) {
        match self.rotations.get_mut(queue) {
            Some(n) => *n = next,
            None => {
                self.rotations.insert(queue.to_string(), next);
            }
        }
    }

    fn count(&mut self, member: &str) -> u32 {
        self.counts.get(member).copied().unwrap_or(0)
    }

    fn add_count(&mut self, member: &str) {
        match self.counts.get_mut(member) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(member.to_string(), 1);
            }
        }
    }

    fn sticky(&mut self, queue: &str, value: &str) -> Option<String> {
        self.sticky.get(queue)?.get(value).cloned()
    }

    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str) {
        self.sticky
            .entry(queue.to_string())
            .or_default()
            .insert(value.to_string(), owner.to_string());
    }

    fn recorded(&mut self, key: &str) -> Option<Assignment> {
        self.ledger.get(key).cloned()
    }

    fn record(&mut self, key: Option<&str>, assignment: &Assignment, held: Option<i64>) {
        if let Some(key) = key {
            self.hold(key, assignment, held.is_some());
            self.ledger.insert(key.to_string(), assignment.clone());
        }
        self.recorded_in_run += 1;
    }

    fn open_count(&mut self, queue: &str, owner: &str) -> u32 {
        let key = (queue.to_string(), owner.to_string());
        self.open.get(&key).copied().unwrap_or(0)
    }
}

/// A store that answers as `base` does but keeps its changes to itself: a
/// dry run shows who would get a lead, and the base is left as it was.
pub struct Preview<'a> {
    base: &'a mut dyn Store,
    changes: MemoryStore,
}

impl<'a> Preview<'a> {
    pub fn new(base: &'a mut dyn Store) -> Self {
        Preview {
            base,
            changes: MemoryStore::default(),
        }
    }
}

impl Store for Preview<'_> {
    fn rotation(&mut self, queue: &str) -> usize {
        match self.changes.rotations.get(queue) {
            Some(next) => *next,
            None => self.base.rotation(queue),
        }
    }

    fn set_rotation(&mut self, queue: &str, next: usize) {
        self.changes.set_rotation(queue, next);
    }

    fn count(&mut self, member: &str) -> u32 {
        match self.changes.counts.get(member) {
            Some(n) => *n,
            None => self.base.count(member),
        }
    }

    fn add_count(&mut self, member: &str) {
        let n = self.count(member) + 1;
        self.changes.counts.insert(member.to_string(), n);
    }

    fn sticky(&mut self, queue: &str, value: &str) -> Option<String> {
        self.changes
            .sticky(queue, value)
            .or_else(|| self.base.sticky(queue, value))
    }

    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str) {
        self.changes.set_sticky(queue, value, owner);
    }

    fn recorded(&mut self, key: &str) -> Option<Assignment> {
        self.changes
            .recorded(key)
            .or_else(|| self.base.recorded(key))
    }

    fn record(&mut self, key: Option<&str>, assignment: &Assignment, held: Option<i64>) {
        self.changes.record(key, assignment, held);
    }

    fn open_count(&mut self, queue: &str, owner: &str) -> u32 {
        self.base.open_count(queue, owner) + self.changes.open_count(queue, owner)
    }
}

/// An assignment to queue `q` by rule `r`, for tests of the stores.
#[cfg(test)]
pub(crate) fn sample(owner: &str) -> Assignment {
    Assignment {
        queue: Arc::from("q"),
        owner: Arc::from(owner),
        rule: Arc::from("r"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keyed_by_lead_values_hash_with_their_own_seeds() {
        use std::hash::BuildHasher;
        // A fixed hash (the same in every store and every run) is what a
        // crafted file of colliding keys needs.
        let (a, b) = (MemoryStore::default(), MemoryStore::default());
        let hash = |s: &ByLeadValue<String, Assignment>| s.hasher().hash_one("00Q1");
        assert_ne!(hash(&a.ledger), hash(&b.ledger));
        let held = |s: &MemoryStore| s.held.hasher().hash_one("ibm.com");
        assert_ne!(held(&a), held(&b));
    }

    #[test]
    fn a_lead_routed_again_to_a_queue_that_does_not_hold_is_held_no_more() {
        let mut store = MemoryStore::default();
        store.record(Some("k"), &sample("a@x"), Some(0));
        assert_eq!(store.open_count("q", "a@x"), 1);
        store.record(Some("k"), &sample("b@x"), Some(0));
        assert_eq!(
            (store.open_count("q", "a@x"), store.open_count("q", "b@x")),
            (0, 1)
        );
        store.record(Some("k"), &sample("c@x"), None);
        assert_eq!(store.open_count("q", "b@x"), 0);
        assert!(store.held.is_empty());
    }

    #[test]
    fn a_preview_reads_through_and_changes_nothing_below() {
        let mut base = MemoryStore::default();
        base.set_rotation("q", 2);
        base.add_count("a@x");
        let mut preview = Preview::new(&mut base);
        assert_eq!(preview.rotation("q"), 2);
        preview.set_rotation("q", 0);
        preview.add_count("a@x");
        preview.set_sticky("q", "ibm.com", "a@x");
        let a = sample("a@x");
        preview.record(Some("k1"), &a, None);
        assert_eq!(
            (preview.rotation("q"), preview.count("a@x")),
            (0, 2),
            "the preview sees its own changes"
        );
        assert_eq!(preview.recorded("k1"), Some(a));
        assert_eq!(preview.sticky("q", "ibm.com").as_deref(), Some("a@x"));
        assert_eq!((base.rotation("q"), base.count("a@x")), (2, 1));
        assert!(base.ledger.is_empty() && base.sticky.is_empty());
    }
}
