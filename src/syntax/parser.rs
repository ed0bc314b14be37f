use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/route.pest"]
pub struct RouteParser;

/// True when `source` is a syntactically valid rule file.
pub fn parses(source: &str) -> bool {
    use pest::Parser;
    RouteParser::parse(Rule::file, source).is_ok()
}

pub fn parse_error(source: &str) -> Option<String> {
    use pest::Parser;
    RouteParser::parse(Rule::file, source).err().map(|e| e.to_string())
}
