//! Associations with their labels, from the v4 batch read
//! (`POST /crm/v4/associations/{from}/{to}/batch/read`, HubSpot's `Associations` v4 spec): up
//! to 1,000 records per request, each answered with its associated records and every label of
//! each association ("Primary", a portal's own such as "Decision maker"; the unlabeled type has
//! none); a record with more than one answer holds gets `paging`, read on by sending
//! `{id, after}` again.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::api::AssociationBatch;
use super::objects::ObjectType;
use crate::error::{CoreError, Result};
use crate::providers::{api_url, LoadContext};

/// The most records one batch read takes.
pub(super) const BATCH: usize = 1_000;

/// One associated record and the labels of its association (none: unlabeled).
#[derive(Debug, Clone, PartialEq)]
pub struct Associated {
    /// The associated record's id.
    pub id: String,
    /// The association's labels.
    pub labels: Vec<String>,
}

/// A batch of records' associations, by record and associated type.
#[derive(Debug, Default)]
pub struct Associations {
    by_record: HashMap<String, HashMap<&'static str, Vec<Associated>>>,
    /// The types each record was answered about (with associations, or with none).
    answered: HashMap<String, HashSet<&'static str>>,
}

impl Associations {
    /// The records of type `kind` (`companies`) that `id` is associated with.
    pub fn of(&self, id: &str, kind: &str) -> Option<&Vec<Associated>> {
        self.by_record.get(id)?.get(kind)
    }

    /// Whether HubSpot answered about `id` for every type `kinds` — with its associations, or
    /// saying it has none — so that what was read is the whole of them (a read that left it
    /// out, a type the scopes do not show, is not).
    pub fn known(&self, id: &str, kinds: &[&str]) -> bool {
        (self.answered.get(id)).is_some_and(|types| kinds.iter().all(|k| types.contains(k)))
    }

    /// Takes back that HubSpot answered about any record for `kind` (a read of it stopped
    /// half-way: what came is not the whole).
    fn forget_kind(&mut self, kind: &str) {
        for types in self.answered.values_mut() {
            types.remove(kind);
        }
    }

    /// Adds `more` of `id`'s associated records of type `kind`.
    pub(super) fn add(&mut self, id: String, kind: &'static str, more: Vec<Associated>) {
        self.answered.entry(id.clone()).or_default().insert(kind);
        self.by_record
            .entry(id)
            .or_default()
            .entry(kind)
            .or_default()
            .extend(more);
    }
}

/// The associations of the records `ids` (of `object`) with every type it keeps; a type the
/// connection may not read (403) is left out, the rest stands.
pub async fn read(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    ids: &[String],
) -> Result<Associations> {
    let mut found = Associations::default();
    for kind in object.associations {
        let url = api_url(
            ctx.settings,
            &format!("/crm/v4/associations/{}/{kind}/batch/read", object.path),
        );
        let mut cursors = std::collections::HashSet::new();
        let mut pending: Vec<(String, Option<String>)> =
            ids.iter().map(|id| (id.clone(), None)).collect();
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(BATCH));
            let inputs: Vec<serde_json::Value> = pending
                .iter()
                .map(|(id, after)| match after {
                    Some(after) => json!({"id": id, "after": after}),
                    None => json!({"id": id}),
                })
                .collect();
            let body = json!({ "inputs": inputs });
            let answer: Result<AssociationBatch> = ctx
                .api
                .json(ctx.tokens, |http| http.post(url.clone()).json(&body))
                .await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(CoreError::ProviderHttp { status: 403, .. }) => {
                    tracing::info!(
                        kind,
                        "HubSpot associations not readable with the granted scopes"
                    );
                    // Records whose first page came before the refusal are not known whole.
                    found.forget_kind(kind);
                    break;
                }
                Err(other) => return Err(other),
            };
            pending = rest;
            for error in &answer.errors {
                for id in error.none_associated() {
                    found.answered.entry(id).or_default().insert(kind);
                }
            }
            for result in answer.results {
                let list = result
                    .to
                    .into_iter()
                    .map(|to| Associated {
                        id: match to.to_object_id {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        },
                        labels: sorted(
                            to.association_types
                                .into_iter()
                                .filter_map(|t| t.label.filter(|l| !l.trim().is_empty()))
                                .collect(),
                        ),
                    })
                    .collect();
                if let Some(after) = result.paging.and_then(|p| p.next).map(|n| n.after) {
                    if !cursors.insert((result.from.id.clone(), after.clone())) {
                        return Err(CoreError::InvalidResponse {
                            integration: crate::integration::Integration::Hubspot,
                            reason: "an association page cursor came back twice".into(),
                        });
                    }
                    pending.push((result.from.id.clone(), Some(after)));
                }
                found.add(result.from.id, kind, list);
            }
        }
    }
    Ok(found)
}

/// Labels in one order whatever order HubSpot gives them in, so that a record read again
/// compares equal.
fn sorted(mut labels: Vec<String>) -> Vec<String> {
    labels.sort_unstable();
    labels
}
