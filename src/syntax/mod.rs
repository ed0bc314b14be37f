//! Text → AST: the pest grammar, the typed AST with spans, and the parser.

pub mod parser;
