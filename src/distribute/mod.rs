//! Sharing leads out inside a queue: round robin, load balancing with
//! weights and caps, out-of-office dates, sticky owners, overflow; the
//! ledger that makes a repeated lead get its first assignment again.
//!
//! Deciding the queue is pure (the DAG); this is the only step that touches
//! state, and it runs in input order, so a run is deterministic.

mod bulk;
pub mod date;
pub mod live;
pub mod pool;
pub mod sqlite;
pub mod store;

pub use store::{Assignment, Event, Held, MemoryStore, Pool, Preview, Store};

use crate::eval::{self, Lead, Val};
use crate::ir::{Decision, Method, Program, QueueId, Scalar, Target};
use std::borrow::Cow;
use std::fmt::Write;

/// Adds a step to an explain trace; formats nothing when there is no trace
/// (the common case: routing a file).
macro_rules! note {
    ($trace:expr, $($arg:tt)*) => {
        if let Some(t) = $trace.as_deref_mut() {
            let _ = writeln!(t, "  {}", format_args!($($arg)*));
        }
    };
}
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// One member of a queue, with what decides whether they can take a lead.
#[derive(Clone, Debug)]
struct Member {
    email: Arc<str>,
    weight: u32,
    cap: Option<u32>,
    away: Option<(Arc<str>, Arc<str>)>,
    hours: Option<crate::data::hours::WorkingHours>,
}

pub struct Distributor<'p> {
    pub(crate) program: &'p Program,
    /// Queue and rule names, shared by every assignment.
    queue_names: Vec<Arc<str>>,
    rule_names: Vec<Arc<str>>,
    default_rule: Arc<str>,
    nobody: Arc<str>,
    /// The run date, `YYYY-MM-DD`.
    day: String,
    members: Vec<Vec<Member>>,
    /// `--reroute`: decide repeated leads again instead of reusing the ledger.
    reroute: bool,
    /// Per queue: whether its leads are held open until an outcome.
    pooled: Vec<bool>,
    /// The time assignments are stamped with, seconds since 1970: now on
    /// today's date, else the start of the run date; a server sets it
    /// per request.
    clock: AtomicI64,
    /// Whether the clock has a time of day: without one (a run for a past
    /// or future date), working hours decide only which days a rep works.
    timed: AtomicBool,
}

/// The result for one lead, with what the summary needs to know.
pub struct Outcome {
    pub assignment: Assignment,
    /// The lead's queue distributes but nobody was available and there is no overflow.
    pub unowned: bool,
    /// The lead's key was in the ledger: its earlier assignment was reused.
    pub repeated: bool,
}

impl<'p> Distributor<'p> {
    pub fn new(program: &'p Program, day: &str, reroute: bool) -> Self {
        let members = program
            .queues
            .iter()
            .map(|q| {
                q.members
                    .iter()
                    .map(|e| member(program, e, q.cap))
                    .collect()
            })
            .collect();
        Distributor {
            program,
            queue_names: program
                .queues
                .iter()
                .map(|q| Arc::from(q.name.as_str()))
                .collect(),
            rule_names: program
                .rules
                .iter()
                .map(|r| Arc::from(r.name.as_str()))
                .collect(),
            default_rule: Arc::from("default"),
            nobody: Arc::from(""),
            day: day.to_string(),
            members,
            reroute,
            pooled: program.queues.iter().map(is_pooled).collect(),
            clock: AtomicI64::new(start_of(day)),
            timed: AtomicBool::new(day == date::today()),
        }
    }

    /// Stamps the next assignments with this time (seconds since 1970);
    /// `timed`: it has a time of day, which working hours are checked at.
    pub fn set_clock(&self, secs: i64, timed: bool) {
        self.clock.store(secs, Ordering::Relaxed);
        self.timed.store(timed, Ordering::Relaxed);
    }

    pub fn clock(&self) -> i64 {
        self.clock.load(Ordering::Relaxed)
    }

    /// The date this distributor counts leads and checks away dates for.
    pub fn day(&self) -> &str {
        &self.day
    }

