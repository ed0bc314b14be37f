use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use route::commands::{
    self, CheckOptions, Emit, ExplainOptions, LeadSource, RunOptions, TestOptions,
};
use route::diagnostics::Format;
use route::run::Encoding;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "route",
    version,
    about = "Lead routing rules you can test, diff and explain"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, type-check and lint rule files.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = FormatArg::Human)]
        format: FormatArg,
        /// `--deny warnings`: warnings fail the check too.
        #[arg(long, value_name = "warnings")]
        deny: Option<DenyArg>,
        /// Size each overlap and gap by how many of these leads fall in it.
        #[arg(long, value_name = "FILE.csv")]
        leads: Option<PathBuf>,
        /// The leads file's encoding: utf-8, windows-1252 or latin1.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Also write the findings as one self-contained HTML page, with
        /// their source lines and example leads.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
    },
    /// Route every lead of a CSV file.
    Run {
        rules: PathBuf,
        /// The lead CSV file; `-` reads standard input.
        input: PathBuf,
        /// Where the routed CSV goes (default, or `-`: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Where rejected rows go (default: OUT.rejects.csv beside the output).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The run date, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        now: Option<String>,
        /// The lead file's encoding: utf-8, windows-1252 or latin1.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Also name the rules no lead reached.
        #[arg(long)]
        coverage: bool,
        /// Keep rotations, daily counts, sticky owners and a ledger of every
        /// assignment in this SQLite file (without it, every run starts fresh).
        #[arg(long, value_name = "DB")]
        state: Option<PathBuf>,
        /// Wait for another run using the same --state instead of failing.
        #[arg(long, requires = "state")]
        wait: bool,
        /// Decide leads whose key is already in the ledger again.
        #[arg(long, requires = "state")]
        reroute: bool,
        /// Threads that normalize and decide leads (default: the machine's
        /// cores, one fewer with --state, whose ledger writer takes one).
        /// The output is the same for every value.
        #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// Neutralize output cells a spreadsheet would run as a formula
        /// (starting with = + - @, tab or CR): they become quoted text with
        /// a leading '. Off by default: input columns pass through unchanged.
        #[arg(long)]
        excel_safe: bool,
        /// No progress bar (shown on stderr only when it is a terminal).
        #[arg(long)]
        no_progress: bool,
        /// Also write the run as one self-contained HTML page: queues,
        /// owners and caps, rules, unmatched and rejected leads.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
    },
    /// Route leads over HTTP: POST /v1/route (see docs/serve.md).
    Serve {
        rules: PathBuf,
        /// Keep rotations, counts, sticky owners and the ledger in this
        /// SQLite file, shared with `route run --state` (without it, they
        /// live in memory from start-up).
        #[arg(long, value_name = "DB")]
        state: Option<PathBuf>,
        /// The address to listen on; port 0 takes any free port.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
        listen: String,
        /// A fixed time: YYYY-MM-DD (its start) or YYYY-MM-DDTHH:MM:SSZ,
        /// UTC (default: the clock, for each request).
        #[arg(long)]
        now: Option<String>,
        /// The largest request body, in bytes.
        #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
        max_body: usize,
        /// Seconds a request may take, reading its body included (and a
        /// connection to send a request's headers).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), value_name = "SECONDS")]
        timeout: u64,
        /// Seconds a request waits for another process (a `route run`)
        /// holding the --state file before it is answered 503.
        #[arg(long, default_value_t = 5, requires = "state", value_name = "SECONDS")]
        state_wait: u64,
        /// Reload the rules when the rule file or a data file changes
        /// (SIGHUP reloads them in any case).
        #[arg(long)]
        watch: bool,
        /// Log every decision (routed, claimed, outcome, released) as one
        /// JSON line to this file, appended to; - is stderr (the default).
        #[arg(long, value_name = "FILE", default_value = "-")]
        decision_log: PathBuf,
        /// Log no decisions.
        #[arg(long, conflicts_with = "decision_log")]
        no_decision_log: bool,
    },
    /// Hand back leads held past their queue's `release after` (to the
    /// pool, or the next member); the moves as CSV on stdout.
    Release {
        /// The rule file (default: the one the state's latest `route run
        /// --state` or `route serve --state` recorded).
        rules: Option<PathBuf>,
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The time to release as of: YYYY-MM-DD (its start) or
        /// YYYY-MM-DDTHH:MM:SSZ, UTC (default: now).
        #[arg(long)]
        now: Option<String>,
        /// Wait for another process holding the state file as long as it takes.
        #[arg(long)]
        wait: bool,
    },
    /// Look at or clear a --state file.
    State {
        #[command(subcommand)]
        action: StateAction,
    },
    /// Explain why a lead goes where it goes.
    Explain {
        rules: PathBuf,
        /// A lead file to take the lead from (with --row or --id).
        input: Option<PathBuf>,
        /// The lead itself: "Column=value,Column=value".
        #[arg(long, conflicts_with_all = ["input", "row", "id"])]
        lead: Option<String>,
        /// The Nth lead of INPUT (1 is the first row after the header).
        #[arg(long, requires = "input", conflicts_with = "id")]
        row: Option<usize>,
        /// The lead of INPUT whose key field holds this value.
        #[arg(long, requires = "input")]
        id: Option<String>,
        /// Also show how this lead could reach this queue, through each rule that sends leads there.
        #[arg(long, value_name = "QUEUE")]
        why_not: Option<String>,
        /// Show who would get the lead given this state file (read only).
        #[arg(long, value_name = "DB")]
        state: Option<PathBuf>,
        /// The date for distribution, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        now: Option<String>,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
        format: ExplainFormat,
        /// The lead file's encoding: utf-8, windows-1252 or latin1.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
    },
    /// Run expected-destination test cases.
    Test {
        rules: PathBuf,
        /// The cases file (default: RULES with .test.yaml for .route).
        cases: Option<PathBuf>,
        /// Name the rules no case reaches.
        #[arg(long)]
        coverage: bool,
        /// Fail when some rule is reached by no case.
        #[arg(long)]
        require_coverage: bool,
    },
    /// Rewrite rule files in canonical form.
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only report files that are not formatted (exit 1).
        #[arg(long)]
        check: bool,
    },
    /// Show the compiled decision DAG, or the rules as a SQL query.
    Compile {
        rules: PathBuf,
        #[arg(long, value_enum, default_value_t = EmitArg::Dag)]
        emit: EmitArg,
        /// `--emit sql`: the SQL dialect.
        #[arg(long, value_enum, default_value_t = DialectArg::Duckdb)]
        dialect: DialectArg,
        /// `--emit sql`: the table (or view) of leads the query reads.
        #[arg(long, default_value = "leads")]
        table: String,
        /// `--emit sql`: the run date, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        now: Option<String>,
        /// `--emit sql`: a column that orders the leads (default: the
        /// table's scan order).
        #[arg(long)]
        order_by: Option<String>,
    },
    /// Route the same leads with two rule files and show what would move
    /// (exit 0: nothing moves, 1: some leads move).
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// The lead CSV file; `-` reads standard input.
        input: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: DiffFormatArg,
        /// The lead file's encoding: utf-8, windows-1252 or latin1.
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Also write the diff as one self-contained HTML page: a heat map
        /// of the moves, their rules and sample leads.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
    },
    /// Write realistic, messy sample leads (deterministic by seed).
    Generate {
        #[arg(long, default_value_t = 1000)]
        rows: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write a territory rule file with this many rules instead of leads.
        #[arg(long)]
        rules: Option<usize>,
        /// Where they go (default, or `-`: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Print a completion script for bash, zsh, fish, powershell or elvish.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of route, or of one of its commands.
    #[command(visible_alias = "manpage")]
    Man {
        /// The command whose page to print, e.g. `check` or `state show`.
        command: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Subcommand)]
