//! `unused` (warning): a queue, list, table or tier that nothing uses.
//!
//! Why: an unused declaration is usually a rule that was deleted or a typo
//! in a name, and leaves readers guessing. Fix: use it or delete it.
//!
//! ```route
//! queue emea round_robin ["a@x.com"]   # no rule sends leads here
//! ```

use super::Checker;
use crate::diagnostics::Diagnostic;

pub(super) fn check(c: &mut Checker) {
    let mut found = Vec::new();
    for (i, q) in c.program.queues.iter().enumerate() {
        if !c.usage.queues[i] {
            found.push(("queue", q.name.clone(), q.span.clone()));
        }
    }
    for (i, l) in c.lists.iter().enumerate() {
        if !c.usage.lists[i] {
            found.push(("list", l.name.clone(), l.span.clone()));
        }
    }
    for (i, t) in c.program.tables.iter().enumerate() {
        if !c.usage.tables[i] {
            found.push(("table", t.name.clone(), t.span.clone()));
        }
    }
    for (i, t) in c.program.tiers.iter().enumerate() {
        if !c.usage.tiers[i] {
            found.push(("tier", t.name.clone(), t.span.clone()));
        }
    }
    found.sort_by_key(|(_, _, span)| span.start);
    for (kind, name, span) in found {
        let d = Diagnostic::warning("unused", &format!("{kind} `{name}` is never used"))
            .at(c.file, span, "declared here, used nowhere")
            .help(&format!("use the {kind} in a rule, or delete it"));
        c.report(d);
    }
}
