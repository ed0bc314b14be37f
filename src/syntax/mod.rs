//! Text → AST: the pest grammar, the typed AST with spans, and the parser.

pub mod ast;
pub mod format;
pub mod parser;

pub use parser::parse;

/// Where a scan over rule text is with respect to `"…"` strings, where
/// `\"` and `\\` are escapes.
#[derive(Default)]
pub(crate) struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    /// Takes the next character; whether it is inside a string opened
    /// before it (its closing quote is, its opening quote is not).
    pub(crate) fn step(&mut self, c: char) -> bool {
        if !self.inside {
            self.inside = c == '"';
            return false;
        }
        match (self.escaped, c) {
            (true, _) => self.escaped = false,
            (false, '\\') => self.escaped = true,
            (false, '"') => self.inside = false,
            _ => {}
        }
        true
    }
}
