//! One state interface, two stores: in memory for runs without `--state`,
//! SQLite for the rest. Distribution reads and writes only through this.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// What a lead was given: kept in the ledger so a repeated lead gets it again.
/// Names are shared, not copied, per lead: routing a million leads would
/// otherwise spend its time allocating the same few names.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    fn record(&mut self, key: Option<&str>, assignment: &Assignment);
}

/// State that lives for one run only.
#[derive(Default, Debug)]
pub struct MemoryStore {
    pub rotations: HashMap<String, usize>,
    pub counts: HashMap<String, u32>,
    /// Per queue: sticky value → owner.
    pub sticky: HashMap<String, HashMap<String, String>>,
    pub ledger: HashMap<String, Assignment>,
    /// Assignments recorded in this run, keyed or not, in order.
    pub recorded_in_run: u64,
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

    fn record(&mut self, key: Option<&str>, assignment: &Assignment) {
        if let Some(key) = key {
            self.ledger.insert(key.to_string(), assignment.clone());
        }
        self.recorded_in_run += 1;
    }
}
