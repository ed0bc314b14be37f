//! Sharing leads out in SQL, as `route run` does without `--state` (a
//! fresh state, leads in input order, the run date fixed).
//!
//! `route run` distributes sequentially; SQL is set-based. What is exact
//! here, by queue:
//!
//! - no method, shark tank, owners named by a table: fixed columns;
//! - round robin whose available members have no cap: the j-th lead of the
//!   queue goes to the j-th available member modulo their number; with
//!   `sticky`, a value's first lead rotates and later ones follow it;
//! - round robin without sticky whose capped members get leads only from
//!   this queue: "slots" — in round r every available member with a cap of
//!   r or more takes one lead, in order; past the last slot the queue is
//!   exhausted (overflow, or no owner);
//! - load balance without sticky whose members get leads only from this
//!   queue: a fixed schedule (each member's keys k / weight in order), a
//!   prefix up to the caps, then a period of sum-of-uncapped-weights leads
//!   that repeats, or the queue is exhausted;
//! - everything else whose outcome depends on counts, stickies and caps
//!   forms *components* (queues linked by shared members or overflow
//!   cycles). A component of round robins is shared out in *epochs*
//!   (DuckDB): while nobody reaches a cap, availability is fixed and every
//!   queue is a rotation, so each epoch settles the leads up to the next
//!   cap set-based, one epoch per cap. Other components are *simulated*
//!   step by step (a recursive query, or a fold in Spark) from the first
//!   lead until every cap that matters is reached (or no later lead can
//!   come to the member's queues); after that the simulated queues are
//!   exhausted (overflow, no owner) or share out among uncapped members in
//!   rotation, which again has a closed form for round robin (or for a
//!   load balance with one member). A load balance among several uncapped
//!   members whose counts other queues or owner rows change has no closed
//!   form: the simulation runs past its last lead.
//!
//! So all three route columns are exact for every lead.

use super::decide::Decider;
use super::dialect::Dialect;
use super::query::{col, Chain, Col};
use super::Unsupported;
use crate::eval::cell_target;
use crate::ir::{Dest, Method, Program, Target, ValueExpr};
use std::collections::{BTreeSet, HashMap};

/// The stream columns after a step: current queue, owner, pending.
#[derive(Clone, Debug)]
pub struct Stream {
    pub fq: String,
    pub own: String,
    pub pend: String,
}

/// A queue as distribution sees it on the run date.
#[derive(Clone, Debug)]
struct QPlan {
    method: Method,
    members: Vec<String>,
    /// Available at all on the run date: not away, cap not 0.
    avail: Vec<bool>,
    cap: Vec<Option<u32>>,
    weight: Vec<u32>,
    sticky: Option<ValueExpr>,
    overflow: Option<usize>,
}

impl QPlan {
    fn live(&self) -> Vec<usize> {
        (0..self.members.len()).filter(|&i| self.avail[i]).collect()
    }

    fn distributes(&self) -> bool {
        matches!(self.method, Method::RoundRobin | Method::LoadBalance)
    }

    /// Every available member has a cap: the queue can run out.
    fn saturable(&self) -> bool {
        let live = self.live();
        !live.is_empty() && live.iter().all(|&i| self.cap[i].is_some())
    }
}

/// Where a lead sent to a queue ends up before any state is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolved {
    /// No method, or a shark tank: no owner.
    Fixed(usize),
    /// Nobody can take it and there is no overflow: no owner.
    Unowned(usize),
    /// The queue shares out.
    Live(usize),
}

