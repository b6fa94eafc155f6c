//! One read-only SQL statement over the store, for `inlet sql` and an assistant's `query`: on a
//! connection of its own, opened read-only with `query_only` on, behind an authorizer that lets
//! through only reading (no `ATTACH` — another file is out of reach — no pragma but the schema's
//! own, no transaction), stopped after a time limit. A *scoped* statement sees the documented
//! views alone, over the accounts it may read: the file's views and tables are out of its reach
//! (SQLite's `SQLITE_DBCONFIG_ENABLE_VIEW` off leaves only TEMP views, which are the same views
//! made over a filtered `accounts`).

use std::sync::mpsc;
use std::time::Duration;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::sql_views::{select_of, READABLE_ONLY, VIEWS};
use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::{CoreError, Result};

/// Which rows a statement may read.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlScope {
    /// The whole store, views and tables (the person's own `inlet sql`).
    Everything,
    /// The documented views, over these accounts alone (an assistant's `query`).
    Accounts(Vec<AccountKey>),
}

/// What receives a statement's answer, row by row.
pub trait SqlSink {
    /// The columns' names, once, before any row.
    fn columns(&mut self, names: &[String]) -> Result<()>;
    /// One row's values (SQL's `NULL` as `null`, a blob as `{"blob_bytes": n}`); `false` stops.
    fn row(&mut self, values: Vec<Value>) -> Result<bool>;
}

/// The pragmas a statement may read: the schema's shape, nothing that sets or reaches outside.
const SCHEMA_PRAGMAS: &[&str] = &["table_info", "table_xinfo", "index_list", "index_info"];

/// Table-valued functions a statement may call on its own (SQLite reads them as tables).
const TABLE_FUNCTIONS: &[&str] = &["json_each", "json_tree", "pragma_table_info"];

/// Functions never run (an extension loaded, a tokenizer registered by pointer).
const REFUSED_FUNCTIONS: &[&str] = &["load_extension", "fts3_tokenizer"];

/// How many statement connections are kept for the next statements (one per scope).
const KEPT_CONNECTIONS: usize = 2;

/// The longest string or blob a statement may make or read (a stored item is far smaller).
const MOST_VALUE_BYTES: i32 = 32_000_000;

/// What a scoped statement may read in the TEMP schema besides its views: the accounts it may
/// read, the TEMP schema's own list.
const TEMP_TABLES: &[&str] = &["readable", "sqlite_temp_master", "sqlite_temp_schema"];

impl ItemStore {
    /// Runs `sql` — one statement that reads — within `scope`, handing its rows to `sink`,
    /// stopped after `limit`. Anything else (a write, a second statement, `ATTACH`, a pragma
    /// that sets, a table outside the scope) is refused with `sql_refused`; a statement still
    /// running at `limit` stops with `sql_timed_out`.
    pub fn run_sql(
        &self,
        sql: &str,
        scope: &SqlScope,
        limit: Duration,
        sink: &mut dyn SqlSink,
    ) -> Result<()> {
        self.run_sql_with(sql, &[], scope, limit, sink)
    }

    /// [`ItemStore::run_sql`] with `params` bound to `?1`, `?2`, … (as text).
    pub fn run_sql_with(
        &self,
        sql: &str,
        params: &[&str],
        scope: &SqlScope,
        limit: Duration,
        sink: &mut dyn SqlSink,
    ) -> Result<()> {
        // A kept connection of this scope when there is one free; else a new one, kept after
        // (the two scopes used last: an assistant's calls read the accounts, then its views).
        let held = {
            let mut kept = self.sql.lock().unwrap_or_else(|p| p.into_inner());
            kept.iter()
                .position(|c| &c.scope == scope)
                .map(|at| kept.remove(at))
        };
        let connection = match held {
            Some(held) => held,
            None => SqlConnection {
                connection: self.sql_connection(scope)?,
                scope: scope.clone(),
            },
        };
        let answered = run_on(&connection.connection, sql, params, limit, sink);
        let mut kept = self.sql.lock().unwrap_or_else(|p| p.into_inner());
        kept.insert(0, connection);
        kept.truncate(KEPT_CONNECTIONS);
        answered
    }

    fn sql_connection(&self, scope: &SqlScope) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let connection = Connection::open_with_flags(self.path(), flags).map_err(sql_error)?;
        super::schema::prepare_reader_with_cache(&connection, 16_384).map_err(sql_error)?;
        // A statement's sorts and temporary results go to disk, not memory, and no value it
        // makes may pass `MOST_VALUE_BYTES` (`zeroblob(1e9)` is refused, not allocated).
        connection
            .pragma_update(None, "temp_store", "FILE")
            .map_err(sql_error)?;
        connection
            .set_limit(
                rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
                MOST_VALUE_BYTES,
            )
            .map_err(sql_error)?;
        if let SqlScope::Accounts(accounts) = scope {
            scoped_views(&connection, accounts).map_err(sql_error)?;
        }
        connection
            .pragma_update(None, "query_only", true)
            .map_err(sql_error)?;
        let scoped = matches!(scope, SqlScope::Accounts(_));
        connection
            .authorizer(Some(move |context: AuthContext<'_>| {
                allowed(&context, scoped)
            }))
            .map_err(sql_error)?;
        Ok(connection)
    }
}

