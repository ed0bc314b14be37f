//! pest pairs → typed AST. Syntax errors become one `syntax-error` diagnostic
//! that says what was expected in words an operations user knows.

use super::ast::*;
use crate::diagnostics::{Diagnostic, FileId};
use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/route.pest"]
struct RouteParser;

/// Parses a rule file (already decoded, BOM removed).
pub fn parse(source: &str, file: FileId) -> Result<File, Box<Diagnostic>> {
    if let Some(at) = too_deep(source) {
        return Err(Box::new(
            Diagnostic::error(
                "syntax-error",
                &format!("conditions nest more than {MAX_DEPTH} levels deep"),
            )
            .at(file, at..at + 1, "too deep here")
            .help("split the condition into several rules, or into lists and tiers"),
        ));
    }
    let mut pairs =
        RouteParser::parse(Rule::file, source).map_err(|e| syntax_error(e, source, file))?;
    let mut ast = File::default();
    let Some(root) = pairs.next() else {
        return Ok(ast);
    };
    for pair in root.into_inner() {
        match pair.as_rule() {
            Rule::header => ast.header = Some(string(parts(pair).remove(0))),
            Rule::misplaced_header => return Err(misplaced_header(pair, file)),
            Rule::field_decl => ast.fields.push(field_decl(pair)),
            Rule::tier_decl => ast.tiers.push(tier_decl(pair)),
            Rule::list_decl => ast.lists.push(list_decl(pair)),
            Rule::table_decl => ast.tables.push(table_decl(pair)),
            Rule::reps_decl => ast.reps.push(data_file(parts(pair).remove(0))),
            Rule::queue_decl => ast.queues.push(queue_decl(pair)),
            Rule::rule_decl => ast.rules.push(rule_decl(pair)),
            Rule::default_decl => ast.defaults.push(default_decl(pair)),
            _ => {}
        }
    }
    Ok(ast)
}

/// How deep parentheses, brackets and `not`s may nest: far beyond any real
/// rule, well within the stack the parser and checker recurse on.
const MAX_DEPTH: usize = 64;

/// Where nesting first passes `MAX_DEPTH`, outside strings and comments.
fn too_deep(source: &str) -> Option<usize> {
    let (mut depth, mut nots, mut in_comment) = (0usize, 0usize, false);
    let mut strings = super::Strings::default();
    let mut word = String::new();
    for (i, c) in source.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if strings.step(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            nots = if word == "not" { nots + 1 } else { 0 };
            word.clear();
        }
        match c {
            '#' => in_comment = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth + nots > MAX_DEPTH {
            return Some(i);
        }
    }
    None
}

fn misplaced_header(pair: Pair<Rule>, file: FileId) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            "syntax-error",
            "`routing` must be the first line of the file, and appear once",
        )
        .at(
            file,
            span(&pair),
            "this `routing` line comes after other declarations",
        )
        .help("move the `routing \"NAME\"` line to the top of the file, or delete the extra one"),
    )
}

/// A pair's span without trailing whitespace and comments, which pest can
/// include when an optional part at the end is absent.
fn span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    s.start()..s.start() + without_trailing_comments(pair.as_str()).len()
}

/// Text with trailing whitespace and `#` comments removed.
fn without_trailing_comments(text: &str) -> &str {
    let mut text = text.trim_end();
    loop {
        let line_start = text.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&text[line_start..]) {
            Some(at) => text = text[..line_start + at].trim_end(),
            None => return text,
        }
    }
}

/// Where a `#` comment starts in one line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, '#') => return Some(i),
            _ => {}
        }
    }
    None
}

fn first(pair: Pair<Rule>) -> Pair<Rule> {
    pair.into_inner()
        .next()
        .expect("grammar guarantees a child")
}

/// Children that are not keywords.
fn parts(pair: Pair<Rule>) -> Vec<Pair<Rule>> {
    pair.into_inner()
        .filter(|p| !is_keyword(p.as_rule()))
        .collect()
}

fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").ends_with("_kw")
}

fn ident(pair: Pair<Rule>) -> Ident {
    Spanned {
        node: pair.as_str().to_string(),
        span: span(&pair),
    }
}

/// A `string` pair: the text between the quotes with escapes resolved.
fn string(pair: Pair<Rule>) -> Spanned<String> {
    let sp = span(&pair);
    let inner = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            text.extend(chars.next());
        } else {
            text.push(c);
        }
    }
    Spanned {
        node: text,
        span: sp,
    }
}

/// A string or identifier used as a CSV column name.
fn column_name(pair: Pair<Rule>) -> Spanned<String> {
    let inner = first(pair);
    match inner.as_rule() {
        Rule::string => string(inner),
        _ => ident(inner),
    }
}

fn field_decl(pair: Pair<Rule>) -> FieldDecl {
    let sp = span(&pair);
    let key = pair
        .clone()
        .into_inner()
        .any(|p| p.as_rule() == Rule::key_kw);
    let mut it = parts(pair).into_iter();
    let name = ident(it.next().expect("name"));
    let ty = ident(it.next().expect("type"));
    let column = it.next().map(string);
    FieldDecl {
        name,
        ty,
        column,
        key,
        span: sp,
    }
}

fn tier_decl(pair: Pair<Rule>) -> TierDecl {
    let sp = span(&pair);
    let mut it = parts(pair).into_iter();
    let name = ident(it.next().expect("name"));
    let field = ident(it.next().expect("field"));
    let bands = it.map(band).collect();
    TierDecl {
        name,
        field,
        bands,
        span: sp,
    }
}

fn band(pair: Pair<Rule>) -> Band {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let label = ident(it.next().expect("label"));
    let bound = bound(it.next().expect("bound"));
    Band {
        label,
        bound,
        span: sp,
    }
}

/// A `comparison` or a `range` pair.
fn bound(pair: Pair<Rule>) -> Bound {
    match pair.as_rule() {
        Rule::range => Bound::Range(range(pair)),
        _ => {
            let mut it = pair.into_inner();
            let op = it.next().expect("op").as_str().to_string();
            compare(&op, number(it.next().expect("number")))
        }
    }
}

fn compare(op: &str, n: NumberLit) -> Bound {
    match op {
        "<" => Bound::Less(n),
        "<=" => Bound::LessEq(n),
        ">" => Bound::Greater(n),
        _ => Bound::GreaterEq(n),
    }
}

fn range(pair: Pair<Rule>) -> RangeLit {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let from = number(it.next().expect("from"));
    let exclusive = it.next().expect("op").as_str() == "..<";
    let to = number(it.next().expect("to"));
    RangeLit {
        from,
        to,
        exclusive,
        span: sp,
    }
}

fn number(pair: Pair<Rule>) -> NumberLit {
    let (micros, exact) = number_micros(pair.as_str()).unwrap_or((i128::MAX, true));
    NumberLit {
        micros,
        exact,
        span: span(&pair),
    }
}

/// The value of a number literal in millionths (`1_000`, `2.5`, `50M`), and
/// whether that is exact: `1.0000001` is not, and so is never whole.
/// `None` only for literals too long to hold, which later read as out of range.
pub fn number_micros(text: &str) -> Option<(i128, bool)> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (digits, scale) = match text.as_bytes().last() {
        Some(b'k') => (&text[..text.len() - 1], 1_000i128),
        Some(b'M') => (&text[..text.len() - 1], 1_000_000),
        Some(b'B') => (&text[..text.len() - 1], 1_000_000_000),
        _ => (text, 1),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let frac = frac.trim_end_matches('0');
    let mut mantissa: i128 = 0;
    for b in whole.bytes().chain(frac.bytes()).filter(|b| *b != b'_') {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(b - b'0'))?;
    }
    let scaled = mantissa.checked_mul(scale)?.checked_mul(1_000_000)?;
    let divisor = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let micros = scaled / divisor;
    let exact = scaled % divisor == 0;
    Some((if negative { -micros } else { micros }, exact))
}

