//! Set analysis over the rules: which leads each rule can take, exactly.
//!
//! Every rule becomes a decision diagram over the atoms of the values it
//! reads (see `docs/analysis.md`). A rule is unreachable when the leads it
//! takes, minus those earlier rules take, is empty; two rules overlap when
//! some lead is taken by both and sent to different places; `no-default`
//! asks whether any lead is taken by no rule. Emptiness is decided exactly
//! (`witness::find`), and every finding about leads carries an example lead.

mod lints;
pub mod strings;
pub mod why_not;
pub mod witness;

use crate::compile::{Mdd, NodeId, Op, NEXT, TRUE};
use crate::diagnostics::Diagnostic;
use crate::ir::Program;
use witness::Found;

/// The set-analysis findings of a checked program.
pub fn analyze(program: &Program) -> Vec<Diagnostic> {
    analyze_with(program, true)
}

/// The error-level findings only (`unreachable-rule`, `no-default`): what
/// decides whether a program may route. Overlaps, the costliest lint with
/// their witness leads, are only warnings.
pub fn errors(program: &Program) -> Vec<Diagnostic> {
    analyze_with(program, false)
}

fn analyze_with(program: &Program, overlaps: bool) -> Vec<Diagnostic> {
    let mut a = Analysis::new(program);
    let mut out = Vec::new();
    // The leads no earlier rule takes; kept rather than its complement so
    // that each step only touches the region of the new rule.
    let mut untaken = TRUE;
    // Per lead, the first earlier rule that takes it (NEXT: none does).
    let mut first = NEXT;
    for i in 0..program.rules.len() {
        let fresh = a.both(a.takes[i], untaken);
        match a.find(fresh) {
            Found::Empty => out.push(lints::unreachable_rule::finding(&mut a, i)),
            Found::Unknown(why) => out.push(lints::unreachable_rule::uncertain(&a, i, &why)),
            Found::Lead(_) if overlaps => {
                out.extend(lints::overlapping_rules::findings(&mut a, i, first))
            }
            Found::Lead(_) => {}
        }
        a.fresh.push(fresh);
        untaken = a.minus(untaken, a.takes[i]);
        first = a.m.apply(Op::Chain, first, a.routes[i]);
        a.m.forget();
    }
    out.extend(lints::no_default::finding(&mut a, untaken));
    out
}

/// The diagrams of one program's rules.
pub(crate) struct Analysis<'a> {
    pub program: &'a Program,
    pub m: Mdd<'a>,
    /// Per rule: where it sends each lead it takes (leaves) or NEXT.
    pub routes: Vec<NodeId>,
    /// Per rule: the set of leads it takes.
    pub takes: Vec<NodeId>,
    /// Per rule analysed so far: the leads it is the first to take.
    pub fresh: Vec<NodeId>,
}

impl<'a> Analysis<'a> {
    fn new(program: &'a Program) -> Self {
        let mut m = Mdd::new(program);
        let routes: Vec<NodeId> = (0..program.rules.len()).map(|i| m.rule(i)).collect();
        let takes = routes.iter().map(|r| m.apply(Op::Takes, *r, *r)).collect();
        Analysis {
            program,
            m,
            routes,
            takes,
            fresh: Vec::new(),
        }
    }

    pub fn find(&self, set: NodeId) -> Found {
        witness::find(self.program, &self.m, set)
    }

    /// Leads in `a` but not in `b`.
    pub fn minus(&mut self, a: NodeId, b: NodeId) -> NodeId {
        let not_b = self.m.apply(Op::Not, b, b);
        self.m.apply(Op::And, a, not_b)
    }

    pub fn both(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.m.apply(Op::And, a, b)
    }

    /// Where a rule's diagnostics point: `rule "NAME"`.
    pub fn rule_span(&self, i: usize) -> std::ops::Range<usize> {
        let r = &self.program.rules[i];
        r.span.start..r.name_span.end
    }
}
