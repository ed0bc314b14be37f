//! `email` and `domain` values.
//!
//! A domain (an email's part after `@`, or a `domain` cell) is read when it
//! has a `.`, no empty label (`a..com`, `.com`), and only letters (Unicode,
//! for international names), digits, `-` and `_` in its labels. It is
//! lower-cased, a trailing `.` is dropped, and so is a leading `www.` when a
//! dot remains after it (`www.com` stays `www.com`).

use super::host::{ascii_host_is_valid, find_byte, lower_ascii_host};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Email {
    /// The address, lower case: `local@domain` as typed, without a display
    /// name, `mailto:` or a trailing dot (a `www.` is kept here).
    pub address: String,
    /// The domain: lower case, a leading `www.` and a trailing dot dropped.
    pub domain: String,
}

/// Reads an `email` cell: exactly one `@` with text on both sides and a
/// readable domain (see the module docs). The part before `@` may be any
/// text. Ops paste from mail clients and web pages, so `Jane Doe <jane@x.com>`
/// (the address inside the last `<…>`) and `mailto:jane@x.com` are read too.
pub fn parse_email(raw: &str) -> Option<Email> {
    let (local, host) = split_email(raw)?;
    let mut address = String::with_capacity(local.len() + 1 + host.len());
    push_lowercase(local, &mut address);
    address.push('@');
    let host_start = address.len();
    push_lowercase(host, &mut address);
    let domain = drop_www(&address[host_start..]).to_string();
    Some(Email { address, domain })
}

/// The domain of an `email` cell, as `parse_email` gives it, without
/// building the address (rules that read only `email.domain`).
pub fn parse_email_domain(raw: &str) -> Option<String> {
    let mut domain = String::new();
    email_domain_into(raw, &mut domain).then_some(domain)
}

/// `parse_email_domain` into `out` (emptied first), whose allocation a
/// caller reading many leads reuses; false when the cell is unreadable.
pub fn email_domain_into(raw: &str, out: &mut String) -> bool {
    out.clear();
    let Some((_, host)) = split_at_sign(raw) else {
        return false;
    };
    match lower_ascii_host(host.as_bytes(), out) {
        Some(false) => return false,
        Some(true) => {}
        None if is_valid_host(host) => push_lowercase(host, out),
        None => return false,
    }
    if drop_www(out).len() < out.len() {
        out.drain(.."www.".len());
    }
    true
}

/// The local part and the host of a readable `email` cell, as typed.
fn split_email(raw: &str) -> Option<(&str, &str)> {
    let (local, host) = split_at_sign(raw)?;
    is_valid_host(host).then_some((local, host))
}

/// The text before the first `@` (not empty) and the host after it, its
/// trailing dot dropped; the host is not checked yet (a second `@` makes
/// it invalid). No placeholder has an `@`, so none passes.
fn split_at_sign(raw: &str) -> Option<(&str, &str)> {
    let t = strip_mailto(unwrap_angle_brackets(super::trim(raw)));
    let at = find_byte(t.as_bytes(), b'@')?;
    let (local, host) = (&t[..at], &t[at + 1..]);
    if local.is_empty() {
        return None;
    }
    Some((local, host.strip_suffix('.').unwrap_or(host)))
}

/// `Name <addr>` → `addr`; anything else unchanged.
fn unwrap_angle_brackets(t: &str) -> &str {
    let Some(inner) = t.strip_suffix('>') else {
        return t;
    };
    inner.rfind('<').map_or(t, |open| inner[open + 1..].trim())
}

/// `mailto:addr?subject=…` → `addr`; anything else unchanged.
fn strip_mailto(t: &str) -> &str {
    // Nearly every cell: no `m` first, nothing to compare.
    if t.as_bytes().first().map(|b| b | 0x20) != Some(b'm') {
        return t;
    }
    match t.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("mailto:") => {
            t[7..].split('?').next().unwrap_or("")
        }
        _ => t,
    }
}

/// Reads a `domain` cell: lower case, a leading `www.` dropped. Ops paste
/// websites and addresses into domain columns, so a URL gives its host
/// (`https://www.ibm.com/about` → `ibm.com`, a port dropped) and an email
/// address its domain (`joe@ibm.com` → `ibm.com`). Text with spaces or without
/// a dot is unreadable.
pub fn parse_domain(raw: &str) -> Option<String> {
    if super::is_placeholder(raw) {
        return None;
    }
    let host = url_host(raw.trim());
    let host = host.strip_suffix('.').unwrap_or(host);
    if !is_valid_host(host) {
        return None;
    }
    let mut lower = String::with_capacity(host.len());
    push_lowercase(host, &mut lower);
    if drop_www(&lower).len() < lower.len() {
        lower.drain(.."www.".len());
    }
    Some(lower)
}

