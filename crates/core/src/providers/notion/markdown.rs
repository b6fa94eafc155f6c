//! A page's blocks as Markdown (CommonMark with GitHub's tables, task lists and strikethrough).
//! Every block type Notion documents (https://developers.notion.com/reference/block) has a
//! rendering; what Markdown cannot hold — embeds, synced blocks, a table of contents, a block
//! type this version does not know — becomes a visible placeholder line, never nothing. The
//! input is the raw block tree as stored: block objects, each with the `children` read under it.

use serde_json::Value;

use super::rich_text::link_target;
pub use super::rich_text::{escape, plain, rich_text};

/// The Markdown of `blocks` (a page's top-level blocks, each carrying its `children`).
pub fn to_markdown(blocks: &[Value]) -> String {
    let mut lines = Vec::new();
    render_blocks(blocks, &mut lines);
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// The compact web link Notion answers for a page or database id.
pub fn notion_link(id: &str) -> String {
    format!("https://www.notion.so/{}", id.replace('-', ""))
}

/// Renders a run of sibling blocks: a blank line between blocks, none between items of one list.
fn render_blocks(blocks: &[Value], lines: &mut Vec<String>) {
    let mut previous: Option<&str> = None;
    let mut number = 0u32;
    for block in blocks {
        let kind = block["type"].as_str().unwrap_or("unsupported");
        number = if kind == "numbered_list_item" && previous == Some(kind) {
            number + 1
        } else {
            1
        };
        let mut own = Vec::new();
        render_block(block, kind, number, &mut own);
        // An empty paragraph is spacing, which Markdown's blank lines already give.
        if own.iter().all(String::is_empty) {
            continue;
        }
        let listed = is_list_item(kind);
        if previous.is_some() && !(listed && previous == Some(kind)) {
            lines.push(String::new());
        }
        lines.extend(own);
        previous = Some(kind);
    }
}

fn is_list_item(kind: &str) -> bool {
    matches!(
        kind,
        "bulleted_list_item" | "numbered_list_item" | "to_do" | "toggle"
    )
}

/// The children of `block`, rendered.
fn children(block: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(list) = block["children"].as_array() {
        render_blocks(list, &mut lines);
    }
    lines
}

/// `lines` with `first` before the first and `rest` before every other (blank lines stay blank
/// unless the prefix is a quote's).
fn prefixed(lines: Vec<String>, first: &str, rest: &str) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            let prefix = if n == 0 { first } else { rest };
            if line.is_empty() {
                prefix.trim_end().to_owned()
            } else {
                format!("{prefix}{line}")
            }
        })
        .collect()
}

