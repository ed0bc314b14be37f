//! One function per subcommand: plain arguments in, exit code out. The
//! binary only parses flags and calls these; tests call them directly.

use crate::diagnostics::{self, Diagnostic, Format, Sources};
use crate::distribute::{sqlite::SqliteStore, Distributor, MemoryStore};
use crate::run::{Encoding, OutputFile, Rejects, RunError, Sharing};
use crate::{compile, Loaded};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit codes shared by every command.
pub const OK: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const CANNOT_RUN: u8 = 2;

pub struct CheckOptions {
    pub format: Format,
    pub deny_warnings: bool,
    pub color: bool,
    /// `--leads FILE.csv`: size findings by these leads.
    pub leads: Option<PathBuf>,
    pub encoding: Encoding,
    /// `--report FILE.html`: also write the findings as one HTML page.
    pub report: Option<PathBuf>,
}

/// `route check FILE...`: findings to `out`; problems running to `err`.
pub fn check(
    files: &[PathBuf],
    options: &CheckOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Ok(report) = open_report(options.report.as_deref(), err) else {
        return CANNOT_RUN;
    };
    let mut diagnostics = Vec::new();
    let mut sources = Sources::default();
    let mut unreadable = false;
    for file in files {
        match crate::load_into(file, &mut sources) {
            Ok((mut found, program)) => {
                if let (Some(leads), Some(program)) = (&options.leads, &program) {
                    if let Err(e) = size_by_leads(program, &mut found, leads, options.encoding) {
                        report_run_error(&e, err);
                        return CANNOT_RUN;
                    }
                }
                diagnostics.extend(found);
            }
            Err(message) => {
                // Report it, and still check the other files.
                let _ = writeln!(err, "error: {message}");
                unreadable = true;
            }
        }
    }
    let _ = out.write_all(
        diagnostics::render(options.format, &diagnostics, &sources, options.color).as_bytes(),
    );
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let page = || crate::report::check::page(&diagnostics, &sources, &names);
    if !finish_report(report, page, err) {
        return CANNOT_RUN;
    }
    let failing = |d: &Diagnostic| d.is_error() || options.deny_warnings;
    if unreadable {
        CANNOT_RUN
    } else if diagnostics.iter().any(failing) {
        FINDINGS
    } else {
        OK
    }
}