fn list_decl(pair: Pair<Rule>) -> ListDecl {
    let sp = span(&pair);
    let mut it = parts(pair).into_iter();
    let name = ident(it.next().expect("name"));
    let src = it.next().expect("source");
    let source = match src.as_rule() {
        Rule::data_file => ListSource::File(data_file(src)),
        _ => ListSource::Inline(src.into_inner().map(literal).collect()),
    };
    ListDecl {
        name,
        source,
        span: sp,
    }
}

fn table_decl(pair: Pair<Rule>) -> TableDecl {
    let sp = span(&pair);
    let mut it = parts(pair).into_iter();
    let name = ident(it.next().expect("name"));
    let file = data_file(it.next().expect("file"));
    let kind_pair = it.next().expect("kind");
    let kind = match kind_pair.as_rule() {
        Rule::table_key => TableKind::Key(column_name(parts(kind_pair).remove(0))),
        _ => {
            let mut cols = parts(kind_pair).into_iter().map(column_name);
            let from = cols.next().expect("from");
            let to = cols.next().expect("to");
            TableKind::Range(from, to)
        }
    };
    TableDecl {
        name,
        file,
        kind,
        span: sp,
    }
}

fn data_file(pair: Pair<Rule>) -> DataFile {
    let mut it = parts(pair).into_iter();
    let path = string(it.next().expect("path"));
    let sheet = it.next().map(|s| string(parts(s).remove(0)));
    DataFile { path, sheet }
}

fn queue_decl(pair: Pair<Rule>) -> QueueDecl {
    let sp = span(&pair);
    let mut it = parts(pair).into_iter();
    let name = ident(it.next().expect("name"));
    let mut queue = QueueDecl {
        name,
        method: None,
        members: None,
        cap: None,
        sticky: None,
        overflow: None,
        claim_limit: None,
        release_after: None,
        span: sp,
    };
    for part in it {
        match part.as_rule() {
            Rule::method => queue.method = Some(method(part)),
            Rule::members => queue.members = Some(members(first(part))),
            Rule::queue_options => {
                for option in part.into_inner() {
                    queue_option(&mut queue, option);
                }
            }
            _ => {}
        }
    }
    queue
}

fn method(pair: Pair<Rule>) -> Spanned<Method> {
    let sp = span(&pair);
    let node = match first(pair).as_rule() {
        Rule::round_robin_kw => Method::RoundRobin,
        Rule::load_balance_kw => Method::LoadBalance,
        _ => Method::SharkTank,
    };
    Spanned { node, span: sp }
}

fn members(pair: Pair<Rule>) -> Members {
    match pair.as_rule() {
        Rule::team => Members::Team(string(parts(pair).remove(0))),
        _ => Members::Emails(pair.into_inner().map(string).collect()),
    }
}

fn queue_option(queue: &mut QueueDecl, option: Pair<Rule>) {
    let rule = option.as_rule();
    let mut args = parts(option).into_iter();
    let Some(arg) = args.next() else {
        return;
    };
    match rule {
        Rule::cap_option => queue.cap = Some(number(arg)),
        Rule::sticky_option => queue.sticky = Some(value(arg)),
        Rule::claim_option => queue.claim_limit = Some(number(arg)),
        Rule::release_option => {
            if let Some(unit) = args.next() {
                queue.release_after = Some(ReleaseAfter {
                    amount: number(arg),
                    unit: time_unit(unit),
                });
            }
        }
        _ => queue.overflow = Some(ident(arg)),
    }
}

fn time_unit(pair: Pair<Rule>) -> Spanned<TimeUnit> {
    let sp = span(&pair);
    let node = match first(pair).as_rule() {
        Rule::hours_kw => TimeUnit::Hours,
        _ => TimeUnit::Days,
    };
    Spanned { node, span: sp }
}

