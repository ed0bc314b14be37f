//! Held leads: claims from a shark tank, outcomes, and releases of leads
//! kept too long without one (`claim limit`, `release after`).
//!
//! These run through [`Pool`], one store transaction per call, so a claim
//! read and its write are never split by another process's claim: two
//! servers on one state file cannot give one lead to two reps.

use super::store::{Held, Pool};
use super::Distributor;
use crate::ir::{Method, Program, QueueId};

/// What a claim got.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The oldest open lead of the pool, now the rep's.
    Got(Held),
    /// Nothing in the pool the rep may take.
    Empty,
    /// The rep already holds `claim limit` open leads of the queue.
    AtLimit(u32),
}

/// Why a claim could not be made at all.
#[derive(Debug, PartialEq, Eq)]
pub enum ClaimError {
    /// No queue of that name.
    UnknownQueue,
    /// The queue is not a shark tank: its leads are given, not claimed.
    NotAPool,
    /// The rep is not a member of the queue (or, for a tank without
    /// members, not in the reps file or any queue).
    UnknownRep,
}

/// An outcome a rep may record for a lead.
pub const OUTCOMES: [&str; 3] = ["worked", "dead", "callback"];

/// The queue a claim names, if reps can claim from it.
pub fn claimable(program: &Program, queue: &str) -> Result<QueueId, ClaimError> {
    let q = (program.queues.iter())
        .position(|q| q.name == queue)
        .ok_or(ClaimError::UnknownQueue)?;
    if program.queues[q].method != Method::SharkTank {
        return Err(ClaimError::NotAPool);
    }
    Ok(q)
}

/// Whether `rep` may claim from queue `q`: a member, when the queue lists
/// members; else anyone the rules know as a rep.
pub fn known_rep(program: &Program, q: QueueId, rep: &str) -> bool {
    let same = |email: &str| email.eq_ignore_ascii_case(rep);
    let queue = &program.queues[q];
    if !queue.members.is_empty() {
        return queue.members.iter().any(|m| same(m));
    }
    program.reps.iter().any(|r| same(&r.email))
        || (program.queues.iter()).any(|q| q.members.iter().any(|m| same(m)))
}

/// Gives `rep` the oldest open unowned lead of shark tank `q` at `at`.
pub fn claim(program: &Program, store: &mut dyn Pool, q: QueueId, rep: &str, at: i64) -> Claim {
    let queue = &program.queues[q];
    if let Some(limit) = queue.claim_limit {
        if store.open_count(&queue.name, rep) >= limit {
            return Claim::AtLimit(limit);
        }
    }
    let Some(mut held) = store.oldest_unowned(&queue.name, rep) else {
        return Claim::Empty;
    };
    held.owner = rep.to_string();
    held.since = at;
    store.set_owner(&held, "claimed");
    Claim::Got(held)
}

/// A lead that went back, for `route release`'s CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Released {
    pub key: String,
    pub queue: String,
    pub from: String,
    /// Empty: back to the pool (or nobody in the queue was available).
    pub to: String,
    pub at: i64,
    pub reason: String,
}

/// Releases every lead held longer than its queue's `release after`
/// without an outcome, as of `at`: to the pool in a shark tank, else to
/// the next member by the queue's method — never to a rep who let it lapse.
pub fn release_due(distributor: &Distributor, store: &mut dyn Pool, at: i64) -> Vec<Released> {
    let program = distributor.program;
    let mut released = Vec::new();
    for (q, queue) in program.queues.iter().enumerate() {
        let Some(after) = queue.release_after else {
            continue;
        };
        for held in store.due(&queue.name, at - after) {
            released.push(release(distributor, store, q, held, at, after));
        }
    }
    released
}

fn release(
    distributor: &Distributor,
    store: &mut dyn Pool,
    q: QueueId,
    mut held: Held,
    at: i64,
    after: i64,
) -> Released {
    let from = std::mem::take(&mut held.owner);
    held.lapsed.push(from.clone());
    if distributor.program.queues[q].method != Method::SharkTank {
        let next = distributor.pick(store, q, &held.lapsed, &mut None);
        if let Some(owner) = next {
            store.add_count(&owner);
            held.owner = owner.to_string();
        }
    }
    held.since = at;
    store.set_owner(&held, "released");
    Released {
        key: held.key,
        queue: held.queue,
        from,
        to: held.owner,
        at,
        reason: format!("no outcome within {}", span_words(after)),
    }
}

