//! The Markdown of blocks, edge by edge (the every-block page is a golden file: tests/golden).
use super::*;
use serde_json::json;

fn run(text: &str, on: &[&str]) -> Value {
    let mut notes = json!({});
    for name in on {
        notes[*name] = json!(true);
    }
    json!({"type": "text", "plain_text": text, "annotations": notes, "text": {"content": text}})
}

fn block(kind: &str, body: Value) -> Value {
    json!({"type": kind, "id": "b", kind: body})
}

#[test]
fn text_that_looks_like_markup_stays_text() {
    let text = rich_text(&json!([run(
        "# not a *heading* [x](y) snake_case _a_ <b>",
        &[]
    )]));
    assert_eq!(
        text,
        "\\# not a \\*heading\\* \\[x\\](y) snake_case \\_a\\_ \\<b\\>"
    );
    let code = rich_text(&json!([run("a`b", &["code"]), run(" bold ", &["bold"])]));
    assert_eq!(code, "``a`b`` **bold** ", "markers inside the spaces");
}

#[test]
fn runs_of_list_items_and_tables_without_headers() {
    let item = |kind: &str, text: &str| block(kind, json!({"rich_text": [run(text, &[])]}));
    let blocks = [
        item("numbered_list_item", "one"),
        item("numbered_list_item", "two"),
        item("paragraph", "between"),
        item("numbered_list_item", "again"),
        json!({"type": "table", "id": "t", "table": {"table_width": 2, "has_column_header": false},
            "children": [{"type": "table_row", "table_row": {"cells": [[run("a", &[])], [run("line\nbreak", &[])]]}}]}),
        json!({"type": "quote", "id": "q", "quote": {"rich_text": [run("said", &[])]},
            "children": [item("paragraph", "more")]}),
        json!({"type": "meeting_notes", "id": "m", "meeting_notes": {}}),
        item("paragraph", ""),
    ];
    assert_eq!(
        to_markdown(&blocks),
        "1. one\n2. two\n\nbetween\n\n1. again\n\n| | |\n| --- | --- |\n| a | line break |\n\n> said\n>\n> more\n\n*[A meeting_notes block, which Markdown cannot show]*\n"
    );
}

#[test]
fn files_are_named_by_their_name_caption_or_path() {
    let file = |body: Value| to_markdown(&[block("pdf", body)]);
    assert_eq!(
        file(
            json!({"type": "file", "file": {"url": "https://s3.example/x/Q%203.pdf?sig=1", "expiry_time": "2026-12-06T00:00:00Z"}})
        ),
        "[📕 Q 3.pdf](inlet-file:b@)\n",
        "a Notion-hosted file links to its kept copy"
    );
    assert_eq!(
        file(
            json!({"type": "external", "external": {"url": "https://e.example/a"}, "caption": [run("Deck", &[])]})
        ),
        "[📕 Deck](https://e.example/a)\n"
    );
}
