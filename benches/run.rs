//! `cargo bench --bench run`: `route run` throughput against a plain CSV
//! passthrough measured in the same run, and the peak memory of the
//! release binary at two input sizes. Results are in BENCHMARKS.md.
//!
//! Environment:
//! - `ROUTE_BENCH_ROWS` (default 1,000,000): rows for the throughput runs,
//!   and the smaller of the two memory runs.
//! - `ROUTE_BENCH_BIG_ROWS` (default 5,000,000): rows for the larger memory run.
//! - `ROUTE_BENCH_SKIP_MEMORY=1`: skip the memory runs.
//!
//! Every contestant reads the same generated file (in the page cache after
//! the warm-up round) and writes to `std::io::sink()` the way it would
//! write to a file: the `csv` writer through its own buffer, `route run`
//! a batch at a time, the record-by-record copies through a `BufWriter`.
//! So output I/O is the cost of filling each one's buffers and nothing
//! more. Rounds are interleaved (csv, reader, route; csv, reader, route;
//! …) so that a slow spell on the machine hits every contestant alike;
//! each keeps its best time.

use route::reader::RecordReader;
use route::run::{Encoding, Rejects};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEED: u64 = 42;
const MEASURED_ROUNDS: usize = 3;
/// The output buffer of the record-by-record copies.
const OUT_BUFFER: usize = 1 << 18;

fn main() {
    // `cargo bench` passes `--bench`; a filter or other flags are ignored.
    let rows = env_u64("ROUTE_BENCH_ROWS", 1_000_000);
    let big_rows = env_u64("ROUTE_BENCH_BIG_ROWS", 5_000_000);
    let skip_memory = std::env::var("ROUTE_BENCH_SKIP_MEMORY").is_ok_and(|v| v == "1");

    let dir = TempDir::new();
    let leads = dir.path().join("leads.csv");
    generate(&leads, rows);
    let bytes = std::fs::metadata(&leads).expect("stat leads").len();
    println!(
        "input: {rows} rows, {:.1} MB, seed {SEED} ({})",
        bytes as f64 / 1e6,
        leads.display()
    );

    throughput(&leads, rows, bytes, dir.path());

    if skip_memory {
        println!("\npeak memory: skipped (ROUTE_BENCH_SKIP_MEMORY=1)");
    } else {
        memory(&leads, rows, big_rows, dir.path());
    }
}

// ---------------------------------------------------------------------------
// Throughput

struct Contestant {
    name: &'static str,
    run: Box<dyn Fn() -> u64>,
    best: Duration,
}

