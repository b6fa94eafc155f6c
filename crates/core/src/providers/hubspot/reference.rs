//! What a portal's records refer to: property definitions (`GET /crm/v3/properties/{type}`),
//! pipelines and their stages (`GET /crm/v3/pipelines/{type}`), owners (`GET /crm/v3/owners`,
//! 500 a page, with `crm.objects.owners.read`) and custom object types (`GET /crm/v3/schemas`,
//! with `crm.schemas.custom.read` or `crm.objects.custom.read`) — each read once per load.

use std::sync::Arc;

use super::api::{
    Owner, OwnerPage, Pipeline, PipelineList, PropertyDefinition, PropertyList, Schema, SchemaList,
};
use super::labels::{owner_name, OwnerNames};
use super::objects::ObjectType;
use crate::error::Result;
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::item_kind::ItemKind;
use crate::properties::PROPERTIES;
use crate::providers::{advance, api_url, parse_time, Cursor, LoadContext};

/// The optional scope owners need.
pub const OWNERS_SCOPE: &str = "crm.objects.owners.read";
/// The optional scopes that show custom object types (either will do).
pub const SCHEMA_SCOPES: [&str; 2] = ["crm.schemas.custom.read", "crm.objects.custom.read"];

/// Whether the connection was granted `scope`.
pub fn granted(ctx: &LoadContext<'_>, scope: &str) -> bool {
    ctx.scopes.iter().any(|s| s == scope)
}

/// Every property definition of `object` (archived ones are not asked for).
pub async fn definitions(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
) -> Result<Vec<PropertyDefinition>> {
    let url = api_url(ctx.settings, &format!("/crm/v3/properties/{}", object.path));
    let list: PropertyList = ctx
        .api
        .json(ctx.tokens, |http| {
            http.get(url.clone()).query(&[("archived", "false")])
        })
        .await?;
    Ok(list.results)
}

/// `object`'s pipelines, when its records have one (deals, tickets).
pub async fn pipelines(ctx: &LoadContext<'_>, object: &ObjectType) -> Result<Vec<Pipeline>> {
    if object.pipeline_property.is_none() {
        return Ok(Vec::new());
    }
    let url = api_url(ctx.settings, &format!("/crm/v3/pipelines/{}", object.path));
    let list: PipelineList = ctx
        .api
        .json(ctx.tokens, |http| http.get(url.clone()))
        .await?;
    Ok(list.results)
}

/// The portal's owners (none without their scope), read once per load.
pub async fn owners(ctx: &LoadContext<'_>) -> Result<Arc<Vec<Owner>>> {
    ctx.memo
        .get_or_read("hubspot.owners", || async {
            if !granted(ctx, OWNERS_SCOPE) {
                return Ok(Vec::new());
            }
            let url = api_url(ctx.settings, "/crm/v3/owners");
            let mut all = Vec::new();
            let mut after = Cursor::default();
            loop {
                let page: OwnerPage = ctx
                    .api
                    .json(ctx.tokens, |http| {
                        let mut query = vec![("limit", "500"), ("archived", "false")];
                        if let Some(cursor) = after.as_deref() {
                            query.push(("after", cursor));
                        }
                        http.get(url.clone()).query(&query)
                    })
                    .await?;
                all.extend(page.results);
                let next = page.paging.and_then(|p| p.next).map(|n| n.after);
                if !advance(Integration::Hubspot, &mut after, next)? {
                    return Ok(all);
                }
            }
        })
        .await
}

/// The owners' names by id.
pub async fn owner_names(ctx: &LoadContext<'_>) -> Result<Arc<OwnerNames>> {
    let owners = owners(ctx).await?;
    ctx.memo
        .get_or_read("hubspot.owner_names", || async {
            Ok(owners
                .iter()
                .map(|o| (o.id.clone(), owner_name(o)))
                .collect::<OwnerNames>())
        })
        .await
}

/// The portal's custom object types (none without their scopes), read once per load.
pub async fn schemas(ctx: &LoadContext<'_>) -> Result<Arc<Vec<Schema>>> {
    ctx.memo
        .get_or_read("hubspot.schemas", || async {
            if !SCHEMA_SCOPES.iter().any(|s| granted(ctx, s)) {
                return Ok(Vec::new());
            }
            let url = api_url(ctx.settings, "/crm/v3/schemas");
            let list: SchemaList = ctx
                .api
                .json(ctx.tokens, |http| http.get(url.clone()))
                .await?;
            Ok(list.results)
        })
        .await
}

/// An owner as an item (`owner:{id}`: owner ids are numbers, as record ids are), linked to
/// the users' settings of portal `portal_id`.
pub fn owner_item(owner: &Owner, portal_id: &str) -> IntegrationItem {
    let mut item = IntegrationItem::new(
        Integration::Hubspot,
        format!("owner:{}", owner.id),
        ItemKind::Owner,
        owner_name(owner),
    );
    item.url = Some(format!(
        "https://app.hubspot.com/settings/{portal_id}/users"
    ));
    item.creation_time = parse_time(owner.created_at.as_deref());
    item.last_modified_time = parse_time(owner.updated_at.as_deref());
    let mut properties = serde_json::Map::new();
    let mut put = |label: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value.filter(|v| !v.is_null() && v.as_str() != Some("")) {
            properties.insert(label.to_owned(), value);
        }
    };
    put("Owner ID", Some(owner.id.clone().into()));
    put("Email", owner.email.clone().map(Into::into));
    put("First name", owner.first_name.clone().map(Into::into));
    put("Last name", owner.last_name.clone().map(Into::into));
    put("User ID", owner.user_id.map(Into::into));
    put("Type", owner.kind.clone().map(Into::into));
    let teams: Vec<serde_json::Value> = owner
        .teams
        .iter()
        .filter_map(|t| t.get("name").cloned())
        .collect();
    put("Teams", (!teams.is_empty()).then(|| teams.into()));
    item.details.insert(PROPERTIES.into(), properties.into());
    item
}

/// A pipeline as an item under its object type: its stages in order, with their metadata;
/// linked to the type's pipelines settings of portal `portal_id`.
pub fn pipeline_item(object: &ObjectType, pipeline: &Pipeline, portal_id: &str) -> IntegrationItem {
    let mut item = IntegrationItem::new(
        Integration::Hubspot,
        format!("pipeline:{}:{}", object.type_id, pipeline.id),
        ItemKind::Pipeline,
        pipeline.label.clone(),
    );
    item.url = Some(format!(
        "https://app.hubspot.com/pipelines-settings/{portal_id}/object/{}",
        object.type_id
    ));
    item.parent_id = Some(object.type_id.clone());
    item.creation_time = parse_time(pipeline.created_at.as_deref());
    item.last_modified_time = parse_time(pipeline.updated_at.as_deref());
    let stages: Vec<serde_json::Value> = pipeline
        .stages
        .iter()
        .map(|s| s.label.clone().into())
        .collect();
    let mut properties = serde_json::Map::new();
    properties.insert("Pipeline ID".into(), pipeline.id.clone().into());
    properties.insert("Object type".into(), object.label.clone().into());
    properties.insert("Stages".into(), stages.into());
    item.details.insert(PROPERTIES.into(), properties.into());
    item.details.insert(
        "stages".into(),
        serde_json::to_value(&pipeline.stages).unwrap_or_default(),
    );
    item
}
