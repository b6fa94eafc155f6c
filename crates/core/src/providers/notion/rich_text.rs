//! Notion's rich text (https://developers.notion.com/reference/rich-text) as inline Markdown:
//! annotations, links, mentions' `href`, inline equations — and the escaping that keeps text that
//! looks like markup text.

use serde_json::Value;

use super::markdown::longest_backticks;

/// The text of a rich-text array, without formatting.
pub fn plain(rich: &Value) -> String {
    rich.as_array()
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p["plain_text"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// A rich-text array as inline Markdown: annotations (bold, italic, strikethrough, code), links
/// (a text's link, a mention's `href`), inline equations. Underline and colours have no Markdown.
pub fn rich_text(rich: &Value) -> String {
    let Some(parts) = rich.as_array() else {
        return String::new();
    };
    let mut out = String::new();
    for part in parts {
        let text = part["plain_text"].as_str().unwrap_or("");
        if text.is_empty() {
            continue;
        }
        let notes = &part["annotations"];
        let on = |name: &str| notes[name].as_bool() == Some(true);
        let mut piece = if part["type"] == "equation" {
            format!(
                "${}$",
                part["equation"]["expression"].as_str().unwrap_or(text)
            )
        } else if on("code") {
            let fence = "`".repeat(longest_backticks(text) + 1);
            let pad = if text.starts_with('`') || text.ends_with('`') {
                " "
            } else {
                ""
            };
            format!("{fence}{pad}{text}{pad}{fence}")
        } else {
            escape(text)
        };
        let href = part["href"]
            .as_str()
            .or(part["text"]["link"]["url"].as_str());
        if let Some(href) = href {
            piece = format!("[{piece}]({})", link_target(href));
        }
        // Markers go inside the surrounding spaces, or Markdown does not see them.
        let (lead, core, trail) = split_spaces(&piece);
        let mut core = core.to_owned();
        if on("strikethrough") {
            core = format!("~~{core}~~");
        }
        if on("italic") {
            core = format!("*{core}*");
        }
        if on("bold") {
            core = format!("**{core}**");
        }
        out.push_str(lead);
        out.push_str(&core);
        out.push_str(trail);
    }
    out
}

fn split_spaces(text: &str) -> (&str, &str, &str) {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len().max(start);
    (&text[..start], &text[start..end], &text[end..])
}

/// `text` with what Markdown would read as markup escaped — and no more, so the Markdown stays
/// readable as text: an underscore inside a word or a `#` inside a line is left alone.
pub fn escape(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (n, &c) in chars.iter().enumerate() {
        let word = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
        let inside_word =
            word(n.checked_sub(1).and_then(|p| chars.get(p))) && word(chars.get(n + 1));
        let markup = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' => true,
            '_' => !inside_word,
            '~' => chars.get(n + 1) == Some(&'~') || n > 0 && chars[n - 1] == '~',
            '#' | '+' | '-' | '=' => n == 0,
            _ => false,
        };
        if markup {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link target in angle brackets when it holds spaces or parentheses.
pub(super) fn link_target(url: &str) -> String {
    if url.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", url.replace('<', "%3C").replace('>', "%3E"))
    } else {
        url.to_owned()
    }
}
