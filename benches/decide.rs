//! `cargo bench --bench decide`: the cost of deciding one lead once its
//! values are normalized, against hand-written Rust for the same rules, and
//! how that cost grows with the number of ZIP ranges (as a range table, as
//! separate rules, and, as baselines, a hand-written binary search and a
//! ZIP-indexed array). Every contestant is first checked to decide every
//! lead as expected. Results are in BENCHMARKS.md ("Decision time and
//! scaling").
//!
//! Environment:
//! - `ROUTE_BENCH_LEADS` (default 200,000): leads in both parts.
//! - `ROUTE_BENCH_SCALING` (default `10,100,1000,10000,40000`): the numbers
//!   of ZIP ranges for the scaling part.
//! - `ROUTE_BENCH_SCALING_RULES_MAX` (default 10,000): the largest size at
//!   which the "separate rules" variant is built (its compile time and
//!   memory grow with the square of the rule count).
//! - `ROUTE_BENCH_SVG`: where to write the scaling chart. Without it, the
//!   chart goes to `docs/bench-scaling.svg` only when the sizes are the
//!   defaults, so a tiny smoke run never overwrites it.
//!
//! Everything outside the decision itself (generating, reading and
//! normalizing the leads, loading and compiling the rules, building the
//! hand-written tables) happens before the timing. Rounds are interleaved
//! (every contestant once, then again, ...), so a slow spell on the shared
//! machine hits every contestant alike; each keeps its best round.

use route::compile::Dag;
use route::eval::{Decoder, Lead};
use route::ir::{Decision, FieldId, Program, Scalar, Target};
use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SEED: u64 = 42;
/// Measured rounds, after one warm-up round.
const ROUNDS: usize = 7;
const DEFAULT_SCALING: &[usize] = &[10, 100, 1_000, 10_000, 40_000];
/// Queues the scaling rule files share their ranges out to.
const SCALING_QUEUES: usize = 40;
/// The ZIP space the scaling ranges tile.
const ZIP_SPACE: usize = 100_000;

fn main() {
    // `cargo bench` passes `--bench`, `cargo test --benches` passes nothing;
    // arguments are ignored.
    let leads = env_u64("ROUTE_BENCH_LEADS", 200_000) as usize;
    let scaling_env = std::env::var("ROUTE_BENCH_SCALING").ok();
    let sizes: Vec<usize> = match &scaling_env {
        Some(v) => v
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("ROUTE_BENCH_SCALING={v}: {s:?} is not a size"))
            })
            .collect(),
        None => DEFAULT_SCALING.to_vec(),
    };
    let rules_max = env_u64("ROUTE_BENCH_SCALING_RULES_MAX", 10_000) as usize;
    let svg = match std::env::var_os("ROUTE_BENCH_SVG") {
        Some(p) => Some(PathBuf::from(p)),
        None if scaling_env.is_none() => Some(manifest_dir().join("docs/bench-scaling.svg")),
        None => None,
    };
    if cfg!(debug_assertions) {
        println!("(debug build: the figures below say nothing about speed)\n");
    }

    decision(leads);
    scaling(&sizes, leads, rules_max, svg.as_deref());
}

// ---------------------------------------------------------------------------
// Part 1: rules/acme.route, DAG against hand-written Rust

