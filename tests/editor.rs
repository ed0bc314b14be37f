//! The VS Code extension in `editors/vscode/`: its JSON files parse, agree
//! with each other and with `grammar/route.pest`, every regex compiles, and
//! a small TextMate tokenizer (the subset of the engine the grammar uses)
//! shows how a sample file is highlighted.

use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

const EXTENSION: &str = "editors/vscode";

fn json(path: &str) -> Value {
    let full = Path::new(EXTENSION).join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn grammar() -> Value {
    json("syntaxes/route.tmLanguage.json")
}

fn pest() -> String {
    std::fs::read_to_string("grammar/route.pest").expect("the grammar exists")
}

/// Every keyword of the language, read from the pest grammar: the `*_kw`
/// rules and the reserved `keyword` rule, so a new keyword fails this test
/// until the editor grammar knows it.
fn pest_keywords() -> BTreeSet<String> {
    let pest = pest();
    let kw_rule = Regex::new(r#"(?m)^[a-z_]+_kw\s*=\s*@\{\s*"([a-z_]+)""#).unwrap();
    let mut keywords: BTreeSet<String> = kw_rule
        .captures_iter(&pest)
        .map(|c| c[1].to_string())
        .collect();
    let reserved = pest
        .split("keyword = @{")
        .nth(1)
        .and_then(|rest| rest.split("~ !ident_char").next())
        .expect("the pest grammar has a `keyword` rule");
    let word = Regex::new(r#""([a-z_]+)""#).unwrap();
    for c in word.captures_iter(reserved) {
        assert!(
            keywords.contains(&c[1]),
            "reserved `{}` has no `_kw` rule",
            &c[1]
        );
        keywords.insert(c[1].to_string());
    }
    assert!(keywords.len() >= 30, "keywords found: {keywords:?}");
    keywords
}

/// Every regex source in a JSON tree, with where it is.
fn regexes(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{at}/{key}");
                match (key.as_str(), v) {
                    ("match" | "begin" | "end" | "while", Value::String(s)) => {
                        out.push((here, s.clone()))
                    }
                    _ => regexes(v, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                regexes(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_manifest_contributes_the_route_language_and_grammar() {
    let manifest = json("package.json");
    assert!(manifest["engines"]["vscode"].is_string());
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["id"], "route");
    assert_eq!(language["extensions"], serde_json::json!([".route"]));
    let config = language["configuration"]
        .as_str()
        .expect("a language configuration");
    assert!(Path::new(EXTENSION).join(config).is_file(), "{config}");
    let contributed = &manifest["contributes"]["grammars"][0];
    assert_eq!(contributed["language"], "route");
    let path = contributed["path"].as_str().expect("a grammar path");
    assert!(Path::new(EXTENSION).join(path).is_file(), "{path}");
    let grammar = grammar();
    assert_eq!(contributed["scopeName"], "source.route");
    assert_eq!(grammar["scopeName"], "source.route");
    assert_eq!(grammar["fileTypes"], serde_json::json!(["route"]));
}

#[test]
fn the_language_configuration_matches_the_pest_grammar() {
    let config = json("language-configuration.json");
    let comment = Regex::new(r#"COMMENT\s*=\s*_\{\s*"([^"]+)""#).unwrap();
    let pest = pest();
    let start = &comment.captures(&pest).expect("pest has a COMMENT rule")[1];
    assert_eq!(config["comments"]["lineComment"], start);
    assert!(
        config["comments"]["blockComment"].is_null(),
        "the language has no block comments"
    );
    for pair in [["{", "}"], ["[", "]"], ["(", ")"]] {
        assert!(config["brackets"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(pair)));
        assert!(config["autoClosingPairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["open"] == pair[0] && p["close"] == pair[1]));
    }
    assert!(config["autoClosingPairs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["open"] == "\""));
    for key in ["wordPattern", "indentationRules"] {
        let sources = match &config[key] {
            Value::String(s) => vec![s.clone()],
            Value::Object(map) => map
                .values()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => panic!("{key}"),
        };
        for source in sources {
            Regex::new(&source).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
    }
}

#[test]
fn every_regex_of_the_grammar_compiles() {
    let mut found = Vec::new();
    regexes(&grammar(), "", &mut found);
    assert!(found.len() > 20, "{found:?}");
    for (at, source) in found {
        // The `regex` crate takes the common subset of Oniguruma's syntax:
        // no lookaround, no backreferences, which the grammar keeps to.
        Regex::new(&source).unwrap_or_else(|e| panic!("{at}: {e}"));
    }
}

#[test]
fn every_include_names_a_rule_of_the_repository() {
    let grammar = grammar();
    let text = grammar.to_string();
    let include = Regex::new(r#""include":"([^"]+)""#).unwrap();
    for c in include.captures_iter(&text) {
        let target = &c[1];
        match target.strip_prefix('#') {
            Some(name) => assert!(grammar["repository"][name].is_object(), "#{name}"),
            None => assert_eq!(target, "$self"),
        }
    }
}

#[test]
fn every_keyword_of_the_language_is_in_the_editor_grammar() {
    let mut sources = Vec::new();
    regexes(&grammar(), "", &mut sources);
    let engine = Engine::new(grammar());
    for keyword in pest_keywords() {
        let alternative = Regex::new(&format!(r"[(|]{keyword}[|)]")).unwrap();
        assert!(
            sources.iter().any(|(_, s)| alternative.is_match(s)),
            "`{keyword}` is a keyword of grammar/route.pest but not of the TextMate grammar"
        );
        let tokens = engine.tokenize(&[keyword.as_str()]);
        let scopes = &tokens[0][0].1;
        assert!(
            tokens[0].len() == 1
                && scopes
                    .iter()
                    .any(|s| s.starts_with("keyword.") || s.starts_with("support.function.method.")),
            "`{keyword}` is highlighted as {tokens:?}"
        );
    }
}

#[test]
fn names_that_contain_a_keyword_are_names() {
    let engine = Engine::new(grammar());
    for name in ["default_queue", "in_region", "tier_1", "tos", "order"] {
        let tokens = engine.tokenize(&[name]);
        assert_eq!(tokens[0].len(), 1, "{name}: {tokens:?}");
        assert_eq!(
            tokens[0][0].1.last().unwrap(),
            "variable.other.route",
            "{name}"
        );
    }
}

#[test]
fn a_sample_file_is_highlighted() {
    let sample = std::fs::read_to_string("tests/fixtures/highlight.route").unwrap();
    let lines: Vec<&str> = sample.lines().collect();
    let tokens = Engine::new(grammar()).tokenize(&lines);
    let mut out = String::new();
    for (line, tokens) in lines.iter().zip(tokens) {
        out.push_str(&format!("{line}\n"));
        for (text, scopes) in tokens {
            if text.trim().is_empty() {
                continue;
            }
            let scopes = if scopes.len() == 1 {
                "-".to_string()
            } else {
                scopes[1..].join(" ")
            };
            out.push_str(&format!("  {text:<24} {scopes}\n"));
        }
    }
    insta::assert_snapshot!(out);
}

/// A TextMate tokenizer for the features this grammar uses: `match` with
/// `captures`, `begin`/`end` with their captures and inner `patterns`,
/// `include` of `#name` and `$self`. As in VS Code, the earliest match wins,
/// ties go to the end pattern and then to the first pattern listed.
struct Engine {
    grammar: Value,
    regexes: HashMap<String, Regex>,
}

struct Frame<'g> {
    rule: &'g Value,
    scopes: Vec<String>,
}

enum Found<'g> {
    End,
    Match(&'g Value),
    Begin(&'g Value),
}

type Tokens = Vec<(String, Vec<String>)>;

impl Engine {
    fn new(grammar: Value) -> Engine {
        let mut found = Vec::new();
        regexes(&grammar, "", &mut found);
        let regexes = found
            .into_iter()
            .map(|(_, s)| (s.clone(), Regex::new(&s).unwrap()))
            .collect();
        Engine { grammar, regexes }
    }

    fn resolve<'g>(&'g self, rule: &'g Value) -> &'g Value {
        match rule["include"].as_str() {
            Some("$self") => &self.grammar,
            Some(name) => &self.grammar["repository"][name.trim_start_matches('#')],
            None => rule,
        }
    }

    /// The `match` and `begin` rules a list of patterns offers, in order.
    fn candidates<'g>(&'g self, patterns: &'g Value, out: &mut Vec<&'g Value>, depth: usize) {
        assert!(depth < 16, "includes nest too deep");
        for rule in patterns.as_array().into_iter().flatten() {
            let rule = self.resolve(rule);
            if rule.get("match").is_some() || rule.get("begin").is_some() {
                out.push(rule);
            } else {
                self.candidates(&rule["patterns"], out, depth + 1);
            }
        }
    }

    fn tokenize(&self, lines: &[&str]) -> Vec<Tokens> {
        let mut stack = vec![Frame {
            rule: &self.grammar,
            scopes: vec![self.grammar["scopeName"].as_str().unwrap().to_string()],
        }];
        lines
            .iter()
            .map(|line| self.tokenize_line(line, &mut stack))
            .collect()
    }

    fn tokenize_line<'g>(&'g self, line: &str, stack: &mut Vec<Frame<'g>>) -> Tokens {
        let mut tokens = Vec::new();
        let mut pos = 0;
        while pos <= line.len() {
            let frame = stack.last().unwrap();
            let Some((found, caps)) = self.next_match(frame.rule, line, pos, stack.len() > 1)
            else {
                break;
            };
            let whole = caps.get(0).unwrap();
            if whole.start() > pos {
                tokens.push((line[pos..whole.start()].to_string(), frame.scopes.clone()));
            }
            let mut scopes = frame.scopes.clone();
            match found {
                Found::End => {
                    let rule = frame.rule;
                    emit(&mut tokens, line, &caps, &scopes, &rule["endCaptures"]);
                    stack.pop();
                }
                Found::Match(rule) => {
                    push_name(&mut scopes, rule);
                    if whole.is_empty() {
                        break; // an empty match would never move on
                    }
                    emit(&mut tokens, line, &caps, &scopes, &rule["captures"]);
                }
                Found::Begin(rule) => {
                    push_name(&mut scopes, rule);
                    emit(&mut tokens, line, &caps, &scopes, &rule["beginCaptures"]);
                    stack.push(Frame { rule, scopes });
                }
            }
            pos = whole.end();
            if pos == line.len() && stack.len() == 1 {
                break;
            }
        }
        if pos < line.len() {
            let scopes = stack.last().unwrap().scopes.clone();
            tokens.push((line[pos..].to_string(), scopes));
        }
        tokens
    }

    fn next_match<'g, 'l>(
        &'g self,
        rule: &'g Value,
        line: &'l str,
        pos: usize,
        has_end: bool,
    ) -> Option<(Found<'g>, regex::Captures<'l>)> {
        let mut best: Option<(Found<'g>, regex::Captures<'l>)> = None;
        let start = |c: &regex::Captures| c.get(0).unwrap().start();
        if has_end {
            let end = &self.regexes[rule["end"].as_str().unwrap()];
            best = end.captures_at(line, pos).map(|c| (Found::End, c));
        }
        let mut rules = Vec::new();
        self.candidates(&rule["patterns"], &mut rules, 0);
        for candidate in rules {
            let (source, found) = match candidate["match"].as_str() {
                Some(s) => (s, Found::Match(candidate)),
                None => (
                    candidate["begin"].as_str().unwrap(),
                    Found::Begin(candidate),
                ),
            };
            if let Some(caps) = self.regexes[source].captures_at(line, pos) {
                if best.as_ref().is_none_or(|(_, b)| start(&caps) < start(b)) {
                    best = Some((found, caps));
                }
            }
        }
        best
    }
}

fn push_name(scopes: &mut Vec<String>, rule: &Value) {
    if let Some(name) = rule["name"].as_str() {
        scopes.push(name.to_string());
    }
}

/// Tokens for one match: each byte gets the scopes of the captures that
/// cover it (in group order); runs of equal scopes are one token.
fn emit(tokens: &mut Tokens, line: &str, caps: &regex::Captures, base: &[String], names: &Value) {
    let whole = caps.get(0).unwrap();
    let mut per_byte: Vec<Vec<String>> = vec![base.to_vec(); whole.len()];
    for (group, m) in caps.iter().enumerate() {
        let (Some(m), Some(name)) = (m, names[group.to_string()]["name"].as_str()) else {
            continue;
        };
        for scopes in &mut per_byte[m.start() - whole.start()..m.end() - whole.start()] {
            scopes.push(name.to_string());
        }
    }
    let mut start = 0;
    for i in 1..=per_byte.len() {
        if i == per_byte.len() || per_byte[i] != per_byte[start] {
            let text = &line[whole.start() + start..whole.start() + i];
            tokens.push((text.to_string(), per_byte[start].clone()));
            start = i;
        }
    }
}
