//! The fields that moved between two bodies of an item ([`diff`]), a field change as the store
//! keeps it ([`StoredChange`]), and walking an item's body back through its changes: what a field was (undo) and what it became (the value in the body
//! after). Both the history (`revisions.rs`: what each change became) and the store as of a date
//! (`as_of.rs`: the items as they were) walk back this way.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::FieldChange;

/// Fields that say nothing of the item itself: where a change shows, not what changed.
const UNTRACKED: [&str; 1] = ["delta"];

/// The fields that differ between `before` and `after`: objects compared key by key, down to
/// their leaves; anything else (a list, a value) compared whole.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk(&mut Vec::new(), Some(before), Some(after), &mut changes);
    changes
}

fn walk(
    path: &mut Vec<String>,
    before: Option<&Value>,
    after: Option<&Value>,
    changes: &mut Vec<FieldChange>,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort_unstable();
            keys.dedup();
            for name in keys {
                if path.is_empty() && UNTRACKED.contains(&name.as_str()) {
                    continue;
                }
                path.push(name.clone());
                walk(path, a.get(name), b.get(name), changes);
                path.pop();
            }
        }
        _ => changes.push(FieldChange {
            field: path.join("."),
            path: path.clone(),
            from: before.cloned().unwrap_or_default(),
            to: after.cloned().unwrap_or_default(),
            added: before.is_none(),
            removed: after.is_none(),
        }),
    }
}

/// A field change as the store keeps it: where (the path's names), what the field was, and
/// whether it was absent before or after. What it became is not kept — it is the next revision's
/// "was", or the item now — which halves the history's room. Rows written before this kept the
/// path joined by dots (`field`) and what the field became (`to`): both are still read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(super) struct StoredChange {
    /// The field's path, name by name (`["details", "properties", "Stage"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// An older row's path, joined by dots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Its value before (`null`: not there).
    #[serde(default)]
    pub from: Value,
    /// An older row's value after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    /// The field was not there before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub added: bool,
    /// The field is not there any more.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

impl StoredChange {
    /// `change` as the store keeps it.
    pub fn of(change: &FieldChange) -> Self {
        Self {
            path: change.path.clone(),
            from: change.from.clone(),
            added: change.added,
            removed: change.removed,
            ..Self::default()
        }
    }

    /// As the faces show it, `to` being what the field became.
    pub fn shown(self, to: Value) -> FieldChange {
        FieldChange {
            field: match &self.field {
                Some(field) if self.path.is_empty() => field.clone(),
                _ => self.path.join("."),
            },
            path: self.path,
            from: self.from,
            to,
            added: self.added,
            removed: self.removed,
        }
    }

    /// The field's value in `body` (an item after this change), if there.
    pub fn value_in<'a>(&self, body: &'a Value) -> Option<&'a Value> {
        let Value::Object(object) = body else {
            return None;
        };
        let path = self.path_in(object);
        let (last, parents) = path.split_last()?;
        let mut object = object;
        for name in parents {
            object = object.get(name)?.as_object()?;
        }
        object.get(last)
    }

    /// Sets this change's field of `body` back to what it was.
    pub fn undo(&self, body: &mut Map<String, Value>) {
        let path = self.path_in(body);
        let Some((object, name)) = path_mut(body, &path) else {
            return;
        };
        if self.added {
            object.remove(&name);
        } else {
            object.insert(name, self.from.clone());
        }
    }

    /// The field's path: as kept, or — for an older row — as its dotted name leads through
    /// `object` (a name may hold a `.` too: the longest name that leads on is taken; a name not
    /// there now is the rest, whole).
    fn path_in(&self, mut object: &Map<String, Value>) -> Vec<String> {
        if !self.path.is_empty() {
            return self.path.clone();
        }
        let mut path = Vec::new();
        let mut rest = self.field.as_deref().unwrap_or_default();
        while !rest.is_empty() {
            if object.contains_key(rest) {
                path.push(rest.to_owned());
                break;
            }
            let next = leading_name(object, rest)
                .and_then(|name| Some((object.get(&name)?.as_object()?, name)));
            let Some((inner, name)) = next else {
                path.push(rest.to_owned());
                break;
            };
            rest = &rest[name.len() + 1..];
            path.push(name);
            object = inner;
        }
        path
    }
}

