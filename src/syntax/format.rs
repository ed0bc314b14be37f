//! `route fmt`: one canonical layout for a rule file. Declarations keep
//! their order; each comment stays in front of the declaration it was
//! written before (or inside); redundant parentheses go, needed ones stay.

use super::ast::*;

/// A declaration of any kind, where it starts and how it prints.
struct Decl {
    start: usize,
    end: usize,
    kind: u8,
    text: String,
}

/// The canonical text of a parsed file.
pub fn format(source: &str, file: &File) -> String {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut decls = declarations(source, file);
    decls.sort_by_key(|d| d.start);
    let comments = comments(source);
    let mut out = String::new();
    let mut next_comment = 0;
    let mut previous: Option<u8> = None;
    for d in &decls {
        let mut leading = String::new();
        while next_comment < comments.len() && comments[next_comment].0 < d.end {
            leading.push_str(&comments[next_comment].1);
            leading.push('\n');
            next_comment += 1;
        }
        // A blank line between kinds, between rules, and before any comment.
        let blank = previous.is_some_and(|p| p != d.kind || d.kind == RULE || !leading.is_empty());
        if blank {
            out.push('\n');
        }
        out.push_str(&leading);
        out.push_str(&d.text);
        // A comment on the declaration's last line stays at its end.
        if let Some((at, comment)) = comments.get(next_comment) {
            if !source[d.end..*at].contains('\n') {
                out.pop();
                out.push_str(&format!("  {comment}\n"));
                next_comment += 1;
            }
        }
        previous = Some(d.kind);
    }
    let rest: Vec<&str> = comments[next_comment..]
        .iter()
        .map(|(_, c)| c.as_str())
        .collect();
    if !rest.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&rest.join("\n"));
        out.push('\n');
    }
    out
}

const HEADER: u8 = 0;
const FIELD: u8 = 1;
const TIER: u8 = 2;
const DATA: u8 = 3;
const QUEUE: u8 = 4;
const RULE: u8 = 5;
const DEFAULT: u8 = 6;