fn size_by_leads(
    program: &crate::ir::Program,
    found: &mut Vec<Diagnostic>,
    leads: &Path,
    encoding: Encoding,
) -> Result<(), RunError> {
    let file = std::fs::File::open(leads).map_err(|e| RunError {
        message: format!("cannot open {}: {e}", leads.display()),
        help: None,
    })?;
    let label = leads.file_name().map_or_else(
        || leads.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    crate::run::size_findings(
        program,
        found,
        std::io::BufReader::new(file),
        encoding,
        &label,
    )
}

pub struct RunOptions {
    pub rules: PathBuf,
    /// `-` reads standard input.
    pub input: PathBuf,
    /// `None` writes standard output.
    pub output: Option<PathBuf>,
    pub rejects: Option<PathBuf>,
    pub encoding: Encoding,
    pub now: Option<String>,
    /// `--coverage`: also name the rules no lead reached.
    pub coverage: bool,
    /// `--state FILE`: rotations, counts, sticky owners and the ledger persist here.
    pub state: Option<PathBuf>,
    /// `--wait`: wait for another run on the same state instead of failing.
    pub wait: bool,
    /// `--reroute`: decide leads already in the ledger again.
    pub reroute: bool,
    /// `--jobs`: threads that decide leads.
    pub jobs: usize,
    /// `--excel-safe`: neutralize cells a spreadsheet would run as formulas.
    pub excel_safe: bool,
    /// Show a progress bar when stderr is a terminal (`--no-progress` turns it off).
    pub progress: bool,
    pub color: bool,
    /// `--report FILE.html`: also write the run as one HTML page.
    pub report: Option<PathBuf>,
}

/// `route run RULES INPUT`: the summary goes to `err`.
pub fn run(options: &RunOptions, err: &mut dyn Write) -> u8 {
    if !now_is_a_date(options.now.as_deref(), err) {
        return CANNOT_RUN;
    }
    let Some(loaded) = load_for_use(&options.rules, err, options.color) else {
        return CANNOT_RUN;
    };
    let dag = compile::compile(&loaded.program);
    let day = options
        .now
        .clone()
        .unwrap_or_else(crate::distribute::date::today);
    let rejects_path = options
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(options.output.as_deref()));
    if let Err(e) = crate::run::clash::check(&written_files(options, &rejects_path)) {
        report_run_error(&e, err);
        return CANNOT_RUN;
    }
    if options.rejects.is_none() {
        // The default rejects file is ours by name: one left by an earlier
        // run would be mistaken for this run's.
        let _ = std::fs::remove_file(&rejects_path);
    }
    let Ok(report) = open_report(options.report.as_deref(), err) else {
        return CANNOT_RUN;
    };
    let mut rejects = Rejects::new(rejects_path);
    let distributor = Distributor::new(&loaded.program, &day, options.reroute);
    let mut state = match &options.state {
        None => None,
        Some(path) => match SqliteStore::open(
            path,
            &day,
            &options.input.display().to_string(),
            if options.wait {
                crate::distribute::sqlite::WAIT_FOREVER
            } else {
                crate::distribute::sqlite::FAIL_FAST
            },
        )
        .and_then(|store| {
            let sha256 = crate::fingerprint::of(&loaded.sources).sha256;
            store.record_rules(&absolute(&options.rules), &sha256)?;
            Ok(store)
        }) {
            Ok(store) => Some(store),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                return CANNOT_RUN;
            }
        },
    };
    let mut memory = MemoryStore::default();
    let sharing = Sharing {
        distributor: &distributor,
        persistent: state.is_some(),
        store: match state.as_mut() {
            Some(s) => s,
            None => &mut memory,
        },
    };
    let routed = route_to_output(&loaded, &dag, options, &mut rejects, sharing);
    // Drawn before the state commits: the owners' counts today come from it.
    let page = match (&routed, &report) {
        (Ok((summary, _)), Some(_)) => {
            let store: &mut dyn crate::distribute::Store = match state.as_mut() {
                Some(s) => s,
                None => &mut memory,
            };
            Some(run_page(
                options,
                &loaded.program,
                summary,
                &distributor,
                store,
            ))
        }
        _ => None,
    };
    // Order matters for crash safety: the output is durable in its temporary
    // file before the state commits, and renamed into place after; a crash
    // in between leaves the state saying what a rerun will write again.
    let finished = routed.and_then(|(summary, output)| {
        rejects.finish().map_err(|e| RunError {
            message: format!(
                "cannot write the rejects file {}: {e}",
                rejects.path().display()
            ),
            help: None,
        })?;
        if let Some(state) = state.take() {
            state.commit().map_err(|message| RunError {
                message,
                help: None,
            })?;
        }
        if let Some(output) = output {
            let path = output.path().to_path_buf();
            output.finish().map_err(|e| RunError {
                message: format!("cannot write {}: {e}", path.display()),
                help: None,
            })?;
        }
        Ok(summary)
    });
    match finished {
        Ok(summary) => {
            if !finish_report(report, || page.unwrap_or_default(), err) {
                return CANNOT_RUN;
            }
            let _ = err.write_all(summary.render(Some(rejects.path())).as_bytes());
            if options.coverage {
                let _ = err.write_all(summary.coverage().as_bytes());
            }
            if summary.rejected > 0 {
                FINDINGS
            } else {
                OK
            }
        }
        Err(e) => {
            report_run_error(&e, err);
            CANNOT_RUN
        }
    }
}

/// Whether `--now`, when given, is a date; says what to write when not.
pub(crate) fn now_is_a_date(now: Option<&str>, err: &mut dyn Write) -> bool {
    match now {
        Some(now) if !crate::data::reps::is_date(now) => {
            let _ = writeln!(err, "error: --now {now} is not a date\n  help: write it as YYYY-MM-DD, e.g. --now 2026-11-25");
            false
        }
        _ => true,
    }
}

/// `--now` as a time, seconds since 1970 (`None`: the system clock): a
/// date is the start of that day, UTC; `Err` once the error is written.
pub(crate) fn now_instant(now: Option<&str>, err: &mut dyn Write) -> Result<Option<i64>, ()> {
    let Some(now) = now else {
        return Ok(None);
    };
    match crate::distribute::date::parse_instant(now) {
        Some(secs) => Ok(Some(secs)),
        None => {
            let _ = writeln!(err, "error: --now {now} is not a date or a time\n  help: write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), e.g. --now 2026-11-25T09:30:00Z");
            Err(())
        }
    }
}

/// Whether a `--now` gives a time of day (none given: the clock's).
pub(crate) fn has_time_of_day(now: Option<&str>) -> bool {
    now.is_none_or(|now| now.contains(['T', ' ']))
}

/// A progress bar on stderr while the input is read, when stderr is a
/// terminal (never in pipelines or logs): bytes read of the file's size,
/// or a running count for standard input.
fn with_progress(input: Box<dyn std::io::Read>, options: &RunOptions) -> Box<dyn std::io::Read> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if !options.progress || !std::io::stderr().is_terminal() {
        return input;
    }
    let size = std::fs::metadata(&options.input)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let (bar, template) = match size {
        Some(size) => (
            ProgressBar::new(size),
            "{bar:32} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ),
        None => (
            ProgressBar::no_length(),
            "{spinner} {bytes} read, {bytes_per_sec}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    Box::new(Progress {
        inner: bar.wrap_read(input),
    })
}

/// Clears its bar when the input is dropped, before the summary is printed.
struct Progress<R: std::io::Read> {
    inner: indicatif::ProgressBarIter<R>,
}

