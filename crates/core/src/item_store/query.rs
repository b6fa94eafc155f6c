//! The search text's query: FTS5 over name, parent path and the text of `details`, every word
//! a prefix.

/// An FTS5 expression matching every word of `text` as a prefix; `None` when there is no word.
pub fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_a_quoted_prefix() {
        assert_eq!(match_expression("  "), None);
        assert_eq!(
            match_expression("ada lov").as_deref(),
            Some("\"ada\"* \"lov\"*")
        );
        assert_eq!(match_expression("a\"b").as_deref(), Some("\"a\"\"b\"*"));
    }
}
