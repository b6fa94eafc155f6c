//! The assistant's tools over what changed: `list_changes` (since a date, field by field, or
//! what each account's last load found) and `history` (an item's revisions, newest kept).

use serde_json::{json, Value};

use super::access::ReadableAccount;
use super::table::Table;
use super::tools::{cursor_of, Assistant, ChangesAsked, ANSWER_BYTES};
use crate::error::{CoreError, Result};
use crate::item_store::AccountKey;
use crate::services::parse_since;

/// The most revisions a `history` answer holds (the newest).
const MOST_REVISIONS: usize = 200;

impl Assistant {
    /// What changed: since a date, every change the loads found (field by field, oldest
    /// first); without one, what each account's last load found.
    pub async fn list_changes(&self, asked: ChangesAsked) -> Result<Value> {
        let limit = asked.limit.clamp(1, 200) as usize;
        let readable = self.readable().await?;
        let (_, skip) = cursor_of(asked.cursor.as_deref())?;
        let skip = skip as usize;
        let all: Vec<&ReadableAccount> = readable.iter().collect();
        let Some(since) = asked.since else {
            let changes = self
                .scoped(
                    &readable,
                    &format!(
                        "SELECT integration, account_id, id, type, name, change, modified, loaded_at
                           FROM changes ORDER BY loaded_at DESC, integration, account_id, change, name
                          LIMIT {} OFFSET {skip}",
                        limit + 1
                    ),
                    Vec::new(),
                    Table::new(limit + 1, ANSWER_BYTES),
                )
                .await?;
            let mut rows = changes.objects();
            let more = rows.len() > limit || changes.cut;
            rows.truncate(limit);
            let next = more.then(|| format!("0:{}", skip + rows.len()));
            return Ok(
                json!({ "changes": rows, "next_cursor": next, "from": Self::sources(&all) }),
            );
        };
        let since = parse_since(&since)?;
        let keys: Vec<AccountKey> = readable.iter().map(|a| a.key.clone()).collect();
        let found = (self.library)
            .changes_page(&keys, since, skip as u64, limit as u32)
            .await?;
        let mut page = Vec::new();
        let mut bytes = 0;
        for revision in &found.revisions {
            let value = serde_json::to_value(revision)
                .map_err(|e| CoreError::serialization("a revision", e))?;
            bytes += value.to_string().len();
            page.push(value);
            if bytes > ANSWER_BYTES {
                break;
            }
        }
        let end = skip + page.len();
        let next = ((end as u64) < found.total).then(|| format!("0:{end}"));
        Ok(json!({
            "changes": page, "total": found.total, "next_cursor": next,
            "from": Self::sources(&all),
        }))
    }

    /// An item's revisions, oldest first, each field from what to what.
    pub async fn history(&self, id: &str) -> Result<Value> {
        let readable = self.readable().await?;
        let keys: Vec<AccountKey> = readable.iter().map(|a| a.key.clone()).collect();
        let mut revisions = self.library.item_history(&keys, id).await?;
        let sources: Vec<&ReadableAccount> = (readable.iter())
            .filter(|a| revisions.iter().any(|r| r.account == a.key))
            .collect();
        // The newest revisions, within the answer's size; how many earlier ones are left out.
        let mut kept = Vec::new();
        let mut bytes = 0;
        while let Some(revision) = revisions.pop() {
            let value = serde_json::to_value(&revision)
                .map_err(|e| CoreError::serialization("a revision", e))?;
            bytes += value.to_string().len();
            if kept.len() >= MOST_REVISIONS || (bytes > ANSWER_BYTES && !kept.is_empty()) {
                revisions.push(revision);
                break;
            }
            kept.push(value);
        }
        kept.reverse();
        Ok(json!({
            "id": id, "revisions": kept, "earlier_revisions_left_out": revisions.len(),
            "from": Self::sources(&sources),
        }))
    }
}