    /// Whether assigning a lead with this decision reads the lead's values:
    /// its queue, or one it overflows to, keeps owners sticky by a value.
    pub fn reads_values(&self, decision: &Decision) -> bool {
        let Decision::Routed {
            target: Target::Queue(mut q),
            ..
        } = decision
        else {
            return false;
        };
        for _ in 0..self.program.queues.len() {
            let queue = &self.program.queues[q];
            if queue.sticky.is_some() {
                return true;
            }
            match queue.overflow {
                Some(next) => q = next,
                None => return false,
            }
        }
        false
    }

    /// Whether assigning a lead with this decision reads or changes the
    /// state: a queue that shares leads out, or an owner who is also a
    /// member of one (their leads today count toward caps and balance).
    /// Other decisions always give the same columns.
    pub fn uses_state(&self, decision: &Decision) -> bool {
        let Decision::Routed { target, .. } = decision else {
            return false;
        };
        match target {
            Target::Queue(q) => matches!(
                self.program.queues[*q].method,
                Method::RoundRobin | Method::LoadBalance
            ),
            Target::Owner { owner, .. } => self
                .program
                .queues
                .iter()
                .zip(&self.members)
                .filter(|(q, _)| matches!(q.method, Method::RoundRobin | Method::LoadBalance))
                .any(|(_, members)| members.iter().any(|m| *m.email == **owner)),
        }
    }

    /// Assigns one lead; `trace` (for `route explain`) gets each step in words.
    pub fn assign(
        &self,
        store: &mut dyn Store,
        decision: &Decision,
        lead: &Lead,
        key: Option<&str>,
        mut trace: Option<&mut String>,
    ) -> Outcome {
        if let Some(outcome) = self.routed_before(store, key, &mut trace) {
            return outcome;
        }
        let Decision::Routed { rule, target } = decision else {
            return Outcome {
                assignment: Assignment {
                    queue: self.nobody.clone(),
                    owner: self.nobody.clone(),
                    rule: self.nobody.clone(),
                },
                unowned: false,
                repeated: false,
            };
        };
        let rule = rule.map_or_else(|| self.default_rule.clone(), |r| self.rule_names[r].clone());
        let mut held = None;
        let (queue, owner, unowned) = match target {
            Target::Owner { owner, .. } => {
                store.add_count(owner);
                note!(&mut trace, "the table names the owner {owner}");
                (
                    Arc::from(self.program.queue_name(target)),
                    Arc::from(owner.as_str()),
                    false,
                )
            }
            Target::Queue(q) => {
                let (q, owner, unowned) = self.within(store, *q, lead, &mut trace, 0);
                held = self.held_at(key, q);
                (self.queue_names[q].clone(), owner, unowned)
            }
        };
        let assignment = Assignment { queue, owner, rule };
        store.record(key, &assignment, held);
        Outcome {
            assignment,
            unowned,
            repeated: false,
        }
    }

    /// [`Self::assign`] for a decision that does not use the state (see
    /// [`Self::uses_state`]), whose assignment is always `fixed`: the one
    /// `assign` gave an earlier lead of it. The lead is counted or held and
    /// recorded as `assign` would, without building the assignment again:
    /// its three shared names cost six atomic reference count changes a
    /// lead. `None`: the lead got `fixed`; otherwise it was routed before.
    pub fn assign_fixed(
        &self,
        store: &mut dyn Store,
        decision: &Decision,
        key: Option<&str>,
        fixed: &Assignment,
    ) -> Option<Outcome> {
        if let Some(outcome) = self.routed_before(store, key, &mut None) {
            return Some(outcome);
        }
        // An unmatched lead is not recorded.
        let Decision::Routed { target, .. } = decision else {
            return None;
        };
        let held = match target {
            Target::Owner { owner, .. } => {
                store.add_count(owner);
                None
            }
            Target::Queue(q) => self.held_at(key, *q),
        };
        store.record(key, fixed, held);
        None
    }

    /// When a lead entering queue `q` is held open: now, if the queue
    /// holds its leads and the lead has a key to hold it by.
    fn held_at(&self, key: Option<&str>, q: QueueId) -> Option<i64> {
        (key.is_some() && self.pooled[q]).then(|| self.clock())
    }

