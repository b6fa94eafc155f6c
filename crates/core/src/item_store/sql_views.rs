//! The store's documented SQL views (`docs/schema.md`): what a person's own SQL, `inlet sql`, an
//! assistant's `query` and Datasette read. Version 1 of each view is its name; a view never
//! changes meaning under its name — a new meaning gets a new name, the old one stays.
//!
//! Every view reaches the accounts through `accounts` (each account's shown load), so a scoped
//! connection ([`super::sql_query`]) makes the same views as TEMP views over a filtered
//! `accounts` and reads nothing else. From an account the views go to its rows (`CROSS JOIN`
//! keeps SQLite to that order: a row found by its id is an index step per account, never a scan
//! of every stored item).

use rusqlite::{Connection, OptionalExtension};

/// One documented view: its name and the `SELECT` behind it.
pub(super) struct SqlView {
    /// The view's name.
    pub name: &'static str,
    /// The `SELECT` it stands for; `accounts` holds `{scope}` where a scoped connection filters.
    pub select: &'static str,
}

/// Where `accounts` is narrowed to the accounts a scoped connection may read.
pub(super) const SCOPE: &str = "{scope}";

/// The filter a scoped connection puts in `accounts`: only accounts in `temp.readable`.
pub(super) const READABLE_ONLY: &str = "AND EXISTS (SELECT 1 FROM temp.readable r
       WHERE r.integration = g.integration AND r.mode = g.mode AND r.account_id = g.account_id)";

