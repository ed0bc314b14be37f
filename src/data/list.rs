//! List files: one value per line; `#` comments and blank lines ignored.

/// Each value with its 1-based line.
pub fn parse_list(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let value = line.split('#').next().unwrap_or("").trim();
            (!value.is_empty()).then(|| (value.to_string(), i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let text = "# federal\nnasa.gov\n\n  boeing.com  # prime\r\n#x\n";
        assert_eq!(
            parse_list(text),
            vec![("nasa.gov".into(), 2), ("boeing.com".into(), 4)]
        );
    }
}