    /// A lead the ledger has (unless rerouting): it keeps its assignment.
    fn routed_before(
        &self,
        store: &mut dyn Store,
        key: Option<&str>,
        trace: &mut Option<&mut String>,
    ) -> Option<Outcome> {
        let key = key.filter(|_| !self.reroute)?;
        let assignment = store.recorded(key)?;
        note!(
            trace,
            "lead {key} was routed before: it keeps queue {} and owner {}",
            assignment.queue,
            or_none(&assignment.owner)
        );
        Some(Outcome {
            assignment,
            unowned: false,
            repeated: true,
        })
    }

    /// The queue the lead ends in (after overflow), its owner, and whether
    /// it stayed unowned for want of members.
    fn within(
        &self,
        store: &mut dyn Store,
        q: QueueId,
        lead: &Lead,
        trace: &mut Option<&mut String>,
        depth: usize,
    ) -> (QueueId, Arc<str>, bool) {
        let queue = &self.program.queues[q];
        let name = &self.queue_names[q];
        match queue.method {
            Method::Hold => {
                note!(
                    trace,
                    "queue {name} has no method: the lead waits there with no owner"
                );
                return (q, self.nobody.clone(), false);
            }
            Method::SharkTank => {
                note!(
                    trace,
                    "queue {name} is a shark tank: reps claim leads from it"
                );
                return (q, self.nobody.clone(), false);
            }
            _ => {}
        }
        let sticky_value = queue
            .sticky
            .as_ref()
            .and_then(|v| value_text(self.program, v, lead));
        if let Some(value) = &sticky_value {
            if let Some(owner) = store.sticky(name, value) {
                match self.unavailable(store, q, &owner) {
                    None => {
                        store.add_count(&owner);
                        note!(
                            trace,
                            "sticky: {value} went to {owner} before, who is available"
                        );
                        return (q, Arc::from(owner), false);
                    }
                    Some(why) => note!(
                        trace,
                        "sticky: {value} went to {owner} before, but {owner} {why}"
                    ),
                }
            }
        }
        let chosen = self.pick(store, q, &[], trace);
        match chosen {
            Some(owner) => {
                store.add_count(&owner);
                if let Some(value) = &sticky_value {
                    if store.sticky(name, value).is_none() {
                        store.set_sticky(name, value, &owner);
                    }
                }
                (q, owner, false)
            }
            None => match queue.overflow {
                Some(next) if depth < self.program.queues.len() => {
                    note!(
                        trace,
                        "nobody in {name} is available: it overflows to {}",
                        self.program.queues[next].name
                    );
                    self.within(store, next, lead, trace, depth + 1)
                }
                _ => {
                    note!(trace, "nobody in {name} is available and it has no overflow: the lead stays there with no owner");
                    (q, self.nobody.clone(), true)
                }
            },
        }
    }

    /// A member by the queue's method, passing over `excluding` (the reps
    /// who let a released lead lapse).
    pub(crate) fn pick(
        &self,
        store: &mut dyn Store,
        q: QueueId,
        excluding: &[String],
        trace: &mut Option<&mut String>,
    ) -> Option<Arc<str>> {
        match self.program.queues[q].method {
            Method::RoundRobin => self.round_robin(store, q, excluding, trace),
            _ => self.load_balance(store, q, excluding, trace),
        }
    }

    /// The next available member from the rotation; moves the rotation past them.
    fn round_robin(
        &self,
        store: &mut dyn Store,
        q: QueueId,
        excluding: &[String],
        trace: &mut Option<&mut String>,
    ) -> Option<Arc<str>> {
        let members = &self.members[q];
        let name = &self.program.queues[q].name;
        let start = store.rotation(name) % members.len().max(1);
        for k in 0..members.len() {
            let i = (start + k) % members.len();
            let m = &members[i];
            if excluding.iter().any(|e| **e == *m.email) {
                continue;
            }
            match self.member_unavailable(store, q, m) {
                None => {
                    store.set_rotation(name, (i + 1) % members.len());
                    note!(
                        trace,
                        "round robin: position {} of {} in {name} is {}",
                        i + 1,
                        members.len(),
                        m.email
                    );
                    return Some(m.email.clone());
                }
                Some(why) => note!(trace, "skipped {}: {why}", m.email),
            }
        }
        None
    }