fn render_block(block: &Value, kind: &str, number: u32, lines: &mut Vec<String>) {
    let body = &block[kind];
    let text = || rich_text(&body["rich_text"]);
    let mut item = |marker: String, text: String| {
        let indent = " ".repeat(marker.chars().count());
        let mut own = vec![text];
        let nested = children(block);
        if !nested.is_empty() {
            own.push(String::new());
            own.extend(nested);
        }
        lines.extend(prefixed(own, &marker, &indent));
    };
    match kind {
        "paragraph" => {
            let mut own = vec![text()];
            own.extend(indented_children(block));
            lines.extend(own);
        }
        "heading_1" | "heading_2" | "heading_3" => {
            let level = &kind[kind.len() - 1..];
            let hashes = "#".repeat(level.parse().unwrap_or(1));
            lines.push(format!("{hashes} {}", text()));
            // A toggleable heading's children follow it.
            let nested = children(block);
            if !nested.is_empty() {
                lines.push(String::new());
                lines.extend(nested);
            }
        }
        "bulleted_list_item" => item("- ".into(), text()),
        "numbered_list_item" => item(format!("{number}. "), text()),
        "to_do" => {
            let mark = if body["checked"].as_bool() == Some(true) {
                "x"
            } else {
                " "
            };
            item(format!("- [{mark}] "), text());
        }
        "toggle" => item("- ".into(), format!("▸ {}", text())),
        "quote" => {
            let mut own = vec![text()];
            own.extend(indented_children(block));
            lines.extend(prefixed(own, "> ", "> "));
        }
        "callout" => {
            let icon = icon(&body["icon"]);
            let mut own = vec![format!("{icon}{}", text())];
            own.extend(indented_children(block));
            lines.extend(prefixed(own, "> ", "> "));
        }
        "code" => {
            let language = body["language"].as_str().unwrap_or("");
            let language = if language == "plain text" {
                ""
            } else {
                language
            };
            let code = plain(&body["rich_text"]);
            let fence = fence_for(&code);
            lines.push(format!("{fence}{}", language.replace(' ', "-")));
            lines.extend(code.split('\n').map(str::to_owned));
            lines.push(fence);
            caption(body, lines);
        }
        "equation" => {
            lines.push("$$".into());
            lines.extend(
                body["expression"]
                    .as_str()
                    .unwrap_or("")
                    .split('\n')
                    .map(str::to_owned),
            );
            lines.push("$$".into());
        }
        "divider" => lines.push("---".into()),
        "table" => table(block, body, lines),
        "table_row" => lines.push(row(&body["cells"])),
        "child_page" => lines.push(format!(
            "[📄 {}]({})",
            escape(title_or(body, "Untitled")),
            notion_link(block["id"].as_str().unwrap_or(""))
        )),
        "child_database" => lines.push(format!(
            "[🗂 {}]({})",
            escape(title_or(body, "Untitled database")),
            notion_link(block["id"].as_str().unwrap_or(""))
        )),
        "link_to_page" => {
            let id = body["page_id"]
                .as_str()
                .or(body["database_id"].as_str())
                .unwrap_or("");
            lines.push(format!("[→ Linked page]({})", notion_link(id)));
        }
        "bookmark" | "link_preview" => {
            let url = body["url"].as_str().unwrap_or("");
            let label = plain(&body["caption"]);
            let label = if label.is_empty() { url } else { &label };
            lines.push(format!("[{}]({})", escape(label), link_target(url)));
        }
        "embed" => {
            let url = body["url"].as_str().unwrap_or("");
            lines.push(format!(
                "*[Embedded content: [{}]({})]*",
                escape(url),
                link_target(url)
            ));
        }
        "image" | "video" | "file" | "pdf" | "audio" => media(block, kind, body, lines),
        "synced_block" => {
            let from = body["synced_from"]["block_id"].as_str();
            lines.push(match from {
                Some(original) => format!("*[Synced block, from block {original}]*"),
                None => "*[Synced block]*".to_owned(),
            });
            let nested = children(block);
            if !nested.is_empty() {
                lines.push(String::new());
                lines.extend(nested);
            }
        }
        "column_list" | "column" | "template" => {
            if kind == "template" {
                lines.push(format!("*[Template button: {}]*", text()));
            }
            let nested = children(block);
            lines.extend(nested);
        }
        "table_of_contents" => lines.push("*[Table of contents]*".into()),
        "breadcrumb" => lines.push("*[Breadcrumb]*".into()),
        other => {
            let what = if other == "unsupported" {
                block["unsupported"]["block_type"]
                    .as_str()
                    .unwrap_or("unsupported")
            } else {
                other
            };
            lines.push(format!(
                "*[A {} block, which Markdown cannot show]*",
                escape(what)
            ));
        }
    }
}

/// A paragraph's or quote's children, after it (indenting them would make them code).
fn indented_children(block: &Value) -> Vec<String> {
    let nested = children(block);
    if nested.is_empty() {
        return nested;
    }
    let mut own = vec![String::new()];
    own.extend(nested);
    own
}

/// A GitHub table: the first row is the header when Notion says so; otherwise an empty header.
fn table(block: &Value, body: &Value, lines: &mut Vec<String>) {
    let rows: Vec<&Value> = block["children"]
        .as_array()
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let width = body["table_width"]
        .as_u64()
        .map(|w| w as usize)
        .or_else(|| {
            rows.first()
                .and_then(|r| r["table_row"]["cells"].as_array())
                .map(Vec::len)
        })
        .unwrap_or(1)
        .max(1);
    let header = body["has_column_header"].as_bool() == Some(true);
    let mut rows = rows.into_iter();
    match rows.next() {
        Some(first) if header => lines.push(row(&first["table_row"]["cells"])),
        first => {
            lines.push(format!("|{}", " |".repeat(width)));
            lines.push(format!("|{}", " --- |".repeat(width)));
            lines.extend(first.map(|r| row(&r["table_row"]["cells"])));
            lines.extend(rows.map(|r| row(&r["table_row"]["cells"])));
            return;
        }
    }
    lines.push(format!("|{}", " --- |".repeat(width)));
    lines.extend(rows.map(|r| row(&r["table_row"]["cells"])));
}