fn decision(n: usize) {
    let rules = manifest_dir().join("rules/acme.route");
    let (program, dag) = load_rules(&rules);

    let mut csv = Vec::new();
    route::generate::write_leads(&mut csv, n as u64, SEED).expect("generate leads");
    let (leads, skipped) = read_leads(&program, &csv);
    drop(csv);

    let mut outcomes = Outcomes::default();
    let leaf_outcome: Vec<u32> = dag
        .leaves
        .iter()
        .map(|d| outcomes.id(&describe(&program, d)))
        .collect();
    let acme = Acme::new(&program, &manifest_dir().join("rules/data"), &mut outcomes);

    // The baseline is only a baseline if it decides the same: every lead.
    let mut per_outcome = vec![0usize; outcomes.names.len()];
    for (i, lead) in leads.iter().enumerate() {
        let by_dag = leaf_outcome[dag.decide_leaf(&program, lead)];
        let by_hand = acme.decide(lead);
        assert_eq!(
            by_hand,
            acme.decide_one_map(lead),
            "lead {i}: the two hand-written functions disagree"
        );
        assert_eq!(
            by_dag, by_hand,
            "lead {i} ({:?}): the DAG says {:?}, the hand-written function {:?}",
            lead.values, outcomes.names[by_dag as usize], outcomes.names[by_hand as usize]
        );
        per_outcome[by_dag as usize] += 1;
    }
    println!(
        "decision: rules/acme.route, {} leads (seed {SEED}; {skipped} unreadable rows skipped), \
         values normalized before timing",
        leads.len()
    );
    println!("DAG and hand-written agree on every lead:");
    for (name, count) in outcomes.names.iter().zip(&per_outcome) {
        if *count > 0 {
            println!("  {count:>8}  {name}");
        }
    }

    let mut contestants: Vec<Contestant> = vec![
        Contestant::new("hand-written Rust", || {
            let mut sum = 0u64;
            for lead in &leads {
                sum += u64::from(acme.decide(black_box(lead)));
            }
            sum
        }),
        Contestant::new("hand-written, 1 map", || {
            let mut sum = 0u64;
            for lead in &leads {
                sum += u64::from(acme.decide_one_map(black_box(lead)));
            }
            sum
        }),
        // The floor: only loading each lead's values, which are spread over
        // the heap, as a walk must.
        Contestant::new("read the values only", || {
            let mut sum = 0u64;
            for lead in &leads {
                let lead = black_box(lead);
                for v in &lead.values {
                    sum += match v {
                        Scalar::Text(t) => t.as_bytes().last().copied().unwrap_or(0) as u64,
                        Scalar::Num(n) => *n as u64,
                        _ => 1,
                    };
                }
            }
            sum
        }),
        Contestant::new("DAG decide_leaf", || {
            let mut sum = 0u64;
            for lead in &leads {
                sum += dag.decide_leaf(&program, black_box(lead)) as u64;
            }
            sum
        }),
    ];
    run_rounds(&mut contestants);

    println!(
        "\n1 warm-up + best of {ROUNDS} interleaved rounds over {} leads:",
        leads.len()
    );
    let per_lead = |c: &Contestant| c.best.as_secs_f64() * 1e9 / leads.len().max(1) as f64;
    for c in &contestants {
        println!("  {:<20} {:>8.1} ns/lead", c.name, per_lead(c));
    }
    let (hand, one_map, walk) = (
        per_lead(&contestants[0]),
        per_lead(&contestants[1]),
        per_lead(&contestants[3]),
    );
    println!(
        "DAG / hand-written: {:.2}x; DAG / hand-written, 1 map: {:.2}x (target <= 1.5x)",
        walk / hand,
        walk / one_map
    );
    println!("DAG: {walk:.1} ns/lead (target < 50 ns)");
    let floor = per_lead(&contestants[2]);
    println!("of which reading the values: {floor:.1} ns/lead (the leads' values are on the heap)");
}

