//! Text → AST: the pest grammar, the typed AST with spans, and the parser.

pub mod ast;
pub mod format;
pub mod parser;

pub use parser::parse;