/// Lower-cases char by char, the same way for an email's domain and a
/// `domain` cell (`str::to_lowercase` would treat a final `Σ` differently).
fn push_lowercase(s: &str, out: &mut String) {
    // Nearly every address is ASCII: skip the Unicode tables for it.
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// The host of a URL-ish text: scheme, user, path, query, fragment and port removed.
fn url_host(t: &str) -> &str {
    let t = match t.find("://") {
        Some(i) if is_scheme(&t[..i]) => &t[i + 3..],
        _ => t.strip_prefix("//").unwrap_or(t),
    };
    let t = t.split(['/', '?', '#']).next().unwrap_or("");
    let t = t.rsplit_once('@').map_or(t, |(_, host)| host);
    match t.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => t,
    }
}

/// `http`, `https`, `ftp`, …: a letter then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// A `.`, no empty label, labels of letters, digits, `-` and `_` only.
fn is_valid_host(host: &str) -> bool {
    if let Some(valid) = ascii_host_is_valid(host.as_bytes()) {
        return valid;
    }
    host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}

/// Drops a leading `www.` unless that leaves no dot.
fn drop_www(host: &str) -> &str {
    match host.strip_prefix("www.") {
        Some(rest) if rest.contains('.') => rest,
        _ => host,
    }
}

