//! The page every report shares: escaping, the Content-Security-Policy,
//! styles for screen and print, tables, and the figures as JSON for tools.
//!
//! Every name a report shows (rules, queues, owners, cell values) is user
//! data, so everything goes through [`escape`] or [`Cell::Text`]; only the
//! markup built here is written raw.

use serde_json::Value;
use std::fmt::Write;

/// Nothing may load from anywhere: no scripts at all, styles only inline,
/// images only as data. The figures block is JSON, which a browser never
/// runs, so it needs no script permission.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON that can stand inside `<script type="application/json">`: `<`, `>`
/// and `&` as `\u` escapes, so no value can close the element.
pub fn json_for_script(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(c),
        }
    }
    out
}

/// A share as a percentage with one decimal; 0 of nothing is 0%.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// One table cell.
pub enum Cell {
    /// User text, escaped.
    Text(String),
    /// A count, right-aligned.
    Count(u64),
    /// A percentage, right-aligned.
    Share(f64),
    /// Markup built by the report itself.
    Html(String),
}

/// A table whose numbers a reader (and the browser test) can take as they
/// are: plain digits in `td.n` cells.
pub fn table(id: &str, head: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = match id {
        "" => "<table>\n<thead><tr>".to_string(),
        id => format!("<table id=\"{}\">\n<thead><tr>", escape(id)),
    };
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            match cell {
                Cell::Text(t) => {
                    let _ = write!(out, "<td>{}</td>", escape(t));
                }
                Cell::Count(n) => {
                    let _ = write!(out, "<td class=\"n\">{n}</td>");
                }
                Cell::Share(p) => {
                    let _ = write!(out, "<td class=\"n\">{p:.1}%</td>");
                }
                Cell::Html(h) => {
                    let _ = write!(out, "<td>{h}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// Key figures as a row of cards: (label, value shown).
pub fn cards(items: &[(&str, String)]) -> String {
    let mut out = String::from("<div class=\"cards\">\n");
    for (label, value) in items {
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
            escape(value),
            escape(label)
        );
    }
    out.push_str("</div>\n");
    out
}

/// A report page being put together, section by section.
pub struct Page {
    title: String,
    /// Lines under the title: what was read (escaped when added).
    facts: Vec<String>,
    body: String,
}

impl Page {
    pub fn new(title: &str) -> Self {
        Page {
            title: title.to_string(),
            facts: Vec::new(),
            body: String::new(),
        }
    }

    /// A line under the title, e.g. `rules: acme.route`.
    pub fn fact(&mut self, label: &str, value: &str) {
        self.facts.push(format!(
            "<span class=\"fact\">{}: <code>{}</code></span>",
            escape(label),
            escape(value)
        ));
    }

    /// A section with a heading; `html` is markup built by the report.
    pub fn section(&mut self, id: &str, heading: &str, html: &str) {
        let _ = write!(
            self.body,
            "<section id=\"{}\">\n<h2>{}</h2>\n{html}</section>\n",
            escape(id),
            escape(heading)
        );
    }

    /// The whole document, with `data` as the `route-data` JSON block.
    pub fn render(&self, data: &Value) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
             <header><h1>{title}</h1>\n<p class=\"facts\">{facts}</p></header>\n{body}</main>\n\
             <script type=\"application/json\" id=\"route-data\">{json}</script>\n</body>\n</html>\n",
            csp = CSP,
            title = escape(&self.title),
            facts = self.facts.join(" "),
            body = self.body,
            json = json_for_script(data),
        )
    }
}

/// System fonts only (nothing to load); one column up to 1200 px wide; on
/// paper, A4 with sections kept whole where they fit.
const STYLE: &str = "
:root{--ink:#1a1a1a;--muted:#555;--line:#d0d0d0;--bg:#fff;--soft:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:24px 32px}
h1{font-size:26px;margin:0 0 6px}
h2{font-size:19px;margin:28px 0 10px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:16px;margin:18px 0 6px}
.facts{color:var(--muted);margin:0}
.fact{margin-right:18px}
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px;background:var(--soft)}
.card .v{font-size:22px;font-weight:600}
.card .l{color:var(--muted);font-size:13px}
.pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.pair>div:first-child{flex:1 1 520px;min-width:0}
.pair>div:last-child{flex:0 1 auto;min-width:0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td{overflow-wrap:break-word;max-width:520px}
svg{max-width:100%;height:auto;display:block}
svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:13px;margin:4px 0 12px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border:1px solid #0003}
.note{color:var(--muted);font-size:13px}
.finding{border:1px solid var(--line);border-left:6px solid #0072B2;border-radius:4px;padding:8px 14px;margin:12px 0}
.finding.error{border-left-color:#D55E00}
.finding h3{margin:4px 0}
.sev{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.04em}
pre.src{background:var(--soft);padding:8px 10px;overflow-x:auto;margin:6px 0;white-space:pre-wrap}
pre.src mark{background:#F0E442;color:inherit}
.ln{color:var(--muted);user-select:none}
@page{size:A4;margin:14mm}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.pair{display:block}section,.finding,table,svg{break-inside:avoid}h2{break-after:avoid}.card{background:none}}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn json_cannot_close_its_script_element() {
        let text = json_for_script(&serde_json::json!({ "rule": "</script><b>&" }));
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["rule"], "</script><b>&");
    }
}
