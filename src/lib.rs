//! `route`: a rule language for lead routing.
//!
//! The pipeline: [`syntax`] (text → AST) → [`check`] (names, types, lints →
//! [`ir`]) → [`compile`] (decision DAG) → [`eval`] (routing) → [`run`] (CSV
//! in/out); [`serve`] answers the same over HTTP. [`commands`] holds one
//! function per CLI subcommand.

pub mod analysis;
pub mod cases;
pub mod check;
pub mod commands;
pub mod compile;
pub mod data;
pub mod decimal;
pub mod diagnostics;
pub mod diff;
pub mod distribute;
pub mod eval;
pub mod fingerprint;
pub mod generate;
pub mod ir;
pub mod reader;
pub mod report;
pub mod run;
pub mod serve;
pub mod sql;
pub mod syntax;
pub mod values;

use diagnostics::{Diagnostic, Sources};
use std::path::Path;

/// A rule file read, parsed and checked.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// Present when the file has no error-level findings.
    pub program: Option<ir::Program>,
}

/// Reads and checks a rule file. `Err` when it cannot be read at all
/// (missing, or not UTF-8: the message names the line and column).
pub fn load(path: &Path) -> Result<Loaded, String> {
    let mut sources = Sources::default();
    let (diagnostics, program) = load_program(path, &mut sources)?;
    Ok(Loaded {
        sources,
        diagnostics,
        program,
    })
}

/// Like [`load`] for commands that route (`run`, `diff`, `explain`,
/// `test`): only the error-level findings, which decide whether the rules
/// may route; warnings are `route check`'s business and cost time.
pub fn load_for_routing(path: &Path) -> Result<Loaded, String> {
    let mut sources = Sources::default();
    let text = read_rules(path)?;
    let (mut diagnostics, program) = resolve_source(path, text, &mut sources);
    let program = program.and_then(|program| {
        diagnostics.extend(analysis::errors(&program));
        (!diagnostics.iter().any(Diagnostic::is_error)).then_some(program)
    });
    Ok(Loaded {
        sources,
        diagnostics,
        program,
    })
}

/// Like [`load`], adding to shared `sources` (for checking several files).
/// The program comes back whenever names, types and data files are sound,
/// even if the set analysis found errors (`route check --leads` sizes them).
pub fn load_into(
    path: &Path,
    sources: &mut Sources,
) -> Result<(Vec<Diagnostic>, Option<ir::Program>), String> {
    let text = read_rules(path)?;
    let (mut diagnostics, program) = resolve_source(path, text, sources);
    if let Some(program) = &program {
        diagnostics.extend(analysis::analyze(program));
    }
    Ok((diagnostics, program))
}

fn load_program(
    path: &Path,
    sources: &mut Sources,
) -> Result<(Vec<Diagnostic>, Option<ir::Program>), String> {
    Ok(check_source(path, read_rules(path)?, sources))
}

/// A rule file's text: UTF-8, a leading BOM skipped.
fn read_rules(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    data::decode_utf8(bytes).map_err(|(line, column)| {
        format!(
            "{}:{line}:{column}: the rule file is not UTF-8 text (first bad byte here)",
            path.display()
        )
    })
}

/// Parses and checks rule text, then runs the set analysis; data files
/// resolve relative to `path`. The program is returned only when no finding
/// is an error.
pub fn check_source(
    path: &Path,
    text: String,
    sources: &mut Sources,
) -> (Vec<Diagnostic>, Option<ir::Program>) {
    let (mut diagnostics, program) = resolve_source(path, text, sources);
    let Some(program) = program else {
        return (diagnostics, None);
    };
    diagnostics.extend(analysis::analyze(&program));
    let usable = !diagnostics.iter().any(Diagnostic::is_error);
    (diagnostics, usable.then_some(program))
}

/// Parses and checks rule text without the set analysis: the program is
/// there when names, types and data files are sound.
pub fn resolve_source(
    path: &Path,
    text: String,
    sources: &mut Sources,
) -> (Vec<Diagnostic>, Option<ir::Program>) {
    let file = sources.add(&path.display().to_string(), text);
    match syntax::parse(sources.text(file), file) {
        Err(d) => (vec![*d], None),
        Ok(ast) => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let checked = check::check(&ast, file, dir, sources);
            (checked.diagnostics, checked.program)
        }
    }
}