fn throughput(leads: &Path, rows: u64, bytes: u64, dir: &Path) {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/acme.route");
    let (program, dag) = load_rules(&rules);
    let rejects_path = dir.join("bench.rejects.csv");

    let csv_leads = leads.to_path_buf();
    let reader_leads = leads.to_path_buf();
    let route_leads = leads.to_path_buf();
    let cat_leads = leads.to_path_buf();
    let (jobs_program, jobs_dag) = load_rules(&rules);
    let jobs_leads = leads.to_path_buf();
    let jobs_rejects = dir.join("bench-jobs.rejects.csv");
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (state_program, state_dag) = load_rules(&rules);
    let state_leads = leads.to_path_buf();
    let state_rejects = dir.join("bench-state.rejects.csv");
    let state_path = dir.join("bench-state.db");
    let state_file = state_path.clone();
    let (report_program, report_dag) = load_rules(&rules);
    let report_leads = leads.to_path_buf();
    let report_rejects = dir.join("bench-report.rejects.csv");
    let report_page = dir.join("bench-report.html");
    let mut contestants = [
        Contestant {
            name: "csv passthrough",
            run: Box::new(move || csv_passthrough(&csv_leads)),
            best: Duration::MAX,
        },
        Contestant {
            name: "RecordReader copy",
            run: Box::new(move || reader_copy(&reader_leads)),
            best: Duration::MAX,
        },
        Contestant {
            name: "cat (byte copy)",
            run: Box::new(move || byte_copy(&cat_leads, rows)),
            best: Duration::MAX,
        },
        Contestant {
            name: "route run (acme)",
            run: Box::new(move || {
                route_once(&program, &dag, &route_leads, &rejects_path, None, 1, None)
            }),
            best: Duration::MAX,
        },
        Contestant {
            name: "route run --report",
            run: Box::new(move || {
                route_once(
                    &report_program,
                    &report_dag,
                    &report_leads,
                    &report_rejects,
                    None,
                    1,
                    Some(&report_page),
                )
            }),
            best: Duration::MAX,
        },
        Contestant {
            name: "route run --jobs N",
            run: Box::new(move || {
                route_once(
                    &jobs_program,
                    &jobs_dag,
                    &jobs_leads,
                    &jobs_rejects,
                    None,
                    jobs,
                    None,
                )
            }),
            best: Duration::MAX,
        },
        Contestant {
            name: "route run --state",
            run: Box::new(move || {
                // A fresh state each round: every lead is new to the ledger.
                let _ = std::fs::remove_file(&state_path);
                route_once(
                    &state_program,
                    &state_dag,
                    &state_leads,
                    &state_rejects,
                    Some(&state_path),
                    1,
                    None,
                )
            }),
            best: Duration::MAX,
        },
    ];

    println!(
        "\nthroughput: 1 warm-up round + best of {MEASURED_ROUNDS} interleaved rounds, \
         output to io::sink()"
    );
    for round in 0..=MEASURED_ROUNDS {
        for c in &mut contestants {
            let start = Instant::now();
            let records = (c.run)();
            let elapsed = start.elapsed();
            // The csv baseline counts the header as a record; the others do not.
            let data_records = if c.name == "csv passthrough" {
                records.saturating_sub(1)
            } else {
                records
            };
            assert_eq!(data_records, rows, "{} saw {records} records", c.name);
            if round > 0 {
                c.best = c.best.min(elapsed);
            }
        }
    }

    let baseline = contestants[0].best.as_secs_f64();
    let state_size = std::fs::metadata(&state_file).map_or(0, |m| m.len());
    println!(
        "\n{:<20} {:>9} {:>9} {:>12} {:>10}",
        "", "best s", "MB/s", "rows/s", "vs csv"
    );
    for c in &contestants {
        let secs = c.best.as_secs_f64();
        println!(
            "{:<20} {:>9.3} {:>9.1} {:>12.0} {:>9.1}%",
            c.name,
            secs,
            bytes as f64 / 1e6 / secs,
            rows as f64 / secs,
            100.0 * baseline / secs
        );
    }
    let best = |name: &str| {
        contestants
            .iter()
            .find(|c| c.name == name)
            .map_or(f64::NAN, |c| c.best.as_secs_f64())
    };
    let plain = best("route run (acme)");
    println!(
        "\nroute run --jobs 1 / csv passthrough throughput: {:.2}x (target >= 1.5x)",
        baseline / plain
    );
    println!(
        "route run --jobs {jobs} / csv passthrough throughput: {:.2}x (target >= 2.5x)",
        baseline / best("route run --jobs N")
    );
    println!(
        "route run --jobs 1 / cat throughput: {:.2}x",
        best("cat (byte copy)") / plain
    );
    println!(
        "route run --state / route run throughput: {:.1}% (target >= 50%)",
        100.0 * plain / best("route run --state")
    );
    println!(
        "route run --report / route run time: {:.1}% (target < 110%)",
        100.0 * best("route run --report") / plain
    );
    println!(
        "state file after one run: {:.1} MB for {rows} ledger rows ({:.1} MB per million)",
        state_size as f64 / 1e6,
        state_size as f64 / 1e6 / (rows as f64 / 1e6)
    );
}

fn load_rules(path: &Path) -> (route::ir::Program, route::compile::Dag) {
    let loaded = route::load(path).unwrap_or_else(|e| panic!("{e}"));
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let program = match loaded.program {
        Some(p) if errors == 0 => p,
        _ => panic!("{} has {errors} errors", path.display()),
    };
    let dag = route::compile::compile(&program);
    (program, dag)
}

/// Baseline A: the `csv` crate with its defaults, `ByteRecord` in and out.
fn csv_passthrough(leads: &Path) -> u64 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(leads)
        .expect("open leads");
    // `csv::Writer` buffers itself: a `BufWriter` under it would copy every
    // record once more.
    let mut writer = csv::Writer::from_writer(io::sink());
    let mut record = csv::ByteRecord::new();
    let mut count = 0;
    while reader.read_byte_record(&mut record).expect("read csv") {
        writer.write_byte_record(&record).expect("write csv");
        count += 1;
    }
    writer.flush().expect("flush csv");
    count
}

/// Baseline B: our reader's own ceiling, copying each record's raw bytes.
/// What `cat FILE > OUT` does: bytes in, the same bytes out, no parsing.
/// Returns `rows` so the record check passes; it counts no records.
fn byte_copy(leads: &Path, rows: u64) -> u64 {
    let mut input = File::open(leads).expect("open leads");
    let mut out = BufWriter::with_capacity(OUT_BUFFER, io::sink());
    io::copy(&mut input, &mut out).expect("copy");
    rows
}

fn reader_copy(leads: &Path) -> u64 {
    let mut reader = RecordReader::new(File::open(leads).expect("open leads"));
    let mut out = BufWriter::with_capacity(OUT_BUFFER, io::sink());
    let mut count = 0;
    let _header = reader.next_record().expect("read header");
    while let Some(record) = reader.next_record().expect("read record") {
        out.write_all(record.raw).expect("write");
        out.write_all(b"\n").expect("write");
        count += 1;
    }
    out.flush().expect("flush");
    count
}

// ---------------------------------------------------------------------------
// Peak memory

