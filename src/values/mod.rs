//! Normalization of raw CSV text into typed values, one file per field type.
//!
//! Every function here takes the raw (untrimmed) text of one cell and returns
//! `None` when the value is missing: empty, a placeholder, or unreadable as the
//! type. `is_placeholder` tells the two apart so the run summary can count
//! unreadable values without counting placeholders.

pub mod company;
pub mod country;
pub mod email;
pub mod missing;
pub mod number;
pub mod phone;
pub mod state;
pub mod text;
pub mod zip;

pub use country::Country;
pub use missing::is_placeholder;
pub use phone::Phone;
pub use state::State;
