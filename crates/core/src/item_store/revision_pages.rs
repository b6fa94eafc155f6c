//! A page of the changes seen since a date, across accounts, read in SQL: the page's revisions
//! (in the order they were seen), then only the later revisions of the page's items, to say
//! what each field became (the store keeps only what it was). A day of 10,000 changes costs a
//! page, not the day.

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;

use super::revisions::{current_bodies, walk_back, Row, ROW_COLUMNS};
use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::Result;
use crate::item_store::Revision;

/// One page of the changes since a date, and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RevisionPage {
    /// The page, oldest first.
    pub revisions: Vec<Revision>,
    /// Every change of the accounts seen since the date.
    pub total: u64,
}

/// `(integration = ? AND mode = ? AND account_id = ?) OR …` for `accounts`, with its values
/// (`0`: none of them).
fn accounts_condition(accounts: &[AccountKey]) -> (String, Vec<SqlValue>) {
    if accounts.is_empty() {
        return ("0".to_owned(), Vec::new());
    }
    let one = "(integration = ? AND mode = ? AND account_id = ?)";
    let sql = vec![one; accounts.len()].join(" OR ");
    let values = accounts
        .iter()
        .flat_map(|a| {
            [
                SqlValue::Text(a.integration.id().to_owned()),
                SqlValue::Text(mode_text(a.mode).to_owned()),
                SqlValue::Text(a.account_id.clone()),
            ]
        })
        .collect();
    (format!("({sql})"), values)
}

/// The account of a row read with its account columns first.
fn account_of(accounts: &[AccountKey], integration: &str, mode: &str, id: &str) -> Option<usize> {
    accounts.iter().position(|a| {
        a.integration.id() == integration && mode_text(a.mode) == mode && a.account_id == id
    })
}

/// Each row of the page with its account, in the order seen (time, then id).
fn page_rows(
    connection: &Connection,
    accounts: &[AccountKey],
    since: &str,
    skip: u64,
    limit: u32,
) -> Result<Vec<(usize, Row)>> {
    let (condition, mut values) = accounts_condition(accounts);
    values.push(SqlValue::Text(since.to_owned()));
    let sql = format!(
        "SELECT integration, mode, account_id, {ROW_COLUMNS} FROM revision_rows
         WHERE {condition} AND seen_at >= ? ORDER BY seen_at, id LIMIT {limit} OFFSET {skip}"
    );
    let mut statement = connection.prepare(&sql).map_err(sql_error)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), |r| {
            let (integration, mode, id): (String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok((integration, mode, id, Row::read_from(r, 3)?))
        })
        .map_err(sql_error)?;
    let mut found = Vec::new();
    for row in rows {
        let (integration, mode, id, row) = row.map_err(sql_error)?;
        if let Some(account) = account_of(accounts, &integration, &mode, &id) {
            found.push((account, row));
        }
    }
    Ok(found)
}

/// The revisions of `account`'s item `key` (its provider id `item_id`) after revision `after`.
fn later_rows(
    connection: &Connection,
    account: &AccountKey,
    item_id: &str,
    key: &str,
    after: i64,
) -> Result<Vec<Row>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM revision_rows
             WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND item_id = ?4
               AND id > ?5 AND key = ?6 ORDER BY id"
        ))
        .map_err(sql_error)?;
    let params = rusqlite::params![
        account.integration.id(),
        mode_text(account.mode),
        account.account_id,
        item_id,
        after,
        key
    ];
    let rows = statement.query_map(params, Row::read).map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