fn memory(leads: &Path, rows: u64, big_rows: u64, dir: &Path) {
    // Cargo builds the binary with the bench's profile (release settings)
    // before running a bench, and tells us where it is.
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_route"));
    if !binary.exists() {
        println!(
            "\npeak memory: skipped, {} is missing; build it with `cargo build --release`",
            binary.display()
        );
        return;
    }
    let big = dir.join("leads-big.csv");
    generate(&big, big_rows);

    let how = if Path::new(TIME).exists() {
        format!("{TIME} -f %M (the child's max RSS)")
    } else {
        "polling /proc/<pid>/status VmHWM every 5 ms (peak as of the last poll)".to_string()
    };
    println!(
        "\npeak memory: {} run rules/acme.route INPUT > /dev/null, measured with {how}",
        binary.display()
    );
    let small_kb = peak_rss(&binary, leads, dir);
    let big_kb = peak_rss(&binary, &big, dir);
    std::fs::remove_file(&big).expect("remove big leads");
    for (n, (kb, wall)) in [(rows, small_kb), (big_rows, big_kb)] {
        println!(
            "{n:>10} rows: {kb:>7} KiB ({:.1} MiB) peak RSS  ({wall:.2} s wall)",
            kb as f64 / 1024.0
        );
    }
    println!(
        "peak RSS {big_rows} rows / {rows} rows: {:.2}x",
        big_kb.0 as f64 / small_kb.0 as f64
    );
}

const TIME: &str = "/usr/bin/time";

/// The child's peak resident set size in KiB, and its wall time in seconds.
fn peak_rss(binary: &Path, leads: &Path, dir: &Path) -> (u64, f64) {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/acme.route");
    let rejects = dir.join("memory.rejects.csv");
    let args = [
        "run".as_ref(),
        rules.as_os_str(),
        leads.as_os_str(),
        "--rejects".as_ref(),
        rejects.as_os_str(),
    ];
    let start = Instant::now();
    let peak = if Path::new(TIME).exists() {
        let report = dir.join("time.txt");
        let status = Command::new(TIME)
            .args(["-f", "%M", "-o"])
            .arg(&report)
            .arg(binary)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run /usr/bin/time");
        check_exit(status.code());
        // GNU time writes "Command exited with non-zero status 1" first
        // when there were rejects; the figure is the last line.
        let text = std::fs::read_to_string(&report).expect("read time report");
        text.lines()
            .rev()
            .find_map(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no figure in {TIME}'s report: {text:?}"))
    } else {
        poll_vm_hwm(binary, &args)
    };
    (peak, start.elapsed().as_secs_f64())
}

/// Exit 0 (all routed) and 1 (some rejects) are both a finished run.
fn check_exit(code: Option<i32>) {
    assert!(
        matches!(code, Some(0 | 1)),
        "route run exited with {code:?}"
    );
}

/// VmHWM is the process's own high-water mark, so the last reading before
/// exit is the peak up to then; growth in the last 5 ms could be missed.
fn poll_vm_hwm(binary: &Path, args: &[&std::ffi::OsStr]) -> u64 {
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run route");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait for route") {
            check_exit(status.code());
            return peak;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------
// Input

fn generate(path: &Path, rows: u64) {
    let file = File::create(path).expect("create leads file");
    route::generate::write_leads(file, rows, SEED).expect("write leads");
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a row count")),
        Err(_) => default,
    }
}

/// A directory under the system temp dir, removed when dropped (also when
/// a run panics).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("route-bench-{}", std::process::id()));
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

/// One `route run` over the leads to a sink; with a state file when
/// given, and with `--report`'s samples and page when given a page path.
fn route_once(
    program: &route::ir::Program,
    dag: &route::compile::Dag,
    leads: &Path,
    rejects_path: &Path,
    state: Option<&Path>,
    jobs: usize,
    report: Option<&Path>,
) -> u64 {
    let mut rejects = Rejects::new(rejects_path.to_path_buf());
    let input = File::open(leads).expect("open leads");
    let distributor = route::distribute::Distributor::new(program, "2026-11-25", false);
    let mut memory = route::distribute::MemoryStore::default();
    let mut sqlite = state.map(|p| {
        route::distribute::sqlite::SqliteStore::open(
            p,
            "2026-11-25",
            "bench",
            route::distribute::sqlite::FAIL_FAST,
        )
        .expect("state opens")
    });
    let sharing = route::run::Sharing {
        distributor: &distributor,
        persistent: sqlite.is_some(),
        store: match sqlite.as_mut() {
            Some(s) => s,
            None => &mut memory,
        },
    };
    let summary = route::run::route_csv(
        program,
        dag,
        input,
        route::run::Options {
            encoding: Encoding::Utf8,
            jobs,
            excel_safe: false,
            samples: report.is_some(),
        },
        io::sink(),
        &mut rejects,
        sharing,
    )
    .unwrap_or_else(|e| panic!("route run failed: {}", e.message));
    rejects.finish().expect("flush rejects");
    if let Some(page) = report {
        let owners = route::report::run::owner_loads(program, &summary, &distributor, &mut memory);
        let html = route::report::run::page(&route::report::run::RunReport {
            program,
            summary: &summary,
            owners,
            rules_file: "rules/acme.route".into(),
            input_file: leads.display().to_string(),
            now: None,
        });
        std::fs::write(page, html).expect("write the report");
    }
    if let Some(s) = sqlite {
        s.commit().expect("state commits");
    }
    summary.rows_in
}