    /// The available member with the fewest leads today for their weight; ties go to the earlier.
    fn load_balance(
        &self,
        store: &mut dyn Store,
        q: QueueId,
        excluding: &[String],
        trace: &mut Option<&mut String>,
    ) -> Option<Arc<str>> {
        let mut best: Option<(&Member, u32)> = None;
        for m in &self.members[q] {
            if excluding.iter().any(|e| **e == *m.email) {
                continue;
            }
            if let Some(why) = self.member_unavailable(store, q, m) {
                note!(trace, "skipped {}: {why}", m.email);
                continue;
            }
            let n = store.count(&m.email);
            // n / weight < best_n / best_weight, without fractions.
            let better = best.is_none_or(|(b, bn)| {
                u64::from(n) * u64::from(b.weight) < u64::from(bn) * u64::from(m.weight)
            });
            if better {
                best = Some((m, n));
            }
        }
        let (m, n) = best?;
        note!(
            trace,
            "load balance: {} has the fewest leads today for their weight ({n} leads, weight {})",
            m.email,
            m.weight
        );
        Some(m.email.clone())
    }

    /// The daily cap an owner works to: the smallest over the queues they
    /// are a member of (`None`: no cap anywhere).
    pub fn daily_cap(&self, owner: &str) -> Option<u32> {
        (self.members.iter().flatten())
            .filter(|m| &*m.email == owner)
            .filter_map(|m| m.cap)
            .min()
    }

    /// Why a member cannot take a lead today, if they cannot.
    fn unavailable(&self, store: &mut dyn Store, q: QueueId, email: &str) -> Option<Why> {
        match self.members[q].iter().find(|m| &*m.email == email) {
            Some(m) => self.member_unavailable(store, q, m),
            // A sticky owner who has left the queue.
            None => self.member_unavailable(
                store,
                q,
                &member(self.program, email, self.program.queues[q].cap),
            ),
        }
    }

    fn member_unavailable(&self, store: &mut dyn Store, q: QueueId, m: &Member) -> Option<Why> {
        if let Some((from, to)) = &m.away {
            if **from <= *self.day && *self.day <= **to {
                return Some(Why::Away(from.clone(), to.clone()));
            }
        }
        if let Some(hours) = &m.hours {
            let open = if self.timed.load(Ordering::Relaxed) {
                hours.open_at(self.clock())
            } else {
                hours.works_on(&self.day)
            };
            if !open {
                return Some(Why::OffHours(hours.text.clone()));
            }
        }
        if let Some(limit) = self.program.queues[q].claim_limit {
            if store.open_count(&self.queue_names[q], &m.email) >= limit {
                return Some(Why::AtClaimLimit(limit));
            }
        }
        let cap = m.cap?;
        (store.count(&m.email) >= cap).then_some(Why::AtCap(cap))
    }
}

/// Whether a queue's leads are held open until an outcome: claimed from a
/// shark tank, limited per rep, or released after a time.
fn is_pooled(queue: &crate::ir::Queue) -> bool {
    queue.method == Method::SharkTank
        || queue.claim_limit.is_some()
        || queue.release_after.is_some()
}

/// The time a run on `day` stamps its assignments with: now when it is
/// today, else the start of that day (UTC), so a replay is reproducible.
fn start_of(day: &str) -> i64 {
    if day == date::today() {
        return date::now_secs();
    }
    date::parse_instant(day).unwrap_or_else(date::now_secs)
}

/// Why a member cannot take a lead today.
enum Why {
    Away(Arc<str>, Arc<str>),
    AtCap(u32),
    AtClaimLimit(u32),
    OffHours(String),
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Away(from, to) => write!(f, "is away from {from} to {to}"),
            Why::AtCap(cap) => write!(f, "has reached the cap of {cap} leads today"),
            Why::OffHours(hours) => write!(f, "is outside their working hours ({hours})"),
            Why::AtClaimLimit(limit) => {
                write!(f, "holds {limit} open leads of this queue, its claim limit")
            }
        }
    }
}

/// A member's weight, cap and away dates from the reps file (by email).
fn member(program: &Program, email: &str, queue_cap: Option<u32>) -> Member {
    let rep = program
        .reps
        .iter()
        .find(|r| r.email.eq_ignore_ascii_case(email));
    Member {
        email: Arc::from(email),
        weight: rep.map_or(1, |r| r.weight.max(1)),
        cap: rep.and_then(|r| r.daily_cap).or(queue_cap),
        away: rep
            .and_then(|r| r.away.as_ref())
            .map(|(from, to)| (Arc::from(from.as_str()), Arc::from(to.as_str()))),
        hours: rep.and_then(|r| r.hours.clone()),
    }
}