impl Resolved {
    fn queue(self) -> usize {
        match self {
            Resolved::Fixed(q) | Resolved::Unowned(q) | Resolved::Live(q) => q,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Class {
    RrUncapped,
    RrSlots,
    /// Load balance: the picks of a fresh queue, as `Distributor::load_balance`
    /// makes them; past the prefix the period repeats (or, with no
    /// uncapped member, the queue is exhausted).
    LbSchedule(LbSchedule),
    Sim(usize),
    Unknown,
}

pub struct Distributor {
    d: Dialect,
    plans: Vec<QPlan>,
    classes: Vec<Class>,
    /// Simulated components: their queues.
    components: Vec<Vec<usize>>,
    /// Processing order: queues and components (`Err(component)`).
    order: Vec<Result<usize, usize>>,
    /// Owners named by table rows (they count toward members' caps).
    bumped: BTreeSet<String>,
}

/// A queue shared out on its own (`Ok`) or a simulated component (`Err`).
type Node = Result<usize, usize>;

/// Largest load-balance schedule written out.
const MAX_SCHEDULE: u64 = 5000;

/// Most caps a component of round robins reaches in epochs (one epoch
/// per cap, each a few passes over the component's leads).
const MAX_EPOCHS: usize = 48;

/// Leads per step of DuckDB's simulation (see `duckdb_fold`): a step
/// copies the component's list of leads once and appends each outcome to
/// its block's results, so a block of about a thousand keeps both small.
const FOLD_BLOCK: usize = 1024;

impl Distributor {
    pub fn new(p: &Program, d: Dialect, day: &str) -> Result<Self, Unsupported> {
        let plans: Vec<QPlan> = p.queues.iter().map(|q| plan(p, q, day)).collect();
        let bumped = owner_rows(p);
        let mut dist = Distributor {
            d,
            plans,
            classes: Vec::new(),
            components: Vec::new(),
            order: Vec::new(),
            bumped,
        };
        dist.classify()?;
        Ok(dist)
    }

    fn nq(&self) -> usize {
        self.plans.len()
    }

    /// `Distributor::within` without state: follows overflow from queues
    /// nobody can take leads in.
    fn resolve(&self, q: usize, depth: usize) -> Resolved {
        let plan = &self.plans[q];
        if !plan.distributes() {
            return Resolved::Fixed(q);
        }
        if plan.live().is_empty() {
            return match plan.overflow {
                Some(next) if depth < self.nq() => self.resolve(next, depth + 1),
                _ => Resolved::Unowned(q),
            };
        }
        Resolved::Live(q)
    }

    /// Members available in two or more queues that share out.
    fn shared(&self) -> BTreeSet<String> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for plan in self.plans.iter().filter(|p| p.distributes()) {
            let mut mine: BTreeSet<&str> = BTreeSet::new();
            for i in plan.live() {
                mine.insert(&plan.members[i]);
            }
            for m in mine {
                *seen.entry(m).or_default() += 1;
            }
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(m, _)| m.to_string())
            .collect()
    }

    fn classify(&mut self) -> Result<(), Unsupported> {
        let shared = self.shared();
        let touched = |m: &str| shared.contains(m) || self.bumped.contains(m);
        let nq = self.nq();
        let mut classes = vec![Class::Unknown; nq];
        let mut simulate = vec![false; nq];
        for (q, plan) in self.plans.iter().enumerate() {
            if !plan.distributes() || plan.live().is_empty() {
                continue;
            }
            let live = plan.live();
            let uncapped = live.iter().all(|&i| plan.cap[i].is_none());
            let capped_untouched = live
                .iter()
                .filter(|&&i| plan.cap[i].is_some())
                .all(|&i| !touched(&plan.members[i]));
            let untouched = live.iter().all(|&i| !touched(&plan.members[i]));
            classes[q] = match plan.method {
                Method::RoundRobin if uncapped => Class::RrUncapped,
                // One member who is never full takes every lead, whatever
                // the method: a rotation of one.
                Method::LoadBalance if live.len() == 1 && uncapped => Class::RrUncapped,
                Method::RoundRobin if plan.sticky.is_none() && capped_untouched => Class::RrSlots,
                Method::LoadBalance if plan.sticky.is_none() && untouched => {
                    match lb_schedule(plan) {
                        Some(s) => Class::LbSchedule(s),
                        None => Class::Unknown,
                    }
                }
                _ => Class::Unknown,
            };
            simulate[q] = classes[q] == Class::Unknown;
        }
        // Simulated queues take along every queue they share members with,
        // and every queue on an overflow cycle with them.
        loop {
            let mut changed = false;
            for q in 0..nq {
                if !simulate[q] {
                    continue;
                }
                let members: BTreeSet<&String> = self.plans[q]
                    .live()
                    .into_iter()
                    .map(|i| &self.plans[q].members[i])
                    .collect();
                for (r, other) in self.plans.iter().enumerate() {
                    if simulate[r] || !other.distributes() {
                        continue;
                    }
                    let shares = other
                        .live()
                        .into_iter()
                        .any(|i| members.contains(&other.members[i]));
                    if shares {
                        simulate[r] = true;
                        changed = true;
                    }
                }
            }
            if let Some(cycle) = self.overflow_cycle(&simulate) {
                for q in cycle {
                    if !simulate[q] {
                        simulate[q] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // Components: simulated queues linked by shared members. Queues
        // and components that overflow into each other in a cycle (through
        // a component) become one component.
        let base = classes;
        let mut merged: Vec<usize> = Vec::new();
        loop {
            let (components, classes) = self.components(&simulate, &merged, &base);
            self.classes = classes;
            self.components = components;
            match self.topological_order() {
                Ok(order) => {
                    self.order = order;
                    return Ok(());
                }
                Err(stuck) => {
                    let queues: Vec<usize> = stuck
                        .iter()
                        .flat_map(|n| match n {
                            Ok(q) => vec![*q],
                            Err(c) => self.components[*c].clone(),
                        })
                        .collect();
                    if queues.iter().all(|q| merged.contains(q)) {
                        return Err(Unsupported::new(
                            "queues overflow into each other in a cycle",
                            "break the cycle of `overflow to` between capped queues",
                        ));
                    }
                    for q in queues {
                        simulate[q] = true;
                        if !merged.contains(&q) {
                            merged.push(q);
                        }
                    }
                }
            }
        }
    }

    /// Simulated queues grouped into components (linked by shared members,
    /// mutual overflow, or all in `merged`), and the classes with them.
    fn components(
        &self,
        simulate: &[bool],
        merged: &[usize],
        base: &[Class],
    ) -> (Vec<Vec<usize>>, Vec<Class>) {
        let nq = self.nq();
        let mut classes = base.to_vec();
        let mut component = vec![usize::MAX; nq];
        let mut components: Vec<Vec<usize>> = Vec::new();
        for q in 0..nq {
            if !simulate[q] || component[q] != usize::MAX {
                continue;
            }
            let id = components.len();
            let mut stack = vec![q];
            let mut members = Vec::new();
            component[q] = id;
            while let Some(x) = stack.pop() {
                members.push(x);
                for r in 0..nq {
                    let joined = merged.contains(&x) && merged.contains(&r);
                    if simulate[r] && component[r] == usize::MAX && (joined || self.linked(x, r)) {
                        component[r] = id;
                        stack.push(r);
                    }
                }
            }
            members.sort_unstable();
            components.push(members);
        }
        for (q, c) in component.iter().enumerate() {
            if *c != usize::MAX {
                classes[q] = Class::Sim(*c);
            }
        }
        (components, classes)
    }

    /// Two queues share an available member, or one overflows into the other.
    fn linked(&self, a: usize, b: usize) -> bool {
        let (pa, pb) = (&self.plans[a], &self.plans[b]);
        let shares = pa
            .live()
            .iter()
            .any(|&i| pb.live().iter().any(|&j| pa.members[i] == pb.members[j]));
        let flows = |x: usize, y: usize| {
            self.plans[x]
                .overflow
                .map(|n| self.resolve(n, 1).queue() == y)
                .unwrap_or(false)
        };
        shares || (flows(a, b) && flows(b, a))
    }

    /// Where a queue can overflow to at run time (it may run out).
    fn dynamic_next(&self, q: usize) -> Option<Resolved> {
        let plan = &self.plans[q];
        if !plan.saturable() {
            return None;
        }
        plan.overflow.map(|n| self.resolve(n, 1))
    }

    /// A cycle of run-time overflow edges that is not yet all simulated.
    fn overflow_cycle(&self, simulate: &[bool]) -> Option<Vec<usize>> {
        for start in 0..self.nq() {
            let mut path = vec![start];
            let mut at = start;
            while let Some(Resolved::Live(next)) = self.dynamic_next(at) {
                if let Some(pos) = path.iter().position(|&x| x == next) {
                    let cycle = path[pos..].to_vec();
                    if cycle.iter().any(|&q| !simulate[q]) {
                        return Some(cycle);
                    }
                    break;
                }
                path.push(next);
                at = next;
            }
        }
        None
    }

    /// Queues and components in an order where every run-time overflow
    /// goes to something later.
    /// Err: the nodes left that cannot be ordered.
    fn topological_order(&self) -> Result<Vec<Node>, Vec<Node>> {
        let node = |q: usize| match self.classes[q] {
            Class::Sim(c) => Err(c),
            _ => Ok(q),
        };
        let mut nodes: Vec<Result<usize, usize>> = Vec::new();
        for q in 0..self.nq() {
            if self.plans[q].distributes() && !self.plans[q].live().is_empty() {
                let n = node(q);
                if !nodes.contains(&n) {
                    nodes.push(n);
                }
            }
        }
        let edges: Vec<(Result<usize, usize>, Result<usize, usize>)> = (0..self.nq())
            .filter_map(|q| match self.dynamic_next(q) {
                Some(Resolved::Live(r)) if node(q) != node(r) => Some((node(q), node(r))),
                _ => None,
            })
            .collect();
        let mut order = Vec::new();
        let mut left = nodes;
        while !left.is_empty() {
            let Some(i) = left
                .iter()
                .position(|n| !edges.iter().any(|(a, b)| b == n && left.contains(a)))
            else {
                return Err(left);
            };
            order.push(left.remove(i));
        }
        Ok(order)
    }

    /// Whether some queue shares leads out, so that the input order
    /// decides owners (and, for queues that can run out, queues).
    pub fn needs_order(&self) -> bool {
        !self.order.is_empty()
    }

    /// The first stream stage: every lead's queue after static overflow,
    /// its owner when it is already known, and whether a queue still has
    /// to share it out.
    pub fn start(&self, chain: &mut Chain, tq: &str, town: &str) -> Stream {
        let mut fq = Vec::new();
        let mut own = Vec::new();
        for q in 0..self.nq() {
            let r = self.resolve(q, 0);
            fq.push(format!("WHEN {q} THEN {}", r.queue()));
            if !matches!(r, Resolved::Live(_)) {
                own.push(format!("WHEN {q} THEN ''"));
            }
        }
        let fq_sql = if fq.is_empty() {
            "CAST(NULL AS INTEGER)".to_string()
        } else {
            format!("CASE {tq} {} END", fq.join(" "))
        };
        let own_q = if own.is_empty() {
            "NULL".to_string()
        } else {
            format!("CASE {tq} {} END", own.join(" "))
        };
        let s = Stream {
            fq: "route__fq0".into(),
            own: "route__own0".into(),
            pend: "route__pend0".into(),
        };
        chain.stage(vec![
            col(&s.fq, fq_sql),
            col(
                &s.own,
                format!(
                    "CASE WHEN {town} IS NOT NULL THEN {town} WHEN {tq} IS NULL THEN '' ELSE {own_q} END"
                ),
            ),
        ]);
        chain.stage(vec![col(
            &s.pend,
            format!("({tq} IS NOT NULL AND {} IS NULL)", s.own),
        )]);
        s
    }

    /// Shares out every queue, in order; returns the final stream.
    pub fn run(
        &self,
        chain: &mut Chain,
        dec: &mut Decider,
        mut s: Stream,
        sims: &mut Vec<String>,
    ) -> Result<Stream, Unsupported> {
        let mut version = 0;
        let mut batch: Vec<usize> = Vec::new();
        for node in &self.order {
            match node {
                Ok(q) => {
                    // A queue joins the batch unless a lead can overflow
                    // into it from a queue of the batch.
                    let fed = batch.iter().any(
                        |&b| matches!(self.dynamic_next(b), Some(Resolved::Live(r)) if r == *q),
                    );
                    if fed {
                        version += 1;
                        s = self.closed_forms(chain, dec, &batch, s, version);
                        batch.clear();
                    }
                    batch.push(*q);
                }
                Err(c) => {
                    if !batch.is_empty() {
                        version += 1;
                        s = self.closed_forms(chain, dec, &batch, s, version);
                        batch.clear();
                    }
                    version += 1;
                    s = self.simulate(chain, dec, *c, s, version, sims)?;
                }
            }
        }
        if !batch.is_empty() {
            version += 1;
            s = self.closed_forms(chain, dec, &batch, s, version);
        }
        Ok(s)
    }

    fn names(&self, v: usize) -> Stream {
        Stream {
            fq: format!("route__fq{v}"),
            own: format!("route__own{v}"),
            pend: format!("route__pend{v}"),
        }
    }

    fn email(&self, q: usize, pos: usize) -> String {
        self.d.string(&self.plans[q].members[pos])
    }

    /// `CASE {e} WHEN 0 THEN 'a' …` over a list of positions of queue q.
    fn owner_at(&self, q: usize, e: &str, positions: &[usize]) -> String {
        let cases: Vec<String> = positions
            .iter()
            .enumerate()
            .map(|(i, &pos)| format!("WHEN {i} THEN {}", self.email(q, pos)))
            .collect();
        format!("(CASE {e} {} END)", cases.join(" "))
    }

    /// Running count of leads with `flag` up to this one, minus one.
    fn index_among(&self, flag: &str) -> String {
        format!(
            "CASE WHEN {flag} THEN sum(CASE WHEN {flag} THEN 1 ELSE 0 END) OVER (ORDER BY route__seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1 END"
        )
    }

    /// Shares out a batch of queues that no lead can move between, with
    /// closed forms: one stage per phase for all of them, so that their
    /// running counts share one sort.
    fn closed_forms(
        &self,
        chain: &mut Chain,
        dec: &mut Decider,
        batch: &[usize],
        s: Stream,
        v: usize,
    ) -> Stream {
        let out = self.names(v);
        let (mut firsts, mut rots, mut js, mut picks) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut own, mut pend, mut fq) = (Vec::new(), Vec::new(), Vec::new());
        for &q in batch {
            let here = format!("({} AND {} = {q})", s.pend, s.fq);
            let plan = &self.plans[q];
            let live = plan.live();
            let n = live.len();
            let j = format!("route__j{v}_{q}");
            match &self.classes[q] {
                Class::RrUncapped if plan.sticky.is_some() => {
                    let sv = self.sticky_value(chain, dec, q);
                    let (first, rot, pick) = (
                        format!("route__first{v}_{q}"),
                        format!("route__rot{v}_{q}"),
                        format!("route__pick{v}_{q}"),
                    );
                    firsts.push(col(
                        &first,
                        format!(
                            "CASE WHEN {here} AND {sv} IS NOT NULL THEN row_number() OVER (PARTITION BY {here}, {sv} ORDER BY route__seq) END"
                        ),
                    ));
                    rots.push(col(
                        &rot,
                        format!("({here} AND ({sv} IS NULL OR {first} = 1))"),
                    ));
                    js.push(col(&j, self.index_among(&rot)));
                    picks.push(col(
                        &pick,
                        format!(
                            "CASE WHEN {rot} THEN {} END",
                            self.owner_at(q, &format!("({j} % {n})"), &live)
                        ),
                    ));
                    own.push(format!("WHEN {rot} THEN {pick}"));
                    own.push(format!(
                        "WHEN {here} THEN first_value({pick}) OVER (PARTITION BY {here}, {sv} ORDER BY route__seq)"
                    ));
                    pend.push(format!("WHEN {here} THEN FALSE"));
                }
                Class::RrUncapped => {
                    js.push(col(&j, self.index_among(&here)));
                    own.push(format!(
                        "WHEN {here} THEN {}",
                        self.owner_at(q, &format!("({j} % {n})"), &live)
                    ));
                    pend.push(format!("WHEN {here} THEN FALSE"));
                }
                Class::RrSlots => {
                    js.push(col(&j, self.index_among(&here)));
                    let (pick, total) = self.slots(q, &j);
                    let taken = match total {
                        Some(t) => format!("({here} AND {j} < {t})"),
                        None => here.clone(),
                    };
                    own.push(format!("WHEN {taken} THEN {pick}"));
                    pend.push(format!("WHEN {taken} THEN FALSE"));
                    if total.is_some() {
                        // Past the last slot the queue is exhausted.
                        let (to_q, to_own, to_pend) = self.overflow_target(q);
                        own.push(format!("WHEN {here} THEN {to_own}"));
                        pend.push(format!("WHEN {here} THEN {to_pend}"));
                        fq.push(format!(
                            "WHEN {here} AND {j} >= {} THEN {to_q}",
                            total.unwrap_or(0)
                        ));
                    }
                }
                Class::LbSchedule(schedule) => {
                    js.push(col(&j, self.index_among(&here)));
                    let at = |list: &[usize], e: &str| {
                        let cases: Vec<String> = list
                            .iter()
                            .enumerate()
                            .map(|(i, &pos)| format!("WHEN {i} THEN {}", self.email(q, pos)))
                            .collect();
                        format!("(CASE {e} {} END)", cases.join(" "))
                    };
                    let p = schedule.prefix.len();
                    let w = schedule.period.len();
                    let period = || at(&schedule.period, &format!("(({j} - {p}) % {w})"));
                    let pick = match (p, w) {
                        (_, 0) => at(&schedule.prefix, &j),
                        (0, _) => period(),
                        _ => format!(
                            "(CASE WHEN {j} < {p} THEN {} ELSE {} END)",
                            at(&schedule.prefix, &j),
                            period()
                        ),
                    };
                    if schedule.period.is_empty() {
                        // Past the last slot the queue is exhausted.
                        let taken = format!("({here} AND {j} < {p})");
                        own.push(format!("WHEN {taken} THEN {pick}"));
                        pend.push(format!("WHEN {taken} THEN FALSE"));
                        let (to_q, to_own, to_pend) = self.overflow_target(q);
                        own.push(format!("WHEN {here} THEN {to_own}"));
                        pend.push(format!("WHEN {here} THEN {to_pend}"));
                        fq.push(format!("WHEN {here} AND {j} >= {p} THEN {to_q}"));
                    } else {
                        own.push(format!("WHEN {here} THEN {pick}"));
                        pend.push(format!("WHEN {here} THEN FALSE"));
                    }
                }
                Class::Unknown | Class::Sim(_) => {
                    // Not computed: the owner stays NULL.
                    own.push(format!("WHEN {here} THEN NULL"));
                    pend.push(format!("WHEN {here} THEN FALSE"));
                }
            }
        }
        chain.stage(firsts);
        chain.stage(rots);
        chain.stage(js);
        chain.stage(picks);
        let case = |parts: &[String], otherwise: &str| {
            if parts.is_empty() {
                otherwise.to_string()
            } else {
                format!("CASE {} ELSE {otherwise} END", parts.join(" "))
            }
        };
        chain.stage(vec![
            col(&out.own, case(&own, &s.own)),
            col(&out.pend, case(&pend, &s.pend)),
            col(&out.fq, case(&fq, &s.fq)),
        ]);
        out
    }

    /// Where a lead goes when queue q cannot take it: the queue, owner and
    /// pending flag (owner NULL and pending when another queue shares it out).
    fn overflow_target(&self, q: usize) -> (String, &'static str, &'static str) {
        match self.plans[q].overflow {
            Some(n) => match self.resolve(n, 1) {
                Resolved::Live(r) => (r.to_string(), "NULL", "TRUE"),
                other => (other.queue().to_string(), "''", "FALSE"),
            },
            None => (q.to_string(), "''", "FALSE"),
        }
    }

    /// Round-robin slots: in round r every available member whose cap is r
    /// or more takes one lead, in member order. Returns the owner of slot
    /// `j` and the number of slots when every member has a cap.
    fn slots(&self, q: usize, j: &str) -> (String, Option<u64>) {
        let plan = &self.plans[q];
        let live = plan.live();
        let mut caps: Vec<u32> = live.iter().filter_map(|&i| plan.cap[i]).collect();
        caps.sort_unstable();
        caps.dedup();
        let mut cases = Vec::new();
        let (mut start, mut done_rounds) = (0u64, 0u32);
        for &c in &caps {
            let part: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&i| plan.cap[i].is_none_or(|k| k >= c))
                .collect();
            let len = u64::from(c - done_rounds) * part.len() as u64;
            let end = start + len;
            let n = part.len();
            cases.push(format!(
                "WHEN {j} < {end} THEN {}",
                self.owner_at(q, &format!("(({j} - {start}) % {n})"), &part)
            ));
            start = end;
            done_rounds = c;
        }
        let rest: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| plan.cap[i].is_none())
            .collect();
        let total = if rest.is_empty() {
            Some(start)
        } else {
            let n = rest.len();
            cases.push(format!(
                "ELSE {}",
                self.owner_at(q, &format!("(({j} - {start}) % {n})"), &rest)
            ));
            None
        };
        (format!("(CASE {} END)", cases.join(" ")), total)
    }

    /// Stages the sticky value of every queue that has one; their columns.
    pub fn sticky_columns(&self, chain: &mut Chain, dec: &mut Decider) -> Vec<String> {
        (0..self.nq())
            .filter(|&q| self.plans[q].sticky.is_some())
            .map(|q| self.sticky_value(chain, dec, q))
            .collect()
    }

    /// The stage column with a queue's sticky value as text (NULL: none).
    fn sticky_value(&self, chain: &mut Chain, dec: &mut Decider, q: usize) -> String {
        let Some(expr) = &self.plans[q].sticky else {
            return "NULL".to_string();
        };
        let name = format!("route__sticky{q}");
        if chain.has_column(&name) {
            return name;
        }
        let v = dec.value(chain, expr);
        let text = self.d.text_type();
        chain.stage(vec![col(&name, format!("CAST({} AS {text})", v.sql))]);
        chain.note_column(&name);
        name
    }
}

/// What happens to a lead of a simulated queue once the simulation has
/// stopped (every capped member of the component is at its cap).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Post {
    /// It overflows out of the component (or to a queue with no owners).
    Leave(Resolved),
    /// It stays in this queue with no owner.
    Unowned(usize),
    /// A round robin among the uncapped members continues in this queue.
    Continue(usize),
    /// A load balance with one member, who is never full: that member.
    Sole(usize, usize),
    /// A load balance among uncapped members whose counts other queues
    /// change: no closed form, so the simulation runs past its last lead
    /// ([`Distributor::balanced_after_stop`]) and none comes after.
    Unknown(usize),
}

/// The tables of a simulation: the component's leads (`rel`), the
/// recursive query's rows (`steps`), the final state (`fin`) and the
/// outcome of each lead (`results`).
struct Steps<'a> {
    rel: &'a str,
    steps: &'a str,
    fin: &'a str,
    results: &'a str,
}

impl<'a> Steps<'a> {
    fn new(rel: &'a str, steps: &'a str, fin: &'a str, results: &'a str) -> Self {
        Steps {
            rel,
            steps,
            fin,
            results,
        }
    }
}

/// One simulated component: its queues, members and how its state is
/// laid out.
struct Sim {
    id: usize,
    queues: Vec<usize>,
    /// Distinct emails of the available members of its queues.
    members: Vec<String>,
    /// Positions per queue in the outcome code (`queue * P + pos + 1`).
    p: usize,
    sticky: Vec<usize>,
    round_robin: Vec<usize>,
}

impl Sim {
    fn member_id(&self, email: &str) -> Option<usize> {
        self.members.iter().position(|m| m == email)
    }
}

impl Distributor {
    fn sim_layout(&self, c: usize) -> Sim {
        let queues = self.components[c].clone();
        let mut members: Vec<String> = Vec::new();
        for &q in &queues {
            for i in self.plans[q].live() {
                let m = &self.plans[q].members[i];
                if !members.contains(m) {
                    members.push(m.clone());
                }
            }
        }
        let p = self
            .plans
            .iter()
            .map(|q| q.members.len())
            .max()
            .unwrap_or(0)
            + 1;
        let sticky = queues
            .iter()
            .copied()
            .filter(|&q| self.plans[q].sticky.is_some())
            .collect();
        let round_robin = queues
            .iter()
            .copied()
            .filter(|&q| self.plans[q].method == Method::RoundRobin)
            .collect();
        Sim {
            id: c,
            queues,
            members,
            p,
            sticky,
            round_robin,
        }
    }