/// A statement's connection and the scope its views were made for.
pub(super) struct SqlConnection {
    scope: SqlScope,
    connection: Connection,
}

/// Runs `sql` with `params` on `connection`, stopped after `limit`.
fn run_on(
    connection: &Connection,
    sql: &str,
    params: &[&str],
    limit: Duration,
    sink: &mut dyn SqlSink,
) -> Result<()> {
    let mut statement = connection.prepare(sql).map_err(refused)?;
    for (at, value) in params.iter().enumerate() {
        statement
            .raw_bind_parameter(at + 1, value)
            .map_err(refused)?;
    }
    if !statement.readonly() {
        return Err(CoreError::SqlRefused {
            reason: "only statements that read are run here".into(),
        });
    }
    let interrupt = connection.get_interrupt_handle();
    let (done, wait) = mpsc::channel::<()>();
    let timer = std::thread::spawn(move || {
        let timed_out = matches!(
            wait.recv_timeout(limit),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        if timed_out {
            interrupt.interrupt();
        }
        timed_out
    });
    let answered = read_rows(statement, sink);
    // The timer stops at once when told; a disconnected channel stops it too.
    let _ = done.send(());
    let timed_out = timer.join().unwrap_or(false);
    match answered {
        Err(CoreError::SqlRefused { .. }) if timed_out => Err(CoreError::SqlTimedOut {
            seconds: limit.as_secs_f64(),
        }),
        other => other,
    }
}

/// Makes the documented views as TEMP views over the accounts the statement may read, and turns
/// the file's own views off.
fn scoped_views(connection: &Connection, accounts: &[AccountKey]) -> rusqlite::Result<()> {
    connection.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW,
        false,
    )?;
    connection.execute_batch(
        "CREATE TEMP TABLE readable (integration TEXT, mode TEXT, account_id TEXT)",
    )?;
    let mut insert = connection.prepare("INSERT INTO temp.readable VALUES (?1, ?2, ?3)")?;
    for key in accounts {
        insert.execute((key.integration.id(), mode_text(key.mode), &key.account_id))?;
    }
    for view in VIEWS {
        connection.execute_batch(&format!(
            "CREATE TEMP VIEW {} AS {}",
            view.name,
            select_of(view, READABLE_ONLY)
        ))?;
    }
    Ok(())
}

/// What the authorizer lets a statement do: read, call functions, recurse. A scoped statement
/// reads the store's tables only through a view (all of which are its TEMP views).
fn allowed(context: &AuthContext<'_>, scoped: bool) -> Authorization {
    let allow = match context.action {
        AuthAction::Select | AuthAction::Recursive => true,
        AuthAction::Function { function_name } => {
            !REFUSED_FUNCTIONS.contains(&function_name.to_ascii_lowercase().as_str())
        }
        AuthAction::Read { table_name, .. } => {
            !scoped
                || context.accessor.is_some()
                || (context.database_name == Some("temp")
                    && (TEMP_TABLES.contains(&table_name)
                        || VIEWS.iter().any(|view| view.name == table_name)))
                || TABLE_FUNCTIONS.contains(&table_name)
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => {
            SCHEMA_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str())
                // A scoped statement learns the shape of the views alone.
                && (!scoped || pragma_value.is_some_and(|v| VIEWS.iter().any(|view| view.name == v)))
        }
        _ => false,
    };
    if allow {
        Authorization::Allow
    } else {
        Authorization::Deny
    }
}

fn read_rows(mut statement: rusqlite::Statement<'_>, sink: &mut dyn SqlSink) -> Result<()> {
    let names: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    sink.columns(&names)?;
    // `raw_query` keeps what `run_sql_with` bound (a parameter left unbound is NULL).
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next().map_err(refused)? {
        let values = (0..names.len())
            .map(|i| row.get_ref(i).map(json_of))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(refused)?;
        if !sink.row(values)? {
            break;
        }
    }
    Ok(())
}

fn json_of(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        ValueRef::Text(text) => Value::String(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => serde_json::json!({ "blob_bytes": bytes.len() }),
    }
}

/// SQLite's refusal or error, said as the statement's fault (its message names what).
fn refused(error: rusqlite::Error) -> CoreError {
    let reason = match &error {
        rusqlite::Error::SqliteFailure(failure, message)
            if failure.code == rusqlite::ErrorCode::AuthorizationForStatementDenied =>
        {
            format!(
                "{}: only reading is allowed here — the documented views (docs/schema.md), nothing written, attached or set",
                message.as_deref().unwrap_or("not authorized")
            )
        }
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::MultipleStatement => "one statement at a time".into(),
        other => other.to_string(),
    };
    CoreError::SqlRefused { reason }
}

#[cfg(test)]
#[path = "sql_query_tests.rs"]
mod tests;