enum StateAction {
    /// Rotation positions, today's counts per member, ledger size.
    Show {
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The day whose counts to show, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        now: Option<String>,
    },
    /// Forget rotations, counts, sticky owners and the ledger.
    Reset {
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// Confirms the reset.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExplainFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DenyArg {
    Warnings,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormatArg {
    Human,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum EmitArg {
    Dot,
    Dag,
    Mermaid,
    Sql,
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Duckdb,
    Spark,
    Postgres,
}

/// One deciding thread per core, but for the core a `--state` run's ledger
/// writer keeps busy: on 2 cores, a million leads with `--state` took
/// 1.62-1.82 s with one deciding thread and 1.89-2.09 s with two.
fn default_jobs(state: bool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(usize::from(state)).max(1)
}

/// The encoding a flag names; says so on stderr when it names none.
fn encoding_named(label: &str) -> Option<Encoding> {
    let found = Encoding::from_label(label);
    if found.is_none() {
        eprintln!("error: unknown encoding `{label}`\n  help: use utf-8, windows-1252 or latin1");
    }
    found
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let code = match cli.command {
        Command::Check {
            files,
            format,
            deny,
            leads,
            encoding,
            report,
        } => {
            let Some(encoding) = encoding_named(&encoding) else {
                return ExitCode::from(commands::CANNOT_RUN);
            };
            let format = match format {
                FormatArg::Human => Format::Human,
                FormatArg::Json => Format::Json,
                FormatArg::Sarif => Format::Sarif,
                FormatArg::Github => Format::Github,
            };
            let color = color && std::io::stdout().is_terminal() && format == Format::Human;
            let options = CheckOptions {
                format,
                deny_warnings: deny.is_some(),
                color,
                leads,
                encoding,
                report,
            };
            commands::check(&files, &options, &mut out, &mut err)
        }
        Command::Run {
            rules,
            input,
            output,
            rejects,
            now,
            encoding,
            coverage,
            state,
            wait,
            reroute,
            jobs,
            excel_safe,
            no_progress,
            report,
        } => {
            let Some(encoding) = encoding_named(&encoding) else {
                return ExitCode::from(commands::CANNOT_RUN);
            };
            drop(out);
            let jobs = jobs.map_or_else(|| default_jobs(state.is_some()), usize::from);
            let options = RunOptions {
                rules,
                input,
                output: output.filter(|path| path.as_os_str() != "-"),
                rejects,
                encoding,
                now,
                coverage,
                state,
                wait,
                reroute,
                jobs,
                excel_safe,
                progress: !no_progress,
                color,
                report,
            };
            commands::run(&options, &mut err)
        }
        Command::Explain {
            rules,
            input,
            lead,
            row,
            id,
            why_not,
            state,
            now,
            format,
            encoding,
        } => {
            let Some(encoding) = encoding_named(&encoding) else {
                return ExitCode::from(commands::CANNOT_RUN);
            };
            let lead = match (lead, input, row, id) {
                (Some(text), _, _, _) => LeadSource::Given(text),
                (None, Some(input), Some(n), _) => LeadSource::Row(input, n),
                (None, Some(input), None, Some(key)) => LeadSource::Id(input, key),
                _ => {
                    eprintln!("error: say which lead to explain\n  help: --lead \"Column=value,...\", or INPUT --row N, or INPUT --id KEY");
                    return ExitCode::from(commands::CANNOT_RUN);
                }
            };
            let options = ExplainOptions {
                rules,
                lead,
                why_not,
                state,
                now,
                json: matches!(format, ExplainFormat::Json),
                encoding,
                color,
            };
            commands::explain(&options, &mut out, &mut err)
        }
        Command::Serve {
            rules,
            state,
            listen,
            now,
            max_body,
            timeout,
            state_wait,
            watch,
            decision_log,
            no_decision_log,
        } => {
            // Not locked for the server's lifetime: its threads write to
            // stderr too (a panic's message), and would wait forever.
            drop(out);
            drop(err);
            let options = route::serve::ServeOptions {
                rules,
                state,
                listen,
                now,
                max_body,
                timeout: std::time::Duration::from_secs(timeout),
                state_wait: std::time::Duration::from_secs(state_wait),
                watch,
                decision_log: (!no_decision_log)
                    .then(|| route::serve::DecisionLog::parse(&decision_log)),
                color,
            };
            route::serve::serve(&options, &mut std::io::stderr())
        }
        Command::Release {
            rules,
            state,
            now,
            wait,
        } => {
            let options = commands::ReleaseOptions {
                rules,
                state,
                now,
                wait: if wait {
                    route::distribute::sqlite::WAIT_FOREVER
                } else {
                    route::distribute::sqlite::FAIL_FAST
                },
                color,
            };
            commands::release(&options, &mut out, &mut err)
        }
        Command::State { action } => match action {
            StateAction::Show { state, now } => {
                commands::state_show(&state, now.as_deref(), &mut out, &mut err)
            }
            StateAction::Reset { state, yes } => commands::state_reset(&state, yes, &mut err),
        },
        Command::Fmt { files, check } => commands::fmt(&files, check, &mut out, &mut err),
        Command::Test {
            rules,
            cases,
            coverage,
            require_coverage,
        } => {
            let options = TestOptions {
                rules,
                cases,
                coverage,
                require_coverage,
                color,
            };
            commands::test(&options, &mut out, &mut err)
        }
        Command::Compile {
            rules,
            emit,
            dialect,
            table,
            now,
            order_by,
        } => {
            let emit = match emit {
                EmitArg::Dot => Emit::Dot,
                EmitArg::Dag => Emit::Dag,
                EmitArg::Mermaid => Emit::Mermaid,
                EmitArg::Sql => {
                    let dialect = match dialect {
                        DialectArg::Duckdb => route::sql::Dialect::DuckDb,
                        DialectArg::Spark => route::sql::Dialect::Spark,
                        DialectArg::Postgres => route::sql::Dialect::Postgres,
                    };
                    let options = route::sql::SqlOptions {
                        dialect,
                        table,
                        now: now.unwrap_or_else(route::distribute::date::today),
                        order_by,
                    };
                    let code = commands::compile_sql(&rules, &options, &mut out, &mut err, color);
                    return ExitCode::from(code);
                }
            };
            commands::compile_rules(&rules, emit, &mut out, &mut err, color)
        }
        Command::Diff {
            old,
            new,
            input,
            format,
            encoding,
            report,
        } => {
            let Some(encoding) = encoding_named(&encoding) else {
                return ExitCode::from(commands::CANNOT_RUN);
            };
            let format = match format {
                DiffFormatArg::Human => commands::DiffFormat::Human,
                DiffFormatArg::Json => commands::DiffFormat::Json,
                DiffFormatArg::Csv => commands::DiffFormat::Csv,
            };
            let options = commands::DiffOptions {
                old,
                new,
                input,
                encoding,
                format,
                color,
                report,
            };
            commands::diff(&options, &mut out, &mut err)
        }
        Command::Generate {
            rows,
            seed,
            rules,
            output,
        } => {
            drop(out);
            let output = output.filter(|path| path.as_os_str() != "-");
            commands::generate(rows, seed, rules, output.as_deref(), &mut err)
        }
        Command::Completions { shell } => commands::completions(shell, Cli::command(), &mut out),
        Command::Man { command } => {
            commands::man_page(Cli::command(), &command, &mut out, &mut err)
        }
    };
    ExitCode::from(code)
}
