//! `overlapping-tiers` (error) and `tier-gap` (warning).
//!
//! Why: a value in two bands has no single label; a value in no band has
//! none, so `size is ...` tests are all false for it. Fix: make the bands
//! meet exactly, e.g. `smb < 100`, `commercial 100..999`, `enterprise >= 1000`.

use super::Checker;
use crate::diagnostics::{About, Diagnostic};
use crate::ir::{FieldType, Interval, Tier};

pub(super) fn check(c: &mut Checker) {
    for t in 0..c.program.tiers.len() {
        let tier = c.program.tiers[t].clone();
        let decl = c.ast.tiers.iter().find(|d| d.span == tier.span).cloned();
        let Some(decl) = decl else { continue };
        let column = c.program.fields[tier.field].column.clone();
        let ty = c.program.fields[tier.field].ty;
        overlaps(c, &tier, &decl, &column, ty);
        gaps(c, t, &tier, &decl, &column, ty);
    }
}

fn overlaps(
    c: &mut Checker,
    tier: &Tier,
    decl: &crate::syntax::ast::TierDecl,
    column: &str,
    ty: FieldType,
) {
    for (i, (la, a)) in tier.bands.iter().enumerate() {
        for (lb, b) in &tier.bands[i + 1..] {
            let common = Interval {
                lo: a.lo.max(b.lo),
                hi: a.hi.min(b.hi),
            };
            if common.is_empty() {
                continue;
            }
            let span_of = |label: &str| {
                decl.bands
                    .iter()
                    .find(|x| x.label.node == label)
                    .map(|x| x.span.clone())
            };
            let (Some(sa), Some(sb)) = (span_of(la), span_of(lb)) else {
                continue;
            };
            let value = show(common.lo, ty);
            let d = Diagnostic::error(
                "overlapping-tiers",
                &format!(
                    "bands `{la}` and `{lb}` of tier `{}` overlap: {value} is in both",
                    tier.name
                ),
            )
            .at(c.file, sb, "this band")
            .related(c.file, sa, "overlaps this band")
            .help("make each band start where the previous one ends, e.g. `< 100` then `100..999`")
            .witness(vec![(column.to_string(), value)]);
            c.diags.push(d);
        }
    }
}

fn gaps(
    c: &mut Checker,
    t: usize,
    tier: &Tier,
    decl: &crate::syntax::ast::TierDecl,
    column: &str,
    ty: FieldType,
) {
    let mut bands: Vec<Interval> = tier.bands.iter().map(|(_, iv)| *iv).collect();
    bands.sort();
    // Negative sizes, ZIPs and amounts do not occur in leads; gaps below 0 are noise.
    let mut next = 0;
    let mut holes = Vec::new();
    for b in &bands {
        if b.lo > next {
            holes.push(Interval {
                lo: next,
                hi: b.lo - 1,
            });
        }
        if b.hi == i64::MAX {
            next = i64::MAX;
            break;
        }
        next = next.max(b.hi + 1);
    }
    if next != i64::MAX {
        holes.push(Interval {
            lo: next,
            hi: i64::MAX,
        });
    }
    let Some(first) = holes.first() else { return };
    let value = show(
        if first.lo == i64::MIN {
            first.hi
        } else {
            first.lo
        },
        ty,
    );
    let ranges: Vec<String> = holes.iter().map(|h| describe(h, ty)).collect();
    let mut d = Diagnostic::warning(
        "tier-gap",
        &format!(
            "some {} values fall in no band of tier `{}`: {}",
            column,
            tier.name,
            ranges.join(", ")
        ),
    )
    .at(c.file, decl.span.clone(), "bands leave a gap")
    .help("add a band for the gap, or widen a neighbour; leads in a gap have no tier label")
    .witness(vec![(column.to_string(), value)])
    .about(About::TierGap(t));
    for band in &decl.bands {
        d = d.related(c.file, band.span.clone(), "band");
    }
    c.diags.push(d);
}

/// A value in the field's own units as a lead would write it.
fn show(v: i64, ty: FieldType) -> String {
    crate::ir::Scalar::Num(v).display_as(ty)
}

fn describe(iv: &Interval, ty: FieldType) -> String {
    match (iv.lo, iv.hi) {
        (i64::MIN, hi) => format!("below {}", show(hi.saturating_add(1), ty)),
        (lo, i64::MAX) => format!("{} and above", show(lo, ty)),
        (lo, hi) if lo == hi => show(lo, ty),
        (lo, hi) => format!("{}..{}", show(lo, ty), show(hi, ty)),
    }
}