fn rule_decl(pair: Pair<Rule>) -> RuleDecl {
    let sp = span(&pair);
    let mut it = parts(pair).into_iter();
    let name = string(it.next().expect("name"));
    let condition = condition(it.next().expect("condition"));
    let destination = destination(it.next().expect("destination"));
    RuleDecl {
        name,
        condition,
        destination,
        span: sp,
    }
}

fn default_decl(pair: Pair<Rule>) -> DefaultDecl {
    let sp = span(&pair);
    let destination = destination(parts(pair).remove(0));
    DefaultDecl {
        destination,
        span: sp,
    }
}

fn destination(pair: Pair<Rule>) -> Destination {
    let inner = first(pair);
    match inner.as_rule() {
        Rule::lookup => Destination::Lookup(lookup(inner)),
        _ => Destination::Queue(ident(inner)),
    }
}

fn condition(pair: Pair<Rule>) -> Condition {
    match pair.as_rule() {
        Rule::condition => join(pair, Condition::Or),
        Rule::conjunction => join(pair, Condition::And),
        Rule::negation => negation(pair),
        _ => Condition::Test(Box::new(test(pair))),
    }
}

/// `a or b` / `a and b`: one operand stays itself.
fn join(pair: Pair<Rule>, make: fn(Vec<Condition>) -> Condition) -> Condition {
    let mut operands: Vec<Condition> = parts(pair).into_iter().map(condition).collect();
    if operands.len() == 1 {
        operands.remove(0)
    } else {
        make(operands)
    }
}

fn negation(pair: Pair<Rule>) -> Condition {
    let sp = span(&pair);
    let negated = pair
        .clone()
        .into_inner()
        .next()
        .is_some_and(|p| p.as_rule() == Rule::not_kw);
    let inner = condition(parts(pair).remove(0));
    if negated {
        Condition::Not(Box::new(inner), sp)
    } else {
        inner
    }
}

fn test(pair: Pair<Rule>) -> Test {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let value = value(it.next().expect("value"));
    let op_pair = it.next().expect("op");
    let op = match op_pair.as_rule() {
        Rule::is_missing => TestOp::IsMissing,
        Rule::is_present => TestOp::IsPresent,
        Rule::is_not => TestOp::IsNot(literal(parts(op_pair).remove(0))),
        Rule::is => TestOp::Is(literal(parts(op_pair).remove(0))),
        Rule::not_in => TestOp::NotIn(set(parts(op_pair).remove(0))),
        Rule::in_set => TestOp::In(set(parts(op_pair).remove(0))),
        Rule::compare => {
            let mut c = op_pair.into_inner();
            let op = c.next().expect("op").as_str().to_string();
            TestOp::Compare(compare(&op, number(c.next().expect("number"))))
        }
        Rule::starts_with => TestOp::StartsWith(strings(parts(op_pair).remove(0))),
        Rule::ends_with => TestOp::EndsWith(strings(parts(op_pair).remove(0))),
        _ => TestOp::Contains(strings(parts(op_pair).remove(0))),
    };
    Test {
        value,
        op,
        span: sp,
    }
}

fn value(pair: Pair<Rule>) -> Value {
    let inner = first(pair);
    match inner.as_rule() {
        Rule::lookup => Value::Lookup(lookup(inner)),
        Rule::accessor => {
            let mut it = inner.into_inner();
            let base = ident(it.next().expect("field"));
            let member = ident(it.next().expect("member"));
            Value::Accessor(base, member)
        }
        _ => Value::Name(ident(first(inner))),
    }
}

fn lookup(pair: Pair<Rule>) -> Lookup {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let table = ident(it.next().expect("table"));
    let key = Box::new(value(it.next().expect("key")));
    let column_pair = it.next().expect("column");
    let column = match column_pair.as_rule() {
        Rule::string => string(column_pair),
        _ => ident(column_pair),
    };
    Lookup {
        table,
        key,
        column,
        span: sp,
    }
}