    /// After the simulation: follows a lead of queue q.
    fn post(&self, sim: &Sim, q: usize, depth: usize) -> Post {
        let plan = &self.plans[q];
        if plan.saturable() {
            return match plan.overflow {
                Some(n) if depth < self.nq() => match self.resolve(n, depth + 1) {
                    Resolved::Live(r) if sim.queues.contains(&r) => self.post(sim, r, depth + 1),
                    other => Post::Leave(other),
                },
                _ => Post::Unowned(q),
            };
        }
        match plan.method {
            Method::RoundRobin => Post::Continue(q),
            _ => match plan.live()[..] {
                [only] if plan.cap[only].is_none() => Post::Sole(q, only),
                _ => Post::Unknown(q),
            },
        }
    }

    /// The outcome code of a lead taken in (or leaving for) queue q.
    fn code(&self, sim: &Sim, q: usize, pos: &str, by_method: bool) -> String {
        let flag = u8::from(by_method);
        format!("({} + ({pos} + 1) * 2 + {flag})", q * 2 * sim.p)
    }

    /// Queue q's member at `pos` can take a lead now (state `s`).
    fn can_take(&self, sim: &Sim, q: usize, pos: usize, s: &str) -> String {
        let plan = &self.plans[q];
        if !plan.avail[pos] {
            return "FALSE".to_string();
        }
        match (plan.cap[pos], sim.member_id(&plan.members[pos])) {
            (Some(cap), Some(m)) => format!("{s}.c{m} < {cap}"),
            _ => "TRUE".to_string(),
        }
    }

    /// `Distributor::within` for a lead in queue q, over state `s` and
    /// lead `r`: its outcome code.
    fn within_sql(&self, sim: &Sim, q: usize, depth: usize, s: &str, r: &str) -> String {
        let plan = &self.plans[q];
        let live = plan.live();
        let mut cases = Vec::new();
        if plan.sticky.is_some() {
            let needle = self.needle(&format!("{r}.sv{q}"));
            let st = format!("{s}.st{q}");
            let at = self.d.strpos(&st, &needle);
            let stored = self.stored_pos(&st, &needle);
            let takes: Vec<String> = live
                .iter()
                .map(|&i| format!("WHEN {i} THEN {}", self.can_take(sim, q, i, s)))
                .collect();
            cases.push(format!(
                "WHEN {r}.sv{q} IS NOT NULL AND {at} > 0 AND (CASE {stored} {} ELSE FALSE END) THEN {}",
                takes.join(" "),
                self.code(sim, q, &stored, false)
            ));
        }
        let pick = match plan.method {
            Method::RoundRobin => {
                let n = plan.members.len();
                let per_start: Vec<String> = (0..n)
                    .map(|start| {
                        let order: Vec<String> = (0..n)
                            .map(|k| (start + k) % n)
                            .filter(|i| plan.avail[*i])
                            .map(|i| format!("WHEN {} THEN {i}", self.can_take(sim, q, i, s)))
                            .collect();
                        format!("WHEN {start} THEN (CASE {} END)", order.join(" "))
                    })
                    .collect();
                format!("(CASE {s}.r{q} {} END)", per_start.join(" "))
            }
            _ => {
                // The fewest leads for the weight, ties to the earlier:
                // count × (lcm of weights / weight) × n + position, least.
                let n = plan.members.len();
                let l = live
                    .iter()
                    .fold(1u64, |acc, &i| lcm(acc, u64::from(plan.weight[i])));
                let keys: Vec<String> = live
                    .iter()
                    .map(|&i| {
                        let m = sim.member_id(&plan.members[i]).unwrap_or(0);
                        let scale = l / u64::from(plan.weight[i]) * n as u64;
                        format!(
                            "CASE WHEN {} THEN {s}.c{m} * {scale} + {i} END",
                            self.can_take(sim, q, i, s)
                        )
                    })
                    .collect();
                let least = if keys.len() == 1 {
                    keys[0].clone()
                } else {
                    format!("least({})", keys.join(", "))
                };
                format!("(({least}) % {n})")
            }
        };
        cases.push(format!(
            "WHEN {pick} IS NOT NULL THEN {}",
            self.code(sim, q, &pick, true)
        ));
        let otherwise = match plan.overflow {
            Some(next) if depth < self.nq() => match self.resolve(next, depth + 1) {
                Resolved::Live(r2) if sim.queues.contains(&r2) => {
                    self.within_sql(sim, r2, depth + 1, s, r)
                }
                other => self.code(sim, other.queue(), "-1", false),
            },
            _ => self.code(sim, q, "-1", false),
        };
        format!("(CASE {} ELSE {otherwise} END)", cases.join(" "))
    }

