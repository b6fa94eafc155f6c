//! What a page holds beyond its child pages: its content blocks, as
//! `GET /v1/blocks/{id}/children` lists them (https://developers.notion.com/reference/block —
//! each block's object and type-specific fields; https://developers.notion.com/reference/rich-text
//! — text, mentions, equations with their annotations and `href`). Every page opens with a
//! paragraph (which says how often the page was edited); every fiftieth page is a showcase of
//! every block type the API documents — nested (toggles, list items, columns, tables, synced
//! blocks), a toggle of 120 children (two pages of children), and an `unsupported` block as the
//! API gives types it cannot show. Nested blocks have ids `<page>-b<n>[-<m>…]`.

use serde_json::{json, Value};

use crate::dataset::NotionObject;

/// A content block with its children.
pub struct Node {
    pub id: String,
    pub kind: &'static str,
    pub body: Value,
    pub children: Vec<Node>,
}

/// A rich-text run of plain text with the given annotations on.
fn text(content: &str, on: &[&str]) -> Value {
    let mut annotations = json!({"bold": false, "italic": false, "strikethrough": false,
        "underline": false, "code": false, "color": "default"});
    for name in on {
        annotations[*name] = json!(true);
    }
    json!({"type": "text", "text": {"content": content, "link": null},
        "annotations": annotations, "plain_text": content, "href": null})
}

fn link(content: &str, url: &str) -> Value {
    let mut run = text(content, &[]);
    run["text"]["link"] = json!({"url": url});
    run["href"] = json!(url);
    run
}

fn rich(runs: Vec<Value>) -> Value {
    json!({"rich_text": runs, "color": "default"})
}

/// The content blocks of `page`, in order.
pub(crate) fn page_content(page: &NotionObject) -> Vec<Node> {
    let said = match page.revision {
        0 => "Some text.".to_owned(),
        n => format!("Some text, revision {n}."),
    };
    let mut nodes = vec![Node {
        id: format!("{}-p", page.id),
        kind: "paragraph",
        body: rich(vec![text(&said, &[])]),
        children: Vec::new(),
    }];
    if page.showcase {
        nodes.extend(showcase(&page.id));
    }
    nodes
}

