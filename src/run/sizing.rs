//! `route check --leads FILE.csv`: how many real leads each finding
//! concerns. Overlaps, gaps and tier gaps get a count and are ranked by it;
//! reachable rules that none of the leads reach are named.

use super::columns;
use super::{cell_text, check_record, Encoding, RunError};
use crate::diagnostics::{About, Diagnostic};
use crate::eval::{self, Decoder, Lead, Val};
use crate::ir::{Program, Target, ValueExpr};
use crate::reader::RecordReader;
use std::collections::HashMap;
use std::io::Read;

/// What a lead file says about the rules.
#[derive(Default)]
struct Counts {
    leads: u64,
    /// Per rule: leads it is the first to take.
    hits: Vec<u64>,
    overlaps: HashMap<(usize, usize), u64>,
    untaken: u64,
    /// Per tier: present values in no band.
    tier_gaps: Vec<u64>,
}

/// Adds lead counts to the findings, ranks them, and names unhit rules.
pub fn size_findings(
    program: &Program,
    diagnostics: &mut Vec<Diagnostic>,
    input: impl Read,
    encoding: Encoding,
    label: &str,
) -> Result<(), RunError> {
    let counts = count(program, input, encoding)?;
    for d in diagnostics.iter_mut() {
        let n = match &d.about {
            Some(About::Overlap { earlier, later }) => counts
                .overlaps
                .get(&(*earlier, *later))
                .copied()
                .unwrap_or(0),
            Some(About::NoDefault) => counts.untaken,
            Some(About::TierGap(t)) => counts.tier_gaps[*t],
            Some(About::Unreachable(_)) | None => continue,
        };
        d.leads = Some(n);
        d.message
            .push_str(&format!(" ({n} of {} leads in {label})", counts.leads));
    }
    // Sized findings first, most leads first; the rest keep their order.
    diagnostics.sort_by_key(|d| std::cmp::Reverse(d.leads.map(|n| n + 1).unwrap_or(0)));
    let unreachable: Vec<usize> = diagnostics
        .iter()
        .filter_map(|d| match d.about {
            Some(About::Unreachable(i)) => Some(i),
            _ => None,
        })
        .collect();
    for (i, rule) in program.rules.iter().enumerate() {
        if counts.hits[i] == 0 && !unreachable.contains(&i) {
            let message = format!(
                "rule \"{}\" can take leads, but none of the {} leads in {label} reach it",
                rule.name, counts.leads
            );
            let mut d = Diagnostic::warning("rule-not-hit", &message)
                .at(
                    program.file,
                    rule.span.start..rule.name_span.end,
                    "no lead in the file reaches it",
                )
                .help(
                    "check the rule still matches the data you receive (column values, spellings)",
                );
            d.leads = Some(0);
            diagnostics.push(d);
        }
    }
    Ok(())
}

fn count(program: &Program, input: impl Read, encoding: Encoding) -> Result<Counts, RunError> {
    let input: Box<dyn Read> = match encoding {
        Encoding::Utf8 => Box::new(input),
        Encoding::Windows1252 => Box::new(super::transcode::Windows1252::new(input)),
    };
    let mut reader = RecordReader::new(input);
    let read_error = |e| RunError::io("cannot read the leads file", e);
    let Some(header) = reader.next_record().map_err(read_error)? else {
        return Ok(Counts {
            hits: vec![0; program.rules.len()],
            tier_gaps: vec![0; program.tiers.len()],
            ..Counts::default()
        });
    };
    let header_cells = columns::header_cells(&header)?;
    let columns = columns::match_fields(program, &header_cells)?;
    let decoder = Decoder::new(program);
    let read: Vec<usize> = decoder.fields_read().collect();
    let mut counts = Counts {
        hits: vec![0; program.rules.len()],
        tier_gaps: vec![0; program.tiers.len()],
        ..Counts::default()
    };
    let mut lead = Lead {
        values: vec![crate::ir::Scalar::Missing; program.bases.len()],
    };
    while let Some(record) = reader.next_record().map_err(read_error)? {
        // Rows `route run` would reject say nothing about the rules.
        let Ok(text) = check_record(&record, header_cells.len()) else {
            continue;
        };
        for &field in &read {
            decoder.decode_field(field, &cell_text(&record, text, columns[field]), &mut lead);
        }
        counts.leads += 1;
        count_lead(program, &lead, &mut counts);
    }
    Ok(counts)
}

fn count_lead(program: &Program, lead: &Lead, counts: &mut Counts) {
    let takes = |i: usize| -> Option<Target> {
        let rule = &program.rules[i];
        eval::cond(program, &rule.cond, lead)
            .then(|| eval::destination(program, &rule.dest, lead))
            .flatten()
    };
    let mut first: Option<(usize, Target)> = None;
    for i in 0..program.rules.len() {
        let Some(target) = takes(i) else { continue };
        match &first {
            None => {
                counts.hits[i] += 1;
                first = Some((i, target));
            }
            Some((j, won)) if *won != target => *counts.overlaps.entry((*j, i)).or_default() += 1,
            Some(_) => {}
        }
    }
    let by_default = program
        .default
        .as_ref()
        .and_then(|d| eval::destination(program, d, lead));
    if first.is_none() && by_default.is_none() {
        counts.untaken += 1;
    }
    for (t, tier) in program.tiers.iter().enumerate() {
        let base = program
            .bases
            .iter()
            .position(|b| b.field == tier.field && b.accessor == crate::ir::Accessor::Whole);
        let Some(base) = base else { continue };
        if let Val::Missing = eval::value(program, &ValueExpr::Tier(t, base), lead) {
            if !lead.values[base].is_missing() {
                counts.tier_gaps[t] += 1;
            }
        }
    }
}
