//! The set-analysis lints, one file per code.

pub mod no_default;
pub mod overlapping_rules;
pub mod unreachable_rule;
