//! The rows a search finds, read from the FTS5 index once per search and store change and
//! shared by everything a keystroke asks (the window, the total, the filters' counts, a jump
//! far down): before, each of them ran the match again and turned it into a set of row ids of
//! its own. Few rows are handed to SQLite as a list it looks up row by row (then sorts); many
//! as a function over a bitmap, so the sort column's index is walked in order and the walk
//! stops after the window.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::Value;
use rusqlite::Connection;

use super::{sql_error, ItemStore};
use crate::error::{CoreError, Result};

/// Up to this many rows, a search's rows are looked up one by one (and sorted); past it, the
/// sort column's index is walked and each row checked against a bitmap.
const FEW: usize = 20_000;

/// The rows one search found.
#[derive(Debug, PartialEq)]
pub(super) enum FoundRows {
    /// Their row ids, ascending.
    Few(Vec<i64>),
    /// A bit per row id from the first one found (`base`), and how many are set.
    Many {
        base: i64,
        bits: Vec<u64>,
        count: usize,
    },
}

/// Row ids as they come (ascending, from the search index): a list while they are few, a
/// bitmap past that.
#[derive(Debug, Default)]
struct Collected {
    rows: Vec<i64>,
    /// The first row id; the bitmap starts there (row ids only grow, loads after loads).
    base: i64,
    bits: Vec<u64>,
    count: usize,
}

impl Collected {
    fn add(&mut self, row: i64) {
        self.count += 1;
        if self.count <= FEW {
            self.rows.push(row);
            return;
        }
        if self.count == FEW + 1 {
            self.base = self.rows.first().copied().unwrap_or(row);
        }
        for row in std::mem::take(&mut self.rows).into_iter().chain([row]) {
            let Ok(row) = usize::try_from(row.saturating_sub(self.base)) else {
                continue;
            };
            if self.bits.len() <= row / 64 {
                self.bits.resize(row / 64 + 1, 0);
            }
            self.bits[row / 64] |= 1 << (row % 64);
        }
    }

    fn finish(self) -> FoundRows {
        if self.count <= FEW {
            FoundRows::Few(self.rows)
        } else {
            FoundRows::Many {
                base: self.base,
                bits: self.bits,
                count: self.count,
            }
        }
    }
}

/// `inlet_collect(rowid)`: gathers the rows a query finds inside SQLite's loop, no row crossing
/// to Rust one by one (a million matches in two thirds of the time), and stops once a newer
/// keystroke's ticket is taken.
struct Collector {
    out: Arc<Mutex<Option<Collected>>>,
    keystrokes: Keystrokes,
    keystroke: Option<u64>,
}

impl Aggregate<Collected, i64> for Collector {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Collected> {
        Ok(Collected::default())
    }

    fn step(&self, context: &mut Context<'_>, collected: &mut Collected) -> rusqlite::Result<()> {
        collected.add(context.get::<i64>(0)?);
        let replaced =
            || (self.keystroke).is_some_and(|k| self.keystrokes.load(Ordering::SeqCst) != k);
        if collected.count.is_multiple_of(4_096) && replaced() {
            return Err(rusqlite::Error::UserFunctionError(Box::new(
                CoreError::Superseded,
            )));
        }
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, collected: Option<Collected>) -> rusqlite::Result<i64> {
        let collected = collected.unwrap_or_default();
        let count = i64::try_from(collected.count).unwrap_or(i64::MAX);
        *self.out.lock().unwrap_or_else(|p| p.into_inner()) = Some(collected);
        Ok(count)
    }
}

impl FoundRows {
    #[cfg(test)]
    pub(super) fn of(rows: Vec<i64>) -> Self {
        let mut collected = Collected::default();
        rows.into_iter().for_each(|row| collected.add(row));
        collected.finish()
    }

    /// Their row ids, ascending, when they are few (a list).
    pub(super) fn listed(&self) -> Option<&[i64]> {
        match self {
            Self::Few(rows) => Some(rows),
            Self::Many { .. } => None,
        }
    }