fn set(pair: Pair<Rule>) -> Set {
    let sp = span(&pair);
    let inner = first(pair);
    match inner.as_rule() {
        Rule::set_items => Set::Items(inner.into_inner().map(literal).collect(), sp),
        Rule::range => Set::Range(range(inner)),
        _ => Set::Named(ident(inner)),
    }
}

fn strings(pair: Pair<Rule>) -> Vec<Spanned<String>> {
    let inner = first(pair);
    match inner.as_rule() {
        Rule::string => vec![string(inner)],
        _ => inner.into_inner().map(string).collect(),
    }
}

fn literal(pair: Pair<Rule>) -> Literal {
    let inner = first(pair);
    match inner.as_rule() {
        Rule::string => Literal::String(string(inner)),
        Rule::range => Literal::Range(range(inner)),
        Rule::number => Literal::Number(number(inner)),
        _ => Literal::Word(ident(inner)),
    }
}

/// Turns pest's error into a diagnostic with words instead of rule names.
fn syntax_error(err: pest::error::Error<Rule>, source: &str, file: FileId) -> Box<Diagnostic> {
    let at = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let expected = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    if let Some(d) = unclosed_string(source, at, file) {
        return d;
    }
    let found = describe_found(source, at);
    let end = (at + found.1).min(source.len());
    let message = format!("expected {expected}, found {}", found.0);
    Box::new(
        Diagnostic::error("syntax-error", &message)
            .at(file, at..end, &format!("expected {expected} here"))
            .help(&syntax_help(&expected, source, at)),
    )
}

/// A `"` with no closing quote on its line: say so, rather than what pest expected.
fn unclosed_string(source: &str, at: usize, file: FileId) -> Option<Box<Diagnostic>> {
    let rest = source[at..].strip_prefix('"')?;
    let line = rest.split('\n').next().unwrap_or("");
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    let end = at + 1 + line.trim_end().len();
    Some(Box::new(
        Diagnostic::error("syntax-error", "this string has no closing quote")
            .at(file, at..end, "the string starts here")
            .help("end the string with `\"` on the same line; write a quote inside it as `\\\"`"),
    ))
}

