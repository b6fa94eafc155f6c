//! Airtable's records carry no modified time, so a sync learns what changed from a webhook per
//! base, read by cursor — no notification URL: Inlet has no server to be called, it lists the
//! payloads when it syncs (<https://airtable.com/developers/web/api/webhooks-overview>). Every
//! Webhooks endpoint needs `webhook:manage`, which Inlet asks for as optional; a connection
//! without it syncs by reading every stored record again.
//!
//! - A webhook made through OAuth "will expire and be disabled after 7 days" unless refreshed;
//!   listing its payloads also extends it to 7 days after the call, so a sync keeps it alive and
//!   a full load refreshes it (`POST …/refresh`).
//! - "Payloads are deleted from Airtable's servers after 1 week whether or not the client has
//!   seen them. The cursor value for the next payload is never reset": a payload page whose first
//!   payload comes after the cursor asked for has lost some (the page's `cursor` less its length
//!   is its first payload's number).
//! - "A single OAuth integration can create up to 2 webhooks per base", and sees only its own:
//!   with no webhook remembered, Inlet takes one of its own that is still enabled and watches
//!   what it needs, and deletes the others, before it makes one.
//!
//! A webhook expired, deleted or in error, or payloads lost, are a lost cursor: the base's
//! records are read in full, a new webhook is made, and the sync says so.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::api::{PayloadPage, WebhookInfo, WebhookMade, Webhooks};
use crate::error::{CoreError, Result};
use crate::providers::{api_url, parse_time, LoadContext};

/// The scope every Webhooks endpoint needs.
pub const SCOPE: &str = "webhook:manage";

/// What Inlet's webhooks watch: records and cells (`tableData`) and fields (`tableFields`, a
/// field renamed changes every record's details). Table names come with each base's schema.
const DATA_TYPES: [&str; 2] = ["tableData", "tableFields"];

/// Payloads one listing gives at most (documented: 50).
const PAYLOADS_PER_PAGE: u32 = 50;

/// How long before its expiry a webhook is taken for expired: a sync that starts just before
/// must not find it gone half-way.
const EXPIRY_MARGIN: Duration = Duration::minutes(10);

/// A base's webhook as Inlet remembers it between loads (`PageSink::remember`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    /// `ach…`
    pub id: String,
    /// The number of the first payload not applied yet.
    pub cursor: u64,
    /// When it expires unless refreshed or read (none: it does not expire).
    pub expires: Option<DateTime<Utc>>,
}

impl Hook {
    /// Whether it is still enabled at `now` (with a margin).
    pub fn alive(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_none_or(|at| now + EXPIRY_MARGIN < at)
    }

