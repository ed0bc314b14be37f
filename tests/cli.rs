//! Integration tests that run the `route` binary on files.

use std::process::Command;

fn route() -> Command {
    Command::new(env!("CARGO_BIN_EXE_route"))
}

#[test]
fn check_accepts_the_shipped_example() {
    let out = route().args(["check", "rules/acme.route"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