/// Each distinct destination, by its name, numbered.
#[derive(Default)]
struct Outcomes {
    names: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl Outcomes {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// A decision as text: rule, queue and owner. The hand-written function's
/// outcomes are named the same way from its own data.
fn describe(program: &Program, decision: &Decision) -> String {
    match decision {
        Decision::Routed { rule, target } => {
            let rule = rule.map_or("default", |r| program.rules[r].name.as_str());
            let owner = match target {
                Target::Owner { owner, .. } => owner.as_str(),
                Target::Queue(_) => "",
            };
            outcome_name(rule, program.queue_name(target), owner)
        }
        Decision::Unmatched => "unmatched".into(),
    }
}

fn outcome_name(rule: &str, queue: &str, owner: &str) -> String {
    if owner.is_empty() {
        format!("{rule} -> {queue}")
    } else {
        format!("{rule} -> {queue} / {owner}")
    }
}

/// rules/acme.route written by hand: the same values in, the same outcome
/// out, with plain hash sets, a hash map and a sorted range list read from
/// rules/data/.
struct Acme {
    domain: usize,
    country: usize,
    zip: usize,
    employees: usize,
    federal: FxHashSet<String>,
    /// Named accounts: the outcome of a row, `None` when its owner is empty
    /// (the rule does not match and the next one is tried).
    accounts: FxHashMap<String, Option<u32>>,
    /// Both domain tables in one map, for the one-walk variant.
    domains: FxHashMap<String, DomainEntry>,
    /// California territories: (from, to, outcome), sorted, not overlapping.
    territories: Vec<(i64, i64, u32)>,
    federal_out: u32,
    public_out: u32,
    enterprise_out: u32,
    smb_out: u32,
    default_out: u32,
}

impl Acme {
    fn new(program: &Program, data: &Path, outcomes: &mut Outcomes) -> Self {
        let base = |name: &str| {
            (0..program.bases.len())
                .find(|&b| program.base_name(b) == name)
                .unwrap_or_else(|| panic!("rules/acme.route reads no {name}"))
        };
        let federal: FxHashSet<String> = std::fs::read_to_string(data.join("federal_domains.txt"))
            .expect("read federal_domains.txt")
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(domain_key)
            .collect();

        let mut accounts = FxHashMap::default();
        for row in csv_rows(&data.join("accounts.csv")) {
            let owner = row[1].trim();
            let outcome = if owner.is_empty() {
                None
            } else if owner.contains('@') {
                Some(outcomes.id(&outcome_name("Named accounts", "accounts", owner)))
            } else {
                Some(outcomes.id(&outcome_name("Named accounts", owner, "")))
            };
            accounts.insert(domain_key(&row[0]), outcome);
        }

        let mut territories: Vec<(i64, i64, u32)> = csv_rows(&data.join("ca_territories.csv"))
            .iter()
            .map(|row| {
                let zip = |s: &str| s.trim().parse::<i64>().expect("a ZIP");
                let queue = row[2].trim();
                let outcome = outcomes.id(&outcome_name("California territories", queue, ""));
                (zip(&row[0]), zip(&row[1]), outcome)
            })
            .collect();
        territories.sort_unstable();

        let mut domains: FxHashMap<String, DomainEntry> = FxHashMap::default();
        for d in &federal {
            domains.entry(d.clone()).or_default().federal = true;
        }
        for (d, outcome) in &accounts {
            domains.entry(d.clone()).or_default().account = Some(*outcome);
        }

        Acme {
            domain: base("email.domain"),
            country: base("country"),
            zip: base("zip"),
            employees: base("employees"),
            federal,
            accounts,
            domains,
            territories,
            federal_out: outcomes.id(&outcome_name("Federal contractors", "public_sector", "")),
            public_out: outcomes.id(&outcome_name("Public sector", "public_sector", "")),
            enterprise_out: outcomes.id(&outcome_name("US enterprise", "enterprise", "")),
            smb_out: outcomes.id(&outcome_name("US small business", "smb_pool", "")),
            default_out: outcomes.id(&outcome_name("default", "unassigned", "")),
        }
    }

    /// The rules in their order, each table looked up on its own. Not
    /// inlined: the DAG walk is a call into the library too.
    #[inline(never)]
    fn decide(&self, lead: &Lead) -> u32 {
        if let Scalar::Text(domain) = &lead.values[self.domain] {
            // "Federal contractors": the domain or a parent is listed.
            if parents(domain).any(|d| self.federal.contains(d)) {
                return self.federal_out;
            }
            // "Public sector"
            if is_public(domain) {
                return self.public_out;
            }
            // "Named accounts": the nearest listed parent's row decides.
            if let Some(Some(outcome)) = parents(domain).find_map(|d| self.accounts.get(d)) {
                return *outcome;
            }
        }
        self.us_rules(lead)
    }

    /// The same decision with one walk up the domain's parents in one map
    /// that holds both tables: what the DAG's domain node does.
    #[inline(never)]
    fn decide_one_map(&self, lead: &Lead) -> u32 {
        if let Scalar::Text(domain) = &lead.values[self.domain] {
            let mut account = None;
            for d in parents(domain) {
                if let Some(entry) = self.domains.get(d) {
                    if entry.federal {
                        return self.federal_out;
                    }
                    if account.is_none() {
                        account = entry.account;
                    }
                }
            }
            if is_public(domain) {
                return self.public_out;
            }
            if let Some(Some(outcome)) = account {
                return outcome;
            }
        }
        self.us_rules(lead)
    }

    /// "California territories", "US enterprise", "US small business", default.
    #[inline(always)]
    fn us_rules(&self, lead: &Lead) -> u32 {
        let v = &lead.values;
        if v[self.country] != Scalar::Code(*b"US") {
            return self.default_out;
        }
        if let Scalar::Num(zip) = v[self.zip] {
            let i = self.territories.partition_point(|t| t.1 < zip);
            if let Some(&(from, _, outcome)) = self.territories.get(i) {
                if from <= zip {
                    return outcome;
                }
            }
        }
        // Size enterprise is >= 1000; smb and commercial are below it, and
        // a missing head count is small business too.
        match v[self.employees] {
            Scalar::Num(n) if n >= 1000 => self.enterprise_out,
            _ => self.smb_out,
        }
    }
}

#[derive(Clone, Copy, Default)]
struct DomainEntry {
    federal: bool,
    /// `Some(row outcome)` when the accounts table has this key.
    account: Option<Option<u32>>,
}

fn is_public(domain: &str) -> bool {
    domain.ends_with(".gov") || domain.ends_with(".mil") || domain.ends_with(".edu")
}

/// `us.ibm.com`, `ibm.com`, `com`.
fn parents(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(domain), |d| d.split_once('.').map(|(_, p)| p))
        .take_while(|d| !d.is_empty())
}

/// A domain as the rules compare it: lowercase, without a leading `www.`.
fn domain_key(raw: &str) -> String {
    let d = raw.trim().to_ascii_lowercase();
    match d.strip_prefix("www.") {
        Some(rest) => rest.to_string(),
        None => d,
    }
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads a lead file with the `csv` crate and normalizes each row's cells
/// with the program's decoder. Rows that are not UTF-8 or have the wrong
/// number of cells are skipped (`route run` rejects them) and counted.
fn read_leads(program: &Program, csv: &[u8]) -> (Vec<Lead>, usize) {
    let decoder = Decoder::new(program);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    let header: Vec<String> = reader
        .byte_headers()
        .expect("read header")
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let columns: Vec<(FieldId, usize)> = decoder
        .fields_read()
        .map(|f| (f, column_of(&program.fields[f].column, &header)))
        .collect();
    let mut leads = Vec::new();
    let mut skipped = 0;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => {
                skipped += 1;
                continue;
            }
        }
        if record.len() != header.len() {
            skipped += 1;
            continue;
        }
        let mut lead = Lead {
            values: vec![Scalar::Missing; decoder.bases_len()],
        };
        let mut readable = true;
        for &(field, column) in &columns {
            match std::str::from_utf8(&record[column]) {
                Ok(cell) => {
                    decoder.decode_field(field, cell, &mut lead);
                }
                Err(_) => readable = false,
            }
        }
        if readable {
            leads.push(lead);
        } else {
            skipped += 1;
        }
    }
    (leads, skipped)
}