/// A sticky value as text; `None` when the lead has none.
/// A sticky value as the state keeps it; a text value is borrowed (most
/// sticky values are domains, and a copy per lead cost an allocation).
fn value_text<'a>(
    program: &'a Program,
    expr: &crate::ir::ValueExpr,
    lead: &'a Lead,
) -> Option<Cow<'a, str>> {
    match eval::value(program, expr, lead) {
        Val::Missing => None,
        Val::Scalar(Scalar::Text(t), _) => Some(Cow::Borrowed(t)),
        Val::Scalar(s, _) => Some(Cow::Owned(s.display())),
        Val::Label(l) => Some(Cow::Owned(l.to_string())),
        Val::Cell(s) => Some(Cow::Owned(s.display())),
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `assign_fixed` with the assignment `assign` gave a first lead does
    /// to a store what `assign` does, for every decision that does not use
    /// the state (table-named owners are counted, shark-tank leads held,
    /// unmatched ones not recorded), with repeats, and with `--reroute`.
    #[test]
    fn a_fixed_assignment_changes_the_store_as_assign_does() {
        // Besides the shipped rules, a table naming an owner who is in no
        // queue (the shipped ones name members of queues).
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("owners.csv"),
            "domain,owner\nx.com,o@x.com\n",
        )
        .unwrap();
        let extra = dir.path().join("owners.route");
        let rules = "field id text \"Id\" key\nfield email email \"Email\"\n\
                     table owners \"owners.csv\" key domain\nqueue spill\n\
                     rule \"Owner\" when email.domain in owners to owners[email.domain].owner\n\
                     default to spill\n";
        std::fs::write(&extra, rules).unwrap();
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let files = ["acme", "emea", "public_sector"].map(|f| shipped.join(format!("{f}.route")));
        let lead = Lead::default();
        let mut kinds = [0; 3];
        for (file, reroute) in (files.iter().chain([&extra])).flat_map(|f| [(f, false), (f, true)])
        {
            let loaded = crate::load(file).unwrap();
            let program = (loaded.program).unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
            let dag = crate::compile::compile(&program);
            let distributor = Distributor::new(&program, "2026-11-25", reroute);
            for decision in dag.leaves.iter().filter(|d| !distributor.uses_state(d)) {
                kinds[match decision {
                    Decision::Routed {
                        target: Target::Owner { .. },
                        ..
                    } => 0,
                    Decision::Routed { .. } => 1,
                    Decision::Unmatched => 2,
                }] += 1;
                let (mut full, mut fixed) = (MemoryStore::default(), MemoryStore::default());
                let first = distributor.assign(&mut fixed, decision, &lead, Some("k0"), None);
                distributor.assign(&mut full, decision, &lead, Some("k0"), None);
                for key in ["k0", "k1", "k2", "k1"] {
                    let want = distributor.assign(&mut full, decision, &lead, Some(key), None);
                    let got = distributor.assign_fixed(
                        &mut fixed,
                        decision,
                        Some(key),
                        &first.assignment,
                    );
                    match got {
                        None => {
                            assert!(!want.repeated, "{decision:?} {key}");
                            assert_eq!(want.assignment, first.assignment);
                        }
                        Some(got) => {
                            assert!(want.repeated && got.repeated, "{decision:?} {key}");
                            assert_eq!(want.assignment, got.assignment);
                        }
                    }
                }
                assert_eq!(full.counts, fixed.counts, "{decision:?}");
                assert_eq!(full.held, fixed.held, "{decision:?}");
                assert_eq!(full.open, fixed.open, "{decision:?}");
                assert_eq!(full.ledger, fixed.ledger, "{decision:?}");
                assert_eq!(full.recorded_in_run, fixed.recorded_in_run, "{decision:?}");
            }
        }
        assert!(
            kinds.iter().all(|&n| n > 0),
            "every kind of decision: {kinds:?}"
        );
    }
}