    /// As remembered.
    pub fn to_state(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
}

/// The state key of base `base`'s webhook.
pub fn state_key(base: &str) -> String {
    format!("{STATE_PREFIX}{base}")
}

/// What every webhook's state key begins with.
const STATE_PREFIX: &str = "webhook:";

/// The webhook remembered for `base` in `state`, if any (and readable).
pub fn remembered(state: &HashMap<String, String>, base: &str) -> Option<Hook> {
    serde_json::from_str(state.get(&state_key(base))?).ok()
}

/// The bases whose webhook in `state` is still alive at `now`.
pub fn followed(
    state: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> impl Iterator<Item = String> + '_ {
    (state.keys())
        .filter_map(|key| key.strip_prefix(STATE_PREFIX))
        .filter(move |base| remembered(state, base).is_some_and(|hook| hook.alive(now)))
        .map(str::to_owned)
}

/// Whether the connection may manage webhooks.
pub fn granted(ctx: &LoadContext<'_>) -> bool {
    ctx.scopes.iter().any(|s| s == SCOPE)
}

/// What the payloads since a webhook's cursor say changed in its base.
#[derive(Debug, Default)]
pub struct Changes {
    /// Records created or changed, by table: read again.
    pub records: HashMap<String, BTreeSet<String>>,
    /// Records deleted, by table.
    pub destroyed: HashMap<String, HashSet<String>>,
    /// Tables read again whole: their fields changed, or they are new.
    pub whole_tables: HashSet<String>,
    /// Who last created or changed each record, where its payload says (by record id).
    pub edited_by: HashMap<String, String>,
    /// How many payloads were read.
    pub payloads: u64,
    /// The webhook, its cursor past the last payload read.
    pub hook: Hook,
}

/// Why a webhook's cursor cannot be followed (the base's records are then read in full).
#[derive(Debug)]
pub struct Lost(pub String);

/// The changes in `base` since `hook`'s cursor, every payload page read; `Err(Lost)` when they
/// cannot be known from it.
pub async fn changes_since(
    ctx: &LoadContext<'_>,
    base: &str,
    hook: &Hook,
) -> Result<std::result::Result<Changes, Lost>> {
    if !hook.alive(Utc::now()) {
        return Ok(Err(Lost("its webhook expired (no sync for a week)".into())));
    }
    let url = hooks_url(ctx, base, &format!("/{}/payloads", hook.id));
    let mut changes = Changes {
        hook: hook.clone(),
        ..Changes::default()
    };
    loop {
        let asked = changes.hook.cursor;
        let answer: Result<PayloadPage> = (ctx.api.keyed(base))
            .json(ctx.tokens, |http| {
                let query = [("cursor", asked), ("limit", u64::from(PAYLOADS_PER_PAGE))];
                http.get(url.clone()).query(&query)
            })
            .await;
        let page = match answer {
            Ok(page) => page,
            Err(CoreError::ProviderHttp { status: 404, .. }) => {
                return Ok(Err(Lost("its webhook is gone".into())))
            }
            Err(other) => return Err(other),
        };
        let count = page.payloads.len() as u64;
        // The page's first payload is number `cursor - count`; with none it is `cursor`, which
        // Airtable then leaves as asked.
        if page.cursor < asked || page.cursor - count.min(page.cursor) > asked {
            return Ok(Err(Lost(
                "changes older than a week were deleted before Inlet read them".into(),
            )));
        }
        if let Some(error) = page.payloads.iter().find(|p| p.error) {
            let code = error.code.as_deref().unwrap_or("an error");
            return Ok(Err(Lost(format!("its webhook stopped with {code}"))));
        }
        for payload in page.payloads {
            let made_by = payload.made_by().map(str::to_owned);
            for (table, change) in payload.changed_tables_by_id {
                let fields_changed = !change.created_fields_by_id.is_empty()
                    || !change.changed_fields_by_id.is_empty()
                    || !change.destroyed_field_ids.is_empty();
                if fields_changed {
                    changes.whole_tables.insert(table.clone());
                }
                let ids = (change.created_records_by_id.keys())
                    .chain(change.changed_records_by_id.keys());
                if let Some(who) = &made_by {
                    let touched = ids.clone().map(|id| (id.clone(), who.clone()));
                    changes.edited_by.extend(touched);
                }
                changes
                    .records
                    .entry(table.clone())
                    .or_default()
                    .extend(ids.cloned());
                (changes.destroyed.entry(table))
                    .or_default()
                    .extend(change.destroyed_record_ids);
            }
            changes
                .whole_tables
                .extend(payload.created_tables_by_id.keys().cloned());
        }
        changes.payloads += count;
        changes.hook.cursor = page.cursor.max(asked);
        if !page.might_have_more || count == 0 {
            // Listing payloads extends an enabled webhook to 7 days after the call.
            changes.hook.expires = hook.expires.map(|_| Utc::now() + Duration::days(7));
            return Ok(Ok(changes));
        }
    }
}

/// A webhook to follow `base` from now on. With none remembered, a new one (one request; when
/// Airtable refuses it — an integration may have two a base — as below). With one remembered
/// that expired or lost its cursor: the one remembered or another of Inlet's own if it is still
/// enabled and watches what Inlet needs (refreshed, its cursor at its next payload), else a new
/// one — the others of Inlet's are deleted.
pub async fn set_up(ctx: &LoadContext<'_>, base: &str, known: Option<&Hook>) -> Result<Hook> {
    let api = ctx.api.keyed(base);
    let list = hooks_url(ctx, base, "");
    if known.is_none() {
        match make(ctx, base).await {
            Err(CoreError::ProviderHttp { status, .. })
                if (400..500).contains(&status) && ![401, 403].contains(&status) => {}
            made => return made,
        }
    }
    let listed: Webhooks = api.json(ctx.tokens, |http| http.get(list.clone())).await?;
    let usable = |h: &WebhookInfo| h.is_hook_enabled && watches_what_inlet_needs(h);
    let preferred = (listed.webhooks.iter())
        .filter(|h| usable(h))
        .max_by_key(|h| known.is_some_and(|k| k.id == h.id));
    let kept = preferred.map(|h| h.id.clone());
    for stale in listed
        .webhooks
        .iter()
        .filter(|h| Some(&h.id) != kept.as_ref())
    {
        let url = hooks_url(ctx, base, &format!("/{}", stale.id));
        let _: serde_json::Value = api
            .json(ctx.tokens, |http| http.delete(url.clone()))
            .await?;
    }
    if let Some(hook) = preferred {
        let url = hooks_url(ctx, base, &format!("/{}/refresh", hook.id));
        let refreshed: WebhookMade = api.json(ctx.tokens, |http| http.post(url.clone())).await?;
        return Ok(Hook {
            id: hook.id.clone(),
            cursor: hook.cursor_for_next_payload.max(1),
            expires: parse_time(refreshed.expiration_time.as_deref()),
        });
    }
    make(ctx, base).await
}

/// The URL of `base`'s webhooks, followed by `tail` (`""`, `/{id}`, `/{id}/payloads`, …).
fn hooks_url(ctx: &LoadContext<'_>, base: &str, tail: &str) -> url::Url {
    api_url(ctx.settings, &format!("/v0/bases/{base}/webhooks{tail}"))
}

/// A new webhook of `base`, watching what Inlet needs.
async fn make(ctx: &LoadContext<'_>, base: &str) -> Result<Hook> {
    let list = hooks_url(ctx, base, "");
    let spec = json!({"specification": {"options": {"filters": {"dataTypes": DATA_TYPES}}}});
    let made: WebhookMade = (ctx.api.keyed(base))
        .json(ctx.tokens, |http| http.post(list.clone()).json(&spec))
        .await?;
    if made.id.is_empty() {
        return Err(CoreError::InvalidResponse {
            integration: crate::integration::Integration::Airtable,
            reason: "a webhook was made without an id".into(),
        });
    }
    // A new webhook's first payload is number 1.
    Ok(Hook {
        id: made.id,
        cursor: 1,
        expires: parse_time(made.expiration_time.as_deref()),
    })
}

/// Whether a listed webhook watches every data type Inlet needs.
fn watches_what_inlet_needs(hook: &WebhookInfo) -> bool {
    let watched = &hook.specification["options"]["filters"]["dataTypes"];
    let watched: Vec<&str> = (watched.as_array().into_iter().flatten())
        .filter_map(|d| d.as_str())
        .collect();
    DATA_TYPES.iter().all(|d| watched.contains(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_is_remembered_and_read_back_and_expires_with_a_margin() {
        let now = Utc::now();
        let hook = Hook {
            id: "achA".into(),
            cursor: 7,
            expires: Some(now + Duration::days(7)),
        };
        let state = HashMap::from([(state_key("appB"), hook.to_state().unwrap())]);
        assert_eq!(remembered(&state, "appB"), Some(hook.clone()));
        assert_eq!(remembered(&state, "appC"), None);
        assert!(hook.alive(now));
        assert!(!hook.alive(now + Duration::days(7) - Duration::minutes(5)));
        let unreadable = HashMap::from([(state_key("appB"), "{".to_owned())]);
        assert_eq!(remembered(&unreadable, "appB"), None);
    }

    #[test]
    fn only_a_webhook_watching_records_and_fields_is_taken() {
        let listed = |types: serde_json::Value| WebhookInfo {
            id: "achA".into(),
            cursor_for_next_payload: 3,
            is_hook_enabled: true,
            expiration_time: None,
            specification: json!({"options": {"filters": {"dataTypes": types}}}),
        };
        assert!(watches_what_inlet_needs(&listed(json!([
            "tableFields",
            "tableData"
        ]))));
        assert!(!watches_what_inlet_needs(&listed(json!(["tableData"]))));
        assert!(!watches_what_inlet_needs(&listed(json!(null))));
    }
}
