use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "route", version, about = "Lead routing rules: check, run, explain")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, type-check and lint rule files.
    Check { files: Vec<PathBuf> },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files } => {
            let mut ok = true;
            for f in files {
                match std::fs::read_to_string(&f) {
                    Ok(src) if route::syntax::parser::parses(&src) => {}
                    Ok(_src) => {
                        eprintln!("{}: {:?}", f.display(), route::syntax::parser::parse_error(&_src));
                        ok = false;
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", f.display());
                        return ExitCode::from(2);
                    }
                }
            }
            ExitCode::from(if ok { 0 } else { 1 })
        }
    }
}
