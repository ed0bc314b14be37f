//! Arbitrary bytes as a rule file: decode → parse → check → set analysis →
//! compile, the way `route check` and `route run` load rules. Nothing may
//! panic, hang or blow up; on top of that:
//!
//! * every diagnostic renders in every format;
//! * the compiled DAG decides like the reference first-match evaluator on
//!   the empty lead and on every witness the analysis gives;
//! * a `no-default` witness really matches no rule;
//! * `route fmt`'s canonical form parses again, is stable, and (when the
//!   file resolves) compiles to the same DAG.
//!
//! Data files resolve relative to the shipped `rules/` folder, so
//! `"data/accounts.csv"` and friends can be read; inline lists work anywhere.
#![no_main]

use libfuzzer_sys::fuzz_target;
use route::diagnostics::{self, Format, Sources};
use route::eval::{reference, Decoder, Lead};
use route::ir::{Program, Scalar};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn rules_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fuzz.route"))
}

/// Paths that could make a data-file read block or never end (`/dev/zero`,
/// `/proc/self/fd/0`, a FIFO): not what this target is about.
fn reads_special_files(text: &str) -> bool {
    [
        "dev/", "proc/", "sys/", "fd/", "/dev", "/proc", "/sys", "stdin",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// A witness as the lead it describes.
fn lead_of(program: &Program, witness: &[(String, String)]) -> Lead {
    let decoder = Decoder::new(program);
    let mut lead = Lead {
        values: vec![Scalar::Missing; program.bases.len()],
    };
    for (column, raw) in witness {
        let field = program
            .fields
            .iter()
            .position(|f| &f.column == column)
            .unwrap_or_else(|| panic!("witness column {column:?} is not a field's"));
        decoder.decode_field(field, raw, &mut lead);
    }
    lead
}

fn render_all(diags: &[diagnostics::Diagnostic], sources: &Sources) {
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = diagnostics::render(format, diags, sources, false);
    }
    let _ = diagnostics::render(Format::Human, diags, sources, true);
}

/// The program's DAG in text, when the text resolves.
fn dag_text(path: &Path, text: String) -> Option<String> {
    let mut sources = Sources::default();
    let (_, program) = route::resolve_source(path, text, &mut sources);
    let program = program?;
    let dag = route::compile::compile(&program);
    Some(route::compile::to_text(&program, &dag))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = route::data::decode_utf8(data.to_vec()) else {
        return;
    };
    if reads_special_files(&text) {
        return;
    }
    let path = rules_path();
    let mut sources = Sources::default();
    let (mut diags, program) = route::resolve_source(path, text.clone(), &mut sources);
    if let Some(program) = &program {
        diags.extend(route::analysis::analyze(program));
        let dag = route::compile::compile(program);
        let _ = route::compile::to_text(program, &dag);
        let _ = route::compile::to_dot(program, &dag);
        let empty = Lead {
            values: vec![Scalar::Missing; program.bases.len()],
        };
        assert_eq!(
            dag.decide(program, &empty),
            &reference::decide(program, &empty),
            "the DAG and the reference disagree on the empty lead"
        );
        for d in &diags {
            let Some(witness) = &d.witness else { continue };
            let lead = lead_of(program, witness);
            let expected = reference::decide(program, &lead);
            assert_eq!(
                dag.decide(program, &lead),
                &expected,
                "the DAG and the reference disagree on witness {witness:?}"
            );
            if d.code == "no-default" {
                assert_eq!(
                    expected,
                    route::ir::Decision::Unmatched,
                    "{}: witness {witness:?} is taken by a rule",
                    d.message
                );
            }
        }
    }
    render_all(&diags, &sources);

    // `route fmt`: parses again, stable, same meaning.
    let file = diagnostics::FileId(0);
    if let Ok(ast) = route::syntax::parse(sources.text(file), file) {
        let once = route::syntax::format::format(&text, &ast);
        let again = route::syntax::parse(&once, file)
            .unwrap_or_else(|d| panic!("the formatted text does not parse: {}\n{once}", d.message));
        let twice = route::syntax::format::format(&once, &again);
        assert_eq!(once, twice, "formatting twice changes the text");
        if program.is_some() {
            assert_eq!(
                dag_text(path, once.clone()),
                dag_text(path, text.clone()),
                "the formatted text means something else:\n{once}"
            );
        }
    }
});
