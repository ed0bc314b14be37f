//! AST → resolved [`Program`]: names bound, types checked, literals
//! normalized, data files loaded. Lints live in [`lints`], one file each.

mod data_files;
mod declarations;
pub mod lints;
mod names;
mod resolve;

use crate::diagnostics::{Diagnostic, FileId, Sources};
use crate::ir::Program;
use crate::syntax::ast;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use names::closest;

/// The outcome of checking one rule file.
pub struct Checked {
    /// `None` when errors leave nothing sound to route with.
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a list value was written: a data file line or a literal in the rules.
#[derive(Clone, Debug)]
pub(crate) struct Loc {
    pub file: FileId,
    pub span: std::ops::Range<usize>,
    /// 1-based line in a data file; 0 for a literal in the rule file.
    pub line: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct LoadedList {
    pub name: String,
    pub values: Vec<(ast::Literal, Loc)>,
    pub span: std::ops::Range<usize>,
}

/// Which declarations something refers to, for the `unused` lint.
#[derive(Default)]
pub(crate) struct Usage {
    pub queues: Vec<bool>,
    pub lists: Vec<bool>,
    pub tables: Vec<bool>,
    pub tiers: Vec<bool>,
}

pub(crate) struct Checker<'a> {
    pub ast: &'a ast::File,
    pub file: FileId,
    pub dir: PathBuf,
    pub sources: &'a mut Sources,
    pub diags: Vec<Diagnostic>,
    pub program: Program,
    pub fields: HashMap<String, usize>,
    pub tiers: HashMap<String, usize>,
    pub lists: Vec<LoadedList>,
    pub list_names: HashMap<String, usize>,
    pub tables: HashMap<String, usize>,
    pub queues: HashMap<String, usize>,
    pub usage: Usage,
    /// Set when a declaration failed badly enough that routing must not run.
    pub broken: bool,
    /// Names whose declaration already has an error: uses of them say nothing more.
    pub poisoned: std::collections::HashSet<String>,
}

/// Checks a parsed rule file. Data files are read relative to `dir` and
/// added to `sources` so diagnostics can point into them.
pub fn check(ast: &ast::File, file: FileId, dir: &Path, sources: &mut Sources) -> Checked {
    let program = Program {
        name: ast.header.as_ref().map(|h| h.node.clone()),
        file,
        fields: vec![],
        bases: vec![],
        tiers: vec![],
        tables: vec![],
        indexes: vec![],
        reps: vec![],
        queues: vec![],
        rules: vec![],
        default: None,
        default_span: None,
    };
    let mut c = Checker {
        ast,
        file,
        dir: dir.to_path_buf(),
        sources,
        diags: vec![],
        program,
        fields: HashMap::new(),
        tiers: HashMap::new(),
        lists: vec![],
        list_names: HashMap::new(),
        tables: HashMap::new(),
        queues: HashMap::new(),
        usage: Usage::default(),
        broken: false,
        poisoned: Default::default(),
    };
    c.declare_fields();
    c.declare_tiers();
    c.declare_lists();
    c.declare_tables();
    c.declare_reps();
    c.declare_queues();
    c.resolve_queue_options();
    c.resolve_rules();
    c.resolve_default();
    c.check_unread_tables();
    lints::run(&mut c);
    let failed = c.broken || c.diags.iter().any(Diagnostic::is_error);
    let program = (!failed).then_some(c.program);
    Checked {
        program,
        diagnostics: c.diags,
    }
}

impl Checker<'_> {
    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// An error at a span of the rule file.
    pub fn error(
        &mut self,
        code: &'static str,
        span: std::ops::Range<usize>,
        message: &str,
        label: &str,
        help: &str,
    ) {
        let d = Diagnostic::error(code, message)
            .at(self.file, span, label)
            .help(help);
        self.diags.push(d);
    }
}