/// Every documented view, each after the views it reads.
pub(super) const VIEWS: &[SqlView] = &[
    SqlView {
        name: "accounts",
        select: "SELECT g.integration, g.mode, g.account_id,
                json_extract(g.account, '$.label') AS account, g.account AS account_info,
                g.id AS load_id,
                g.started_at AS load_started_at, g.finished_at AS loaded_at, g.state AS load_state,
                g.new_count, g.changed_count, g.gone_count
           FROM generations g
          WHERE g.id = (SELECT max(s.id) FROM generations s
                         WHERE s.integration = g.integration AND s.mode = g.mode
                           AND s.account_id = g.account_id AND s.state IN ('complete', 'partial'))
            {scope}",
    },
    SqlView {
        name: "items",
        select: "SELECT a.integration, a.mode, a.account_id, r.item_id AS id, r.item_type AS type,
                r.name, r.parent_id, r.parent_path, r.created, r.modified,
                json_extract(r.body, '$.url') AS url, r.delta AS change,
                json_extract(r.body, '$.details') AS details, r.body AS item, a.load_id
           FROM accounts a CROSS JOIN item_rows r ON r.generation = a.load_id
          WHERE r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "changes",
        select: "SELECT a.integration, a.mode, a.account_id, r.item_id AS id, r.item_type AS type,
                r.name, r.delta AS change, r.modified, a.load_id, a.loaded_at
           FROM accounts a CROSS JOIN item_rows r ON r.generation = a.load_id
          WHERE r.delta IS NOT NULL",
    },
    SqlView {
        name: "revisions",
        select: "SELECT v.id, v.integration, v.mode, v.account_id, v.item_id, v.name, v.seen_at,
                v.kind, v.edited_by, v.changes AS fields, v.body AS item_was
           FROM accounts a CROSS JOIN revision_rows v
             ON v.integration = a.integration AND v.mode = a.mode AND v.account_id = a.account_id",
    },
    SqlView {
        name: "revision_fields",
        select: "SELECT v.id AS revision_id, v.integration, v.mode, v.account_id, v.item_id,
                v.seen_at,
                coalesce((SELECT group_concat(p.value, '.') FROM json_each(c.value, '$.path') p),
                         json_extract(c.value, '$.field')) AS field,
                json_extract(c.value, '$.from') AS was,
                coalesce(json_extract(c.value, '$.added'), 0) AS added,
                coalesce(json_extract(c.value, '$.removed'), 0) AS removed
           FROM revisions v, json_each(v.fields) c
          WHERE v.kind = 'changed'",
    },
    SqlView {
        name: "airtable_records",
        select: "SELECT a.mode, a.account_id, r.item_id AS id, t.parent_id AS base_id,
                r.parent_id AS table_id, t.name AS table_name, r.name, r.created,
                json_extract(r.body, '$.details') AS fields, json_extract(r.body, '$.url') AS url,
                r.delta AS change
           FROM accounts a
           CROSS JOIN item_rows r ON r.generation = a.load_id AND r.item_type = 'record'
           LEFT JOIN item_rows t ON t.generation = r.generation AND t.item_id = r.parent_id
                                AND t.item_type = 'table'
          WHERE a.integration = 'airtable' AND r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "notion_pages",
        select: "SELECT a.mode, a.account_id, r.item_id AS id, r.name AS title, r.parent_id,
                r.parent_path AS path, json_extract(r.body, '$.details.parent_type') AS parent_type,
                r.created, r.modified AS last_edited, json_extract(r.body, '$.url') AS url,
                json_extract(r.body, '$.details.properties') AS properties,
                c.markdown, c.fetched_at AS content_fetched_at, r.delta AS change
           FROM accounts a
           CROSS JOIN item_rows r ON r.generation = a.load_id AND r.item_type = 'page'
           LEFT JOIN contents c ON c.integration = a.integration AND c.mode = a.mode
                               AND c.account_id = a.account_id AND c.item_id = r.item_id
          WHERE a.integration = 'notion' AND r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "hubspot_contacts",
        select: "SELECT a.mode, a.account_id, r.item_id AS id,
                json_extract(r.body, '$.details.values.email') AS email,
                json_extract(r.body, '$.details.values.firstname') AS first_name,
                json_extract(r.body, '$.details.values.lastname') AS last_name,
                json_extract(r.body, '$.details.values.phone') AS phone,
                json_extract(r.body, '$.details.values.jobtitle') AS job_title,
                json_extract(r.body, '$.details.values.lifecyclestage') AS lifecycle_stage,
                json_extract(r.body, '$.details.values.hubspot_owner_id') AS owner_id,
                r.parent_id AS company_id, r.created, r.modified,
                json_extract(r.body, '$.details.values') AS properties,
                json_extract(r.body, '$.details.associations') AS associations,
                json_extract(r.body, '$.url') AS url, r.delta AS change
           FROM accounts a
           CROSS JOIN item_rows r ON r.generation = a.load_id AND r.item_type = 'contact'
          WHERE a.integration = 'hubspot' AND r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "hubspot_companies",
        select: "SELECT a.mode, a.account_id, r.item_id AS id, r.name,
                json_extract(r.body, '$.details.values.domain') AS domain,
                json_extract(r.body, '$.details.values.industry') AS industry,
                json_extract(r.body, '$.details.values.city') AS city,
                json_extract(r.body, '$.details.values.country') AS country,
                json_extract(r.body, '$.details.values.phone') AS phone,
                json_extract(r.body, '$.details.values.hubspot_owner_id') AS owner_id,
                r.created, r.modified,
                json_extract(r.body, '$.details.values') AS properties,
                json_extract(r.body, '$.details.associations') AS associations,
                json_extract(r.body, '$.url') AS url, r.delta AS change
           FROM accounts a
           CROSS JOIN item_rows r ON r.generation = a.load_id AND r.item_type = 'company'
          WHERE a.integration = 'hubspot' AND r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "hubspot_deals",
        select: "SELECT a.mode, a.account_id, r.item_id AS id, r.name,
                CASE WHEN json_extract(r.body, '$.details.values.amount') <> ''
                     THEN CAST(json_extract(r.body, '$.details.values.amount') AS REAL) END AS amount,
                json_extract(r.body, '$.details.values.deal_currency_code') AS currency,
                json_extract(r.body, '$.details.values.pipeline') AS pipeline_id,
                json_extract(r.body, '$.details.values.dealstage') AS stage_id,
                json_extract(r.body, '$.details.properties.\"Pipeline\"') AS pipeline,
                json_extract(r.body, '$.details.properties.\"Deal Stage\"') AS stage,
                json_extract(r.body, '$.details.values.closedate') AS close_date,
                json_extract(r.body, '$.details.values.hubspot_owner_id') AS owner_id,
                r.parent_id AS company_id, r.created, r.modified,
                json_extract(r.body, '$.details.values') AS properties,
                json_extract(r.body, '$.details.associations') AS associations,
                json_extract(r.body, '$.url') AS url, r.delta AS change
           FROM accounts a
           CROSS JOIN item_rows r ON r.generation = a.load_id AND r.item_type = 'deal'
          WHERE a.integration = 'hubspot' AND r.delta IS NOT 'gone'",
    },
    SqlView {
        name: "files",
        select: "SELECT s.integration, s.mode, s.account_id, s.item_id, s.source, s.name, b.size,
                b.mime, s.hash, 'files/' || substr(s.hash, 1, 2) || '/' || s.hash AS path
           FROM accounts a
           CROSS JOIN file_sources s ON s.integration = a.integration AND s.mode = a.mode
                              AND s.account_id = a.account_id
           JOIN file_blobs b ON b.hash = s.hash",
    },
];

/// The view's `SELECT` with `accounts` narrowed by `scope` (empty: every account).
pub(super) fn select_of(view: &SqlView, scope: &str) -> String {
    view.select.replace(SCOPE, scope)
}

/// Makes the store file's views what this build defines: a view whose text differs is made
/// again (a definition mended), a missing one made. Runs with the migrations, on the writer.
pub(super) fn install(connection: &Connection) -> rusqlite::Result<()> {
    for view in VIEWS {
        let wanted = format!("CREATE VIEW {} AS {}", view.name, select_of(view, ""));
        let stored: Option<String> = connection
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?1",
                [view.name],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() == Some(wanted.as_str()) {
            continue;
        }
        // Two processes may open the store at once: both make the same view, neither fails.
        connection.execute_batch(&format!(
            "DROP VIEW IF EXISTS {name}; CREATE VIEW IF NOT EXISTS {name} AS {select}",
            name = view.name,
            select = select_of(view, "")
        ))?;
    }
    Ok(())
}
