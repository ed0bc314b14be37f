//! Arbitrary bytes as a data file (a list, a keyed table, a range table or
//! the reps file) read by a fixed rule file, through parse → check → set
//! analysis → compile, as `route check` and `route run` load them. The
//! rule text can only hold inline lists, so this is where list, table and
//! reps files are fuzzed. Nothing may panic, hang or blow up; the DAG
//! decides like the reference evaluator on the empty lead and on every
//! witness; every diagnostic renders.
//!
//! The first byte picks how the file is read (which declaration, and the
//! type of the value it is compared with); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use route::diagnostics::{self, Format, Sources};
use route::eval::{reference, Decoder, Lead};
use route::ir::{Program, Scalar};
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("route-fuzz-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        dir
    })
}

const TYPES: [&str; 10] = [
    "text", "number", "money", "zip", "email", "domain", "country", "state", "phone", "company",
];

/// The rule file for a selector: how `data.csv` is read.
fn rules(selector: u8) -> String {
    let ty = TYPES[usize::from(selector >> 2) % TYPES.len()];
    let value = match ty {
        "email" => "v.domain",
        _ => "v",
    };
    let fields = format!("field v {ty} \"V\"\nfield w text \"W\"\n");
    let tail = "queue a\nqueue b\nqueue c round_robin team \"t\"\ndefault to b\n";
    match selector & 3 {
        0 => format!(
            "{fields}list l \"data.csv\"\n\
             rule \"In\" when {value} in l to a\n\
             rule \"Out\" when {value} not in l and w is present to c\n{tail}\
             reps \"reps.csv\"\n"
        ),
        1 => format!(
            "{fields}table t \"data.csv\" key \"key\"\n\
             rule \"In\" when {value} in t to t[{value}].queue\n\
             rule \"Cell\" when t[w].queue is \"x\" to a\n{tail}\
             reps \"reps.csv\"\n"
        ),
        2 => format!(
            "field v number \"V\"\nfield w text \"W\"\n\
             table t \"data.csv\" range from \"to\"\n\
             rule \"In\" when v in t to t[v].queue\n\
             rule \"Not\" when v not in t and t[v].queue is missing to a\n{tail}\
             reps \"reps.csv\"\n"
        ),
        _ => format!(
            "{fields}reps \"data.csv\"\n\
             rule \"T\" when w is \"x\" to c\n{tail}\
             queue d load_balance team \"u\" {{\n  cap 3 per day\n  overflow to a\n}}\n\
             rule \"D\" when {value} is present to d\n"
        ),
    }
}

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

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let dir = dir();
    std::fs::write(dir.join("data.csv"), file).expect("the data file is written");
    std::fs::write(
        dir.join("reps.csv"),
        "rep,team,weight,daily_cap\nr1@x.example,t,1,\nr2@x.example,t,2,5\n",
    )
    .expect("the reps file is written");
    let path = dir.join("fuzz.route");
    let mut sources = Sources::default();
    let (mut diags, program) = route::resolve_source(&path, rules(selector), &mut sources);
    if let Some(program) = &program {
        diags.extend(route::analysis::analyze(program));
        let dag = route::compile::compile(program);
        let _ = route::compile::to_text(program, &dag);
        let empty = Lead {
            values: vec![Scalar::Missing; program.bases.len()],
        };
        assert_eq!(
            dag.decide(program, &empty),
            &reference::decide(program, &empty)
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
                assert_eq!(expected, route::ir::Decision::Unmatched, "{witness:?}");
            }
        }
        // Distribution over whatever members the file gave.
        let distributor = route::distribute::Distributor::new(program, "2026-11-25", false);
        let mut store = route::distribute::MemoryStore::default();
        for _ in 0..3 {
            let decision = dag.decide(program, &empty).clone();
            let _ = distributor.assign(&mut store, &decision, &empty, Some("k"), None);
        }
    } else {
        assert!(
            diags.iter().any(diagnostics::Diagnostic::is_error),
            "no program and no error"
        );
    }
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = diagnostics::render(format, &diags, &sources, false);
    }
});
