//! A base's records, as a load asked for them brings them in. A full load reads every table's
//! records; a sync reads only what the base's webhook says changed since its cursor
//! (`webhooks.rs`): the records created or changed are read again by id, those deleted are
//! gone, a table whose fields changed (or that is new) is read whole, and every other stored
//! record is kept (`PageSink::keep`). Either way the base's webhook is remembered with its
//! cursor for the next sync; without `webhook:manage`, or once the cursor is lost, the records
//! are read in full and the sync says why.

use std::collections::{HashMap, HashSet};

use super::api::Table;
use super::records::{load_records_by_id, load_table_records};
use super::webhooks::{self, Hook, Lost};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{key_of, ItemKind};
use crate::providers::{LoadContext, PageSink};

/// Brings in the records of `tables` (those the load covers) of base `base` (named `name`).
pub(super) async fn load_base_records(
    ctx: &LoadContext<'_>,
    base: &str,
    name: &str,
    tables: &[Table],
    sink: &mut dyn PageSink,
) -> Result<()> {
    if !webhooks::granted(ctx) {
        return read_whole(ctx, base, tables, sink).await;
    }
    let known = webhooks::remembered(&ctx.previous.state, base);
    if let (true, Some(hook)) = (ctx.request.sync, &known) {
        match webhooks::changes_since(ctx, base, hook).await? {
            Ok(changes) => {
                let cursor = changes.hook.clone();
                apply(ctx, base, tables, changes, sink).await?;
                remember(sink, base, Some(&cursor));
                return Ok(());
            }
            Err(Lost(why)) => sink.note(format!(
                "Airtable base {name}: {why}, so its records were read in full; its changes are followed again from now."
            )),
        }
    }
    // A full load of records with a webhook still alive leaves it be: the next sync reads its
    // payloads from where it was (naming some records read now again, which costs only that).
    if let (false, Some(hook)) = (ctx.request.sync, &known) {
        if hook.alive(chrono::Utc::now()) {
            remember(sink, base, Some(hook));
            return read_whole(ctx, base, tables, sink).await;
        }
    }
    // The webhook first: what changes while the records are read comes in its payloads.
    match webhooks::set_up(ctx, base, known.as_ref()).await {
        Ok(hook) => remember(sink, base, Some(&hook)),
        // Refused (a plan or a permission): the records are read in full now and by each sync.
        Err(CoreError::ProviderHttp {
            status, message, ..
        }) if (400..500).contains(&status) => {
            tracing::warn!(base, status, "Airtable refused a webhook");
            sink.note(format!(
                "Airtable base {name}: its changes cannot be followed ({message}); each sync reads its records in full."
            ));
            remember(sink, base, None);
        }
        Err(other) => return Err(other),
    }
    read_whole(ctx, base, tables, sink).await
}

/// Every record of `tables`, one table after another: they share the base's pace, which one
/// table's pages fill.
async fn read_whole(
    ctx: &LoadContext<'_>,
    base: &str,
    tables: &[Table],
    sink: &mut dyn PageSink,
) -> Result<()> {
    for table in tables {
        sink.part(&table.name);
        load_table_records(ctx, base, table, sink).await?;
    }
    Ok(())
}

/// Gives what `changes` say changed in `tables` and keeps the rest of their stored records.
async fn apply(
    ctx: &LoadContext<'_>,
    base: &str,
    tables: &[Table],
    mut changes: webhooks::Changes,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let edited_by = std::mem::take(&mut changes.edited_by);
    let sink = &mut Attributed {
        inner: sink,
        edited_by: &edited_by,
    };
    let no_ids = HashSet::new();
    for table in tables {
        let stored = ctx.previous.children_of(&table.id);
        let new_table = ctx.previous.get(&table.id).is_none();
        if new_table || changes.whole_tables.contains(&table.id) {
            sink.part(&table.name);
            load_table_records(ctx, base, table, sink).await?;
            continue;
        }
        let destroyed = changes.destroyed.get(&table.id).unwrap_or(&no_ids);
        let wanted: Vec<String> = (changes.records.get(&table.id).into_iter().flatten())
            .filter(|id| !destroyed.contains(*id))
            .cloned()
            .collect();
        if !wanted.is_empty() {
            sink.part(&table.name);
            if !load_records_by_id(ctx, base, table, &wanted, sink).await? {
                load_table_records(ctx, base, table, sink).await?;
                continue;
            }
        }
        let wanted: HashSet<&String> = wanted.iter().collect();
        let keep = (stored.iter())
            .filter(|id| !destroyed.contains(*id) && !wanted.contains(id))
            .map(|id| key_of(Integration::Airtable, ItemKind::Record, id))
            .collect();
        sink.keep(keep);
    }
    Ok(())
}

/// Passes pages on with who edited each record, as the payloads said (`EDITED_BY`).
struct Attributed<'a> {
    inner: &'a mut dyn PageSink,
    edited_by: &'a HashMap<String, String>,
}

impl PageSink for Attributed<'_> {
    fn page(&mut self, mut items: Vec<crate::item::IntegrationItem>) {
        for item in &mut items {
            if let Some(who) = self.edited_by.get(&item.id) {
                item.set_edited_by(who);
            }
        }
        self.inner.page(items);
    }
    fn part(&mut self, name: &str) {
        self.inner.part(name);
    }
    fn note(&mut self, text: String) {
        self.inner.note(text);
    }
    fn content(&mut self, content: crate::item::ItemContent) {
        self.inner.content(content);
    }
    fn file(&mut self, file: crate::files::FileWanted) {
        self.inner.file(file);
    }
    fn keep(&mut self, keys: Vec<String>) {
        self.inner.keep(keys);
    }
    fn remember(&mut self, key: String, value: Option<String>) {
        self.inner.remember(key, value);
    }
}

fn remember(sink: &mut dyn PageSink, base: &str, hook: Option<&Hook>) {
    sink.remember(webhooks::state_key(base), hook.and_then(Hook::to_state));
}