/// Every block type, numbered from `<page>-b1`.
fn showcase(page: &str) -> Vec<Node> {
    let mut n = 0;
    let mut node = |kind: &'static str, body: Value, children: Vec<Node>| {
        n += 1;
        Node {
            id: format!("{page}-b{n}"),
            kind,
            body,
            children,
        }
    };
    let leaf = |id: String, kind: &'static str, body: Value| Node {
        id,
        kind,
        body,
        children: Vec::new(),
    };
    let mention = json!({"type": "mention", "mention": {"type": "page", "page": {"id": page}},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false,
            "code": false, "color": "default"},
        "plain_text": "This page", "href": format!("https://www.notion.so/{}", page.replace('-', ""))});
    let date = json!({"type": "mention", "mention": {"type": "date", "date": {"start": "2026-12-24", "end": null}},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false,
            "code": false, "color": "default"},
        "plain_text": "2026-12-24", "href": null});
    let inline_equation = json!({"type": "equation", "equation": {"expression": "a^2 + b^2"},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false,
            "code": false, "color": "default"},
        "plain_text": "a^2 + b^2", "href": null});
    let many: Vec<Node> = (0..120)
        .map(|i| {
            leaf(
                format!("{page}-b-many-{i}"),
                "paragraph",
                rich(vec![text(&format!("Line {i}"), &[])]),
            )
        })
        .collect();
    vec![
        node(
            "heading_1",
            json!({"rich_text": [text("Every block", &[])], "is_toggleable": false, "color": "default"}),
            vec![],
        ),
        node(
            "paragraph",
            rich(vec![
                text("Plain, ", &[]),
                text("bold", &["bold"]),
                text(", ", &[]),
                text("italic", &["italic"]),
                text(", ", &[]),
                text("struck", &["strikethrough"]),
                text(", ", &[]),
                text("code", &["code"]),
                text(", ", &[]),
                text("underlined", &["underline"]),
                text(", ", &[]),
                link("a link", "https://example.com/a_(b)"),
                text(", ", &[]),
                mention,
                text(", ", &[]),
                date,
                text(", ", &[]),
                inline_equation,
                text(" and *stars* kept as text.", &[]),
            ]),
            vec![],
        ),
        node(
            "heading_2",
            json!({"rich_text": [text("Lists", &[])], "is_toggleable": false, "color": "default"}),
            vec![],
        ),
        node(
            "bulleted_list_item",
            rich(vec![text("First point", &[])]),
            vec![],
        ),
        node(
            "bulleted_list_item",
            rich(vec![text("Second point", &[])]),
            vec![leaf(
                format!("{page}-b-nested"),
                "bulleted_list_item",
                rich(vec![text("A point inside", &[])]),
            )],
        ),
        node(
            "numbered_list_item",
            rich(vec![text("Step one", &[])]),
            vec![],
        ),
        node(
            "numbered_list_item",
            rich(vec![text("Step two", &[])]),
            vec![],
        ),
        node(
            "to_do",
            json!({"rich_text": [text("Done", &[])], "checked": true, "color": "default"}),
            vec![],
        ),
        node(
            "to_do",
            json!({"rich_text": [text("Not yet", &[])], "checked": false, "color": "default"}),
            vec![],
        ),
        node(
            "heading_3",
            json!({"rich_text": [text("Folded heading", &[])], "is_toggleable": true, "color": "default"}),
            vec![leaf(
                format!("{page}-b-under-heading"),
                "paragraph",
                rich(vec![text("Under the heading.", &[])]),
            )],
        ),
        node("toggle", rich(vec![text("Many lines", &[])]), many),
        node("quote", rich(vec![text("A quote.", &[])]), vec![]),
        node(
            "callout",
            json!({"rich_text": [text("Mind this.", &[])], "icon": {"type": "emoji", "emoji": "💡"}, "color": "gray_background"}),
            vec![],
        ),
        node(
            "code",
            json!({"rich_text": [text("fn main() {\n    println!(\"```\");\n}", &[])], "language": "rust", "caption": [text("The program", &[])]}),
            vec![],
        ),
        node("equation", json!({"expression": "E = mc^2"}), vec![]),
        node("divider", json!({}), vec![]),
        node(
            "table",
            json!({"table_width": 2, "has_column_header": true, "has_row_header": false}),
            vec![
                leaf(
                    format!("{page}-b-row-0"),
                    "table_row",
                    json!({"cells": [[text("Name", &[])], [text("Value", &[])]]}),
                ),
                leaf(
                    format!("{page}-b-row-1"),
                    "table_row",
                    json!({"cells": [[text("a | b", &[])], [text("1", &["bold"])]]}),
                ),
            ],
        ),
        node(
            "link_to_page",
            json!({"type": "page_id", "page_id": page}),
            vec![],
        ),
        node(
            "bookmark",
            json!({"url": "https://example.com/read", "caption": [text("A bookmark", &[])]}),
            vec![],
        ),
        node(
            "embed",
            json!({"url": "https://example.com/embed", "caption": []}),
            vec![],
        ),
        node(
            "link_preview",
            json!({"url": "https://github.com/example/repo/pull/1"}),
            vec![],
        ),
        node(
            "image",
            json!({"type": "external", "external": {"url": "https://example.com/cat.png"}, "caption": [text("A cat", &[])]}),
            vec![],
        ),
        node(
            "file",
            json!({"type": "external", "external": {"url": "https://example.com/files/report%202026.pdf"}, "caption": [], "name": "report 2026.pdf"}),
            vec![],
        ),
        node(
            "image",
            json!({"type": "file", "file": {"url": "", "expiry_time": ""}, "caption": [text("A diagram", &[])]}),
            vec![],
        ),
        node(
            "pdf",
            json!({"type": "file", "file": {"url": "", "expiry_time": ""}, "caption": [], "name": "notes 2026.pdf"}),
            vec![],
        ),
        node(
            "synced_block",
            json!({"synced_from": null}),
            vec![leaf(
                format!("{page}-b-synced"),
                "paragraph",
                rich(vec![text("Said in two places.", &[])]),
            )],
        ),
        node(
            "column_list",
            json!({}),
            vec![
                Node {
                    id: format!("{page}-b-col-1"),
                    kind: "column",
                    body: json!({}),
                    children: vec![leaf(
                        format!("{page}-b-col-1-p"),
                        "paragraph",
                        rich(vec![text("Left column.", &[])]),
                    )],
                },
                Node {
                    id: format!("{page}-b-col-2"),
                    kind: "column",
                    body: json!({}),
                    children: vec![leaf(
                        format!("{page}-b-col-2-p"),
                        "paragraph",
                        rich(vec![text("Right column.", &[])]),
                    )],
                },
            ],
        ),
        node("table_of_contents", json!({"color": "default"}), vec![]),
        node("breadcrumb", json!({}), vec![]),
        node("unsupported", json!({"block_type": "form"}), vec![]),
        node("paragraph", rich(vec![]), vec![]),
    ]
}

