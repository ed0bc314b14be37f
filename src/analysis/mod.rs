//! Set analysis over the rules: which leads each rule can take, exactly.
pub mod strings;