    /// Whether `row` is one of them.
    pub(super) fn contains(&self, row: i64) -> bool {
        match self {
            Self::Few(rows) => rows.binary_search(&row).is_ok(),
            // Below `base` the difference is negative: no usize, not found.
            Self::Many { base, bits, .. } => usize::try_from(row.saturating_sub(*base))
                .ok()
                .and_then(|row| bits.get(row / 64).map(|word| word & (1 << (row % 64)) != 0))
                .unwrap_or(false),
        }
    }

    /// The SQL condition that a row of the table named `alias` is one of them, with its value;
    /// and whether the condition should lead (a list to look up) rather than follow an index.
    pub(super) fn condition(&self, alias: &str) -> (String, Option<Value>, bool) {
        match self {
            Self::Few(rows) => {
                let list = serde_json::to_string(rows).unwrap_or_else(|_| "[]".into());
                (
                    format!("{alias}.rowid IN (SELECT value FROM json_each(?))"),
                    Some(Value::Text(list)),
                    true,
                )
            }
            Self::Many { .. } => (format!("inlet_found({alias}.rowid)"), None, false),
        }
    }
}

/// The last search's rows, with the store's data version and the match they were read for.
pub(super) type FoundCache = Arc<Mutex<Option<(i64, String, Arc<FoundRows>)>>>;

/// The newest keystroke's ticket.
pub(super) type Keystrokes = Arc<AtomicU64>;

/// The words of the newest keystroke.
pub(super) type LastWords = Arc<Mutex<String>>;

/// The store's data version as `connection` sees it: any commit since, by any connection, moves it.
pub(super) fn data_version(connection: &Connection) -> Result<i64> {
    connection
        .query_row("PRAGMA data_version", [], |r| r.get(0))
        .map_err(sql_error)
}

/// Makes `inlet_found(rowid)` on `connection` say whether `found` holds the row.
pub(super) fn register(connection: &Connection, found: &Arc<FoundRows>) -> Result<()> {
    let found = found.clone();
    connection
        .create_scalar_function(
            "inlet_found",
            1,
            // Not deterministic: it answers for the search registered last.
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
            move |context| Ok(found.contains(context.get::<i64>(0)?)),
        )
        .map_err(sql_error)
}

impl ItemStore {
    /// The ticket of a keystroke searching for `words`: a new one when they differ from the
    /// last keystroke's — reading the match of an earlier one (`found` with its ticket) then
    /// stops, `superseded`, so the newest search does not wait behind the ones it replaced —
    /// and the same one for the same words (a new sort, the view read again), which reads on.
    pub fn keystroke(&self, words: &str) -> u64 {
        let mut last = self.last_words.lock().unwrap_or_else(|p| p.into_inner());
        if *last == words && self.keystrokes.load(Ordering::SeqCst) != 0 {
            return self.keystrokes.load(Ordering::SeqCst);
        }
        words.clone_into(&mut last);
        self.keystrokes.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The rows the FTS5 `expression` matches: read once, then kept until another is asked
    /// or the store changes (SQLite's data version, which any commit — this process's or
    /// another's — moves). With a `keystroke`, a newer one stops the read.
    pub(super) fn found(&self, expression: &str, keystroke: Option<u64>) -> Result<Arc<FoundRows>> {
        let connection = self.read();
        let version = data_version(&connection)?;
        let mut kept = self.found.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, kept_expression, rows)) = kept.as_ref() {
            if *at == version && kept_expression == expression {
                return Ok(rows.clone());
            }
        }
        let out = Arc::new(Mutex::new(None));
        let collector = Collector {
            out: out.clone(),
            keystrokes: self.keystrokes.clone(),
            keystroke,
        };
        (connection)
            .create_aggregate_function("inlet_collect", 1, FunctionFlags::SQLITE_UTF8, collector)
            .map_err(sql_error)?;
        let collected = connection.query_row(
            "SELECT inlet_collect(rowid) FROM items_text WHERE items_text MATCH ?1",
            [expression],
            |r| r.get::<_, i64>(0),
        );
        // Stopped by a newer keystroke: superseded. Read to the end: kept, whatever came since.
        if collected.is_err()
            && keystroke.is_some_and(|k| self.keystrokes.load(Ordering::SeqCst) != k)
        {
            return Err(CoreError::Superseded);
        }
        collected.map_err(sql_error)?;
        let collected = out.lock().unwrap_or_else(|p| p.into_inner()).take();
        let found = Arc::new(collected.unwrap_or_default().finish());
        *kept = Some((version, expression.to_owned(), found.clone()));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::item_store::tests::{load, temp_store};
    use crate::item_store::{RowFilter, ViewSort};

