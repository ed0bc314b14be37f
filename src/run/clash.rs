//! The files one `route run` writes (output, rejects, state, report), or
//! `route serve` (state, decision log), must be different files, and none
//! of them the rule file: the output is renamed into place last, so `-o
//! leads.db --state leads.db` would replace the state with the output, and
//! `--rejects` naming the output would lose the rejected rows.

use super::RunError;
use std::path::{Path, PathBuf};

/// The first two of `files` (what each is, its path) that are one file,
/// as an error that names both.
pub fn check<P: AsRef<Path>>(files: &[(&str, P)]) -> Result<(), RunError> {
    for (i, (first, a)) in files.iter().enumerate() {
        for (second, b) in &files[i + 1..] {
            let (a, b) = (a.as_ref(), b.as_ref());
            if same_file(a, b) {
                return Err(RunError {
                    message: format!(
                        "{first} and {second} are the same file ({}): one would overwrite the other",
                        b.display()
                    ),
                    help: Some(format!("give {second} a file name of its own")),
                });
            }
        }
    }
    Ok(())
}

/// Whether two paths name one regular file: the same file when both exist,
/// the same place when neither does yet. Devices such as `/dev/null` are
/// not files that anything could overwrite.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.is_file() && y.is_file() && same_inode(a, &x, b, &y),
        (Err(_), Err(_)) => place(a) == place(b),
        _ => false,
    }
}

#[cfg(unix)]
fn same_inode(_: &Path, x: &std::fs::Metadata, _: &Path, y: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    x.dev() == y.dev() && x.ino() == y.ino()
}

#[cfg(not(unix))]
fn same_inode(a: &Path, _: &std::fs::Metadata, b: &Path, _: &std::fs::Metadata) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

/// Where a file that does not exist yet would be: its folder resolved
/// (links, `..`), then its name.
fn place(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(folder), Some(name)) => std::fs::canonicalize(folder)
            .unwrap_or_else(|_| folder.to_path_buf())
            .join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_by_two_spellings_clashes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.db");
        std::fs::write(&file, "x").unwrap();
        let other = dir.path().join(".").join("state.db");
        let error = check(&[("the output", &file), ("the state", &other)]).unwrap_err();
        assert!(
            error
                .message
                .starts_with("the output and the state are the same file"),
            "{}",
            error.message
        );
        assert_eq!(
            error.help.as_deref(),
            Some("give the state a file name of its own")
        );
    }

    #[test]
    fn files_not_yet_made_clash_by_place() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let a = dir.path().join("out.csv");
        let b = dir.path().join("sub").join("..").join("out.csv");
        assert!(check(&[("the output", &a), ("the rejects file", &b)]).is_err());
        let c = dir.path().join("sub").join("out.csv");
        assert!(check(&[("the output", &a), ("the rejects file", &c)]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_the_file_clashes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.db");
        std::fs::write(&file, "x").unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(check(&[("the state", &file), ("the report", &link)]).is_err());
    }

    #[test]
    fn an_existing_file_and_a_new_one_differ() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.csv");
        std::fs::write(&file, "x").unwrap();
        assert!(check(&[
            ("the output", &file),
            ("the state", &dir.path().join("b.db"))
        ])
        .is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_device_twice_is_not_a_clash() {
        let null = Path::new("/dev/null");
        assert!(check(&[("the output", null), ("the rejects file", null)]).is_ok());
    }
}