/// The object holding the field at `path` and the field's name, making the objects on the way
/// that are not there (a later change took the field's object out whole).
fn path_mut<'a>(
    mut object: &'a mut Map<String, Value>,
    path: &[String],
) -> Option<(&'a mut Map<String, Value>, String)> {
    let (last, parents) = path.split_last()?;
    for name in parents {
        let next = object
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        object = next.as_object_mut()?;
    }
    Some((object, last.clone()))
}

/// The longest name of an object in `object` that `rest` goes on from (`name.`…).
fn leading_name(object: &Map<String, Value>, rest: &str) -> Option<String> {
    (object.iter())
        .filter(|(name, value)| {
            value.is_object()
                && rest.len() > name.len()
                && rest.starts_with(name.as_str())
                && rest.as_bytes()[name.len()] == b'.'
        })
        .map(|(name, _)| name.clone())
        .max_by_key(String::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_store::diff;
    use serde_json::json;

    /// `changes` as the store keeps them, read back.
    fn stored(changes: &[FieldChange]) -> Vec<StoredChange> {
        let kept: Vec<StoredChange> = changes.iter().map(StoredChange::of).collect();
        serde_json::from_str(&serde_json::to_string(&kept).unwrap()).unwrap()
    }

    #[test]
    fn undoing_a_stored_diff_gives_back_the_body_before_and_what_each_field_became() {
        let before = json!({"name": "Ada", "details": {"values": {"lastname": null, "a.b": 1,
            "gone": {"x": [1, 2]}}, "properties": {"Stage": "Lead"}}, "url": null});
        let after = json!({"name": "Ada L.", "details": {"values": {"lastname": "Lovelace",
            "a.b": 2, "new": true}, "properties": {"Stage": {"label": "Won"}}}, "url": null});
        let changes = diff(&before, &after);
        let kept = stored(&changes);
        assert!(
            kept.iter().all(|c| c.to.is_none()),
            "what a field became is not kept"
        );
        let mut body = after.clone();
        for (change, original) in kept.iter().zip(&changes).rev() {
            let to = change.value_in(&body).cloned().unwrap_or_default();
            assert_eq!(to, original.to, "{}", original.field);
            change.undo(body.as_object_mut().unwrap());
            assert_eq!(change.clone().shown(to), original.clone());
        }
        assert_eq!(body, before);
    }

    #[test]
    fn an_older_rows_dotted_field_is_still_found_and_undone() {
        let older = StoredChange {
            field: Some("details.values.a.b".into()),
            from: json!(1),
            to: Some(json!(2)),
            ..StoredChange::default()
        };
        let mut body = json!({"details": {"values": {"a.b": 2}}});
        assert_eq!(older.value_in(&body), Some(&json!(2)));
        older.undo(body.as_object_mut().unwrap());
        assert_eq!(body, json!({"details": {"values": {"a.b": 1}}}));
        assert_eq!(older.shown(json!(2)).field, "details.values.a.b");
    }

    #[test]
    fn a_field_whose_object_was_taken_out_later_goes_back_into_a_new_one() {
        let change = StoredChange {
            path: vec!["details".into(), "properties".into(), "Stage".into()],
            from: json!("Lead"),
            ..StoredChange::default()
        };
        let mut body = json!({"name": "Ada"});
        assert_eq!(change.value_in(&body), None);
        change.undo(body.as_object_mut().unwrap());
        assert_eq!(
            body,
            json!({"name": "Ada", "details": {"properties": {"Stage": "Lead"}}})
        );
    }
}
