//! Lints over the resolved program, one file per code. Each file's doc
//! comment says what the lint finds, why it matters, and how to fix it.

mod empty_queue;
mod tiers;
mod unused;

use super::Checker;

pub(crate) fn run(c: &mut Checker) {
    unused::check(c);
    empty_queue::check(c);
    tiers::check(c);
}