impl<R: std::io::Read> std::io::Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: std::io::Read> Drop for Progress<R> {
    fn drop(&mut self) {
        self.inner.progress.finish_and_clear();
    }
}

/// The `--report` page of a finished run.
fn run_page(
    options: &RunOptions,
    program: &crate::ir::Program,
    summary: &crate::run::Summary,
    distributor: &Distributor,
    store: &mut dyn crate::distribute::Store,
) -> String {
    use crate::report::run::{owner_loads, page, RunReport};
    page(&RunReport {
        program,
        summary,
        owners: owner_loads(program, summary, distributor, store),
        rules_file: options.rules.display().to_string(),
        input_file: options.input.display().to_string(),
        now: options.now.clone(),
    })
}

/// Routes the input; the output file (if any) is returned unfinished.
fn route_to_output(
    loaded: &LoadedProgram,
    dag: &compile::Dag,
    options: &RunOptions,
    rejects: &mut Rejects,
    sharing: Sharing,
) -> Result<(crate::run::Summary, Option<OutputFile>), RunError> {
    let input: Box<dyn std::io::Read> = if options.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&options.input).map_err(|e| RunError {
            message: format!("cannot open {}: {e}", options.input.display()),
            help: None,
        })?;
        Box::new(file)
    };
    let input = with_progress(input, options);
    let run_options = crate::run::Options {
        encoding: options.encoding,
        jobs: options.jobs,
        excel_safe: options.excel_safe,
        samples: options.report.is_some(),
    };
    match &options.output {
        None => {
            let summary = crate::run::route_csv(
                &loaded.program,
                dag,
                input,
                run_options,
                std::io::stdout().lock(),
                rejects,
                sharing,
            )?;
            Ok((summary, None))
        }
        Some(path) => {
            let mut file = OutputFile::new(path.clone());
            let summary = crate::run::route_csv(
                &loaded.program,
                dag,
                input,
                run_options,
                &mut file,
                rejects,
                sharing,
            )?;
            Ok((summary, Some(file)))
        }
    }
}

/// A path made absolute against the working folder, as the state records
/// a rule file: `route release` may run from another folder.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A rule file that passed its checks, with its sources for messages.
pub struct LoadedProgram {
    pub program: crate::ir::Program,
    pub sources: Sources,
}

/// Loads rules for run/compile: refuses a file with error-level findings.
pub(crate) fn load_for_use(path: &Path, err: &mut dyn Write, color: bool) -> Option<LoadedProgram> {
    let loaded: Loaded = match crate::load_for_routing(path) {
        Ok(l) => l,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return None;
        }
    };
    let errors: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    match loaded.program {
        Some(program) if errors.is_empty() => Some(LoadedProgram {
            program,
            sources: loaded.sources,
        }),
        _ => {
            let _ = err
                .write_all(diagnostics::render_human(&errors, &loaded.sources, color).as_bytes());
            let _ = writeln!(
                err,
                "error: {} has errors; fix them first (see `route check`)",
                path.display()
            );
            None
        }
    }
}

/// `--report FILE.html`: claims the page's path before any work, so a path
/// that cannot be written fails first; `Err` when it was reported.
fn open_report(path: Option<&Path>, err: &mut dyn Write) -> Result<Option<OutputFile>, ()> {
    match path.map(crate::report::open) {
        None => Ok(None),
        Some(Ok(file)) => Ok(Some(file)),
        Some(Err(e)) => {
            let _ = writeln!(err, "{e}");
            Err(())
        }
    }
}

/// Draws and writes a claimed `--report` page; false when it could not be
/// written (reported).
fn finish_report(
    file: Option<OutputFile>,
    page: impl FnOnce() -> String,
    err: &mut dyn Write,
) -> bool {
    let Some(file) = file else { return true };
    match crate::report::finish(file, &page()) {
        Ok(()) => true,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            false
        }
    }
}

/// The files a run would write, each with what it is, and the rule file,
/// which none may overwrite; the default rejects file too, since a run
/// removes a stale one before it starts.
fn written_files<'a>(options: &'a RunOptions, rejects: &'a Path) -> Vec<(&'static str, &'a Path)> {
    let rejects_is = match options.rejects {
        Some(_) => "the rejects file",
        None => "the rejects file beside the output",
    };
    let named = [
        Some(("the rule file", options.rules.as_path())),
        options.output.as_deref().map(|p| ("the output", p)),
        Some((rejects_is, rejects)),
        options.state.as_deref().map(|p| ("the state", p)),
        options.report.as_deref().map(|p| ("the report", p)),
    ];
    named.into_iter().flatten().collect()
}

pub(crate) fn report_run_error(e: &RunError, err: &mut dyn Write) {
    let _ = writeln!(err, "error: {}", e.message);
    if let Some(help) = &e.help {
        let _ = writeln!(err, "  help: {help}");
    }
}