/// The size of every Notion-hosted file here.
pub const HOSTED_FILE_BYTES: u64 = 2048;

/// `body` with its Notion-hosted file (if any) signed: a link to the sandbox's file host that
/// lasts an hour — or has expired already, when `expired`.
pub(super) fn signed(id: &str, body: &Value, base_url: &str, expired: bool) -> Value {
    let mut body = body.clone();
    if body["type"] == "file" {
        let name = body["name"].as_str().unwrap_or("diagram.png").to_owned();
        let url = crate::files::link(base_url, "notion", id, HOSTED_FILE_BYTES, &name, expired);
        body["file"] = json!({"url": url, "expiry_time": "2030-01-01T01:00:00.000Z"});
    }
    body
}

/// The block `id` among the content of the pages in `objects`: its page and the node.
pub(crate) fn find<'a>(objects: &'a [NotionObject], id: &str) -> Option<(&'a NotionObject, Node)> {
    // A content block's id starts with its page's (36 characters, a UUID).
    let page_id = id.get(..36)?;
    if !id[36..].starts_with("-b") && !id[36..].starts_with("-p") {
        return None;
    }
    let page = objects
        .iter()
        .find(|o| o.object == "page" && o.id == page_id)?;
    fn search(nodes: Vec<Node>, id: &str) -> Option<Node> {
        for node in nodes {
            if node.id == id {
                return Some(node);
            }
            if let Some(found) = search(node.children, id) {
                return Some(found);
            }
        }
        None
    }
    search(page_content(page), id).map(|node| (page, node))
}

/// How many `GET /v1/blocks/{id}/children` requests reading all of `page`'s blocks takes (100
/// blocks a request; a block with children is read in turn, child pages are not): what a test
/// checks a content load against.
pub fn block_reads(data: &crate::dataset::NotionData, page: &str) -> usize {
    fn reads(count: usize) -> usize {
        count.div_ceil(100).max(1)
    }
    fn nested(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .filter(|n| !n.children.is_empty())
            .map(|n| reads(n.children.len()) + nested(&n.children))
            .sum()
    }
    let Some(object) = data
        .objects
        .iter()
        .find(|o| o.object == "page" && o.id == page)
    else {
        return 0;
    };
    let content = page_content(object);
    let children = data
        .objects
        .iter()
        .filter(|o| o.parent.0 == "page_id" && o.parent.1.as_deref() == Some(page))
        .count();
    let columns: Vec<&String> = (data.blocks.iter())
        .filter(|(_, on)| on == page)
        .map(|(column, _)| column)
        .collect();
    let in_columns: usize = columns
        .iter()
        .map(|column| {
            let held = (data.objects.iter())
                .filter(|o| o.parent.1.as_deref() == Some(column.as_str()))
                .count();
            reads(held)
        })
        .sum();
    reads(content.len() + children + columns.len()) + nested(&content) + in_columns
}
