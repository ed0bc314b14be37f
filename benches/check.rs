//! `route check` on large generated rule files: ZIP ranges × size tiers ×
//! states × domain suffixes (`route::generate::write_rules`).
//!
//! Run with `cargo bench --bench check`. For each size it reports the best
//! of three full checks (parse, names and types, set analysis) and, as the
//! baseline measured in the same run, the best of three parses alone.
//! `ROUTE_BENCH_RULES` (default `1000,10000`) sets the sizes.

use std::time::{Duration, Instant};

fn best_of_three(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ROUTE_BENCH_RULES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = std::env::temp_dir().join(format!("route-check-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:>8} {:>12} {:>12} {:>10} {:>9}",
        "rules", "check s", "parse s", "check/parse", "findings"
    );
    for n in sizes {
        let path = dir.join(format!("rules-{n}.route"));
        let mut text = Vec::new();
        route::generate::write_rules(&mut text, n).expect("generate");
        std::fs::write(&path, &text).expect("write rules");
        let text = String::from_utf8(text).expect("UTF-8");
        let mut findings = 0;
        let check = best_of_three(|| {
            let loaded = route::load(&path).expect("loads");
            findings = loaded.diagnostics.len();
        });
        let parse = best_of_three(|| {
            route::syntax::parse(&text, route::diagnostics::FileId(0)).expect("parses");
        });
        println!(
            "{n:>8} {:>12.3} {:>12.3} {:>10.1}x {findings:>9}",
            check.as_secs_f64(),
            parse.as_secs_f64(),
            check.as_secs_f64() / parse.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