/// A field's column: the exact header, else the one that differs in case
/// (as src/run/columns.rs matches them).
fn column_of(column: &str, header: &[String]) -> usize {
    header
        .iter()
        .position(|h| h == column)
        .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(column)))
        .unwrap_or_else(|| panic!("the leads have no column {column:?}"))
}

// ---------------------------------------------------------------------------
// Part 2: scaling with the number of ZIP ranges

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// One rule `when zip in territories to territories[zip].queue` over a
    /// range table of N rows.
    Table,
    /// N rules `rule "T{i}" when zip in A..B to q{i % 40}`.
    Rules,
    /// No DAG: the N ranges in a sorted `Vec`, searched with
    /// `partition_point`, in plain Rust. What a binary search costs.
    Sorted,
    /// No DAG: a `Vec` with the queue of every ZIP, 00000 to 99999,
    /// indexed by the ZIP. Constant time, whatever N.
    Array,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Table => "range table, N rows",
            Variant::Rules => "N separate rules",
            Variant::Sorted => "hand-written bin. search",
            Variant::Array => "hand-written ZIP array",
        }
    }
}

struct Case {
    variant: Variant,
    n: usize,
    decider: Decider,
    leads: Vec<Lead>,
    load: Duration,
    compile: Duration,
}

enum Decider {
    Dag(Box<(Program, Dag)>),
    Sorted(SortedRanges),
    /// The queue of each ZIP (`default` past the ranges).
    Array(Vec<u32>),
}

/// The hand-written baseline of the scaling part.
struct SortedRanges {
    base: usize,
    /// (from, to, queue index), sorted, not overlapping.
    ranges: Vec<(i64, i64, u32)>,
    default: u32,
}

impl SortedRanges {
    #[inline(never)]
    fn decide(&self, lead: &Lead) -> u32 {
        if let Scalar::Num(zip) = lead.values[self.base] {
            let i = self.ranges.partition_point(|r| r.1 < zip);
            if let Some(&(from, _, queue)) = self.ranges.get(i) {
                if from <= zip {
                    return queue;
                }
            }
        }
        self.default
    }
}

/// The ZIP array's decision; ZIPs are 0..=99999, so every one is in it.
#[inline(never)]
fn zip_array(queues: &[u32], lead: &Lead) -> u32 {
    match lead.values[0] {
        Scalar::Num(zip) => queues[zip as usize],
        _ => queues[ZIP_SPACE],
    }
}

impl Case {
    fn decide(&self, lead: &Lead) -> u64 {
        match &self.decider {
            Decider::Dag(compiled) => compiled.1.decide_leaf(&compiled.0, lead) as u64,
            Decider::Sorted(sorted) => u64::from(sorted.decide(lead)),
            Decider::Array(queues) => u64::from(zip_array(queues, lead)),
        }
    }

    /// Every lead decided: the timed loop, with the case's kind matched
    /// once, outside it.
    fn decide_all(&self) -> u64 {
        let mut sum = 0u64;
        match &self.decider {
            Decider::Dag(compiled) => {
                let (program, dag) = (&compiled.0, &compiled.1);
                for lead in &self.leads {
                    sum += dag.decide_leaf(program, black_box(lead)) as u64;
                }
            }
            Decider::Sorted(sorted) => {
                for lead in &self.leads {
                    sum += u64::from(sorted.decide(black_box(lead)));
                }
            }
            Decider::Array(queues) => {
                for lead in &self.leads {
                    sum += u64::from(zip_array(queues, black_box(lead)));
                }
            }
        }
        sum
    }
}

