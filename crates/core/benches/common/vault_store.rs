//! The item store a folder-export benchmark reads: one Notion account of pages with content and
//! HubSpot contacts and Airtable records beside it, written as loads write them.

use inlet_core::item::IntegrationItem;
use inlet_core::{Integration, ItemKind, Mode};

/// A page's id like Notion's (a UUID) from `n`.
fn page_id(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

/// An item store in `dir` (`items.sqlite3`, where Inlet looks) holding one Notion account of
/// `pages` pages with content — each page links to the next and hangs under one of the first
/// 100 — and `records` more items, half HubSpot contacts, half Airtable records in 10 tables;
/// answers the accounts, to export. What a folder-export benchmark reads.
pub fn seed_vault_store(
    dir: &std::path::Path,
    pages: usize,
    records: usize,
) -> inlet_core::Result<Vec<inlet_core::item_store::AccountKey>> {
    use inlet_core::item::ItemContent;
    use inlet_core::item_store::{AccountKey, ItemStore};
    inlet_core::private_files::ensure_private_dir(dir)?;
    let store = ItemStore::open(&dir.join("items.sqlite3"))?;
    let key = |integration: Integration| AccountKey {
        integration,
        mode: Mode::Sandbox,
        account_id: format!("{integration}-bench"),
    };
    let write = |key: &AccountKey, items: Vec<IntegrationItem>| -> inlet_core::Result<()> {
        let mut writer = store.begin(key, &inlet_core::fixtures::account(&key.account_id))?;
        for page in items.chunks(1_000) {
            writer.append(page)?;
        }
        writer.finish(false).map(|_| ())
    };
    let notion = key(Integration::Notion);
    let mut items = Vec::with_capacity(pages);
    for n in 0..pages {
        let id = page_id(n);
        let mut page = IntegrationItem::new(
            Integration::Notion,
            id.clone(),
            ItemKind::Page,
            format!("Page {n}"),
        );
        page.parent_id = (n >= 100).then(|| page_id(n % 100));
        page.url = Some(format!("https://www.notion.so/{}", id.replace('-', "")));
        page.last_modified_time = chrono::DateTime::from_timestamp(1_704_067_200, 0);
        let next = page_id((n + 1) % pages);
        let markdown = format!(
            "# Page {n}\n\nSome text about page {n}, long enough to be a paragraph of a note.\n\n- a list item\n- another\n\nSee [the next page](https://www.notion.so/{}).\n",
            next.replace('-', "")
        );
        let content = ItemContent {
            item_id: id,
            edited: page.last_modified_time,
            markdown,
            blocks: serde_json::Value::Array(Vec::new()),
        };
        store.put_content(&notion, &content)?;
        items.push(page);
    }
    write(&notion, items)?;
    let hubspot = key(Integration::Hubspot);
    write(&hubspot, inlet_core::fixtures::contacts(records / 2))?;
    let airtable = key(Integration::Airtable);
    let base = IntegrationItem::new(
        Integration::Airtable,
        "appBench",
        ItemKind::Base,
        "Bench base",
    );
    let mut items = vec![base];
    for t in 0..10 {
        let mut table = IntegrationItem::new(
            Integration::Airtable,
            format!("tbl{t}"),
            ItemKind::Table,
            format!("Table {t}"),
        );
        table.parent_id = Some("appBench".into());
        table.details.insert(
            "fields".into(),
            serde_json::json!([{"id": "fldName", "name": "Name", "type": "singleLineText"}, {"id": "fldCount", "name": "Count", "type": "number"}]),
        );
        items.push(table);
    }
    for r in 0..records - records / 2 {
        let mut record = IntegrationItem::new(
            Integration::Airtable,
            format!("rec{r:08}"),
            ItemKind::Record,
            format!("Record {r}"),
        );
        record.parent_id = Some(format!("tbl{}", r % 10));
        record
            .details
            .insert("Name".into(), format!("Record {r}").into());
        record.details.insert("Count".into(), r.into());
        items.push(record);
    }
    write(&airtable, items)?;
    Ok(vec![notion, hubspot, airtable])
}