/// `OUT.rejects.csv` beside the output (`routed.csv` → `routed.rejects.csv`),
/// or `route.rejects.csv` in the working directory for standard output.
pub fn default_rejects_path(output: Option<&Path>) -> PathBuf {
    match output {
        None => PathBuf::from("route.rejects.csv"),
        Some(out) => {
            let stem = out
                .file_stem()
                .map_or_else(|| "route".into(), |s| s.to_string_lossy().into_owned());
            out.with_file_name(format!("{stem}.rejects.csv"))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    Dot,
    Dag,
    Mermaid,
}

/// How `route diff` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Json,
    Csv,
}

pub struct DiffOptions {
    pub old: PathBuf,
    pub new: PathBuf,
    /// `-` reads standard input.
    pub input: PathBuf,
    pub encoding: Encoding,
    pub format: DiffFormat,
    pub color: bool,
    /// `--report FILE.html`: also write the diff as one HTML page.
    pub report: Option<PathBuf>,
}

/// `route diff OLD NEW INPUT`: exit 0 when no lead moves, 1 when some do.
pub fn diff(options: &DiffOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let DiffOptions {
        old,
        new,
        input,
        encoding,
        format,
        color,
        report,
    } = options;
    let (Some(old_rules), Some(new_rules)) = (
        load_for_use(old, err, *color),
        load_for_use(new, err, *color),
    ) else {
        return CANNOT_RUN;
    };
    let reader: Box<dyn std::io::Read> = if input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                let _ = writeln!(err, "error: cannot open {}: {e}", input.display());
                return CANNOT_RUN;
            }
        }
    };
    let Ok(report) = open_report(report.as_deref(), err) else {
        return CANNOT_RUN;
    };
    let diff = match crate::diff::diff(&old_rules.program, &new_rules.program, reader, *encoding) {
        Ok(diff) => diff,
        Err(e) => {
            report_run_error(&e, err);
            return CANNOT_RUN;
        }
    };
    let text = match format {
        DiffFormat::Human => diff.render(),
        DiffFormat::Json => serde_json::to_string_pretty(&diff).unwrap_or_default() + "\n",
        DiffFormat::Csv => diff.to_csv(),
    };
    let _ = out.write_all(text.as_bytes());
    let names = [old, new, input].map(|p| p.display().to_string());
    let files = crate::report::diff::DiffFiles {
        old: &names[0],
        new: &names[1],
        input: &names[2],
    };
    if !finish_report(report, || crate::report::diff::page(&diff, &files), err) {
        return CANNOT_RUN;
    }
    if diff.moved == 0 {
        OK
    } else {
        FINDINGS
    }
}

/// `route compile RULES --emit dot|dag|mermaid`.
pub fn compile_rules(
    rules: &Path,
    emit: Emit,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8 {
    let Some(loaded) = load_for_use(rules, err, color) else {
        return CANNOT_RUN;
    };
    let dag = compile::compile(&loaded.program);
    let text = match emit {
        Emit::Dot => compile::to_dot(&loaded.program, &dag),
        Emit::Dag => compile::to_text(&loaded.program, &dag),
        Emit::Mermaid => compile::to_mermaid(&loaded.program, &dag),
    };
    let _ = out.write_all(text.as_bytes());
    OK
}

/// `route compile RULES --emit sql`: the rules as one query that routes a
/// table of leads in DuckDB, Spark or Postgres (see `docs/warehouse.md`).
/// A construct the SQL does not cover yet is refused (exit 2).
pub fn compile_sql(
    rules: &Path,
    options: &crate::sql::SqlOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8 {
    let Some(loaded) = load_for_use(rules, err, color) else {
        return CANNOT_RUN;
    };
    match crate::sql::compile(&loaded.program, options) {
        Ok(sql) => {
            let _ = out.write_all(sql.as_bytes());
            OK
        }
        Err(e) => {
            let _ = writeln!(err, "error: {}\n  help: {}", e.message, e.help);
            CANNOT_RUN
        }
    }
}

/// `route completions SHELL`: a completion script for the whole command line.
pub fn completions(shell: clap_complete::Shell, mut cli: clap::Command, out: &mut dyn Write) -> u8 {
    let name = cli.get_name().to_string();
    // Rendered to memory first: clap_complete panics when a write fails, as
    // it does on a closed pipe (`route completions bash | head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, name, &mut script);
    let _ = out.write_all(&script);
    OK
}

/// `route man [COMMAND...]`: the roff man page of route (`route.1`) or of
/// one of its commands (`route man state show` is `route-state-show.1`).
pub fn man_page(
    cli: clap::Command,
    path: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    // Built so that subcommands carry their full names (`route-check`); the
    // help subcommand is left out as it has no page of its own.
    let mut page = cli.disable_help_subcommand(true);
    page.build();
    for (depth, name) in path.iter().enumerate() {
        let Some(sub) = page.find_subcommand(name).cloned() else {
            let parent = ["route"]
                .into_iter()
                .chain(path[..depth].iter().map(String::as_str));
            let parent = parent.collect::<Vec<_>>().join(" ");
            let names: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            let _ = writeln!(err, "error: `{parent}` has no command `{name}`");
            match closest_name(name, &names) {
                Some(near) => {
                    let _ = writeln!(err, "  help: did you mean `{near}`?");
                }
                None if names.is_empty() => {
                    let _ = writeln!(
                        err,
                        "  help: `{parent}` has no commands; try `route man {}`",
                        path[..depth].join(" ")
                    );
                }
                None => {
                    let _ = writeln!(err, "  help: its commands are {}", names.join(", "));
                }
            }
            return CANNOT_RUN;
        };
        page = sub;
    }
    // Every page names the program and its version, as `route.1` does;
    // subcommands carry no version of their own.
    let source = format!("route {}", env!("CARGO_PKG_VERSION"));
    let mut roff = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).source(source).render(&mut roff) {
        let _ = writeln!(err, "error: cannot render the man page: {e}");
        return CANNOT_RUN;
    }
    let _ = out.write_all(&roff);
    OK
}

/// The name nearest to a misspelt one, if any is near enough to suggest.
fn closest_name<'a>(wrong: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(wrong, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// `route generate`: realistic messy leads (or, with `rules`, a territory
/// rule file of that many rules) for tests and benchmarks.
pub fn generate(
    rows: u64,
    seed: u64,
    rules: Option<usize>,
    output: Option<&Path>,
    err: &mut dyn Write,
) -> u8 {
    if let Some(n) = rules {
        let result = match output {
            Some(path) => std::fs::File::create(path)
                .and_then(|f| crate::generate::write_rules(std::io::BufWriter::new(f), n)),
            None => crate::generate::write_rules(std::io::stdout().lock(), n),
        };
        return match result {
            Ok(()) => OK,
            Err(e) => {
                let _ = writeln!(err, "error: cannot write rules: {e}");
                CANNOT_RUN
            }
        };
    }
    let result = match output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| crate::generate::write_leads(std::io::BufWriter::new(f), rows, seed)),
        None => crate::generate::write_leads(std::io::stdout().lock(), rows, seed),
    };
    match result {
        Ok(()) => OK,
        Err(e) => {
            let _ = writeln!(err, "error: cannot write leads: {e}");
            CANNOT_RUN
        }
    }
}