fn scaling(sizes: &[usize], leads: usize, rules_max: usize, svg: Option<&Path>) {
    let dir = TempDir::new();
    let zips = zip_cells(leads);
    let mut cases = Vec::new();
    let mut skipped_rules = Vec::new();
    for &n in sizes {
        assert!(
            (1..=ZIP_SPACE).contains(&n),
            "{n} ZIP ranges do not fit the {ZIP_SPACE} ZIPs"
        );
        for variant in [Variant::Table, Variant::Rules] {
            if variant == Variant::Rules && n > rules_max {
                skipped_rules.push(n);
                continue;
            }
            cases.push(build_case(variant, n, dir.path(), &zips));
        }
        cases.push(baseline_case(Variant::Sorted, n, &zips));
        cases.push(baseline_case(Variant::Array, n, &zips));
    }

    println!(
        "\nscaling: {} leads, ZIPs spread over 00000..99999 (1 in 50 missing); \
         N ranges of {ZIP_SPACE}/N ZIPs from 00000, to {SCALING_QUEUES} queues",
        zips.len()
    );
    if !skipped_rules.is_empty() {
        println!(
            "  \"{}\" not built for N = {skipped_rules:?} (above ROUTE_BENCH_SCALING_RULES_MAX={rules_max})",
            Variant::Rules.name()
        );
    }
    let mut contestants: Vec<Contestant> = cases
        .iter()
        .map(|c| Contestant::new(c.variant.name(), move || c.decide_all()))
        .collect();
    run_rounds(&mut contestants);

    println!(
        "1 warm-up + best of {ROUNDS} interleaved rounds; load = parse and check without the set analysis\n"
    );
    println!(
        "{:<24} {:>8} {:>10} {:>10} {:>8} {:>10}",
        "variant", "N", "load s", "compile s", "nodes", "ns/lead"
    );
    let mut series: Vec<(Variant, Vec<(usize, f64)>)> = Vec::new();
    for (case, c) in cases.iter().zip(&contestants) {
        let ns = c.best.as_secs_f64() * 1e9 / case.leads.len().max(1) as f64;
        let nodes = match &case.decider {
            Decider::Dag(compiled) => compiled.1.nodes.len().to_string(),
            Decider::Sorted(_) | Decider::Array(_) => "-".into(),
        };
        println!(
            "{:<24} {:>8} {:>10.3} {:>10.3} {:>8} {:>10.1}",
            case.variant.name(),
            case.n,
            case.load.as_secs_f64(),
            case.compile.as_secs_f64(),
            nodes,
            ns
        );
        match series.iter_mut().find(|(v, _)| *v == case.variant) {
            Some((_, points)) => points.push((case.n, ns)),
            None => series.push((case.variant, vec![(case.n, ns)])),
        }
    }
    println!();
    for (variant, points) in &series {
        let (Some(first), Some(last)) = (
            points.iter().min_by_key(|p| p.0),
            points.iter().max_by_key(|p| p.0),
        ) else {
            continue;
        };
        if first.0 == last.0 {
            continue;
        }
        println!(
            "{}: time({}) / time({}) = {:.2}x (target <= 2x from 10 to 40,000)",
            variant.name(),
            last.0,
            first.0,
            last.1 / first.1
        );
    }

    match svg {
        Some(path) => {
            let lines: Vec<Line> = series
                .iter()
                .map(|(v, points)| Line {
                    name: v.name().to_string(),
                    points: points.iter().map(|&(n, ns)| (n as f64, ns)).collect(),
                    baseline: matches!(v, Variant::Sorted | Variant::Array),
                })
                .collect();
            let subtitle = format!(
                "{} leads, best of {ROUNDS} interleaved rounds; ZIPs spread over 00000..99999",
                group_digits(zips.len())
            );
            let mut notes = Vec::new();
            if !skipped_rules.is_empty() {
                notes.push(format!(
                    "\"{}\" not built above N = {}: its compile time and memory grow as N\u{b2}",
                    Variant::Rules.name(),
                    group_digits(rules_max)
                ));
            }
            // The target: at most twice the smallest N's time, per line;
            // drawn for the first line.
            let reference = lines.first().and_then(|l| {
                let (n, ns) = l
                    .points
                    .iter()
                    .copied()
                    .min_by(|a, b| a.0.total_cmp(&b.0))?;
                Some((
                    2.0 * ns,
                    format!("target: 2 × {} at N = {}", l.name, group_digits(n as usize)),
                ))
            });
            let chart = chart(
                &lines,
                &subtitle,
                &notes,
                reference.as_ref().map(|(v, l)| (*v, l.as_str())),
            );
            std::fs::write(path, chart).expect("write the chart");
            println!("chart: {}", path.display());
        }
        None => println!(
            "chart: not written (sizes are not the defaults; ROUTE_BENCH_SVG=PATH writes it)"
        ),
    }
}