/// `48 hours`, `2 days`.
fn span_words(seconds: i64) -> String {
    match (seconds % 86_400, seconds / 86_400, seconds / 3600) {
        (0, 1, _) => "1 day".into(),
        (0, days, _) => format!("{days} days"),
        (_, _, 1) => "1 hour".into(),
        (_, _, hours) => format!("{hours} hours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribute::live::LiveState;
    use crate::distribute::Store;
    use std::time::Duration;

    const RULES: &str = r#"
field id text "Id" key
queue tank shark_tank ["a@x.example", "b@x.example"] { claim limit 2 release after 1 day }
queue rr round_robin ["a@x.example", "b@x.example", "c@x.example"] { release after 2 hours }
default to tank
"#;

    fn program() -> Program {
        let mut sources = crate::diagnostics::Sources::default();
        let path = std::path::Path::new("t.route");
        let (diagnostics, program) = crate::resolve_source(path, RULES.into(), &mut sources);
        program.unwrap_or_else(|| panic!("{diagnostics:?}"))
    }

    /// Files a lead held open in `queue` by `owner` ('' for the pool).
    fn hold(s: &mut dyn Store, key: &str, queue: &str, owner: &str, at: i64) {
        let a = crate::distribute::Assignment {
            queue: queue.into(),
            owner: owner.into(),
            rule: "r".into(),
        };
        s.record(Some(key), &a, Some(at));
    }

    fn claimed(live: &mut LiveState, program: &Program, rep: &str, at: i64) -> Claim {
        let got = live.write("2026-11-25", |s| Ok::<_, ()>(claim(program, s, 0, rep, at)));
        got.unwrap().unwrap()
    }

    #[test]
    fn two_processes_claim_oldest_first_and_never_the_same_lead() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let program = program();
        let wait = Duration::from_secs(1);
        let mut one = LiveState::open(&path, wait, "2026-11-25", "one").unwrap();
        let mut two = LiveState::open(&path, wait, "2026-11-25", "two").unwrap();
        let pooled = one.write("2026-11-25", |s| {
            for (i, key) in ["k1", "k2", "k3"].iter().enumerate() {
                hold(s, key, "tank", "", i as i64);
            }
            Ok::<_, ()>(())
        });
        assert!(pooled.is_ok());
        let key = |c: Claim| match c {
            Claim::Got(h) => h.key,
            other => panic!("{other:?}"),
        };
        assert_eq!(key(claimed(&mut one, &program, "a@x.example", 10)), "k1");
        assert_eq!(key(claimed(&mut two, &program, "b@x.example", 11)), "k2");
        assert_eq!(key(claimed(&mut two, &program, "a@x.example", 12)), "k3");
        assert_eq!(claimed(&mut one, &program, "b@x.example", 13), Claim::Empty);
        assert_eq!(
            claimed(&mut one, &program, "a@x.example", 14),
            Claim::AtLimit(2)
        );
        let peeked = crate::distribute::sqlite::SqliteStore::peek(&path, "2026-11-25").unwrap();
        let history = peeked.history("k2").unwrap();
        let whats: Vec<String> = history.into_iter().map(|e| e.what).collect();
        assert_eq!(whats, ["pooled", "claimed"]);
    }

    #[test]
    fn a_due_lead_goes_to_the_next_member_never_back_to_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let program = program();
        let distributor = Distributor::new(&program, "2026-11-25", false);
        let mut live = LiveState::open(&path, Duration::from_secs(1), "2026-11-25", "r").unwrap();
        let released = live.write("2026-11-25", |s| {
            hold(s, "k1", "rr", "a@x.example", 0);
            hold(s, "k2", "tank", "", 0);
            s.set_owner(
                &Held {
                    key: "k2".into(),
                    queue: "tank".into(),
                    owner: "b@x.example".into(),
                    since: 0,
                    lapsed: vec![],
                },
                "claimed",
            );
            let early = release_due(&distributor, s, 7199);
            let due = release_due(&distributor, s, 7200);
            Ok::<_, ()>((early, due))
        });
        let (early, due) = released.unwrap().unwrap();
        assert!(early.is_empty(), "{early:?}");
        let moves: Vec<(&str, &str, &str)> = due
            .iter()
            .map(|r| (r.key.as_str(), r.from.as_str(), r.to.as_str()))
            .collect();
        // The rotation starts at a@x, who let it lapse: b@x gets it.
        assert_eq!(moves, [("k1", "a@x.example", "b@x.example")]);
        let later = live.write("2026-11-25", |s| {
            Ok::<_, ()>(release_due(&distributor, s, 86_400 + 7200))
        });
        let later = later.unwrap().unwrap();
        let moves: Vec<(&str, &str, &str)> = later
            .iter()
            .map(|r| (r.key.as_str(), r.from.as_str(), r.to.as_str()))
            .collect();
        assert_eq!(
            moves,
            [
                ("k2", "b@x.example", ""),
                ("k1", "b@x.example", "c@x.example")
            ]
        );
    }
}