/// Where `route explain` takes its lead from.
pub enum LeadSource {
    /// `--lead "Column=value,..."`
    Given(String),
    /// `INPUT --row N`: the Nth lead of the file (1 = the first after the header).
    Row(PathBuf, usize),
    /// `INPUT --id KEY`: the first lead whose key field holds KEY.
    Id(PathBuf, String),
}

pub struct ExplainOptions {
    pub rules: PathBuf,
    pub lead: LeadSource,
    /// `--why-not QUEUE`: how this lead could reach QUEUE.
    pub why_not: Option<String>,
    /// Show distribution as of this state file (read only) and date.
    pub state: Option<PathBuf>,
    pub now: Option<String>,
    pub json: bool,
    pub encoding: Encoding,
    pub color: bool,
}

/// `route explain RULES`: why a lead goes where it goes.
pub fn explain(options: &ExplainOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(loaded) = load_for_use(&options.rules, err, options.color) else {
        return CANNOT_RUN;
    };
    let program = &loaded.program;
    let lead = match lead_for_explain(program, &options.lead, options.encoding) {
        Ok(lead) => lead,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return CANNOT_RUN;
        }
    };
    let mut trace = crate::eval::explain::explain(program, &lead);
    match distribute_for_explain(program, &trace, options) {
        Ok(found) => trace.distribution = found,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return CANNOT_RUN;
        }
    }
    let why_not = match &options.why_not {
        None => None,
        Some(queue) => match why_not_queue(program, &lead, queue) {
            Ok(answers) => Some((queue.as_str(), answers)),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                return CANNOT_RUN;
            }
        },
    };
    let text = if options.json {
        crate::eval::explain::render_json(program, &loaded.sources, &trace, why_not.as_ref())
    } else {
        crate::eval::explain::render_human(program, &loaded.sources, &trace, why_not.as_ref())
    };
    let _ = out.write_all(text.as_bytes());
    OK
}

/// How the lead's queue would share it out: on a fresh state, or on what
/// `--state` holds now (read only: explaining changes nothing).
fn distribute_for_explain(
    program: &crate::ir::Program,
    trace: &crate::eval::explain::Trace,
    options: &ExplainOptions,
) -> Result<Option<(crate::distribute::Assignment, String)>, String> {
    if matches!(trace.decision, crate::ir::Decision::Unmatched) {
        return Ok(None);
    }
    let day = options
        .now
        .clone()
        .unwrap_or_else(crate::distribute::date::today);
    let distributor = Distributor::new(program, &day, false);
    let mut memory = MemoryStore::default();
    let mut peeked = match &options.state {
        Some(path) => Some(SqliteStore::peek(path, &day)?),
        None => None,
    };
    let store: &mut dyn crate::distribute::Store = match peeked.as_mut() {
        Some(s) => s,
        None => &mut memory,
    };
    let key = program.key_field().and_then(|f| {
        let raw = trace
            .values
            .iter()
            .find(|v| v.field == f)?
            .raw
            .as_deref()?
            .trim();
        (!raw.is_empty()).then(|| raw.to_string())
    });
    let mut steps = String::new();
    let outcome = distributor.assign(
        store,
        &trace.decision,
        &trace.lead,
        key.as_deref(),
        Some(&mut steps),
    );
    if let (Some(state), Some(key)) = (&peeked, &key) {
        steps.push_str(&history_lines(key, &state.history(key)?));
    }
    Ok(Some((outcome.assignment, steps)))
}

