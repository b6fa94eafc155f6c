//! What a Notion listing request may ask beside paging: search's `sort`
//! (<https://developers.notion.com/reference/post-search>: `{"timestamp": "last_edited_time",
//! "direction": "ascending" | "descending"}`, the only timestamp it sorts by) and a data source
//! query's timestamp `filter` and `in_trash`
//! (<https://developers.notion.com/reference/post-database-query-filter#timestamp>:
//! `{"timestamp": "last_edited_time" | "created_time", "<timestamp>": {"after" | "before" |
//! "on_or_after" | "on_or_before" | "equals": date}}`, a date alone or an ISO 8601 date-time;
//! `in_trash: true` lists only pages in the trash, otherwise only those not in it —
//! <https://developers.notion.com/reference/query-a-data-source>). Property filters, compound
//! filters and `sorts` are not played: the sandbox refuses them rather than ignore them.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::error;
use crate::dataset::{millis, NotionObject};

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "validation_error", message)
}

/// Sorts search `results` as the request's `sort` asks (stable: equal times keep their order).
pub(super) fn sort_results(results: &mut [Value], request: &Value) -> Result<(), Response> {
    let Some(sort) = request.get("sort").filter(|s| !s.is_null()) else {
        return Ok(());
    };
    if sort.get("timestamp").and_then(Value::as_str) != Some("last_edited_time") {
        return Err(invalid(
            "body failed validation: body.sort.timestamp should be `\"last_edited_time\"`.",
        ));
    }
    let descending = match sort.get("direction").and_then(Value::as_str) {
        Some("ascending") => false,
        Some("descending") => true,
        _ => {
            return Err(invalid(
                "body failed validation: body.sort.direction should be `\"ascending\"` or `\"descending\"`.",
            ))
        }
    };
    let edited = |v: &Value| v["last_edited_time"].as_str().and_then(millis);
    results.sort_by(|a, b| {
        let order = edited(a).cmp(&edited(b));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    Ok(())
}

/// Which of a data source's rows a query keeps.
pub(super) struct RowFilter {
    in_trash: bool,
    time: Option<TimeFilter>,
}

struct TimeFilter {
    created: bool,
    condition: Condition,
    /// The instants the value covers: a date alone covers its day, a date-time its millisecond.
    from: i128,
    until: i128,
}

enum Condition {
    After,
    Before,
    OnOrAfter,
    OnOrBefore,
    Equals,
}

impl RowFilter {
    /// The query's `in_trash` and `filter`, or the 400 Notion answers a body it cannot read with.
    pub(super) fn of(request: &Value) -> Result<Self, Response> {
        let in_trash = match request.get("in_trash") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(wanted)) => *wanted,
            Some(_) => {
                return Err(invalid(
                    "body failed validation: body.in_trash should be a boolean.",
                ))
            }
        };
        if request.get("sorts").is_some_and(|s| !s.is_null()) {
            return Err(invalid(
                "the sandbox does not play `sorts` on a data source query.",
            ));
        }
        let time = match request.get("filter") {
            None | Some(Value::Null) => None,
            Some(filter) => Some(TimeFilter::of(filter)?),
        };
        Ok(Self { in_trash, time })
    }

    /// Whether `row` is listed.
    pub(super) fn keeps(&self, row: &NotionObject) -> bool {
        row.in_trash == self.in_trash && self.time.as_ref().is_none_or(|t| t.keeps(row))
    }
}

impl TimeFilter {
    fn of(filter: &Value) -> Result<Self, Response> {
        let created = match filter.get("timestamp").and_then(Value::as_str) {
            Some("created_time") => true,
            Some("last_edited_time") => false,
            _ => {
                return Err(invalid(
                    "the sandbox plays timestamp filters only: body.filter.timestamp should be `\"created_time\"` or `\"last_edited_time\"`.",
                ))
            }
        };
        let key = if created {
            "created_time"
        } else {
            "last_edited_time"
        };
        let Some(Value::Object(condition)) = filter.get(key) else {
            return Err(invalid(&format!(
                "body failed validation: body.filter.{key} should be an object."
            )));
        };
        let [(name, value)] = condition.iter().collect::<Vec<_>>()[..] else {
            return Err(invalid(&format!(
                "body failed validation: body.filter.{key} should hold one condition."
            )));
        };
        let condition = match name.as_str() {
            "after" => Condition::After,
            "before" => Condition::Before,
            "on_or_after" => Condition::OnOrAfter,
            "on_or_before" => Condition::OnOrBefore,
            "equals" => Condition::Equals,
            other => {
                return Err(invalid(&format!(
                    "the sandbox does not play the timestamp condition `{other}`."
                )))
            }
        };
        let text = value.as_str().unwrap_or_default();
        let Some(from) = millis(text) else {
            return Err(invalid(&format!(
                "body failed validation: body.filter.{key}.{name} should be an ISO 8601 date."
            )));
        };
        let until = from + if text.len() == 10 { 86_400_000 } else { 1 };
        Ok(Self {
            created,
            condition,
            from,
            until,
        })
    }

    fn keeps(&self, row: &NotionObject) -> bool {
        let time = if self.created {
            &row.created_time
        } else {
            &row.last_edited_time
        };
        let Some(at) = millis(time) else {
            return false;
        };
        match self.condition {
            Condition::After => at >= self.until,
            Condition::Before => at < self.from,
            Condition::OnOrAfter => at >= self.from,
            Condition::OnOrBefore => at < self.until,
            Condition::Equals => self.from <= at && at < self.until,
        }
    }
}
