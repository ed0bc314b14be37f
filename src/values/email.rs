//! `email` and `domain` values.

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Email {
    /// The whole address, lower case.
    pub address: String,
    /// The domain: lower case, a leading `www.` dropped.
    pub domain: String,
}

/// Reads an `email` cell: exactly one `@` with text on both sides and a `.` in the domain.
pub fn parse_email(raw: &str) -> Option<Email> {
    let t = raw.trim().to_lowercase();
    let (user, domain) = t.split_once('@')?;
    if user.is_empty() || !domain.contains('.') || domain.contains('@') {
        return None;
    }
    let domain = parse_domain(domain)?;
    Some(Email { address: t.clone(), domain })
}

/// Reads a `domain` cell: lower case, a leading `www.` dropped.
pub fn parse_domain(raw: &str) -> Option<String> {
    let t = raw.trim().to_lowercase();
    let t = t.strip_prefix("www.").unwrap_or(&t);
    (!t.is_empty()).then(|| t.to_string())
}