/// A lead's history as explain steps: each change with its time and decision.
fn history_lines(key: &str, events: &[crate::distribute::Event]) -> String {
    if events.is_empty() {
        return String::new();
    }
    let mut out = format!("  history of lead {key}:\n");
    for e in events {
        let at = crate::distribute::date::format_instant(e.at);
        let owner = if e.owner.is_empty() {
            "nobody"
        } else {
            &e.owner
        };
        let decision = if e.decision.is_empty() {
            "-"
        } else {
            &e.decision
        };
        out.push_str(&format!(
            "    {at} {} (owner {owner}, decision {decision})\n",
            e.what
        ));
    }
    out
}

/// The why-not answers for a queue name (a queue, or a table that names owners).
pub(crate) fn why_not_queue(
    program: &crate::ir::Program,
    lead: &crate::eval::explain::RawLead,
    queue: &str,
) -> Result<Vec<crate::analysis::why_not::RuleAnswer>, String> {
    check_queue_name(program, queue)?;
    Ok(crate::analysis::why_not::why_not(program, lead, queue).unwrap_or_default())
}

/// Refuses a name that is no queue (nor a table that names owners),
/// suggesting the closest.
pub(crate) fn check_queue_name(program: &crate::ir::Program, queue: &str) -> Result<(), String> {
    let names: Vec<&str> = program
        .queues
        .iter()
        .map(|q| q.name.as_str())
        .chain(program.tables.iter().map(|t| t.name.as_str()))
        .collect();
    if !names.contains(&queue) {
        let hint = crate::check::closest(queue, names.iter().copied())
            .map_or(String::new(), |q| format!("; did you mean `{q}`?"));
        return Err(format!("no queue named `{queue}`{hint}"));
    }
    Ok(())
}

fn lead_for_explain(
    program: &crate::ir::Program,
    source: &LeadSource,
    encoding: Encoding,
) -> Result<crate::eval::explain::RawLead, String> {
    let columns: Vec<&str> = program.fields.iter().map(|f| f.column.as_str()).collect();
    match source {
        LeadSource::Given(text) => crate::cases::parse_lead_arg(text, &columns),
        LeadSource::Row(path, n) => {
            crate::run::lead_at(path, encoding, crate::run::Pick::Row(*n), program)
        }
        LeadSource::Id(path, key) => {
            crate::run::lead_at(path, encoding, crate::run::Pick::Key(key.clone()), program)
        }
    }
}

pub struct TestOptions {
    pub rules: PathBuf,
    /// Default: RULES with `.test.yaml` in place of `.route`.
    pub cases: Option<PathBuf>,
    pub coverage: bool,
    pub require_coverage: bool,
    pub color: bool,
}

/// `route test RULES [CASES.yaml]`: exit 0 when every case passes.
pub fn test(options: &TestOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(loaded) = load_for_use(&options.rules, err, options.color) else {
        return CANNOT_RUN;
    };
    let program = &loaded.program;
    let path = options
        .cases
        .clone()
        .unwrap_or_else(|| options.rules.with_extension("test.yaml"));
    let cases = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|text| {
            crate::cases::parse(&text, program).map_err(|e| format!("{}: {e}", path.display()))
        });
    let cases = match cases {
        Ok(c) => c,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return CANNOT_RUN;
        }
    };
    let outcomes = crate::cases::run(program, &cases);
    let failed = report_cases(program, &loaded.sources, &cases, &outcomes, out);
    let uncovered = if options.coverage || options.require_coverage {
        report_coverage(program, &outcomes, out)
    } else {
        0
    };
    if failed > 0 || (options.require_coverage && uncovered > 0) {
        FINDINGS
    } else {
        OK
    }
}