/// What the text at `at` looks like, and how many bytes to underline.
fn describe_found(source: &str, at: usize) -> (String, usize) {
    let rest = &source[at..];
    let Some(c) = rest.chars().next() else {
        return ("the end of the file".into(), 0);
    };
    if c == '\n' || c == '\r' {
        return ("the end of the line".into(), 1);
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    if word.is_empty() {
        (format!("`{c}`"), c.len_utf8())
    } else {
        (format!("`{word}`"), word.len())
    }
}

fn describe_expected(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = positives.iter().filter_map(|r| rule_words(*r)).collect();
    words.sort_unstable();
    words.dedup();
    match words.len() {
        0 => "something else".into(),
        1 => words[0].into(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

fn rule_words(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::header | Rule::misplaced_header => "`routing \"NAME\"`",
        Rule::field_decl
        | Rule::tier_decl
        | Rule::list_decl
        | Rule::table_decl
        | Rule::reps_decl
        | Rule::queue_decl
        | Rule::rule_decl
        | Rule::default_decl => {
            "a declaration (`field`, `tier`, `list`, `table`, `reps`, `queue`, `rule` or `default`)"
        }
        Rule::ident | Rule::member | Rule::name => "a name",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::number => "a number",
        Rule::range => "a range like `100..999`",
        Rule::cmp_op | Rule::comparison | Rule::compare => "a comparison (`<`, `<=`, `>`, `>=`)",
        Rule::band => "a tier band like `smb < 100`",
        Rule::condition | Rule::conjunction | Rule::negation | Rule::test => "a condition",
        Rule::value | Rule::lookup | Rule::accessor => "a field, tier or table lookup",
        Rule::literal => "a value",
        Rule::set | Rule::set_items => "a set (`[...]`, a list or table name, or a range)",
        Rule::strings | Rule::string_items => "a quoted string or a list of them",
        Rule::destination => "a queue name or a table lookup",
        Rule::method => "a method (`round_robin`, `load_balance`, `shark_tank`)",
        Rule::members | Rule::member_list | Rule::team => {
            "members (`[\"a@x.com\", ...]` or `team \"NAME\"`)"
        }
        Rule::queue_options => "queue options in `{ ... }`",
        Rule::cap_option
        | Rule::sticky_option
        | Rule::overflow_option
        | Rule::claim_option
        | Rule::release_option => {
            "a queue option (`cap N per day`, `sticky by VALUE`, `overflow to QUEUE`, `claim limit N`, `release after N hours`)"
        }
        Rule::time_unit => "`hours` or `days`",
        Rule::table_key | Rule::table_range => "`key COLUMN` or `range FROM TO`",
        Rule::column_name => "a column name",
        Rule::data_file => "a quoted file name",
        Rule::sheet => "`sheet \"NAME\"`",
        Rule::is_missing | Rule::is_present | Rule::is_not | Rule::is => "`is`",
        Rule::not_in | Rule::in_set => "`in`",
        Rule::starts_with => "`starts with`",
        Rule::ends_with => "`ends with`",
        Rule::contains => "`contains`",
        other => return keyword_words(other),
    })
}

fn keyword_words(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::when_kw => "`when`",
        Rule::to_kw => "`to`",
        Rule::by_kw => "`by`",
        Rule::and_kw => "`and`",
        Rule::or_kw => "`or`",
        Rule::not_kw => "`not`",
        Rule::is_kw => "`is`",
        Rule::in_kw => "`in`",
        Rule::key_kw => "`key`",
        Rule::range_kw => "`range`",
        Rule::per_kw => "`per`",
        Rule::day_kw => "`day`",
        Rule::limit_kw => "`limit`",
        Rule::after_kw => "`after`",
        Rule::hours_kw => "`hours`",
        Rule::days_kw => "`days`",
        Rule::with_kw => "`with`",
        Rule::missing_kw => "`missing`",
        Rule::present_kw => "`present`",
        _ => return None,
    })
}

fn syntax_help(expected: &str, source: &str, at: usize) -> String {
    let word: String = source[at..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if is_reserved(&word) && expected.contains("name") {
        return format!(
            "`{word}` is a keyword of the language; choose another name, e.g. `{word}_1`"
        );
    }
    if word.chars().any(|c| c.is_ascii_uppercase()) && expected.contains("name") {
        return format!("names are lower case: write `{}`", word.to_lowercase());
    }
    if source[at..].starts_with('"') && expected.contains("name") {
        return "names are written without quotes".into();
    }
    if expected.contains("quoted string") {
        return "put the text in double quotes, e.g. \"Acme\"".into();
    }
    "see docs/language.md for the form of each declaration".into()
}

fn is_reserved(word: &str) -> bool {
    RouteParser::parse(Rule::keyword, word).is_ok_and(|p| p.as_str() == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_literals_are_exact() {
        assert_eq!(number_micros("1_000"), Some((1_000_000_000, true)));
        assert_eq!(number_micros("2.5"), Some((2_500_000, true)));
        assert_eq!(number_micros("50M"), Some((50_000_000_000_000, true)));
        assert_eq!(number_micros("1.2k"), Some((1_200_000_000, true)));
        assert_eq!(number_micros("-3"), Some((-3_000_000, true)));
        assert_eq!(number_micros("2.000"), Some((2_000_000, true)));
        assert_eq!(number_micros("1.0000001"), Some((1_000_000, false)));
        assert_eq!(
            number_micros("1.00000001M"),
            Some((1_000_000_010_000, true))
        );
        assert_eq!(
            number_micros("99999999999999999999999999999999999999"),
            None
        );
    }
}