fn declarations(source: &str, file: &File) -> Vec<Decl> {
    let text = |span: &Span| source.get(span.clone()).unwrap_or("").to_string();
    let mut out = Vec::new();
    if let Some(h) = &file.header {
        out.push(Decl {
            start: h.span.start,
            end: h.span.end,
            kind: HEADER,
            text: format!("routing {}\n", text(&h.span)),
        });
    }
    let name_width = file
        .fields
        .iter()
        .map(|f| f.name.node.len())
        .max()
        .unwrap_or(0);
    let type_width = file
        .fields
        .iter()
        .map(|f| f.ty.node.len())
        .max()
        .unwrap_or(0);
    for f in &file.fields {
        let column = f
            .column
            .as_ref()
            .map_or(String::new(), |c| format!(" {}", text(&c.span)));
        let key = if f.key { " key" } else { "" };
        let line = format!(
            "field {:<name_width$} {:<type_width$}{column}{key}",
            f.name.node, f.ty.node
        );
        out.push(Decl {
            start: f.span.start,
            end: f.span.end,
            kind: FIELD,
            text: format!("{}\n", line.trim_end()),
        });
    }
    for t in &file.tiers {
        let width = t
            .bands
            .iter()
            .map(|b| b.label.node.len())
            .max()
            .unwrap_or(0);
        let mut s = format!("tier {} by {} {{\n", t.name.node, t.field.node);
        for b in &t.bands {
            s.push_str(&format!(
                "  {:<width$} {}\n",
                b.label.node,
                bound(source, &b.bound)
            ));
        }
        s.push_str("}\n");
        out.push(Decl {
            start: t.span.start,
            end: t.span.end,
            kind: TIER,
            text: s,
        });
    }
    // Lists, tables and the reps file line up as one block, names and files in columns.
    let data_name = file
        .lists
        .iter()
        .map(|l| l.name.node.len())
        .chain(file.tables.iter().map(|t| t.name.node.len()))
        .max()
        .unwrap_or(0);
    let file_width = file
        .tables
        .iter()
        .map(|t| data_source(source, &t.file).len())
        .max()
        .unwrap_or(0);
    for l in &file.lists {
        let src = match &l.source {
            ListSource::File(f) => data_source(source, f),
            ListSource::Inline(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| text(&i.span()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let line = wrap_lists(&format!("list  {:<data_name$} {src}", l.name.node), 0) + "\n";
        out.push(Decl {
            start: l.span.start,
            end: l.span.end,
            kind: DATA,
            text: line,
        });
    }
    for t in &file.tables {
        let kind = match &t.kind {
            TableKind::Key(c) => format!("key {}", text(&c.span)),
            TableKind::Range(a, b) => format!("range {} {}", text(&a.span), text(&b.span)),
        };
        let line = format!(
            "table {:<data_name$} {:<file_width$} {kind}\n",
            t.name.node,
            data_source(source, &t.file)
        );
        out.push(Decl {
            start: t.span.start,
            end: t.span.end,
            kind: DATA,
            text: line,
        });
    }
    for r in &file.reps {
        out.push(Decl {
            start: r.path.span.start,
            end: r.span().end,
            kind: DATA,
            text: format!("reps  {}\n", data_source(source, r)),
        });
    }
    let queue_name = file
        .queues
        .iter()
        .filter(|q| q.method.is_some() || q.members.is_some())
        .map(|q| q.name.node.len())
        .max()
        .unwrap_or(0);
    for q in &file.queues {
        out.push(Decl {
            start: q.span.start,
            end: q.span.end,
            kind: QUEUE,
            text: queue(source, q, queue_name),
        });
    }
    for r in &file.rules {
        let s = format!(
            "rule {}\n{}  to {}\n",
            text(&r.name.span),
            when_clause(source, &r.condition),
            squash(&text(&r.destination.span()))
        );
        out.push(Decl {
            start: r.span.start,
            end: r.span.end,
            kind: RULE,
            text: s,
        });
    }
    for d in &file.defaults {
        out.push(Decl {
            start: d.span.start,
            end: d.span.end,
            kind: DEFAULT,
            text: format!("default to {}\n", squash(&text(&d.destination.span()))),
        });
    }
    out
}

fn queue(source: &str, q: &QueueDecl, name_width: usize) -> String {
    let text = |span: &Span| source.get(span.clone()).unwrap_or("").to_string();
    let mut s = if q.method.is_some() || q.members.is_some() {
        format!("queue {:<name_width$}", q.name.node)
    } else {
        format!("queue {}", q.name.node)
    };
    let mut parts = Vec::new();
    if let Some(m) = &q.method {
        parts.push(text(&m.span));
    }
    match &q.members {
        Some(Members::Emails(e)) => parts.push(format!(
            "[{}]",
            e.iter()
                .map(|e| text(&e.span))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(Members::Team(t)) => parts.push(format!("team {}", text(&t.span))),
        None => {}
    }
    if !parts.is_empty() {
        s.push(' ');
        s.push_str(&parts.join(" "));
    }
    let mut options = Vec::new();
    if let Some(cap) = &q.cap {
        options.push(format!("cap {} per day", text(&cap.span)));
    }
    if let Some(v) = &q.sticky {
        options.push(format!("sticky by {}", squash(&text(&v.span()))));
    }
    if let Some(o) = &q.overflow {
        options.push(format!("overflow to {}", o.node));
    }
    if let Some(n) = &q.claim_limit {
        options.push(format!("claim limit {}", text(&n.span)));
    }
    if let Some(r) = &q.release_after {
        options.push(format!(
            "release after {} {}",
            text(&r.amount.span),
            text(&r.unit.span)
        ));
    }
    if !options.is_empty() {
        s.push_str(" {\n");
        for o in options {
            s.push_str(&format!("  {o}\n"));
        }
        s.push('}');
    }
    s.push('\n');
    s
}

fn bound(source: &str, b: &Bound) -> String {
    let text = |span: &Span| source.get(span.clone()).unwrap_or("").to_string();
    match b {
        Bound::Less(n) => format!("< {}", text(&n.span)),
        Bound::LessEq(n) => format!("<= {}", text(&n.span)),
        Bound::Greater(n) => format!("> {}", text(&n.span)),
        Bound::GreaterEq(n) => format!(">= {}", text(&n.span)),
        Bound::Range(r) => text(&r.span),
    }
}

/// Lines longer than this are wrapped: a rule's `or`/`and` terms one to a
/// line, then long lists item by item.
const WIDTH: usize = 100;

/// `  when …` and its continuation lines, each ending in a line break.
fn when_clause(source: &str, c: &Condition) -> String {
    format!("  when {}\n", layout(source, c, 0, WHEN_COLUMN, true))
}

/// Where a rule's condition starts: after `  when `.
const WHEN_COLUMN: usize = 7;

/// A condition as it prints from column `col`: on one line when it fits,
/// else its `or`/`and` terms one to a line and long lists wrapped. With
/// `hang` (a rule's top level) the operator goes in front of the column,
/// under `when`; inside parentheses it starts the line, in the column after
/// the `(`.
fn layout(source: &str, c: &Condition, level: u8, col: usize, hang: bool) -> String {
    let one = condition(source, c, level);
    if col + width(&one) <= WIDTH {
        return one;
    }
    let (terms, op, child, own) = match c {
        Condition::Or(cs) => (cs, "or", 0, 0),
        Condition::And(cs) => (cs, "and", 1, 1),
        Condition::Not(inner, _) => {
            return format!("not {}", layout(source, inner, 2, col + 4, false));
        }
        Condition::Test(_) => return wrap_lists(&one, col),
    };
    let parens = own < level;
    let inner = col + usize::from(parens);
    let mut out = String::from(if parens { "(" } else { "" });
    for (i, term) in terms.iter().enumerate() {
        if i == 0 {
            out.push_str(&layout(source, term, child, inner, false));
            continue;
        }
        let (lead, at) = if hang && !parens {
            (inner.saturating_sub(op.len() + 1), inner)
        } else {
            (inner, inner + op.len() + 1)
        };
        out.push('\n');
        out.push_str(&" ".repeat(lead));
        out.push_str(op);
        out.push(' ');
        out.push_str(&layout(source, term, child, at, false));
    }
    if parens {
        out.push(')');
    }
    out
}

fn width(line: &str) -> usize {
    line.chars().count()
}

/// Text that starts in column `col` and runs past the width, with each
/// `[…]` list outside strings broken between items, lined up after the `[`.
fn wrap_lists(line: &str, col: usize) -> String {
    if col + width(line) <= WIDTH {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 64);
    let mut column = col;
    let mut rest = line;
    while let Some(open) = outside_strings(rest, '[') {
        let Some(close) = outside_strings(&rest[open..], ']').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..=open]);
        column += width(&rest[..=open]);
        let items = split_items(&rest[open + 1..close]);
        let start = column;
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            // `, `, the item, then `,` or `]`.
            let needs = 2 + width(item) + 1;
            if i > 0 {
                if column + needs > WIDTH {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(start));
                    column = start;
                } else {
                    out.push_str(", ");
                    column += 2;
                }
            }
            out.push_str(item);
            column += width(item);
            if last {
                out.push(']');
                column += 1;
            }
        }
        if items.is_empty() {
            out.push(']');
            column += 1;
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The byte index of the first `wanted` outside double-quoted strings.
fn outside_strings(text: &str, wanted: char) -> Option<usize> {
    let mut strings = super::Strings::default();
    text.char_indices()
        .find(|&(_, c)| !strings.step(c) && c == wanted)
        .map(|(i, _)| i)
}

/// The items of a list's inside, split at commas outside strings.
fn split_items(inside: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut rest = inside;
    while let Some(comma) = outside_strings(rest, ',') {
        items.push(rest[..comma].trim());
        rest = &rest[comma + 1..];
    }
    if !rest.trim().is_empty() {
        items.push(rest.trim());
    }
    items
}

/// A condition with parentheses only where precedence needs them:
/// `level` 0 is inside `or`, 1 inside `and`, 2 under `not`.
fn condition(source: &str, c: &Condition, level: u8) -> String {
    let (text, own) = match c {
        Condition::Or(cs) => (
            cs.iter()
                .map(|c| condition(source, c, 0))
                .collect::<Vec<_>>()
                .join(" or "),
            0,
        ),
        Condition::And(cs) => (
            cs.iter()
                .map(|c| condition(source, c, 1))
                .collect::<Vec<_>>()
                .join(" and "),
            1,
        ),
        Condition::Not(c, _) => (format!("not {}", condition(source, c, 2)), 2),
        Condition::Test(t) => (squash(source.get(t.span.clone()).unwrap_or("")), 3),
    };
    if own < level {
        format!("({text})")
    } else {
        text
    }
}

/// Whitespace runs outside strings become one space. A `#` comment inside
/// the text (`state in # west\n ["CA"]`) goes too: `format` already put it
/// in front of the declaration, and kept here it would comment out the rest
/// of the line.
fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut strings = super::Strings::default();
    let (mut space, mut in_comment) = (false, false);
    for c in text.chars() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if strings.step(c) {
            out.push(c);
            continue;
        }
        if c == '#' {
            in_comment = true;
            space = true;
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Every `#` comment outside strings: where it is and its text.
fn comments(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = source.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') | (false, '\n') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                out.push((i, source[i..end].trim_end().to_string()));
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}

/// `"FILE"`, or `"FILE" sheet "NAME"` for a workbook's sheet.
fn data_source(source: &str, f: &DataFile) -> String {
    let text = |span: &Span| source.get(span.clone()).unwrap_or("").to_string();
    match &f.sheet {
        Some(sheet) => format!("{} sheet {}", text(&f.path.span), text(&sheet.span)),
        None => text(&f.path.span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parentheses_only_where_needed() {
        let src = "field a text\nqueue q\nrule \"r\" when ((a is \"x\")) and (a is \"y\" or a is \"z\") or not (a is missing and a is present) to q\n";
        let file = crate::syntax::parse(src, crate::diagnostics::FileId(0)).unwrap();
        let out = format(src, &file);
        assert!(out.contains("when a is \"x\" and (a is \"y\" or a is \"z\") or not (a is missing and a is present)"), "{out}");
    }

    #[test]
    fn long_conditions_break_at_their_terms_and_long_lists_between_items() {
        let states: Vec<String> = (0..30).map(|i| format!("\"S{i:02}\"")).collect();
        let list = states.join(", ");
        let src = format!(
            "field state state \"State\"\nfield email email\nqueue q\n\
             rule \"r\" when email.domain ends with \".gov\" and (state in [{list}] or state is missing and email.domain ends with \".us\") to q\n"
        );
        let file = crate::syntax::parse(&src, crate::diagnostics::FileId(0)).unwrap();
        let out = format(&src, &file);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert_eq!(lines[6], "  when email.domain ends with \".gov\"", "{out}");
        assert!(lines[7].starts_with("   and (state in [\"S00\", "), "{out}");
        // The list's items line up after its `[`.
        assert!(lines[8].starts_with("                  \"S1"), "{out}");
        assert!(
            out.contains("\n        or state is missing and email.domain ends with \".us\")\n"),
            "{out}"
        );
        // Formatting the result again changes nothing.
        let again = crate::syntax::parse(&out, crate::diagnostics::FileId(0)).unwrap();
        assert_eq!(format(&out, &again), out);
    }

    #[test]
    fn comments_stay_before_their_declaration() {
        let src = "# fields\nfield a   text \"A\"   # the a\nqueue q\n\n\n# catch all\ndefault to q\n# end\n";
        let file = crate::syntax::parse(src, crate::diagnostics::FileId(0)).unwrap();
        let out = format(src, &file);
        assert_eq!(out, "# fields\nfield a text \"A\"  # the a\n\nqueue q\n\n# catch all\ndefault to q\n\n# end\n");
    }
}