impl ItemStore {
    /// The changes of `accounts` seen at or after `since` (an RFC 3339 time), oldest first,
    /// `skip` of them skipped and `limit` at most — each field from what to what — with how
    /// many there are in all.
    pub fn revisions_page(
        &self,
        accounts: &[AccountKey],
        since: &str,
        skip: u64,
        limit: u32,
    ) -> Result<RevisionPage> {
        let connection = self.read();
        let (condition, mut values) = accounts_condition(accounts);
        values.push(SqlValue::Text(since.to_owned()));
        let total: i64 = connection
            .query_row(
                &format!("SELECT count(*) FROM revision_rows WHERE {condition} AND seen_at >= ?"),
                rusqlite::params_from_iter(values),
                |r| r.get(0),
            )
            .map_err(sql_error)?;
        let page = page_rows(&connection, accounts, since, skip, limit)?;
        let order: Vec<i64> = page.iter().map(|(_, row)| row.id).collect();
        // Per account: the page's rows and every later revision of their items, walked back
        // from the items as they are now; then the page's own revisions, in the page's order.
        let mut by_account: HashMap<usize, Vec<Row>> = HashMap::new();
        for (account, row) in page {
            by_account.entry(account).or_default().push(row);
        }
        let mut walked: HashMap<i64, Revision> = HashMap::new();
        for (account, rows) in by_account {
            let key = &accounts[account];
            let wanted: HashSet<i64> = rows.iter().map(|r| r.id).collect();
            // Each item's first revision on the page by id (the page is in time order, which
            // a clock set back could make differ), and every revision after it.
            let mut first: HashMap<&str, &Row> = HashMap::new();
            for row in &rows {
                let entry = first.entry(row.key.as_str()).or_insert(row);
                if row.id < entry.id {
                    *entry = row;
                }
            }
            let mut all = Vec::new();
            for row in first.values() {
                all.extend(later_rows(
                    &connection,
                    key,
                    &row.item_id,
                    &row.key,
                    row.id,
                )?);
            }
            all.extend(rows);
            all.sort_by_key(|r| r.id);
            all.dedup_by_key(|r| r.id);
            let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
            let now = current_bodies(&connection, key, &all)?;
            for (id, revision) in ids.into_iter().zip(walk_back(key, all, now)) {
                if wanted.contains(&id) {
                    walked.insert(id, revision);
                }
            }
        }
        let revisions = order.iter().filter_map(|id| walked.remove(id)).collect();
        Ok(RevisionPage {
            revisions,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures;
    use crate::item_store::tests::{key, load, temp_store};

    #[test]
    fn pages_of_the_changes_say_what_the_whole_read_says() {
        let (store, dir) = temp_store("revision-pages");
        let mut items = fixtures::contacts(40);
        load(&store, &items, false);
        // Three more loads: some items renamed in each (a few in every one, so a page's item
        // has later revisions), one gone, one new.
        for round in 0..3 {
            for (n, item) in items.iter_mut().enumerate() {
                if n % 3 == round || n < 4 {
                    item.name = format!("{} (round {round})", item.name);
                }
            }
            if round == 1 {
                items.remove(10);
            }
            if round == 2 {
                items.extend(fixtures::contacts(41).into_iter().skip(40));
            }
            load(&store, &items, false);
        }
        let all = store.revisions(&[key()], None, "").unwrap();
        assert!(all.len() > 40, "{} revisions", all.len());
        let mut paged = Vec::new();
        let mut skip = 0;
        loop {
            let page = store.revisions_page(&[key()], "", skip, 7).unwrap();
            assert_eq!(page.total, all.len() as u64);
            if page.revisions.is_empty() {
                break;
            }
            skip += page.revisions.len() as u64;
            paged.extend(page.revisions);
        }
        let sorted = |mut revisions: Vec<crate::item_store::Revision>| {
            revisions.sort_by(|a, b| (&a.seen_at, &a.item_id).cmp(&(&b.seen_at, &b.item_id)));
            revisions
        };
        assert_eq!(sorted(paged), sorted(all.clone()));
        // An item renamed in every round says, in its first revision, what it became then.
        let first = all.iter().find(|r| r.item_id == items[0].id).unwrap();
        assert!(first.changes[0].to.as_str().unwrap().ends_with("(round 0)"));
        // Since a time after every load: nothing.
        let none = store
            .revisions_page(&[key()], "9999-01-01T00:00:00Z", 0, 7)
            .unwrap();
        assert_eq!((none.revisions.len(), none.total), (0, 0));
        assert_eq!(store.revisions_page(&[], "", 0, 7).unwrap().total, 0);
        let _ = std::fs::remove_dir_all(dir);
    }
}
