//! An answer of rows, kept to a number of rows and of bytes (an assistant reads answers into a
//! bounded context; what is cut is said).

use serde_json::Value;

use crate::error::Result;
use crate::item_store::SqlSink;

/// Rows collected up to `max_rows` rows and about `max_bytes` bytes of JSON.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The columns' names.
    pub columns: Vec<String>,
    /// The rows kept.
    pub rows: Vec<Vec<Value>>,
    /// More rows were there than kept.
    pub cut: bool,
    max_rows: usize,
    max_bytes: usize,
    bytes: usize,
}

impl Table {
    /// An empty table that keeps at most `max_rows` rows and about `max_bytes` bytes.
    pub fn new(max_rows: usize, max_bytes: usize) -> Self {
        Self {
            max_rows,
            max_bytes,
            ..Self::default()
        }
    }

    /// The rows as objects, column name to value.
    pub fn objects(&self) -> Vec<Value> {
        (self.rows.iter())
            .map(|row| Value::Object(self.columns.iter().cloned().zip(row.clone()).collect()))
            .collect()
    }
}

impl SqlSink for Table {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }

    fn row(&mut self, values: Vec<Value>) -> Result<bool> {
        let size: usize = values.iter().map(|v| v.to_string().len() + 1).sum();
        if self.rows.len() >= self.max_rows || self.bytes + size > self.max_bytes {
            self.cut = true;
            return Ok(false);
        }
        self.bytes += size;
        self.rows.push(values);
        Ok(true)
    }
}
