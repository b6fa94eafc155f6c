//! One read-only SQL statement over the store's documented views (`docs/schema.md`), for
//! `inlet sql` and an assistant's `query` (`item_store::sql_query` says what is refused).

use std::time::Duration;

use super::Library;
use crate::error::{CoreError, Result};
use crate::item_store::{SqlScope, SqlSink};

/// The longest SQL text taken (a statement is a question, not a program).
const MOST_SQL_BYTES: usize = 100_000;

impl Library {
    /// Runs `sql` within `scope`, handing its columns and rows to `sink` (given back), stopped
    /// after `limit`.
    pub async fn run_sql<S: SqlSink + Send + 'static>(
        &self,
        sql: &str,
        scope: SqlScope,
        limit: Duration,
        sink: S,
    ) -> Result<S> {
        self.run_sql_with(sql, Vec::new(), scope, limit, sink).await
    }

    /// [`Library::run_sql`] with `params` bound to `?1`, `?2`, ….
    pub async fn run_sql_with<S: SqlSink + Send + 'static>(
        &self,
        sql: &str,
        params: Vec<String>,
        scope: SqlScope,
        limit: Duration,
        mut sink: S,
    ) -> Result<S> {
        if sql.trim().is_empty() || sql.len() > MOST_SQL_BYTES {
            return Err(CoreError::invalid_argument(
                "Give one SQL statement of at most 100,000 characters.",
            ));
        }
        let store = self.require_store()?;
        let sql = sql.to_owned();
        tokio::task::spawn_blocking(move || {
            let params: Vec<&str> = params.iter().map(String::as_str).collect();
            store.run_sql_with(&sql, &params, &scope, limit, &mut sink)?;
            Ok(sink)
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }
}