/// cargo-test-like lines; returns how many failed.
fn report_cases(
    program: &crate::ir::Program,
    sources: &Sources,
    cases: &[crate::cases::Case],
    outcomes: &[crate::cases::Outcome],
    out: &mut dyn Write,
) -> usize {
    let _ = writeln!(out, "\nrunning {} cases", outcomes.len());
    for o in outcomes {
        let _ = writeln!(
            out,
            "case {} ... {}",
            o.name,
            if o.passed { "ok" } else { "FAILED" }
        );
    }
    let failed: Vec<(&crate::cases::Case, &crate::cases::Outcome)> = cases
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| !o.passed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for (case, o) in &failed {
            let e = &o.expected;
            let (queue, owner, rule) = &o.actual;
            let _ = writeln!(out, "\n---- {} ----", o.name);
            let want = |label: &str, v: &Option<String>| v.as_ref().map(|v| format!("{label} {v}"));
            let expected: Vec<String> = [
                want("queue", &e.queue),
                want("owner", &e.owner),
                want("rule", &e.rule),
            ]
            .into_iter()
            .flatten()
            .collect();
            let _ = writeln!(out, "expected: {}", expected.join(", "));
            let _ = writeln!(
                out,
                "actual:   queue {}, owner {}, rule {}",
                or_none(queue),
                or_none(owner),
                or_none(rule)
            );
            let trace = crate::eval::explain::explain(program, &case.lead);
            let _ = out.write_all(
                crate::eval::explain::render_human(program, sources, &trace, None).as_bytes(),
            );
        }
    }
    let passed = outcomes.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    let _ = writeln!(
        out,
        "\ncase result: {verdict}. {passed} passed; {} failed",
        failed.len()
    );
    failed.len()
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

/// Rules no case reaches; returns how many.
fn report_coverage(
    program: &crate::ir::Program,
    outcomes: &[crate::cases::Outcome],
    out: &mut dyn Write,
) -> usize {
    let reached: Vec<usize> = outcomes
        .iter()
        .filter_map(|o| match o.decision {
            crate::ir::Decision::Routed { rule: Some(r), .. } => Some(r),
            _ => None,
        })
        .collect();
    let missing: Vec<String> = (0..program.rules.len())
        .filter(|r| !reached.contains(r))
        .map(|r| format!("\"{}\"", program.rules[r].name))
        .collect();
    let total = program.rules.len();
    let _ = writeln!(
        out,
        "coverage: {} of {total} rules reached by a case",
        total - missing.len()
    );
    if !missing.is_empty() {
        let _ = writeln!(out, "  no case reaches: {}", missing.join(", "));
    }
    missing.len()
}

/// `route state show --state DB`.
pub fn state_show(path: &Path, now: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let day = now.map_or_else(crate::distribute::date::today, String::from);
    match crate::distribute::sqlite::show(path, &day) {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            OK
        }
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            CANNOT_RUN
        }
    }
}

/// `route release [RULES] --state DB [--now T]`.
pub struct ReleaseOptions {
    /// `None`: the rule file the state's latest run or server recorded.
    pub rules: Option<PathBuf>,
    pub state: PathBuf,
    /// `YYYY-MM-DD` (its start) or `YYYY-MM-DDTHH:MM[:SS]Z`; default now.
    pub now: Option<String>,
    /// How long to wait for another process holding the state file.
    pub wait: std::time::Duration,
    pub color: bool,
}

/// `route release`: the releases that are due, written to `out` as CSV
/// (`key,queue,from_owner,to_owner,released_at,reason`); the rules give
/// each queue's release time, method and members.
pub fn release(options: &ReleaseOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    use crate::distribute::{date, live::LiveState, pool, Store};
    let Ok(clock) = now_instant(options.now.as_deref(), err) else {
        return CANNOT_RUN;
    };
    let loaded = match &options.rules {
        Some(rules) => load_for_use(rules, err, options.color),
        None => load_recorded_rules(&options.state, err, options.color),
    };
    let Some(loaded) = loaded else {
        return CANNOT_RUN;
    };
    let at = clock.unwrap_or_else(date::now_secs);
    let day = date::day_of(at);
    let distributor = Distributor::new(&loaded.program, &day, false);
    distributor.set_clock(at, has_time_of_day(options.now.as_deref()));
    let opened = LiveState::open(&options.state, options.wait, &day, "route release");
    let released = opened.and_then(|mut live| {
        let decision = format!("{}:release", live.run());
        let done = live.write(&day, |store| {
            store.decision(&decision);
            Ok::<_, ()>(pool::release_due(&distributor, store, at))
        });
        match done {
            Ok(Ok(released)) => Ok(released),
            Ok(Err(())) => Ok(vec![]),
            Err(e) => Err(e.message().to_string()),
        }
    });
    match released {
        Ok(released) => write_releases(&released, out, err),
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            CANNOT_RUN
        }
    }
}

