//! `route`: a rule language for lead routing.
//!
//! The pipeline: [`syntax`] (text → AST) → check (names, types, lints) →
//! compile (decision DAG) → eval (routing, explain) → run (CSV in/out).

pub mod syntax;
pub mod values;