    /// `chr(30) || value || chr(31)`: how a sticky value starts its entry.
    fn needle(&self, value: &str) -> String {
        format!(
            "({} || {value} || {})",
            self.d.string("\u{1e}"),
            self.d.string("\u{1f}")
        )
    }

    /// The position stored after `needle` in a sticky map.
    fn stored_pos(&self, st: &str, needle: &str) -> String {
        let at = self.d.strpos(st, needle);
        format!(
            "CAST(CASE WHEN {at} > 0 THEN nullif(split_part(substr({st}, {at} + length({needle})), {}, 1), '') END AS INTEGER)",
            self.d.string("\u{1e}")
        )
    }

    /// The state after one step: counts (`y`), then everything else.
    fn step_columns(&self, sim: &Sim, s: &str, r: &str, o: &str) -> (Vec<Col>, Vec<Col>) {
        let p2 = 2 * sim.p;
        let d = self.d;
        let half = d.div(o, "2");
        let fq = d.div(o, &p2.to_string());
        let pos = format!("(({half} % {}) - 1)", sim.p);
        let by_method = format!("({o} % 2 = 1)");
        let mut counts = Vec::new();
        for (m, email) in sim.members.iter().enumerate() {
            let codes: Vec<String> = sim
                .queues
                .iter()
                .flat_map(|&q| {
                    let plan = &self.plans[q];
                    plan.live()
                        .into_iter()
                        .filter(|&i| plan.members[i] == *email)
                        .map(move |i| (q * sim.p + i + 1).to_string())
                })
                .collect();
            let bump = if self.bumped.contains(email) {
                format!("{r}.b = {m} OR ")
            } else {
                String::new()
            };
            counts.push(col(
                format!("c{m}"),
                format!(
                    "{s}.c{m} + CASE WHEN {bump}({o} IS NOT NULL AND {half} IN ({})) THEN 1 ELSE 0 END",
                    codes.join(", ")
                ),
            ));
        }
        let mut rest = Vec::new();
        for &q in &sim.round_robin {
            let n = self.plans[q].members.len();
            rest.push(col(
                format!("r{q}"),
                format!(
                    "CASE WHEN {o} IS NOT NULL AND {by_method} AND {fq} = {q} THEN ({half} % {}) % {n} ELSE {s}.r{q} END",
                    sim.p
                ),
            ));
        }
        let text = d.text_type();
        for &q in &sim.sticky {
            let needle = self.needle(&format!("{r}.sv{q}"));
            let st = format!("{s}.st{q}");
            rest.push(col(
                format!("st{q}"),
                format!(
                    "CASE WHEN {o} IS NOT NULL AND {by_method} AND {fq} = {q} AND {r}.sv{q} IS NOT NULL AND {} = 0 \
                     THEN {st} || {needle} || CAST({pos} AS {text}) ELSE {st} END",
                    d.strpos(&st, &needle)
                ),
            ));
        }
        (counts, rest)
    }

    /// The simulation can stop: every capped available member of the
    /// component is at its cap, or no later lead can come to a queue it is
    /// in (`lk{m}` of lead `r`: the last lead that can). After that, a
    /// queue a lead comes to has every capped member at its cap.
    /// `count(m)`: member m's count after lead `r`.
    fn done_sql(&self, sim: &Sim, count: impl Fn(usize) -> String, r: &str) -> String {
        let mut parts: Vec<String> = self
            .stop_thresholds(sim)
            .into_iter()
            .map(|(m, cap)| {
                format!(
                    "({} >= {cap} OR coalesce({r}.rs >= {r}.lk{m}, TRUE))",
                    count(m)
                )
            })
            .collect();
        if !self.balanced_after_stop(sim).is_empty() {
            parts.push(format!("coalesce({r}.rs >= {r}.lu, TRUE)"));
        }
        if parts.is_empty() {
            "FALSE".to_string()
        } else {
            parts.join(" AND ")
        }
    }

    /// Queues of the component whose leads would, after a stop, be load
    /// balanced among uncapped members that other sources also feed: no
    /// closed form, so the simulation runs past the last of their leads
    /// (`lu`) and none is left for after the stop.
    fn balanced_after_stop(&self, sim: &Sim) -> Vec<usize> {
        sim.queues
            .iter()
            .copied()
            .filter(|&q| matches!(self.post(sim, q, 0), Post::Unknown(_)))
            .collect()
    }

    /// Capped members of the component (by id), each with the queues
    /// whose leads can come to a queue the member is in (overflow
    /// included).
    fn reached_by(&self, sim: &Sim) -> Vec<(usize, Vec<usize>)> {
        let mut members: Vec<usize> = self
            .stop_thresholds(sim)
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        members.dedup();
        members
            .into_iter()
            .map(|m| {
                let from = sim
                    .queues
                    .iter()
                    .copied()
                    .filter(|&q| {
                        self.overflow_path(sim, q).iter().any(|&r| {
                            self.plans[r]
                                .live()
                                .iter()
                                .any(|&i| self.plans[r].members[i] == sim.members[m])
                        })
                    })
                    .collect();
                (m, from)
            })
            .collect()
    }

    /// The queues of the component a lead of queue q can end up in: q, and
    /// where it overflows to (from queues that can run out) as long as that
    /// stays in the component.
    fn overflow_path(&self, sim: &Sim, q: usize) -> Vec<usize> {
        let mut path = vec![q];
        let mut at = q;
        for depth in 0..self.nq() {
            if !self.plans[at].saturable() {
                break;
            }
            match self.plans[at].overflow.map(|n| self.resolve(n, depth + 1)) {
                Some(Resolved::Live(r)) if sim.queues.contains(&r) && !path.contains(&r) => {
                    path.push(r);
                    at = r;
                }
                _ => break,
            }
        }
        path
    }

    fn simulate(
        &self,
        chain: &mut Chain,
        dec: &mut Decider,
        c: usize,
        s: Stream,
        v: usize,
        sims: &mut Vec<String>,
    ) -> Result<Stream, Unsupported> {
        let sim = self.sim_layout(c);
        let d = self.d;
        for &q in &sim.sticky {
            self.sticky_value(chain, dec, q);
        }
        let ids = |qs: &[usize]| {
            qs.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let in_c = format!("({} AND {} IN ({}))", s.pend, s.fq, ids(&sim.queues));
        let bumps: Vec<(usize, &String)> = sim
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| self.bumped.contains(*m))
            .collect();
        let bump_case = if bumps.is_empty() {
            "CAST(NULL AS BIGINT)".to_string()
        } else {
            let cases: Vec<String> = bumps
                .iter()
                .map(|(i, m)| format!("WHEN {} THEN {i}", d.string(m)))
                .collect();
            format!("CASE {} {} END", s.own, cases.join(" "))
        };
        let bump_where = if bumps.is_empty() {
            "FALSE".to_string()
        } else {
            let list: Vec<String> = bumps.iter().map(|(_, m)| d.string(m)).collect();
            format!("({} IS NULL AND {} IN ({}))", s.fq, s.own, list.join(", "))
        };
        let rel = format!("route__rel{}", sim.id);
        // Read by the step of the recursion and again when joining back.
        let before = chain.last().to_string();
        chain.materialize(&before);
        chain.materialize(&rel);
        let mut rel_cols = vec![
            "route__seq AS rs".to_string(),
            "row_number() OVER (ORDER BY route__seq) AS k".to_string(),
            format!("CASE WHEN {in_c} THEN {} END AS q", s.fq),
            format!("CASE WHEN {in_c} THEN NULL ELSE {bump_case} END AS b"),
        ];
        for &q in &sim.sticky {
            rel_cols.push(format!("route__sticky{q} AS sv{q}"));
        }
        for (m, from) in self.reached_by(&sim) {
            let lk = if from.is_empty() {
                "CAST(NULL AS BIGINT)".to_string()
            } else {
                format!(
                    "max(CASE WHEN {in_c} AND {} IN ({}) THEN route__seq END) OVER ()",
                    s.fq,
                    ids(&from)
                )
            };
            rel_cols.push(format!("{lk} AS lk{m}"));
        }
        let balanced = self.balanced_after_stop(&sim);
        if !balanced.is_empty() {
            rel_cols.push(format!(
                "max(CASE WHEN {in_c} AND {} IN ({}) THEN route__seq END) OVER () AS lu",
                s.fq,
                ids(&balanced)
            ));
        }
        chain.side(
            &rel,
            format!(
                "SELECT {}\n  FROM {}\n  WHERE {in_c} OR {bump_where}",
                rel_cols.join(",\n    "),
                chain.last()
            ),
        );
        let simname = format!("route__sim{}", sim.id);
        let fin = format!("route__fin{}", sim.id);
        let results = format!("route__res{}", sim.id);
        match d {
            Dialect::DuckDb if self.epochs_apply(&sim) => {
                self.epochs(chain, &sim, &rel, &fin, &results);
            }
            Dialect::Spark => {
                self.spark_fold(chain, &sim, &rel, &fin, &results);
                sims.push(simname);
            }
            Dialect::DuckDb => {
                self.duckdb_fold(chain, &sim, &Steps::new(&rel, &simname, &fin, &results));
                sims.push(simname);
            }
            Dialect::Postgres => {
                self.recursive(chain, &sim, &Steps::new(&rel, &simname, &fin, &results));
                sims.push(simname);
            }
        }
        self.decode(chain, &sim, &s, v, &rel, &fin, &results)
    }

    /// The outcome of a step for lead `r` over state `s`.
    fn outcome_sql(&self, sim: &Sim, s: &str, r: &str) -> String {
        let cases: Vec<String> = sim
            .queues
            .iter()
            .map(|&q| format!("WHEN {q} THEN {}", self.within_sql(sim, q, 0, s, r)))
            .collect();
        format!("CAST(CASE {r}.q {} END AS BIGINT)", cases.join(" "))
    }

    /// The state columns, in order, with their starting values.
    fn state_start(&self, sim: &Sim) -> Vec<Col> {
        let text = self.d.text_type();
        let mut cols = Vec::new();
        for m in 0..sim.members.len() {
            cols.push(col(format!("c{m}"), "CAST(0 AS BIGINT)"));
        }
        for &q in &sim.round_robin {
            cols.push(col(format!("r{q}"), "CAST(0 AS BIGINT)"));
        }
        for &q in &sim.sticky {
            cols.push(col(format!("st{q}"), format!("CAST('' AS {text})")));
        }
        cols
    }