/// ZIP cells for the scaling leads: uniform over the ZIP space, 1 in 7 of
/// the 4-digit ones without their leading zero, 1 in 50 empty.
fn zip_cells(n: usize) -> Vec<String> {
    let mut state = SEED;
    (0..n)
        .map(|_| {
            let r = splitmix(&mut state);
            if r.is_multiple_of(50) {
                String::new()
            } else {
                let zip = (r >> 8) % ZIP_SPACE as u64;
                if r.is_multiple_of(7) && (1_000..10_000).contains(&zip) {
                    zip.to_string()
                } else {
                    format!("{zip:05}")
                }
            }
        })
        .collect()
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A DAG case: a rule file for the variant, loaded, compiled, checked
/// against the expected queue of every lead.
fn build_case(variant: Variant, n: usize, dir: &Path, zips: &[String]) -> Case {
    let table = match variant {
        Variant::Table => true,
        Variant::Rules => false,
        Variant::Sorted | Variant::Array => unreachable!("baseline_case builds the baselines"),
    };
    let width = ZIP_SPACE / n;
    let queues = n.min(SCALING_QUEUES);
    let range = |i: usize| (i * width, i * width + width - 1);
    let mut text = String::from("field zip zip \"Postal Code\"\n\n");
    for q in 0..queues {
        let _ = writeln!(text, "queue q{q}");
    }
    text.push_str("queue unassigned\n\n");
    if table {
        let csv = dir.join(format!("territories-{n}.csv"));
        let mut rows = String::from("zip_from,zip_to,queue\n");
        for i in 0..n {
            let (from, to) = range(i);
            let _ = writeln!(rows, "{from:05},{to:05},q{}", i % queues);
        }
        std::fs::write(&csv, rows).expect("write table");
        let _ = writeln!(
            text,
            "table territories \"territories-{n}.csv\" range zip_from zip_to\n\n\
                 rule \"Territories\"\n  when zip in territories\n  to territories[zip].queue\n"
        );
    } else {
        for i in 0..n {
            let (from, to) = range(i);
            let _ = writeln!(
                text,
                "rule \"T{i}\" when zip in {from:05}..{to:05} to q{}",
                i % queues
            );
        }
        text.push('\n');
    }
    text.push_str("default to unassigned\n");
    let path = dir.join(if table {
        format!("table-{n}.route")
    } else {
        format!("rules-{n}.route")
    });
    std::fs::write(&path, &text).expect("write rules");

    // Names, types and data files; the set analysis (route check's
    // unreachable / overlap search) is left out: it is benches/check.rs's
    // subject, and for 10,000 separate rules it takes seconds and a GB.
    let start = Instant::now();
    let mut sources = route::diagnostics::Sources::default();
    let (diagnostics, program) = route::resolve_source(&path, text, &mut sources);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let program = match program {
        Some(p) if errors == 0 => p,
        _ => panic!("{} has {errors} errors", path.display()),
    };
    let load = start.elapsed();
    let start = Instant::now();
    let dag = route::compile::compile(&program);
    let compile = start.elapsed();

    let decoder = Decoder::new(&program);
    let field: Vec<FieldId> = decoder.fields_read().collect();
    assert_eq!(field.len(), 1, "the scaling rules read the ZIP alone");
    let leads: Vec<Lead> = zips
        .iter()
        .map(|cell| {
            let mut lead = Lead {
                values: vec![Scalar::Missing; decoder.bases_len()],
            };
            decoder.decode_field(field[0], cell, &mut lead);
            lead
        })
        .collect();

    // Each lead's queue, worked out from its ZIP, must be the DAG's.
    for (cell, lead) in zips.iter().zip(&leads) {
        let want = match cell.parse::<usize>() {
            Ok(zip) if zip < n * width => {
                let i = zip / width;
                let rule = if table {
                    "Territories".to_string()
                } else {
                    format!("T{i}")
                };
                outcome_name(&rule, &format!("q{}", i % queues), "")
            }
            _ => outcome_name("default", "unassigned", ""),
        };
        let got = describe(&program, dag.decide(&program, lead));
        assert_eq!(got, want, "{} N={n}, ZIP {cell:?}", variant.name());
    }
    Case {
        variant,
        n,
        decider: Decider::Dag(Box::new((program, dag))),
        leads,
        load,
        compile,
    }
}

/// A hand-written baseline at N ranges: the same ranges and queues in a
/// sorted `Vec` or a ZIP-indexed array. Its leads hold the ZIP alone, read
/// with the ZIP field's normalizer.
fn baseline_case(variant: Variant, n: usize, zips: &[String]) -> Case {
    let width = ZIP_SPACE / n;
    let queues = n.min(SCALING_QUEUES);
    let default = queues as u32;
    let start = Instant::now();
    let mut ranges: Vec<(i64, i64, u32)> = (0..n)
        .map(|i| {
            let from = (i * width) as i64;
            (from, from + width as i64 - 1, (i % queues) as u32)
        })
        .collect();
    ranges.sort_unstable();
    let decider = match variant {
        Variant::Sorted => Decider::Sorted(SortedRanges {
            base: 0,
            ranges,
            default,
        }),
        Variant::Array => {
            // One slot per ZIP, and a last one for a missing ZIP.
            let mut by_zip = vec![default; ZIP_SPACE + 1];
            for (from, to, queue) in ranges {
                by_zip[from as usize..=to as usize].fill(queue);
            }
            Decider::Array(by_zip)
        }
        Variant::Table | Variant::Rules => unreachable!("build_case builds the DAG cases"),
    };
    let compile = start.elapsed();
    let leads: Vec<Lead> = zips
        .iter()
        .map(|cell| Lead {
            values: vec![route::eval::lead::normalize(
                route::ir::FieldType::Zip,
                cell,
            )],
        })
        .collect();
    let case = Case {
        variant,
        n,
        decider,
        leads,
        load: Duration::ZERO,
        compile,
    };
    for (cell, lead) in zips.iter().zip(&case.leads) {
        let want = match cell.parse::<usize>() {
            Ok(zip) if zip < n * width => (zip / width % queues) as u64,
            _ => u64::from(default),
        };
        assert_eq!(
            case.decide(lead),
            want,
            "{} N={n}, ZIP {cell:?}",
            variant.name()
        );
    }
    case
}

// ---------------------------------------------------------------------------
// The chart

struct Line {
    name: String,
    points: Vec<(f64, f64)>,
    /// A baseline: dashed, only its last value labelled.
    baseline: bool,
}

const COLORS: &[&str] = &["#1f6fb4", "#d9480f", "#2b8a3e", "#7048e8"];

/// A line chart as SVG text: log-scale x (ZIP ranges), linear y (ns/lead).
fn chart(
    lines: &[Line],
    subtitle: &str,
    notes: &[String],
    reference: Option<(f64, &str)>,
) -> String {
    let (width, height) = (760.0, 460.0);
    let (left, right, top, bottom) = (84.0, 30.0, 78.0, 64.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);

    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (mut lx0, mut lx1) = (x_min.log10().floor(), x_max.log10().ceil());
    if lx1 <= lx0 {
        lx0 -= 1.0;
        lx1 += 1.0;
    }
    let y_top = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(reference.map(|r| r.0))
        .fold(0.0, f64::max)
        * 1.15;
    let step = nice_step(y_top.max(1e-9) / 5.0);
    let y_max = (y_top / step).ceil().max(1.0) * step;
    let x = |v: f64| left + (v.log10() - lx0) / (lx1 - lx0) * plot_w;
    let y = |v: f64| top + plot_h - v / y_max * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="30" font-size="18" font-weight="bold" text-anchor="middle" fill="#222">Decision time per lead vs. number of ZIP ranges</text>"##,
        width / 2.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="52" font-size="12" text-anchor="middle" fill="#555">{}</text>"##,
        width / 2.0,
        escape(subtitle)
    );

    // Horizontal grid and y ticks.
    let decimals = if step >= 1.0 { 0 } else { 1 };
    let mut v = 0.0;
    while v <= y_max + step / 2.0 {
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e3e3e3"/>"##,
            left + plot_w
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#333">{v:.decimals$}</text>"##,
            left - 8.0,
            yy + 4.0
        );
        v += step;
    }
    // Vertical grid and x ticks: labelled decades, unlabelled 2..9.
    let mut decade = lx0 as i32;
    while decade as f64 <= lx1 {
        let base = 10f64.powi(decade);
        let xx = x(base);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#e3e3e3"/>"##,
            top + plot_h
        );
        let _ = writeln!(
            s,
            r##"<text x="{xx:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#333">{}</text>"##,
            top + plot_h + 20.0,
            group_digits(base as usize)
        );
        if (decade as f64) < lx1 {
            for m in 2..10 {
                let xm = x(base * m as f64);
                let _ = writeln!(
                    s,
                    r##"<line x1="{xm:.1}" y1="{:.1}" x2="{xm:.1}" y2="{:.1}" stroke="#999"/>"##,
                    top + plot_h,
                    top + plot_h + 4.0
                );
            }
        }
        decade += 1;
    }
    // Axes.
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle" fill="#222">N: ZIP ranges (rules or table rows), log scale</text>"##,
        left + plot_w / 2.0,
        height - 18.0
    );
    let _ = writeln!(
        s,
        r##"<text transform="translate(24 {:.1}) rotate(-90)" font-size="13" text-anchor="middle" fill="#222">ns per lead</text>"##,
        top + plot_h / 2.0
    );

    // A dashed reference level (the target), labelled at its right end.
    if let Some((level, label)) = reference {
        let ry = y(level);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{ry:.1}" x2="{:.1}" y2="{ry:.1}" stroke="#888" stroke-dasharray="6 4"/>"##,
            left + plot_w
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#666">{}</text>"##,
            left + plot_w - 8.0,
            ry - 5.0,
            escape(label)
        );
    }
    // The lines, their points and values.
    let dash = |line: &Line| {
        if line.baseline {
            r#" stroke-dasharray="7 4""#
        } else {
            ""
        }
    };
    for (i, line) in lines.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = line
            .points
            .iter()
            .map(|&(n, ns)| format!("{:.1},{:.1}", x(n), y(ns)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2.5"{}/>"#,
            path.join(" "),
            dash(line)
        );
        let last = line.points.len().saturating_sub(1);
        for (j, &(n, ns)) in line.points.iter().enumerate() {
            let (px, py) = (x(n), y(ns));
            let radius = if line.baseline { 3 } else { 4 };
            let _ = writeln!(
                s,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="{radius}" fill="{color}"/>"#
            );
            if line.baseline && j != last {
                continue;
            }
            // A value goes above its point when no other labelled line is
            // higher at that N, below it when none is lower, else (and for
            // a baseline, or near the x axis) to its right.
            let at_n = lines
                .iter()
                .filter(|l| !l.baseline)
                .flat_map(|l| l.points.iter())
                .filter(|p| p.0 == n);
            let higher = at_n.clone().filter(|p| p.1 > ns).count();
            let lower = at_n.filter(|p| p.1 < ns).count();
            let (lx, ly, anchor) = if line.baseline {
                (px + 8.0, py + 4.0, "start")
            } else if higher == 0 {
                (px, py - 9.0, "middle")
            } else if lower == 0 && py + 17.0 <= top + plot_h - 4.0 {
                (px, py + 17.0, "middle")
            } else {
                (px + 8.0, py + 4.0, "start")
            };
            let _ = writeln!(
                s,
                r##"<text x="{lx:.1}" y="{ly:.1}" font-size="11" text-anchor="{anchor}" fill="{color}" stroke="#fff" stroke-width="3" paint-order="stroke">{ns:.1}</text>"##
            );
        }
    }
    // Legend, top left inside the plot, and the notes under it.
    let legend_w = 12.0 + 7.0 * lines.iter().map(|l| l.name.len()).max().unwrap_or(0) as f64 + 40.0;
    let legend_h = 10.0 + 20.0 * lines.len() as f64;
    let _ = writeln!(
        s,
        r##"<rect x="{:.1}" y="{:.1}" width="{legend_w:.1}" height="{legend_h:.1}" fill="#ffffff" fill-opacity="0.9" stroke="#bbb"/>"##,
        left + 12.0,
        top + 12.0,
    );
    for (i, line) in lines.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let ly = top + 27.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2.5"{}/>"#,
            left + 22.0,
            left + 46.0,
            dash(line)
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#222">{}</text>"##,
            left + 54.0,
            ly + 4.0,
            escape(&line.name)
        );
    }
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#555">{}</text>"##,
            left + 14.0,
            top + 12.0 + legend_h + 16.0 + 15.0 * i as f64,
            escape(note)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------
// Timing and helpers

struct Contestant<'a> {
    name: &'static str,
    run: Box<dyn Fn() -> u64 + 'a>,
    best: Duration,
}

impl<'a> Contestant<'a> {
    fn new(name: &'static str, run: impl Fn() -> u64 + 'a) -> Self {
        Contestant {
            name,
            run: Box::new(run),
            best: Duration::MAX,
        }
    }
}

/// One warm-up round, then `ROUNDS` measured rounds, interleaved; each
/// contestant keeps its best.
fn run_rounds(contestants: &mut [Contestant]) {
    for round in 0..=ROUNDS {
        for c in contestants.iter_mut() {
            let start = Instant::now();
            black_box((c.run)());
            let elapsed = start.elapsed();
            if round > 0 {
                c.best = c.best.min(elapsed);
            }
        }
    }
}

fn load_rules(path: &Path) -> (Program, Dag) {
    let loaded = route::load(path).unwrap_or_else(|e| panic!("{e}"));
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let program = match loaded.program {
        Some(p) if errors == 0 => p,
        _ => panic!("{} has {errors} errors", path.display()),
    };
    let dag = route::compile::compile(&program);
    (program, dag)
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a count")),
        Err(_) => default,
    }
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("route-decide-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