/// One table row: each cell's rich text, pipes escaped, line breaks as spaces.
fn row(cells: &Value) -> String {
    let cells: Vec<String> = cells
        .as_array()
        .map(|c| {
            c.iter()
                .map(|cell| rich_text(cell).replace('\n', " "))
                .collect()
        })
        .unwrap_or_default();
    format!("| {} |", cells.join(" | "))
}

/// The scheme of links to files kept by Inlet: `inlet-file:<source>`, the provider's stable id
/// of the file (resolved to the local copy when shown or exported).
pub const FILE_SCHEME: &str = "inlet-file:";

/// The stable id of the Notion-hosted file a block holds — its id and edit time (a block edited
/// in place may hold another file) — or `None` for an external file or another block.
pub fn hosted_source(block: &Value) -> Option<String> {
    let kind = block["type"].as_str()?;
    if block[kind]["type"] != "file" || block[kind]["file"]["url"].as_str().is_none() {
        return None;
    }
    let id = block["id"].as_str()?;
    Some(format!(
        "{id}@{}",
        block["last_edited_time"].as_str().unwrap_or("")
    ))
}

/// An image as an image, any other file as a link to it, with its caption. A Notion-hosted
/// file links to its kept copy (its link expires within the hour).
fn media(block: &Value, kind: &str, body: &Value, lines: &mut Vec<String>) {
    let url = match hosted_source(block) {
        Some(source) => format!("{FILE_SCHEME}{source}"),
        None => file_url(body).unwrap_or_default(),
    };
    let caption_text = plain(&body["caption"]);
    let name = body["name"]
        .as_str()
        .map(str::to_owned)
        .filter(|n| !n.is_empty())
        .or_else(|| (!caption_text.is_empty()).then(|| caption_text.clone()))
        .or_else(|| file_url(body).and_then(|u| file_name(&u)))
        .unwrap_or_else(|| kind.to_owned());
    if kind == "image" {
        lines.push(format!("![{}]({})", escape(&name), link_target(&url)));
    } else {
        let icon = match kind {
            "video" => "🎬",
            "audio" => "🔊",
            "pdf" => "📕",
            _ => "📎",
        };
        lines.push(format!("[{icon} {}]({})", escape(&name), link_target(&url)));
    }
    if kind == "image" && !caption_text.is_empty() {
        lines.push(String::new());
        lines.push(format!("*{}*", escape(&caption_text)));
    }
}

/// A file object's link: Notion-hosted (`file.url`, signed, expiring), uploaded through the API
/// (`file_upload.id`) or external (`external.url`).
pub fn file_url(file: &Value) -> Option<String> {
    file["file"]["url"]
        .as_str()
        .or(file["external"]["url"].as_str())
        .map(str::to_owned)
}

/// The last path segment of `url`, when it has one.
pub(super) fn file_name(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let last = parsed.path_segments()?.rev().find(|s| !s.is_empty())?;
    let decoded = percent_decode(last);
    (!decoded.is_empty()).then_some(decoded)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_owned())
}

fn caption(body: &Value, lines: &mut Vec<String>) {
    let text = plain(&body["caption"]);
    if !text.is_empty() {
        lines.push(String::new());
        lines.push(format!("*{}*", escape(&text)));
    }
}

/// An emoji icon (or nothing: a file icon is an image, not text).
fn icon(icon: &Value) -> String {
    match icon["emoji"].as_str() {
        Some(emoji) => format!("{emoji} "),
        None => String::new(),
    }
}

fn title_or<'a>(body: &'a Value, fallback: &'a str) -> &'a str {
    body["title"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or(fallback)
}

/// A code fence longer than any run of backticks in `code`.
fn fence_for(code: &str) -> String {
    "`".repeat((longest_backticks(code) + 1).max(3))
}

/// The longest run of backticks in `text`.
pub(super) fn longest_backticks(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