    /// Postgres: a recursive query, one row per step.
    fn recursive(&self, chain: &mut Chain, sim: &Sim, t: &Steps) {
        let (rel, name, fin, results) = (t.rel, t.steps, t.fin, t.results);
        let start = self.state_start(sim);
        let mut anchor = vec![
            "CAST(0 AS BIGINT) AS k".to_string(),
            "FALSE AS done".to_string(),
            "CAST(NULL AS BIGINT) AS rs".to_string(),
            "CAST(NULL AS BIGINT) AS o".to_string(),
        ];
        anchor.extend(start.iter().map(|(n, e)| format!("{e} AS {n}")));
        let o = "route__x.o";
        let (counts, rest) = self.step_columns(sim, "route__s", "route__r", o);
        let mut step = vec![
            "route__r.k".to_string(),
            format!(
                "({}) AS done",
                self.done_sql(sim, |m| format!("route__y.c{m}"), "route__r")
            ),
            "route__r.rs".to_string(),
            format!("{o} AS o"),
        ];
        step.extend(counts.iter().map(|(n, _)| format!("route__y.{n}")));
        step.extend(rest.iter().map(|(n, e)| format!("{e} AS {n}")));
        let count_cols: Vec<String> = counts.iter().map(|(n, e)| format!("{e} AS {n}")).collect();
        let body = format!(
            "SELECT {}\n  UNION ALL\n  SELECT {}\n  FROM {name} AS route__s\n  JOIN {rel} AS route__r ON route__r.k = route__s.k + 1\n  \
             CROSS JOIN LATERAL (SELECT {} AS o) AS route__x\n  \
             CROSS JOIN LATERAL (SELECT {}) AS route__y\n  WHERE NOT route__s.done",
            anchor.join(", "),
            step.join(",\n    "),
            self.outcome_sql(sim, "route__s", "route__r"),
            count_cols.join(", ")
        );
        chain.side(name, body);
        chain.side(
            fin,
            format!("SELECT * FROM {name} WHERE k = (SELECT max(k) FROM {name})"),
        );
        chain.side(results, format!("SELECT rs, o FROM {name} WHERE k > 0"));
    }

    /// The caps a component's members can reach: (member, cap) pairs of
    /// available capped members, each counted once.
    fn thresholds(&self, sim: &Sim) -> Vec<(usize, u32)> {
        let mut out = BTreeSet::new();
        for &q in &sim.queues {
            let plan = &self.plans[q];
            for i in plan.live() {
                if let (Some(cap), Some(m)) = (plan.cap[i], sim.member_id(&plan.members[i])) {
                    out.insert((m, cap));
                }
            }
        }
        out.into_iter().collect()
    }

