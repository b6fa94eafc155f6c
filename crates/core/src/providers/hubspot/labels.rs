//! What a HubSpot value reads as: each property by its label, an option by its label, a stage
//! by its pipeline's name for it ("Closed won", not `closedwon`), an owner by their name.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::api::{Owner, Pipeline, PropertyDefinition};

/// Owners by id, as their names.
pub type OwnerNames = HashMap<String, String>;

/// The name an owner reads as: their full name, else their e-mail, else their id.
pub fn owner_name(owner: &Owner) -> String {
    let full = [owner.first_name.as_deref(), owner.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !full.is_empty() {
        return full;
    }
    owner.email.clone().unwrap_or_else(|| owner.id.clone())
}

/// The properties of one object type and what their values read as.
#[derive(Debug, Default)]
pub struct PropertyBook {
    /// The definitions, in HubSpot's order; each label unique (a repeated one gets its name).
    definitions: Vec<(String, PropertyDefinition)>,
    by_name: HashMap<String, usize>,
    /// Pipelines by id (deals', tickets').
    pipelines: HashMap<String, Pipeline>,
    /// The properties holding a record's pipeline and its stage (`pipeline`, `dealstage`).
    pipeline_property: Option<(&'static str, &'static str)>,
    owners: std::sync::Arc<OwnerNames>,
}

impl PropertyBook {
    /// A book of `definitions`, reading stages from `pipelines` (whose properties are
    /// `pipeline_property`: the pipeline's and the stage's) and owners from `owners`.
    pub fn new(
        definitions: Vec<PropertyDefinition>,
        pipelines: Vec<Pipeline>,
        pipeline_property: Option<(&'static str, &'static str)>,
        owners: std::sync::Arc<OwnerNames>,
    ) -> Self {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for d in &definitions {
            *seen.entry(d.label.trim().to_owned()).or_default() += 1;
        }
        let labelled = definitions
            .into_iter()
            .map(|d| {
                let label = d.label.trim();
                let label = if label.is_empty() || seen.get(label).copied().unwrap_or(0) > 1 {
                    if label.is_empty() {
                        d.name.clone()
                    } else {
                        format!("{label} ({})", d.name)
                    }
                } else {
                    label.to_owned()
                };
                (label, d)
            })
            .collect::<Vec<_>>();
        let by_name = labelled
            .iter()
            .enumerate()
            .map(|(n, (_, d))| (d.name.clone(), n))
            .collect();
        Self {
            definitions: labelled,
            by_name,
            pipelines: pipelines.into_iter().map(|p| (p.id.clone(), p)).collect(),
            pipeline_property,
            owners,
        }
    }

    /// Every property's internal name, in HubSpot's order (what a listing asks for).
    pub fn names(&self) -> Vec<&str> {
        self.definitions
            .iter()
            .map(|(_, d)| d.name.as_str())
            .collect()
    }

    /// The definitions as kept on the object type's item.
    pub fn definitions_json(&self) -> Value {
        Value::Array(
            self.definitions
                .iter()
                .filter_map(|(_, d)| serde_json::to_value(d).ok())
                .collect(),
        )
    }

    /// A record's values (by internal name) as its properties by label (values no definition
    /// names by their name). Empty values are left out.
    pub fn properties(&self, values: &HashMap<String, Option<String>>) -> Map<String, Value> {
        let value = |name: &str| {
            values
                .get(name)
                .and_then(|v| v.as_deref())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let mut out = Map::new();
        for (label, definition) in &self.definitions {
            if let Some(raw) = value(&definition.name) {
                out.insert(label.clone(), self.display(definition, raw, values));
            }
        }
        let mut unknown: Vec<&String> = values
            .keys()
            .filter(|k| !self.by_name.contains_key(k.as_str()))
            .collect();
        unknown.sort();
        for name in unknown {
            if let Some(raw) = value(name) {
                out.entry(name.clone()).or_insert_with(|| raw.into());
            }
        }
        out
    }

    fn display(
        &self,
        definition: &PropertyDefinition,
        raw: &str,
        values: &HashMap<String, Option<String>>,
    ) -> Value {
        let owner = definition.referenced_object_type.as_deref() == Some("OWNER")
            || definition.name == "hubspot_owner_id";
        if owner {
            return self
                .owners
                .get(raw)
                .cloned()
                .unwrap_or_else(|| raw.to_owned())
                .into();
        }
        if let Some((pipeline_name, stage_name)) = self.pipeline_property {
            if definition.name == pipeline_name {
                if let Some(pipeline) = self.pipelines.get(raw) {
                    return pipeline.label.clone().into();
                }
            }
            if definition.name == stage_name {
                if let Some(stage) = self.stage(raw, values.get(pipeline_name)) {
                    return stage.into();
                }
            }
        }
        let option = |value: &str| {
            definition
                .options
                .iter()
                .find(|o| o.value == value)
                .map(|o| o.label.clone())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| value.to_owned())
        };
        match (definition.kind.as_str(), definition.field_type.as_str()) {
            ("enumeration", "checkbox") => Value::Array(
                raw.split(';')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| option(v).into())
                    .collect(),
            ),
            ("enumeration", _) | ("bool", _) if !definition.options.is_empty() => {
                option(raw).into()
            }
            ("bool", _) => match raw {
                "true" => "Yes".into(),
                "false" => "No".into(),
                other => other.into(),
            },
            _ => raw.into(),
        }
    }

    /// A stage's label: in the record's pipeline, else in whichever pipeline has the id.
    fn stage(&self, id: &str, pipeline: Option<&Option<String>>) -> Option<String> {
        let in_pipeline = |p: &Pipeline| {
            p.stages
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.label.clone())
        };
        pipeline
            .and_then(|p| p.as_deref())
            .and_then(|p| self.pipelines.get(p))
            .and_then(in_pipeline)
            .or_else(|| self.pipelines.values().find_map(in_pipeline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definitions() -> Vec<PropertyDefinition> {
        serde_json::from_value(json!([
            {"name": "dealname", "label": "Deal Name", "type": "string", "fieldType": "text"},
            {"name": "dealstage", "label": "Deal Stage", "type": "enumeration", "fieldType": "radio",
             "options": [{"label": "Closed Won (option)", "value": "closedwon"}]},
            {"name": "pipeline", "label": "Pipeline", "type": "enumeration", "fieldType": "select"},
            {"name": "hubspot_owner_id", "label": "Owner", "type": "enumeration", "fieldType": "select",
             "referencedObjectType": "OWNER"},
            {"name": "colors", "label": "Colours", "type": "enumeration", "fieldType": "checkbox",
             "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]},
            {"name": "vip", "label": "VIP", "type": "bool", "fieldType": "booleancheckbox"},
            {"name": "a1", "label": "Twin", "type": "string"},
            {"name": "a2", "label": "Twin", "type": "string"}
        ]))
        .unwrap()
    }

    fn pipelines() -> Vec<Pipeline> {
        serde_json::from_value(json!([
            {"id": "default", "label": "Sales", "stages": [{"id": "closedwon", "label": "Closed won"}]},
            {"id": "p2", "label": "Renewals", "stages": [{"id": "closedwon", "label": "Renewed"}]}
        ]))
        .unwrap()
    }

    #[test]
    fn values_read_by_label_with_stages_owners_and_options_named() {
        let owners = OwnerNames::from([("41".to_owned(), "Ada Lovelace".to_owned())]);
        let book = PropertyBook::new(
            definitions(),
            pipelines(),
            Some(("pipeline", "dealstage")),
            std::sync::Arc::new(owners),
        );
        let values: HashMap<String, Option<String>> = [
            ("dealname", Some("Big one")),
            ("dealstage", Some("closedwon")),
            ("pipeline", Some("p2")),
            ("hubspot_owner_id", Some("41")),
            ("colors", Some("red;blue")),
            ("vip", Some("true")),
            ("a1", Some("x")),
            ("a2", Some("y")),
            ("hs_unknown", Some("kept")),
            ("empty", Some(" ")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)))
        .collect();
        let shown = book.properties(&values);
        assert_eq!(
            shown["Deal Stage"], "Renewed",
            "the stage of the record's own pipeline"
        );
        assert_eq!(shown["Pipeline"], "Renewals");
        assert_eq!(shown["Owner"], "Ada Lovelace");
        assert_eq!(shown["Colours"], json!(["Red", "Blue"]));
        assert_eq!(shown["VIP"], "Yes");
        assert_eq!(shown["Twin (a1)"], "x");
        assert_eq!(shown["Twin (a2)"], "y");
        assert_eq!(shown["hs_unknown"], "kept");
        assert!(!shown.contains_key("empty"));
        assert_eq!(book.names().len(), 8);
    }

    #[test]
    fn without_pipelines_or_owners_options_and_ids_stand() {
        let book = PropertyBook::new(definitions(), Vec::new(), None, Default::default());
        let values = HashMap::from([
            ("dealstage".to_owned(), Some("closedwon".to_owned())),
            ("hubspot_owner_id".to_owned(), Some("99".to_owned())),
        ]);
        let shown = book.properties(&values);
        assert_eq!(shown["Deal Stage"], "Closed Won (option)");
        assert_eq!(shown["Owner"], "99");
    }
}
