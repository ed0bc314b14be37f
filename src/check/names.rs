//! Name lookups with "did you mean" suggestions.

/// The candidate closest to `name`, if close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(2);
    sorted(candidates)
        .into_iter()
        // The distance is at least the difference in length: skipping far
        // longer candidates first keeps a 100 MB header cell from costing
        // a quadratic comparison.
        .filter(|c| c.len() <= 4 * (length + limit) && c.chars().count().abs_diff(length) <= limit)
        .map(|c| {
            (
                strsim::levenshtein(&name.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A help line suggesting the closest name, or listing what exists.
pub fn suggestion<'a>(
    kind: &str,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match closest(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let all: Vec<&str> = sorted(candidates).into_iter().take(8).collect();
            if all.is_empty() {
                format!("declare the {kind} first")
            } else {
                format!("declare the {kind}, or use one of: {}", all.join(", "))
            }
        }
    }
}

/// Candidates in a stable order, so messages do not depend on hashing.
fn sorted<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = candidates.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("emial", ["email", "country"]), Some("email"));
        assert_eq!(closest("zzz", ["email", "country"]), None);
        assert_eq!(
            suggestion("field", "contry", ["email", "country"]),
            "did you mean `country`?"
        );
    }
}
