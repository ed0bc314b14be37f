//! Which version of the rules: the SHA-256 of the rule file and of every
//! data file it read. `/v1/health` shows it, and `route run --state` and
//! `route serve --state` record it in the state file so that `route
//! release` can tell whether the rules changed since.

use crate::diagnostics::Sources;
use sha2::{Digest, Sha256};
use std::path::Path;

pub struct Fingerprint {
    /// Each file's name and SHA-256, the rule file first, then data files.
    pub files: Vec<(String, String)>,
    /// The SHA-256 of all of them together, names and texts: one value per
    /// version of the rules.
    pub sha256: String,
}

/// The fingerprint of loaded rules. The names that go into the hash are
/// relative to the rule file's folder, so the same files read as
/// `rules/acme.route` or `/srv/rules/acme.route` hash the same.
pub fn of(sources: &Sources) -> Fingerprint {
    let folder = sources
        .files()
        .next()
        .and_then(|(rules, _)| Path::new(rules).parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut all = Sha256::new();
    let files = sources
        .files()
        .map(|(name, text)| {
            let relative = Path::new(name)
                .strip_prefix(&folder)
                .map_or_else(|_| name.to_string(), |p| p.display().to_string());
            all.update(relative.as_bytes());
            all.update([0]);
            all.update(text.as_bytes());
            all.update([0]);
            (name.to_string(), hex(&Sha256::digest(text.as_bytes())))
        })
        .collect();
    Fingerprint {
        files,
        sha256: hex(&all.finalize()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(rules: &str, data: &str) -> Sources {
        let mut sources = Sources::default();
        sources.add(rules, "routing \"R\"\n".into());
        sources.add(data, "a,b\n".into());
        sources
    }

    #[test]
    fn the_same_files_by_another_path_hash_the_same_and_a_changed_one_does_not() {
        let relative = of(&sources("rules/acme.route", "rules/data/reps.csv"));
        let absolute = of(&sources(
            "/srv/x/rules/acme.route",
            "/srv/x/rules/data/reps.csv",
        ));
        assert_eq!(relative.sha256, absolute.sha256);
        assert_eq!(relative.files[0].0, "rules/acme.route");
        let here = of(&sources("acme.route", "data/reps.csv"));
        assert_eq!(here.sha256, relative.sha256);
        let moved = of(&sources("rules/acme.route", "rules/other/reps.csv"));
        assert_ne!(moved.sha256, relative.sha256);
    }
}
