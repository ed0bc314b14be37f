//! `/metrics` in the Prometheus text format: leads per queue and per rule,
//! unmatched leads, rejected rows, unreadable values per column, and
//! requests with their latency. Dry runs route nothing and count no leads.

use crate::ir::Program;
use crate::run::Summary;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    by_queue: BTreeMap<String, u64>,
    by_rule: BTreeMap<String, u64>,
    unmatched: u64,
    rejected: u64,
    unreadable: BTreeMap<String, u64>,
    /// Per endpoint and status.
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default)]
struct Histogram {
    /// Observations per bucket (not cumulative); the last is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One lead routed: its queue and rule (empty when unmatched) and the
    /// columns whose values could not be read.
    pub fn lead(&self, queue: &str, rule: &str, unreadable: &[String]) {
        let mut c = self.counts();
        if queue.is_empty() {
            c.unmatched += 1;
        } else {
            *c.by_queue.entry(queue.to_string()).or_default() += 1;
            *c.by_rule.entry(rule.to_string()).or_default() += 1;
        }
        for column in unreadable {
            *c.unreadable.entry(column.clone()).or_default() += 1;
        }
    }

    /// A CSV batch routed.
    pub fn batch(&self, program: &Program, summary: &Summary) {
        let mut c = self.counts();
        for (queue, n) in &summary.per_queue {
            *c.by_queue.entry(queue.clone()).or_default() += n;
        }
        let rules = program.rules.iter().map(|r| r.name.as_str());
        for (rule, n) in rules.chain(["default"]).zip(&summary.per_rule) {
            if *n > 0 {
                *c.by_rule.entry(rule.to_string()).or_default() += n;
            }
        }
        for (field, n) in program.fields.iter().zip(&summary.unreadable) {
            if *n > 0 {
                *c.unreadable.entry(field.column.clone()).or_default() += n;
            }
        }
        c.unmatched += summary.unmatched;
        c.rejected += summary.rejected;
    }

    /// One request answered.
    pub fn request(&self, endpoint: &str, status: u16, seconds: f64) {
        let mut c = self.counts();
        *c.requests
            .entry((endpoint.to_string(), status))
            .or_default() += 1;
        let h = c.latency.entry(endpoint.to_string()).or_default();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        h.buckets[bucket] += 1;
        h.sum += seconds;
        h.count += 1;
    }

    pub fn render(&self) -> String {
        let c = self.counts();
        let mut out = String::new();
        family(
            &mut out,
            "route_leads_by_queue_total",
            "Leads routed, by route_queue.",
        );
        for (queue, n) in &c.by_queue {
            sample(
                &mut out,
                "route_leads_by_queue_total",
                &[("queue", queue)],
                *n,
            );
        }
        family(
            &mut out,
            "route_leads_by_rule_total",
            "Leads routed, by route_rule.",
        );
        for (rule, n) in &c.by_rule {
            sample(&mut out, "route_leads_by_rule_total", &[("rule", rule)], *n);
        }
        family(
            &mut out,
            "route_leads_unmatched_total",
            "Leads no rule and no default took.",
        );
        sample(&mut out, "route_leads_unmatched_total", &[], c.unmatched);
        family(
            &mut out,
            "route_rows_rejected_total",
            "CSV rows that could not be read.",
        );
        sample(&mut out, "route_rows_rejected_total", &[], c.rejected);
        family(
            &mut out,
            "route_unreadable_values_total",
            "Values that could not be read as their field's type (treated as missing), by column.",
        );
        for (column, n) in &c.unreadable {
            sample(
                &mut out,
                "route_unreadable_values_total",
                &[("column", column)],
                *n,
            );
        }
        family(
            &mut out,
            "route_requests_total",
            "HTTP requests answered, by endpoint and status.",
        );
        for ((endpoint, status), n) in &c.requests {
            let status = status.to_string();
            let labels = [("endpoint", endpoint.as_str()), ("status", status.as_str())];
            sample(&mut out, "route_requests_total", &labels, *n);
        }
        let _ = writeln!(
            out,
            "# HELP route_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(out, "# TYPE route_request_duration_seconds histogram");
        for (endpoint, h) in &c.latency {
            histogram(&mut out, endpoint, h);
        }
        out
    }
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    let _ = writeln!(out, "{name}{} {value}", label_set(labels));
}

fn histogram(out: &mut String, endpoint: &str, h: &Histogram) {
    const NAME: &str = "route_request_duration_seconds";
    let mut cumulative = 0;
    for (i, n) in h.buckets.iter().enumerate() {
        cumulative += n;
        let le = BUCKETS
            .get(i)
            .map_or_else(|| "+Inf".to_string(), f64::to_string);
        let labels = label_set(&[("endpoint", endpoint), ("le", &le)]);
        let _ = writeln!(out, "{NAME}_bucket{labels} {cumulative}");
    }
    let labels = label_set(&[("endpoint", endpoint)]);
    let _ = writeln!(out, "{NAME}_sum{labels} {}", h.sum);
    let _ = writeln!(out, "{NAME}_count{labels} {}", h.count);
}

/// `{a="x",b="y"}`, values escaped as the format requires; empty for none.
fn label_set(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", pairs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_buckets_are_cumulative() {
        let m = Metrics::default();
        m.lead("q", "Rule \"A\"\\x", &["Email".into()]);
        m.request("/v1/route", 200, 0.002);
        m.request("/v1/route", 200, 20.0);
        let text = m.render();
        assert!(
            text.contains(r#"route_leads_by_rule_total{rule="Rule \"A\"\\x"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"route_unreadable_values_total{column="Email"} 1"#));
        assert!(text.contains(
            r#"route_request_duration_seconds_bucket{endpoint="/v1/route",le="0.001"} 0"#
        ));
        assert!(text.contains(
            r#"route_request_duration_seconds_bucket{endpoint="/v1/route",le="0.0025"} 1"#
        ));
        assert!(text.contains(
            r#"route_request_duration_seconds_bucket{endpoint="/v1/route",le="+Inf"} 2"#
        ));
        assert!(text.contains(r#"route_request_duration_seconds_count{endpoint="/v1/route"} 2"#));
    }
}