/// The rules the state's latest `route run --state` or `route serve
/// --state` recorded, as the file is now: refused when no run recorded
/// any or the file is gone, with a warning when it changed since.
fn load_recorded_rules(state: &Path, err: &mut dyn Write, color: bool) -> Option<LoadedProgram> {
    let pass_rules = format!(
        "pass the rule file: `route release RULES --state {}`",
        state.display()
    );
    let recorded = match crate::distribute::sqlite::recorded_rules(state) {
        Ok(Some(recorded)) => recorded,
        Ok(None) => {
            let _ = writeln!(
                err,
                "error[no-recorded-rules]: no `route run --state` or `route serve --state` has recorded its rule file in {}\n  help: {pass_rules}",
                state.display()
            );
            return None;
        }
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return None;
        }
    };
    let path = &recorded.path;
    if !path.is_file() {
        let _ = writeln!(
            err,
            "error[recorded-rules-missing]: the rule file {} that run {} ({}) recorded in {} is gone\n  help: {pass_rules}",
            path.display(),
            recorded.run,
            recorded.input,
            state.display()
        );
        return None;
    }
    let loaded = load_for_use(path, err, color)?;
    let now = crate::fingerprint::of(&loaded.sources).sha256;
    if now != recorded.sha256 {
        let _ = writeln!(
            err,
            "warning[recorded-rules-changed]: {} or its data files changed since run {} ({}) recorded them (sha256 {} then, {} now); releasing with the files as they are now\n  help: to release with other rules, {pass_rules}",
            path.display(),
            recorded.run,
            recorded.input,
            short(&recorded.sha256),
            short(&now)
        );
    }
    let _ = writeln!(
        err,
        "route release: with the rules {}, recorded by run {}",
        path.display(),
        recorded.run
    );
    Some(loaded)
}

/// The first 12 digits of a hash, enough to tell two apart.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

fn write_releases(
    released: &[crate::distribute::pool::Released],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut csv = csv::Writer::from_writer(out);
    let header = [
        "key",
        "queue",
        "from_owner",
        "to_owner",
        "released_at",
        "reason",
    ];
    let mut written = csv.write_record(header);
    for r in released {
        let at = crate::distribute::date::format_instant(r.at);
        let row = [&r.key, &r.queue, &r.from, &r.to, &at, &r.reason];
        written = written.and_then(|()| csv.write_record(row));
    }
    match written.and_then(|()| csv.flush().map_err(csv::Error::from)) {
        Ok(()) => {
            let _ = writeln!(err, "route release: {} leads released", released.len());
            OK
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot write the releases: {e}");
            CANNOT_RUN
        }
    }
}

/// `route state reset --state DB --yes`.
pub fn state_reset(path: &Path, yes: bool, err: &mut dyn Write) -> u8 {
    if !yes {
        let _ = writeln!(err, "error: this forgets every rotation, count, sticky owner and past assignment in {}\n  help: add --yes to confirm", path.display());
        return CANNOT_RUN;
    }
    match crate::distribute::sqlite::reset(path) {
        Ok(()) => {
            let _ = writeln!(err, "route: {} is reset", path.display());
            OK
        }
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            CANNOT_RUN
        }
    }
}

/// `route fmt FILE...`: rewrite in canonical form; with `check`, only report.
pub fn fmt(files: &[PathBuf], check: bool, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut code = OK;
    for file in files {
        match format_file(file) {
            Err(message) => {
                let _ = err.write_all(message.as_bytes());
                code = CANNOT_RUN;
            }
            Ok((old, new)) if old == new => {}
            Ok((_, new)) if !check => {
                if let Err(e) = write_atomically(file, new.as_bytes()) {
                    let _ = writeln!(err, "error: cannot write {}: {e}", file.display());
                    code = CANNOT_RUN;
                } else {
                    let _ = writeln!(out, "formatted {}", file.display());
                }
            }
            Ok(_) => {
                let _ = writeln!(
                    out,
                    "{} is not formatted (run `route fmt {}`)",
                    file.display(),
                    file.display()
                );
                if code == OK {
                    code = FINDINGS;
                }
            }
        }
    }
    code
}

/// A rule file's text and its canonical form, checked to parse again and
/// to be stable under a second formatting.
fn format_file(file: &Path) -> Result<(String, String), String> {
    let bytes =
        std::fs::read(file).map_err(|e| format!("error: cannot read {}: {e}\n", file.display()))?;
    let text = crate::data::decode_utf8(bytes.clone()).map_err(|(l, c)| {
        format!(
            "error: {}:{l}:{c}: the rule file is not UTF-8 text\n",
            file.display()
        )
    })?;
    let old = String::from_utf8_lossy(&bytes).into_owned();
    let mut sources = Sources::default();
    let id = sources.add(&file.display().to_string(), text.clone());
    let ast = crate::syntax::parse(&text, id)
        .map_err(|d| diagnostics::render_human(&[*d], &sources, false))?;
    let new = crate::syntax::format::format(&text, &ast);
    let again = crate::syntax::parse(&new, id)
        .map(|ast| crate::syntax::format::format(&new, &ast))
        .map_err(|_| {
            format!(
                "error: route fmt could not format {} safely; the file is unchanged\n",
                file.display()
            )
        })?;
    if again != new {
        return Err(format!(
            "error: route fmt could not format {} stably; the file is unchanged\n",
            file.display()
        ));
    }
    Ok((old, new))
}

/// Replaces a file through a temporary file beside it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "rules".into(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.fmt-tmp"));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
