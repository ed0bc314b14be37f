//! Large territory rule files: ZIP ranges × size tiers × states × domain
//! suffixes, the shape of a real territory plan, for the `route check`
//! benchmark.

use std::io::{self, Write};

const STATES: &[&str] = &["CA", "NY", "TX", "WA", "FL", "IL", "MA", "CO", "GA", "OR"];
const TIERS: &[&str] = &["smb", "mid", "ent"];
const SUFFIXES: &[&str] = &[".com", ".org", ".io", ".net"];
const QUEUES: usize = 40;

/// Writes a rule file of about `rules` rules: each ZIP range is split by
/// tier and domain suffix, and tied to one state.
pub fn write_rules<W: Write>(mut out: W, rules: usize) -> io::Result<()> {
    writeln!(out, "routing \"Generated territories\"\n")?;
    writeln!(out, "field email     email  \"Email\"")?;
    writeln!(out, "field state     state  \"State\"")?;
    writeln!(out, "field zip       zip    \"Postal Code\"")?;
    writeln!(out, "field employees number \"Employees\"\n")?;
    writeln!(
        out,
        "tier size by employees {{\n  smb < 100\n  mid 100..999\n  ent >= 1000\n}}\n"
    )?;
    for q in 0..QUEUES {
        writeln!(out, "queue territory_{q}")?;
    }
    writeln!(out, "queue unassigned\n")?;
    let per_range = TIERS.len() * SUFFIXES.len();
    let ranges = rules.div_ceil(per_range).max(1);
    let width = (100_000 / ranges).max(1);
    let mut written = 0;
    'ranges: for r in 0..ranges {
        let (from, to) = (r * width, (r * width + width - 1).min(99_999));
        let state = STATES[r % STATES.len()];
        for (t, tier) in TIERS.iter().enumerate() {
            for (s, suffix) in SUFFIXES.iter().enumerate() {
                if written == rules {
                    break 'ranges;
                }
                let queue = (r * per_range + t * SUFFIXES.len() + s) % QUEUES;
                writeln!(
                    out,
                    "rule \"Territory {r} {tier} {suffix}\"\n  when zip in {from:05}..{to:05} and size is {tier} and state is \"{state}\" and email.domain ends with \"{suffix}\"\n  to territory_{queue}\n"
                )?;
                written += 1;
            }
        }
    }
    writeln!(out, "default to unassigned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_asked_number_of_rules_that_check_clean() {
        let mut text = Vec::new();
        write_rules(&mut text, 100).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.matches("\nrule \"").count(), 100);
        let mut sources = crate::diagnostics::Sources::default();
        let (diags, program) =
            crate::check_source(std::path::Path::new("generated.route"), text, &mut sources);
        assert!(program.is_some(), "{diags:#?}");
        assert!(diags.iter().all(|d| !d.is_error()));
    }
}