    #[test]
    fn many_rows_walk_the_sort_index_and_a_newer_keystroke_stops_an_older_read() {
        let (store, dir) = temp_store("found-many");
        let generation = load(&store, &fixtures::contacts(FEW + 500), false).id;
        let search = |words: &str| RowFilter {
            search: words.into(),
            ..RowFilter::default()
        };
        // Every row matches "contact" (a bitmap); "contact 1" is 11,111 rows (a list).
        let every = store.found("\"contact\"*", None).unwrap();
        assert!(
            matches!(*every, FoundRows::Many { count, base, .. } if count == FEW + 500 && base > 0)
        );
        let ones = store.found("\"contact\"* \"1\"*", None).unwrap();
        assert!(matches!(&*ones, FoundRows::Few(rows) if rows.len() == 11_111));
        for (words, total) in [("contact", FEW as u32 + 500), ("contact 1", 11_111)] {
            let filter = search(words);
            let rows = (store.window(&[generation], &filter, ViewSort::default(), 0, 4)).unwrap();
            let names: Vec<&str> = rows.iter().map(|i| i.name.as_str()).collect();
            let mut expected = vec!["Contact 1", "Contact 10", "Contact 100", "Contact 1000"];
            if words == "contact" {
                expected.insert(0, "Contact 0");
                expected.pop();
            }
            assert_eq!(names, expected, "{words}");
            assert_eq!(store.count(&[generation], &filter).unwrap(), total);
            let facets = store.facets(&[generation], &filter).unwrap();
            assert_eq!(facets.by_type, vec![("contact".to_owned(), total)]);
            let order = store
                .flat_order(&[generation], &filter, ViewSort::default())
                .unwrap();
            assert_eq!(order.len(), total as usize);
        }
        // An earlier keystroke's read stops once a newer one is taken; others read on.
        let earlier = store.keystroke("contact");
        assert_eq!(
            store.keystroke("contact"),
            earlier,
            "the same words read on"
        );
        let newer = store.keystroke("contact c");
        let matched = "\"contact\"* \"contact\"*";
        assert!(matches!(
            store.found(matched, Some(earlier)),
            Err(CoreError::Superseded)
        ));
        assert!(store.found(matched, Some(newer)).is_ok());
        assert!(store.found("\"contact\"* \"2\"*", None).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn few_rows_are_a_list_and_many_a_bitmap_holding_the_same_rows() {
        let few = FoundRows::of(vec![3, 64, 65]);
        assert!(matches!(few, FoundRows::Few(_)));
        let many_rows: Vec<i64> = (0..=FEW as i64).map(|n| n * 3 + 1).collect();
        let many = FoundRows::of(many_rows.clone());
        assert!(matches!(many, FoundRows::Many { count, .. } if count == FEW + 1));
        for row in [1, 4, 3 * FEW as i64 + 1] {
            assert!(many.contains(row), "{row}");
        }
        for row in [-1, 0, 2, 3 * FEW as i64 + 4, i64::MAX] {
            assert!(!many.contains(row), "{row}");
        }
        assert!(few.contains(64) && !few.contains(63));
        assert_eq!(few.condition("p").1, Some(Value::Text("[3,64,65]".into())));
    }
}
