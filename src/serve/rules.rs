//! The rules a server routes with, loaded and checked once at start-up as
//! `route run` loads them, with the SHA-256 of every file they were read
//! from (so `/v1/health` tells which version of the rules is live; see
//! [`crate::fingerprint`]).

use crate::compile::{self, Dag};
use crate::diagnostics::Sources;
use crate::distribute::Outcome;
use crate::eval::explain::RawLead;
use crate::eval::Decoder;
use crate::fingerprint::{self, Fingerprint};
use crate::ir::{Decision, Program};
use serde_json::{json, Value as Json};
use std::io::Write;
use std::path::Path;

pub struct Rules {
    pub program: Program,
    pub sources: Sources,
    pub dag: Dag,
    pub decoder: Decoder,
    /// Each file's name and SHA-256, the rule file first, then data files.
    pub files: Vec<(String, String)>,
    /// The SHA-256 of all of them together: one value per version of the rules.
    pub sha256: String,
    /// The files on disk they were read from, which `--watch` looks at.
    pub paths: Vec<String>,
}

impl Rules {
    /// Loads the rules; on errors, prints them to `err` (as `route run`
    /// does) and gives `None`.
    pub fn load(path: &Path, err: &mut dyn Write, color: bool) -> Option<Rules> {
        let loaded = crate::commands::load_for_use(path, err, color)?;
        let dag = compile::compile(&loaded.program);
        let decoder = Decoder::new(&loaded.program);
        let Fingerprint { files, sha256 } = fingerprint::of(&loaded.sources);
        let paths = loaded
            .sources
            .paths()
            .into_iter()
            .map(String::from)
            .collect();
        Some(Rules {
            paths,
            program: loaded.program,
            sources: loaded.sources,
            dag,
            decoder,
            files,
            sha256,
        })
    }

    /// `/v1/health`'s account of the rules.
    pub fn health(&self) -> Json {
        let (rules, data) = self
            .files
            .split_first()
            .map_or((None, &[][..]), |(r, d)| (Some(r), d));
        let file = |(name, sha256): &(String, String)| json!({ "file": name, "sha256": sha256 });
        json!({
            "name": self.program.name,
            "file": rules.map(file),
            "data_files": data.iter().map(file).collect::<Vec<_>>(),
            "sha256": self.sha256,
        })
    }

    /// The explain trace of a routed lead, as `route explain --format json`
    /// gives it, with the distribution steps the routing took.
    pub fn explain(
        &self,
        cells: &[Option<String>],
        why_not: Option<&str>,
        outcome: &Outcome,
        steps: String,
    ) -> Json {
        let raw: RawLead = self
            .program
            .fields
            .iter()
            .zip(cells)
            .filter_map(|(f, c)| Some((f.column.clone(), c.clone()?)))
            .collect();
        let mut trace = crate::eval::explain::explain(&self.program, &raw);
        if !matches!(trace.decision, Decision::Unmatched) {
            trace.distribution = Some((outcome.assignment.clone(), steps));
        }
        let why_not = why_not.map(|queue| {
            let answers = crate::commands::why_not_queue(&self.program, &raw, queue);
            (queue, answers.unwrap_or_default())
        });
        crate::eval::explain::trace_json(&self.program, &self.sources, &trace, why_not.as_ref())
    }

    /// Checks a queue name for `why_not`: the error says the closest name.
    pub fn check_queue(&self, queue: &str) -> Result<(), String> {
        crate::commands::check_queue_name(&self.program, queue)
    }
}
