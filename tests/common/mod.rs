//! Helpers shared by the integration tests that run the binary on files.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `route serve RULES` on a free local port, run date `now`, with `extra`
/// arguments: the child and the address it listens on.
pub fn serve(rules: &str, now: &str, extra: &[&std::ffi::OsStr]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["serve", rules, "--listen", "127.0.0.1:0", "--now", now])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let base = listening_address(&mut child);
    (child, base)
}

/// The address a `route serve` child listens on, read from its stderr; the
/// rest of stderr is drained so the server never blocks writing to it.
pub fn listening_address(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server says where it listens")
            .expect("stderr reads");
        if let Some(address) = line.strip_prefix("route serve: listening on ") {
            break address.to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    base
}

/// An HTTP client that hands back 4xx and 5xx answers instead of errors.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}