    /// The caps the simulation runs until: those of queues that can run
    /// out or that go on as a round robin afterwards ([`Post`]). A load
    /// balance with an uncapped member never runs out, and the simulation
    /// runs past its last lead anyway ([`Distributor::balanced_after_stop`]),
    /// so its own caps need not be reached first.
    fn stop_thresholds(&self, sim: &Sim) -> Vec<(usize, u32)> {
        let mut out = BTreeSet::new();
        for &q in &sim.queues {
            let plan = &self.plans[q];
            if !(plan.saturable() || plan.method == Method::RoundRobin) {
                continue;
            }
            for i in plan.live() {
                if let (Some(cap), Some(m)) = (plan.cap[i], sim.member_id(&plan.members[i])) {
                    out.insert((m, cap));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Whether a component is shared out in epochs: round robins only,
    /// and not too many caps to reach.
    fn epochs_apply(&self, sim: &Sim) -> bool {
        sim.queues
            .iter()
            .all(|&q| self.plans[q].method == Method::RoundRobin)
            && self.thresholds(sim).len() <= MAX_EPOCHS
    }

    /// Queue q's member at `pos` is available in the epoch whose state
    /// columns (`c{m}`) are in scope: not away, below its cap.
    fn avail_in_epoch(&self, sim: &Sim, q: usize, pos: usize) -> String {
        self.can_take(sim, q, pos, "route__st")
    }

    /// Where a lead that comes to queue q goes in an epoch: the queue that
    /// shares it out (NULL when it leaves the component or stays unowned)
    /// and, then, its outcome code (`Distributor::within` without stickies,
    /// which cannot change where a lead goes: a sticky owner is a member).
    fn epoch_dest(&self, sim: &Sim, q: usize, depth: usize) -> (String, String) {
        let plan = &self.plans[q];
        let any: Vec<String> = plan
            .live()
            .into_iter()
            .map(|i| self.avail_in_epoch(sim, q, i))
            .collect();
        let any = if any.is_empty() {
            "FALSE".to_string()
        } else {
            format!("({})", any.join(" OR "))
        };
        let (next_q, next_x) = match plan.overflow {
            Some(next) if depth < self.nq() => match self.resolve(next, depth + 1) {
                Resolved::Live(r2) if sim.queues.contains(&r2) => {
                    self.epoch_dest(sim, r2, depth + 1)
                }
                other => (
                    "CAST(NULL AS BIGINT)".to_string(),
                    self.code(sim, other.queue(), "-1", false),
                ),
            },
            _ => (
                "CAST(NULL AS BIGINT)".to_string(),
                self.code(sim, q, "-1", false),
            ),
        };
        (
            format!("(CASE WHEN {any} THEN {q} ELSE {next_q} END)"),
            format!("(CASE WHEN {any} THEN NULL ELSE {next_x} END)"),
        )
    }

    /// A component of round robins, in epochs: while no member reaches a
    /// cap, who can take leads stays the same, and every queue is a plain
    /// rotation among its available members (a sticky value's first lead
    /// rotates, later ones follow it; a value stored earlier follows its
    /// owner if available, else rotates). Each epoch computes that for
    /// every lead not yet settled, set-based, finds the first lead after
    /// which some member is at a cap it was below, and settles the leads
    /// up to it. Every epoch but the last reaches a new cap, so one more
    /// epoch than there are caps settles every lead. State between epochs
    /// (one row): `l` (leads settled, by `k`), counts `c{m}`, rotations
    /// `r{q}`; sticky maps are read from the settled leads themselves.
    fn epochs(&self, chain: &mut Chain, sim: &Sim, rel: &str, fin: &str, results: &str) {
        let d = self.d;
        let p = sim.p;
        let p2 = 2 * p;
        let c = sim.id;
        let thresholds = self.thresholds(sim);
        let rows = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";
        let mut base = vec![
            "rs".to_string(),
            "k".to_string(),
            "q".to_string(),
            "b".to_string(),
        ];
        for &q in &sim.sticky {
            base.push(format!("sv{q}"));
        }
        let start = format!("route__ep{c}_t0");
        chain.side(
            &start,
            format!(
                "SELECT {}, CAST(NULL AS BIGINT) AS o FROM {rel}",
                base.join(", ")
            ),
        );
        let mut state_cols = vec!["CAST(0 AS BIGINT) AS l".to_string()];
        for m in 0..sim.members.len() {
            state_cols.push(format!("CAST(0 AS BIGINT) AS c{m}"));
        }
        for &q in &sim.round_robin {
            state_cols.push(format!("CAST(0 AS BIGINT) AS r{q}"));
        }
        let mut state = format!("route__ep{c}_s0");
        chain.side(&state, format!("SELECT {}", state_cols.join(", ")));
        let mut leads = start;
        // The member (component id) an outcome code gives an owner to.
        let mut member_cases = Vec::new();
        for &q in &sim.queues {
            let plan = &self.plans[q];
            for i in plan.live() {
                if let Some(m) = sim.member_id(&plan.members[i]) {
                    member_cases.push(format!("WHEN {} THEN {m}", q * p + i + 1));
                }
            }
        }
        for e in 0..=thresholds.len() {
            let name = |part: &str| format!("route__ep{c}_{e}{part}");
            // Per epoch: availability, where each queue's leads go, the
            // rotation's start and the rank of each available member.
            let mut dcols = vec!["route__st.*".to_string()];
            for &q in &sim.queues {
                let plan = &self.plans[q];
                let n = plan.members.len();
                let (dq, dx) = self.epoch_dest(sim, q, 0);
                dcols.push(format!("{dq} AS dq{q}"));
                dcols.push(format!("{dx} AS dx{q}"));
                let a: Vec<String> = (0..n)
                    .map(|i| {
                        if plan.avail[i] {
                            format!(
                                "(CASE WHEN {} THEN 1 ELSE 0 END)",
                                self.avail_in_epoch(sim, q, i)
                            )
                        } else {
                            "0".to_string()
                        }
                    })
                    .collect();
                for i in 0..n {
                    dcols.push(format!("{} AS a{q}_{i}", a[i]));
                    let below = if i == 0 {
                        "0".to_string()
                    } else {
                        a[..i].join(" + ")
                    };
                    dcols.push(format!("({below}) AS rk{q}_{i}"));
                }
                dcols.push(format!("({}) AS ns{q}", a.join(" + ")));
                let before: Vec<String> = (0..n)
                    .map(|i| format!("(CASE WHEN route__st.r{q} > {i} THEN {} ELSE 0 END)", a[i]))
                    .collect();
                dcols.push(format!("({}) AS i0{q}", before.join(" + ")));
            }
            let dname = name("d");
            chain.side(
                &dname,
                format!("SELECT {} FROM {state} AS route__st", dcols.join(",\n    ")),
            );
            // 1: not settled yet, the queue that shares it out, the stored
            // sticky owners.
            let mut s1 = vec![
                "route__l.*".to_string(),
                "route__d.l AS l".to_string(),
                "(route__l.k > route__d.l) AS u".to_string(),
            ];
            for m in 0..sim.members.len() {
                s1.push(format!("route__d.c{m} AS c{m}"));
            }
            for &q in &sim.round_robin {
                s1.push(format!("route__d.r{q} AS r{q}"));
                s1.push(format!("route__d.ns{q} AS ns{q}"));
                s1.push(format!("route__d.i0{q} AS i0{q}"));
                for i in 0..self.plans[q].members.len() {
                    s1.push(format!("route__d.a{q}_{i} AS a{q}_{i}"));
                    s1.push(format!("route__d.rk{q}_{i} AS rk{q}_{i}"));
                }
            }
            let dqs: Vec<String> = sim
                .queues
                .iter()
                .map(|q| format!("WHEN {q} THEN route__d.dq{q}"))
                .collect();
            let dxs: Vec<String> = sim
                .queues
                .iter()
                .map(|q| format!("WHEN {q} THEN route__d.dx{q}"))
                .collect();
            s1.push(format!("CASE route__l.q {} END AS fin", dqs.join(" ")));
            s1.push(format!("CASE route__l.q {} END AS x", dxs.join(" ")));
            for &q in &sim.sticky {
                let oq = d.div("route__l.o", &p2.to_string());
                let opos = format!("({} % {p} - 1)", d.div("route__l.o", "2"));
                s1.push(format!(
                    "(min(CASE WHEN route__l.o IS NOT NULL AND route__l.o % 2 = 1 AND {oq} = {q} \
                     THEN route__l.k * {p} + {opos} END) OVER (PARTITION BY route__l.sv{q})) % {p} AS sp{q}"
                ));
            }
            let e1 = name("a");
            chain.side(
                &e1,
                format!(
                    "SELECT {}\n  FROM {leads} AS route__l CROSS JOIN {dname} AS route__d",
                    s1.join(",\n    ")
                ),
            );
            // 2: sticky hits, and values met for the first time.
            let mut s2 = vec!["route__l.*".to_string()];
            for &q in &sim.sticky {
                let n = self.plans[q].members.len();
                let ok: Vec<String> = (0..n)
                    .map(|i| format!("WHEN {i} THEN route__l.a{q}_{i} = 1"))
                    .collect();
                s2.push(format!(
                    "(route__l.u AND route__l.fin = {q} AND route__l.sv{q} IS NOT NULL AND coalesce(CASE route__l.sp{q} {} END, FALSE)) AS hit{q}",
                    ok.join(" ")
                ));
                let new = format!("(route__l.u AND route__l.fin = {q} AND route__l.sv{q} IS NOT NULL AND route__l.sp{q} IS NULL)");
                s2.push(format!("{new} AS new{q}"));
                s2.push(format!(
                    "CASE WHEN {new} THEN row_number() OVER (PARTITION BY {new}, route__l.sv{q} ORDER BY route__l.k) END AS nf{q}"
                ));
            }
            let e2 = name("b");
            chain.side(
                &e2,
                format!("SELECT {}\n  FROM {e1} AS route__l", s2.join(",\n    ")),
            );
            // 3: who rotates, and their index in the rotation.
            let mut s3 = vec!["route__l.*".to_string()];
            for &q in &sim.round_robin {
                let rot = if self.plans[q].sticky.is_some() {
                    format!("(route__l.u AND route__l.fin = {q} AND NOT route__l.hit{q} AND (NOT route__l.new{q} OR route__l.nf{q} = 1))")
                } else {
                    format!("(route__l.u AND route__l.fin = {q})")
                };
                s3.push(format!("{rot} AS rot{q}"));
                s3.push(format!(
                    "sum(CASE WHEN {rot} THEN 1 ELSE 0 END) OVER (ORDER BY route__l.k {rows}) - 1 AS j{q}"
                ));
            }
            let e3 = name("c");
            chain.side(
                &e3,
                format!("SELECT {}\n  FROM {e2} AS route__l", s3.join(",\n    ")),
            );
            // 4: the member each rotating lead gets.
            let mut s4 = vec!["route__l.*".to_string()];
            for &q in &sim.round_robin {
                let n = self.plans[q].members.len();
                let t = format!("((route__l.i0{q} + route__l.j{q}) % nullif(route__l.ns{q}, 0))");
                let at: Vec<String> = (0..n)
                    .map(|i| {
                        format!("WHEN route__l.a{q}_{i} = 1 AND route__l.rk{q}_{i} = {t} THEN {i}")
                    })
                    .collect();
                s4.push(format!(
                    "CASE WHEN route__l.rot{q} THEN (CASE {} END) END AS pk{q}",
                    at.join(" ")
                ));
            }
            let e4 = name("e");
            chain.side(
                &e4,
                format!("SELECT {}\n  FROM {e3} AS route__l", s4.join(",\n    ")),
            );
            // 5: the outcome, as the simulation codes it.
            let mut s5 = vec!["route__l.*".to_string()];
            let mut outcome = vec![
                "WHEN NOT route__l.u THEN route__l.o".to_string(),
                "WHEN route__l.q IS NULL THEN CAST(NULL AS BIGINT)".to_string(),
                "WHEN route__l.fin IS NULL THEN route__l.x".to_string(),
            ];
            for &q in &sim.round_robin {
                outcome.push(format!(
                    "WHEN route__l.rot{q} THEN {}",
                    self.code(sim, q, &format!("route__l.pk{q}"), true)
                ));
            }
            for &q in &sim.sticky {
                s5.push(format!(
                    "CASE WHEN route__l.new{q} THEN first_value(route__l.pk{q}) OVER (PARTITION BY route__l.new{q}, route__l.sv{q} ORDER BY route__l.k {rows}) END AS fo{q}"
                ));
                outcome.push(format!(
                    "WHEN route__l.hit{q} THEN {}",
                    self.code(sim, q, &format!("route__l.sp{q}"), false)
                ));
            }
            let e5 = name("f");
            chain.side(
                &e5,
                format!("SELECT {}\n  FROM {e4} AS route__l", s5.join(",\n    ")),
            );
            for &q in &sim.sticky {
                outcome.push(format!(
                    "WHEN route__l.new{q} THEN {}",
                    self.code(sim, q, &format!("route__l.fo{q}"), false)
                ));
            }
            // 6: the outcome, its owner, and every member's count after it.
            let t = format!("CAST(CASE {} END AS BIGINT)", outcome.join(" "));
            let e6 = name("g");
            let mt = if member_cases.is_empty() {
                "CAST(NULL AS BIGINT)".to_string()
            } else {
                format!(
                    "CASE {} {} END",
                    d.div("route__l.t", "2"),
                    member_cases.join(" ")
                )
            };
            chain.side(
                &e6,
                format!("SELECT route__l.*, {t} AS t FROM {e5} AS route__l"),
            );
            let e6m = name("m");
            chain.side(
                &e6m,
                format!("SELECT route__l.*, {mt} AS mt FROM {e6} AS route__l"),
            );
            let mut s7 = vec!["route__l.*".to_string()];
            for m in 0..sim.members.len() {
                s7.push(format!(
                    "route__l.c{m} + sum(CASE WHEN route__l.u AND (route__l.mt = {m} OR route__l.b = {m}) THEN 1 ELSE 0 END) OVER (ORDER BY route__l.k {rows}) AS rc{m}"
                ));
            }
            let e7 = name("h");
            chain.side(
                &e7,
                format!("SELECT {}\n  FROM {e6m} AS route__l", s7.join(",\n    ")),
            );
            // 7: the first lead after which a member is at a new cap.
            let ev: Vec<String> = thresholds
                .iter()
                .map(|(m, cap)| format!("(route__l.c{m} < {cap} AND route__l.rc{m} >= {cap})"))
                .collect();
            let ev = if ev.is_empty() {
                "FALSE".to_string()
            } else {
                format!("({})", ev.join(" OR "))
            };
            let e8 = name("i");
            chain.side(
                &e8,
                format!(
                    "SELECT route__l.*, coalesce(min(CASE WHEN route__l.u AND {ev} THEN route__l.k END) OVER (), max(route__l.k) OVER ()) AS ln\n  FROM {e7} AS route__l"
                ),
            );
            chain.materialize(&e8);
            // The leads, settled up to the event, and the next state.
            let next_leads = name("t");
            chain.side(
                &next_leads,
                format!(
                    "SELECT {}, CASE WHEN route__l.k <= route__l.ln THEN route__l.t END AS o FROM {e8} AS route__l",
                    base.iter().map(|b| format!("route__l.{b}")).collect::<Vec<_>>().join(", ")
                ),
            );
            let mut next = vec!["max(route__l.ln) AS l".to_string()];
            for m in 0..sim.members.len() {
                next.push(format!(
                    "max(route__l.c{m}) + sum(CASE WHEN route__l.u AND route__l.k <= route__l.ln AND (route__l.mt = {m} OR route__l.b = {m}) THEN 1 ELSE 0 END) AS c{m}"
                ));
            }
            for &q in &sim.round_robin {
                let n = self.plans[q].members.len();
                next.push(format!(
                    "coalesce((max(CASE WHEN route__l.rot{q} AND route__l.k <= route__l.ln THEN route__l.k * {p} + route__l.pk{q} END) % {p} + 1) % {n}, max(route__l.r{q})) AS r{q}"
                ));
            }
            let next_state = name("s");
            chain.side(
                &next_state,
                format!("SELECT {}\n  FROM {e8} AS route__l", next.join(",\n    ")),
            );
            leads = next_leads;
            state = next_state;
        }
        let text = d.text_type();
        let mut fin_cols = Vec::new();
        for &q in &sim.round_robin {
            fin_cols.push(format!("r{q}"));
        }
        for &q in &sim.sticky {
            fin_cols.push(format!("CAST('' AS {text}) AS st{q}"));
        }
        if fin_cols.is_empty() {
            fin_cols.push("l".to_string());
        }
        chain.side(fin, format!("SELECT {} FROM {state}", fin_cols.join(", ")));
        chain.side(
            results,
            format!("SELECT rs, o FROM {leads} WHERE q IS NOT NULL"),
        );
    }

    /// Spark: a fold (`aggregate`) over the component's leads in order.
    /// The fields of a lead in a fold, and the fold's starting state.
    fn fold_parts(&self, sim: &Sim) -> (Vec<Col>, Vec<Col>) {
        let mut lead = vec![col("k", "k"), col("rs", "rs"), col("q", "q"), col("b", "b")];
        for &q in &sim.sticky {
            lead.push(col(format!("sv{q}"), format!("sv{q}")));
        }
        for (m, _) in self.reached_by(sim) {
            lead.push(col(format!("lk{m}"), format!("lk{m}")));
        }
        if !self.balanced_after_stop(sim).is_empty() {
            lead.push(col("lu", "lu"));
        }
        let mut init = vec![col("k", "CAST(0 AS BIGINT)"), col("done", "FALSE")];
        init.extend(self.state_start(sim));
        (lead, init)
    }

    /// Spark: one `aggregate` over every lead of the component; a step
    /// binds the outcome and the counts with one-element arrays.
    fn spark_fold(&self, chain: &mut Chain, sim: &Sim, rel: &str, fin: &str, results: &str) {
        let d = self.d;
        let (lead, mut init) = self.fold_parts(sim);
        init.push(col(
            "res",
            "CAST(array() AS ARRAY<STRUCT<rs: BIGINT, o: BIGINT>>)",
        ));
        let (counts, rest) = self.step_columns(sim, "s", "r", "xo");
        let mut next = vec![
            col("k", "r.k"),
            col(
                "done",
                format!("({})", self.done_sql(sim, |m| format!("y.c{m}"), "r")),
            ),
        ];
        next.extend(counts.iter().map(|(n, _)| col(n, format!("y.{n}"))));
        next.extend(rest);
        next.push(col(
            "res",
            format!(
                "concat(s.res, array({}))",
                d.record(&[col("rs", "r.rs"), col("o", "xo")])
            ),
        ));
        let step = spark_let(
            &self.outcome_sql(sim, "s", "r"),
            "xo",
            &spark_let(&d.record(&counts), "y", &d.record(&next)),
        );
        let body = format!(
            "SELECT aggregate(\n    sort_array(collect_list({})),\n    {},\n    (s, r) -> IF(s.done, s, {step})\n  ) AS st\n  FROM {rel}",
            d.record(&lead),
            d.record(&init)
        );
        let folded = format!("{fin}_fold");
        chain.side(&folded, body);
        self.fold_final(chain, sim, &folded, "", fin);
        chain.side(
            results,
            format!(
                "SELECT e.rs AS rs, e.o AS o FROM {folded} LATERAL VIEW explode(st.res) t AS e"
            ),
        );
    }

    /// DuckDB: a recursive query folding a block of leads per step
    /// (`list_reduce`). One lead per step would join the component's
    /// leads again at every step; a block is a slice of one materialized
    /// list, so a step costs a copy of that list plus its block's leads.
    /// Each lead comes twice (`ph`): first its outcome is taken (`po`),
    /// then counts, rotations and stickies follow it — DuckDB has no
    /// `LET` in a lambda, and binding with nested lambdas costs more than
    /// a second element. A block's outcomes are appended to a string, as
    /// fixed-width numbers (outcome + 1, 0 for none), in lead order:
    /// appending to a list of structs copies far more per lead.
    fn duckdb_fold(&self, chain: &mut Chain, sim: &Sim, t: &Steps) {
        let (rel, name, fin, results) = (t.rel, t.steps, t.fin, t.results);
        let d = self.d;
        let (mut lead, mut init) = self.fold_parts(sim);
        lead.push(col("ph", "ph"));
        init.push(col("po", "CAST(NULL AS BIGINT)"));
        init.push(col("res", "CAST('' AS VARCHAR)"));
        let width = (self.nq() * 2 * sim.p + 2 * sim.p).to_string().len();
        let leads = format!("{fin}_leads");
        chain.side(
            &leads,
            format!(
                "SELECT list({} ORDER BY k, ph) AS leads, count(*) AS n\n  FROM {rel} CROSS JOIN range(2) AS route__phases(ph)",
                d.record(&lead)
            ),
        );
        chain.materialize(&leads);
        let keep = |n: &str| col(n, format!("s.{n}"));
        let outcome: Vec<Col> = init
            .iter()
            .map(|(n, _)| match n.as_str() {
                "po" => col(n, self.outcome_sql(sim, "s", "r")),
                _ => keep(n),
            })
            .collect();
        let (counts, rest) = self.step_columns(sim, "s", "r", "s.po");
        let count_of = |m: usize| format!("({})", counts[m].1);
        let mut follow = vec![
            col("k", "r.k"),
            col("done", format!("({})", self.done_sql(sim, count_of, "r"))),
        ];
        follow.extend(counts.iter().cloned());
        follow.extend(rest);
        follow.push(col("po", "CAST(NULL AS BIGINT)"));
        follow.push(col(
            "res",
            format!("s.res || lpad(CAST(coalesce(s.po + 1, 0) AS VARCHAR), {width}, '0')"),
        ));
        let carried: Vec<Col> = init
            .iter()
            .map(|(n, _)| match n.as_str() {
                "res" => col(n, "CAST('' AS VARCHAR)"),
                _ => col(n, format!("p.st.{n}")),
            })
            .collect();
        let b = 2 * FOLD_BLOCK;
        let body = format!(
            "SELECT CAST(-1 AS BIGINT) AS bi, {} AS st\n  UNION ALL\n  \
             SELECT p.bi + 1, list_reduce(list_slice(a.leads, (p.bi + 1) * {b} + 1, (p.bi + 2) * {b}),\n    \
             (s, r) -> CASE WHEN s.done THEN s WHEN r.ph = 0 THEN {}\n      ELSE {} END,\n    {})\n  \
             FROM {name} AS p CROSS JOIN {leads} AS a\n  WHERE NOT p.st.done AND (p.bi + 1) * {b} < a.n",
            d.record(&init),
            d.record(&outcome),
            d.record(&follow),
            d.record(&carried)
        );
        chain.side(name, body);
        self.fold_final(
            chain,
            sim,
            name,
            &format!(" WHERE bi = (SELECT max(bi) FROM {name})"),
            fin,
        );
        let block = FOLD_BLOCK;
        chain.side(
            results,
            format!(
                "SELECT l.rs AS rs, nullif(CAST(substr(f.res, f.i * {width} + 1, {width}) AS BIGINT), 0) - 1 AS o\n  \
                 FROM (SELECT bi, st.res AS res, unnest(range(length(st.res) // {width})) AS i FROM {name}) AS f\n  \
                 JOIN {rel} AS l ON l.k = f.bi * {block} + f.i + 1"
            ),
        );
    }

    /// A fold's final state (`fin`), from the rows of `folded` (filtered
    /// by `last` to the final one).
    fn fold_final(&self, chain: &mut Chain, sim: &Sim, folded: &str, last: &str, fin: &str) {
        let mut fields = vec!["st.k AS k".to_string(), "st.done AS done".to_string()];
        fields.extend(
            self.state_start(sim)
                .iter()
                .map(|(n, _)| format!("st.{n} AS {n}")),
        );
        chain.side(
            fin,
            format!("SELECT {} FROM {folded}{last}", fields.join(", ")),
        );
    }

    /// Joins the simulation's outcomes back to the leads; continues the
    /// component's round robins after the simulation stopped.
    #[allow(clippy::too_many_arguments)]
    fn decode(
        &self,
        chain: &mut Chain,
        sim: &Sim,
        s: &Stream,
        v: usize,
        rel: &str,
        fin: &str,
        results: &str,
    ) -> Result<Stream, Unsupported> {
        let d = self.d;
        let p2 = 2 * sim.p;
        let ids: Vec<String> = sim.queues.iter().map(usize::to_string).collect();
        let in_c = format!("({} AND {} IN ({}))", s.pend, s.fq, ids.join(", "));
        let (jr, jf, jo) = (chain.alias(), chain.alias(), chain.alias());
        let o = format!("route__o{v}");
        let stepped = format!("route__stepped{v}");
        let mut cols = vec![
            col(&o, format!("{jo}.o")),
            col(&stepped, format!("({in_c} AND {jo}.rs IS NOT NULL)")),
        ];
        for &q in &sim.round_robin {
            cols.push(col(format!("route__finr{v}_{q}"), format!("{jf}.r{q}")));
        }
        for &q in &sim.sticky {
            cols.push(col(format!("route__finst{v}_{q}"), format!("{jf}.st{q}")));
        }
        let _ = jr;
        chain.stage_with(
            cols,
            vec![
                format!("LEFT JOIN {results} AS {jo} ON {jo}.rs = route__p.route__seq"),
                format!("LEFT JOIN {fin} AS {jf} ON 1 = 1"),
            ],
        );
        let _ = rel;
        // Simulated leads: the outcome's queue and member.
        let fq_out = d.div(&o, &p2.to_string());
        let half = d.div(&o, "2");
        let mut member_cases = Vec::new();
        for &q in &sim.queues {
            for i in self.plans[q].live() {
                member_cases.push(format!(
                    "WHEN {} THEN {}",
                    q * sim.p + i + 1,
                    self.email(q, i)
                ));
            }
        }
        let member = if member_cases.is_empty() {
            "NULL".to_string()
        } else {
            format!("CASE {half} {} END", member_cases.join(" "))
        };
        let pending_outside: Vec<String> = (0..self.nq())
            .filter(|q| !sim.queues.contains(q))
            .filter(|&q| matches!(self.resolve(q, 0), Resolved::Live(_)))
            .map(|q| q.to_string())
            .collect();
        let leaves_live = if pending_outside.is_empty() {
            "FALSE".to_string()
        } else {
            format!("{fq_out} IN ({})", pending_outside.join(", "))
        };
        // Leads after the stop.
        let mut post_fq = Vec::new();
        let mut post_own = Vec::new();
        let mut post_pend = Vec::new();
        let mut cont = Vec::new();
        for &q in &sim.queues {
            match self.post(sim, q, 0) {
                Post::Leave(Resolved::Live(r)) => {
                    post_fq.push(format!("WHEN {q} THEN {r}"));
                    post_own.push(format!("WHEN {q} THEN NULL"));
                    post_pend.push(format!("WHEN {q} THEN TRUE"));
                }
                Post::Leave(other) => {
                    post_fq.push(format!("WHEN {q} THEN {}", other.queue()));
                    post_own.push(format!("WHEN {q} THEN ''"));
                    post_pend.push(format!("WHEN {q} THEN FALSE"));
                }
                Post::Unowned(r) => {
                    post_fq.push(format!("WHEN {q} THEN {r}"));
                    post_own.push(format!("WHEN {q} THEN ''"));
                    post_pend.push(format!("WHEN {q} THEN FALSE"));
                }
                Post::Continue(r) => {
                    post_fq.push(format!("WHEN {q} THEN {r}"));
                    post_own.push(format!("WHEN {q} THEN NULL"));
                    post_pend.push(format!("WHEN {q} THEN FALSE"));
                    cont.push(q.to_string());
                    if !cont.contains(&r.to_string()) {
                        cont.push(r.to_string());
                    }
                }
                Post::Sole(r, pos) => {
                    post_fq.push(format!("WHEN {q} THEN {r}"));
                    post_own.push(format!("WHEN {q} THEN {}", self.email(r, pos)));
                    post_pend.push(format!("WHEN {q} THEN FALSE"));
                }
                Post::Unknown(r) => {
                    post_fq.push(format!("WHEN {q} THEN {r}"));
                    post_own.push(format!("WHEN {q} THEN NULL"));
                    post_pend.push(format!("WHEN {q} THEN FALSE"));
                }
            }
        }
        let after = format!("({in_c} AND NOT {stepped})");
        let cont_flag = format!("route__cont{v}");
        let cont_sql = if cont.is_empty() {
            "FALSE".to_string()
        } else {
            let conts: Vec<String> = sim
                .queues
                .iter()
                .filter(|&&q| matches!(self.post(sim, q, 0), Post::Continue(_)))
                .map(usize::to_string)
                .collect();
            format!("({after} AND {} IN ({}))", s.fq, conts.join(", "))
        };
        let mid = self.names(v * 100 + 1);
        chain.stage(vec![
            col(
                &mid.fq,
                format!(
                    "CASE WHEN {stepped} THEN {fq_out} WHEN {after} THEN (CASE {} {} END) ELSE {} END",
                    s.fq,
                    post_fq.join(" "),
                    s.fq
                ),
            ),
            col(
                &mid.own,
                format!(
                    "CASE WHEN {stepped} THEN (CASE WHEN {leaves_live} THEN NULL WHEN {half} % {} = 0 THEN '' ELSE {member} END) \
                     WHEN {after} THEN (CASE {} {} END) ELSE {} END",
                    sim.p,
                    s.fq,
                    post_own.join(" "),
                    s.own
                ),
            ),
            col(
                &mid.pend,
                format!(
                    "CASE WHEN {stepped} THEN {leaves_live} WHEN {after} THEN (CASE {} {} END) ELSE {} END",
                    s.fq,
                    post_pend.join(" "),
                    s.pend
                ),
            ),
            col(&cont_flag, cont_sql),
        ]);
        // Round robins continuing among uncapped members.
        let mut cur = mid;
        let mut sub = 1;
        for &q in &sim.queues {
            if self.post(sim, q, 0) != Post::Continue(q) {
                continue;
            }
            sub += 1;
            cur = self.continue_rr(chain, sim, q, v, sub, &cont_flag, cur);
        }
        let out = self.names(v);
        chain.stage(vec![
            col(&out.fq, cur.fq.clone()),
            col(&out.own, cur.own.clone()),
            col(&out.pend, cur.pend.clone()),
        ]);
        Ok(out)
    }

    /// A round robin after the simulation: the uncapped members in order,
    /// starting at the first one at or after the rotation it stopped at;
    /// sticky values stored then still hold when their owner is uncapped.
    #[allow(clippy::too_many_arguments)]
    fn continue_rr(
        &self,
        chain: &mut Chain,
        sim: &Sim,
        q: usize,
        v: usize,
        sub: usize,
        cont: &str,
        s: Stream,
    ) -> Stream {
        let plan = &self.plans[q];
        let u: Vec<usize> = plan
            .live()
            .into_iter()
            .filter(|&i| plan.cap[i].is_none())
            .collect();
        let n = u.len();
        let here = format!("({cont} AND {} = {q})", s.fq);
        let finr = format!("route__finr{v}_{q}");
        let starts: Vec<String> = u
            .iter()
            .enumerate()
            .map(|(k, &pos)| format!("WHEN {finr} <= {pos} THEN {k}"))
            .collect();
        let sidx = format!("(CASE {} ELSE 0 END)", starts.join(" "));
        let tag = format!("{v}_{sub}");
        let out = self.names(v * 100 + sub);
        let _ = sim;
        if plan.sticky.is_none() {
            let j = format!("route__cj{tag}");
            chain.stage(vec![col(&j, self.index_among(&here))]);
            chain.stage(vec![
                col(
                    &out.own,
                    format!(
                        "CASE WHEN {here} THEN {} ELSE {} END",
                        self.owner_at(q, &format!("(({sidx} + {j}) % {n})"), &u),
                        s.own
                    ),
                ),
                col(&out.fq, s.fq.clone()),
                col(&out.pend, s.pend.clone()),
            ]);
            return out;
        }
        let sv = format!("route__sticky{q}");
        let st = format!("route__finst{v}_{q}");
        let needle = self.needle(&sv);
        let in_map = format!("({sv} IS NOT NULL AND {} > 0)", self.d.strpos(&st, &needle));
        let stored = self.stored_pos(&st, &needle);
        let stored_ok = format!(
            "coalesce({stored} IN ({}), FALSE)",
            u.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (inm, first, rot, j, pick) = (
            format!("route__cin{tag}"),
            format!("route__cfirst{tag}"),
            format!("route__crot{tag}"),
            format!("route__cj{tag}"),
            format!("route__cpick{tag}"),
        );
        chain.stage(vec![col(&inm, format!("({here} AND {in_map})"))]);
        chain.stage(vec![col(
            &first,
            format!(
                "CASE WHEN {here} AND NOT {inm} AND {sv} IS NOT NULL THEN row_number() OVER (PARTITION BY ({here} AND NOT {inm}), {sv} ORDER BY route__seq) END"
            ),
        )]);
        chain.stage(vec![col(
            &rot,
            format!(
                "({here} AND ({sv} IS NULL OR ({inm} AND NOT {stored_ok}) OR (NOT {inm} AND {first} = 1)))"
            ),
        )]);
        chain.stage(vec![col(&j, self.index_among(&rot))]);
        chain.stage(vec![col(
            &pick,
            format!(
                "CASE WHEN {rot} THEN {} END",
                self.owner_at(q, &format!("(({sidx} + {j}) % {n})"), &u)
            ),
        )]);
        let all: Vec<usize> = (0..plan.members.len()).collect();
        chain.stage(vec![
            col(
                &out.own,
                format!(
                    "CASE WHEN {rot} THEN {pick} WHEN {inm} THEN {} \
                     WHEN {here} THEN first_value({pick}) OVER (PARTITION BY ({here} AND NOT {inm}), {sv} ORDER BY route__seq) \
                     ELSE {} END",
                    self.owner_at(q, &stored, &all),
                    s.own
                ),
            ),
            col(&out.fq, s.fq.clone()),
            col(&out.pend, s.pend.clone()),
        ]);
        out
    }
}

/// Spark: `body` with `var` bound to `value` inside a lambda, which has
/// no `LET`: a one-element array mapped through a lambda.
fn spark_let(value: &str, var: &str, body: &str) -> String {
    format!("element_at(transform(array({value}), {var} -> {body}), 1)")
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn lcm(a: u64, b: u64) -> u64 {
    a / gcd(a, b) * b
}

/// A queue's plan on `day` (`distribute::member` for each member).
fn plan(p: &Program, q: &crate::ir::Queue, day: &str) -> QPlan {
    let mut out = QPlan {
        method: q.method,
        members: q.members.clone(),
        avail: Vec::new(),
        cap: Vec::new(),
        weight: Vec::new(),
        sticky: q.sticky.clone(),
        overflow: q.overflow,
    };
    for email in &q.members {
        let rep = p.reps.iter().find(|r| r.email.eq_ignore_ascii_case(email));
        let cap = rep.and_then(|r| r.daily_cap).or(q.cap);
        let away = rep
            .and_then(|r| r.away.as_ref())
            .is_some_and(|(from, to)| from.as_str() <= day && day <= to.as_str());
        out.avail.push(!away && cap != Some(0));
        out.cap.push(cap);
        out.weight.push(rep.map_or(1, |r| r.weight.max(1)));
    }
    out
}

/// Every owner a table row names for a rule or the default.
fn owner_rows(p: &Program) -> BTreeSet<String> {
    let dests = p.rules.iter().map(|r| &r.dest).chain(p.default.as_ref());
    let mut out = BTreeSet::new();
    for d in dests {
        if let Dest::Lookup(l) = d {
            for row in &p.tables[l.table].rows {
                if let Some(Target::Owner { owner, .. }) = row
                    .cells
                    .get(l.column)
                    .and_then(|c| cell_target(p, l.table, c))
                {
                    out.insert(owner);
                }
            }
        }
    }
    out
}

/// A load-balance queue's picks from a fresh state: `prefix`, then
/// `period` over and over (empty: the queue is exhausted after the prefix).
#[derive(Clone, Debug, PartialEq)]
struct LbSchedule {
    prefix: Vec<usize>,
    period: Vec<usize>,
}

/// `Distributor::load_balance` replayed from zero counts, members taking
/// leads from this queue only. Member i's k-th lead has the key k / w_i,
/// and the picks are the keys in order, ties to the earlier member (a
/// merge of each member's increasing keys); capped members have cap_i of
/// them. From the first whole number t0 past every capped key on, only
/// uncapped members have keys, and those of [t, t + 1) come in the same
/// order for every t: w_i each. So the prefix is every pick with a key
/// below t0, the period the next sum-of-uncapped-weights picks (checked
/// against the one after it).
fn lb_schedule(plan: &QPlan) -> Option<LbSchedule> {
    let live = plan.live();
    if live.is_empty() {
        return None;
    }
    let w = |i: usize| u64::from(plan.weight[i].max(1));
    let t0 = live
        .iter()
        .filter_map(|&i| plan.cap[i].map(|c| u64::from(c).div_ceil(w(i))))
        .max()
        .unwrap_or(0);
    let uncapped: Vec<usize> = live
        .iter()
        .copied()
        .filter(|&i| plan.cap[i].is_none())
        .collect();
    let prefix_len: u64 = live
        .iter()
        .map(|&i| plan.cap[i].map_or(t0 * w(i), u64::from))
        .sum();
    let period_len: u64 = uncapped.iter().map(|&i| w(i)).sum();
    if prefix_len + 2 * period_len > MAX_SCHEDULE {
        return None;
    }
    let mut counts = vec![0u64; plan.members.len()];
    let mut pick = || -> Option<usize> {
        let mut best: Option<usize> = None;
        for &i in &live {
            if plan.cap[i].is_some_and(|c| counts[i] >= u64::from(c)) {
                continue;
            }
            let better = best.is_none_or(|b| counts[i] * w(b) < counts[b] * w(i));
            if better {
                best = Some(i);
            }
        }
        let b = best?;
        counts[b] += 1;
        Some(b)
    };
    let mut run = |n: u64| -> Option<Vec<usize>> { (0..n).map(|_| pick()).collect() };
    let prefix = run(prefix_len)?;
    let period = run(period_len)?;
    if run(period_len)? != period {
        return None;
    }
    if period.is_empty() && run(1).is_some() {
        return None;
    }
    Some(LbSchedule { prefix, period })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lb(weights: &[u32]) -> QPlan {
        QPlan {
            method: Method::LoadBalance,
            members: (0..weights.len()).map(|i| format!("m{i}@x")).collect(),
            avail: vec![true; weights.len()],
            cap: vec![None; weights.len()],
            weight: weights.to_vec(),
            sticky: None,
            overflow: None,
        }
    }

    /// After one period every member has exactly its weight in leads, so
    /// the schedule repeats.
    #[test]
    fn load_balance_schedules_repeat() {
        for weights in [vec![1, 1], vec![2, 1], vec![1, 3, 2], vec![5, 1, 1, 2]] {
            let s = lb_schedule(&lb(&weights)).expect("a schedule");
            assert!(s.prefix.is_empty());
            for (i, w) in weights.iter().enumerate() {
                assert_eq!(s.period.iter().filter(|&&m| m == i).count(), *w as usize);
            }
        }
        let s = lb_schedule(&lb(&[2, 1])).expect("a schedule");
        assert_eq!(s.period, vec![0, 1, 0]);
    }

    /// Capped members: the prefix takes them to their caps (the keys
    /// k / weight in order, ties to the earlier member), then the
    /// uncapped members' period; with every member capped the queue runs out.
    #[test]
    fn load_balance_schedules_with_caps() {
        let mut plan = lb(&[2, 1, 1]);
        plan.cap = vec![Some(3), Some(1), None];
        let s = lb_schedule(&plan).expect("a schedule");
        // keys: m0 0, 1/2, 1; m1 0; m2 0, 1, 2 …; t0 = 2.
        assert_eq!(s.prefix, vec![0, 1, 2, 0, 0, 2]);
        assert_eq!(s.period, vec![2]);
        plan.cap[2] = Some(2);
        let s = lb_schedule(&plan).expect("a schedule");
        assert_eq!(s.prefix, vec![0, 1, 2, 0, 0, 2]);
        assert!(s.period.is_empty());
    }
}