/// The domain itself, then each parent on label boundaries:
/// `us.ibm.com` → `us.ibm.com`, `ibm.com`, `com`. Used for "in set" tests,
/// where a domain is in a set holding it or one of its parents.
pub fn parent_domains(d: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(d), |s| {
        let dot = s.bytes().position(|b| b == b'.')?;
        Some(&s[dot + 1..])
    })
    .take_while(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Option<(String, String)> {
        parse_email(raw).map(|e| (e.address, e.domain))
    }

    fn pair(address: &str, domain: &str) -> Option<(String, String)> {
        Some((address.to_string(), domain.to_string()))
    }

    #[test]
    fn spec_email_examples() {
        assert_eq!(
            email("Joe.Doe@US.IBM.com"),
            pair("joe.doe@us.ibm.com", "us.ibm.com")
        );
        assert_eq!(email("jane@nasa.gov"), pair("jane@nasa.gov", "nasa.gov"));
        assert_eq!(
            email("a@www.company7.com"),
            pair("a@www.company7.com", "company7.com")
        );
    }

    #[test]
    fn email_messy_cases() {
        assert_eq!(email("  Joe@X.com  "), pair("joe@x.com", "x.com"));
        assert_eq!(email("joe@x.com."), pair("joe@x.com", "x.com"));
        assert_eq!(email("Jane Doe <Jane@X.com>"), pair("jane@x.com", "x.com"));
        assert_eq!(
            email("\"jane@x.com\" <jane@y.com>"),
            pair("jane@y.com", "y.com")
        );
        assert_eq!(email("<jane@x.com>"), pair("jane@x.com", "x.com"));
        assert_eq!(email("mailto:jane@x.com"), pair("jane@x.com", "x.com"));
        assert_eq!(
            email("MAILTO:jane@x.com?subject=hi"),
            pair("jane@x.com", "x.com")
        );
        assert_eq!(email("joe@www.com"), pair("joe@www.com", "www.com"));
        assert_eq!(email("jo.é@Münich.DE"), pair("jo.é@münich.de", "münich.de"));
        assert_eq!(email("a@İΣ.gr").map(|e| e.1), parse_domain("İΣ.gr"));
        for raw in ["Joe@WWW.X.com", "a@www.com", "jo.é@Münich.DE.", "<b@Y.org>"] {
            assert_eq!(
                parse_email_domain(raw),
                parse_email(raw).map(|e| e.domain),
                "{raw}"
            );
        }
        assert_eq!(email("first last@x.com"), pair("first last@x.com", "x.com"));
        assert_eq!(
            email("joe+tag@mail.x-y.co.uk"),
            pair("joe+tag@mail.x-y.co.uk", "mail.x-y.co.uk")
        );
        let bad = [
            "",
            "n/a",
            "unknown",
            "joe",
            "@x.com",
            "joe@",
            "joe@x",
            "joe@@x.com",
            "a@b@x.com",
            "joe@.x.com",
            "joe@x..com",
            "joe@x.com..",
            "joe@.",
            "joe@x .com",
            "joe@x.com;",
            "joe@x.com, amy@y.com",
            "Jane <>",
            "Jane <jane>",
            "joe@x.com/path",
            "mailto:",
            "joe@www.",
            "<@x.com>",
        ];
        for raw in bad {
            assert_eq!(email(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn spec_domain_examples() {
        assert_eq!(parse_domain("www.ibm.com").as_deref(), Some("ibm.com"));
        assert_eq!(parse_domain("IBM.com").as_deref(), Some("ibm.com"));
    }

    #[test]
    fn domain_messy_cases() {
        let cases = [
            ("https://www.ibm.com/about", "ibm.com"),
            ("http://IBM.com", "ibm.com"),
            ("HTTPS://www.IBM.com:8443/x?y=1#z", "ibm.com"),
            ("//cdn.ibm.com/", "cdn.ibm.com"),
            ("ibm.com/about", "ibm.com"),
            ("www.ibm.com.", "ibm.com"),
            ("  us.IBM.com ", "us.ibm.com"),
            ("joe@ibm.com", "ibm.com"),
            ("mailto:joe@ibm.com", "ibm.com"),
            ("https://user:pw@ibm.com", "ibm.com"),
            ("www.com", "www.com"),
            ("www2.ibm.com", "www2.ibm.com"),
            ("bücher.de", "bücher.de"),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_domain(raw).as_deref(), Some(want), "{raw:?}");
        }
        let bad = [
            "",
            "N/A",
            "-",
            "ibm",
            "IBM Corp",
            "ibm .com",
            "ibm. com",
            ".com",
            "ibm..com",
            "https://",
            "http://ibm",
            "ibm.com:",
            "www.",
            "a,b.com",
            "ibm.com!",
        ];
        for raw in bad {
            assert_eq!(parse_domain(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn parents() {
        let all: Vec<&str> = parent_domains("us.ibm.com").collect();
        assert_eq!(all, ["us.ibm.com", "ibm.com", "com"]);
        assert_eq!(parent_domains("com").collect::<Vec<_>>(), ["com"]);
        assert_eq!(parent_domains("").count(), 0);
        assert!(!parent_domains("notibm.com").any(|d| d == "ibm.com"));
    }

    /// `is_valid_host`'s rule for any text, without the ASCII shortcut.
    fn host_rule(host: &str) -> bool {
        host.contains('.')
            && host.split('.').all(|label| {
                !label.is_empty()
                    && (label.chars()).all(|c| c.is_alphanumeric() || c == '-' || c == '_')
            })
    }

    #[test]
    fn the_ascii_host_check_is_the_rule() {
        // Every text of up to five of these.
        let alphabet = ["a", "Z", "0", ".", "-", "_", "@", " ", "é"];
        let mut hosts = vec![String::new()];
        let mut last = hosts.clone();
        for _ in 0..5 {
            last = (last.iter())
                .flat_map(|h| alphabet.iter().map(move |c| format!("{h}{c}")))
                .collect();
            hosts.extend(last.iter().cloned());
        }
        for host in &hosts {
            match ascii_host_is_valid(host.as_bytes()) {
                Some(valid) => assert_eq!(valid, host_rule(host), "{host:?}"),
                None => assert!(!host.is_ascii(), "{host:?}"),
            }
            assert_eq!(is_valid_host(host), host_rule(host), "{host:?}");
        }
    }

    #[test]
    fn never_panics() {
        let alphabet = [
            "a", ".", "@", "<", ">", "/", ":", " ", "é", "w", "\u{0}", "?",
        ];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    for d in alphabet {
                        let s = format!("{a}{b}{c}{d}");
                        let _ = (parse_email(&s), parse_domain(&s));
                        let _ = parent_domains(&s).count();
                    }
                }
            }
        }
        for s in [
            "mailto",
            "mailt",
            "mailto:@",
            "<",
            ">",
            "<>",
            "İ@İ.İ",
            "💌@💌.com",
            "://",
            "a://b.c",
        ] {
            let _ = (parse_email(s), parse_domain(s));
        }
    }

    proptest::proptest! {
        /// Reading only the domain gives the domain of the whole reading,
        /// for hosts shorter and longer than the 16 bytes read at once.
        #[test]
        fn the_domain_alone_is_the_emails_domain(
            local in "[a-zA-Z.+ ]{0,6}",
            host in "(www\\.)?[a-zA-Z0-9_é.-]{0,40}\\.?",
        ) {
            let raw = format!("{local}@{host}");
            proptest::prop_assert_eq!(
                parse_email_domain(&raw),
                parse_email(&raw).map(|e| e.domain),
                "{}", raw
            );
        }
    }
}
