//! Realistic test inputs made by the project itself: messy lead files and
//! large rule files, deterministic by seed, for tests and benchmarks.

mod leads;
mod rules;

pub use leads::write_leads;
pub use rules::write_rules;
