//! `empty-queue` (error): a `round_robin` or `load_balance` queue with no members.
//!
//! Why: such a queue can hand a lead to nobody; leads would pile up unowned.
//! Fix: list members, or name a team that has rows in the reps file.
//!
//! ```route
//! queue west round_robin team "west"   # the reps file has no team "west"
//! ```

use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::Method;
use crate::syntax::ast::Members;

pub(super) fn check(c: &mut Checker) {
    for decl in &c.ast.queues {
        let Some(&q) = c.queues.get(&decl.name.node) else {
            continue;
        };
        let queue = &c.program.queues[q];
        if queue.span != decl.span
            || !matches!(queue.method, Method::RoundRobin | Method::LoadBalance)
            || !queue.members.is_empty()
        {
            continue;
        }
        let (message, help) = match &decl.members {
            Some(Members::Team(team)) if c.ast.reps.is_empty() => (
                format!(
                    "queue `{}` takes team \"{}\", but there is no reps file",
                    queue.name, team.node
                ),
                "declare `reps \"reps.csv\"` with the columns rep,team".to_string(),
            ),
            Some(Members::Team(team)) => (
                format!(
                    "queue `{}` has no members: no rep in the reps file is on team \"{}\"",
                    queue.name, team.node
                ),
                "add reps with that team to the reps file, or fix the team name".to_string(),
            ),
            _ => (
                format!(
                    "queue `{}` distributes leads but has no members",
                    queue.name
                ),
                "list members, e.g. [\"pat@acme.example\"], or use `team \"NAME\"`".to_string(),
            ),
        };
        let d = Diagnostic::error("empty-queue", &message)
            .at(c.file, decl.span.clone(), "no members")
            .help(&help);
        c.diags.push(d);
    }
}
