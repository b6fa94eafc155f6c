//! HubSpot: the wire mapping, introspection and paging.

use super::*;
use crate::item_kind::ItemKind;
use api::SimpleObject;

fn object(json: serde_json::Value) -> SimpleObject {
    serde_json::from_value(json).unwrap()
}

fn types() -> Vec<objects::ObjectType> {
    objects::standard_types()
}

fn to_item(record: SimpleObject, object: &objects::ObjectType, portal: &str) -> IntegrationItem {
    with_associations(
        record,
        object,
        associations::Associations::default(),
        portal,
    )
}

fn with_associations(
    record: SimpleObject,
    object: &objects::ObjectType,
    associated: associations::Associations,
    portal: &str,
) -> IntegrationItem {
    let book = labels::PropertyBook::default();
    objects::record_item(record, object, &book, &associated, portal)
}

/// `(id, labels)` as the v4 batch read gives a record's associated records of one type.
fn associated(pairs: &[(&str, &[&str])]) -> Vec<associations::Associated> {
    (pairs.iter())
        .map(|(id, labels)| associations::Associated {
            id: (*id).to_owned(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        })
        .collect()
}

#[test]
fn a_records_company_is_its_parent_and_its_contacts_are_kept() {
    let mut found = associations::Associations::default();
    found.add(
        "9".into(),
        "companies",
        associated(&[("5000001", &["Primary"])]),
    );
    found.add(
        "9".into(),
        "contacts",
        associated(&[("1001", &[]), ("1004", &[])]),
    );
    let deal = object(serde_json::json!({"id": "9", "properties": {"dealname": "Big"}}));
    let item = with_associations(deal, &types()[2], found, "42");
    assert_eq!(item.parent_id.as_deref(), Some("5000001"));
    assert_eq!(
        item.details["contactIds"],
        serde_json::json!(["1001", "1004"])
    );
    let loner = to_item(object(serde_json::json!({"id": "1"})), &types()[0], "42");
    assert_eq!(loner.parent_id, None, "a contact at no company is a root");
}

#[test]
fn the_primary_company_is_the_parent_wherever_it_is_listed() {
    let mut found = associations::Associations::default();
    let companies = associated(&[("3", &[]), ("8", &["Primary"]), ("8", &[])]);
    found.add("1".into(), "companies", companies);
    let item = with_associations(
        object(serde_json::json!({"id": "1"})),
        &types()[0],
        found,
        "42",
    );
    assert_eq!(item.parent_id.as_deref(), Some("8"));
    assert_eq!(item.details["companyIds"], serde_json::json!(["3", "8"]));
    assert_eq!(
        item.details["associations"],
        serde_json::json!([{"type": "companies", "id": "8", "labels": ["Primary"]}])
    );
}

#[test]
fn contact_names_fall_back_to_email() {
    let named = object(
        serde_json::json!({"id":"1","properties":{"firstname":"Ada","lastname":"Lovelace","email":"a@x"},
        "createdAt":"2024-09-12T11:36:05.267Z","updatedAt":"2024-09-12T11:36:22.982Z","archived":false}),
    );
    let item = to_item(named, &types()[0], "42");
    assert_eq!(item.name, "Ada Lovelace");
    assert_eq!(
        item.url.as_deref(),
        Some("https://app.hubspot.com/contacts/42/record/0-1/1")
    );
    assert_eq!(
        item.creation_time.unwrap().to_rfc3339(),
        "2024-09-12T11:36:05.267+00:00"
    );
    let email_only = object(
        serde_json::json!({"id":"2","properties":{"firstname":null,"lastname":" ","email":"b@x"}}),
    );
    assert_eq!(to_item(email_only, &types()[0], "42").name, "b@x");
}

#[test]
fn records_are_named_by_their_fields_and_keep_every_value() {
    let company =
        object(serde_json::json!({"id":"7","properties":{"name":null,"domain":"acme.io"}}));
    let item = to_item(company, &types()[1], "42");
    assert_eq!(
        (item.name.as_str(), item.item_type.as_str()),
        ("acme.io", "company")
    );
    assert!(item.url.unwrap().ends_with("/record/0-2/7"));
    let deal =
        object(serde_json::json!({"id":"9","properties":{"dealname":"Big one","amount":"10"}}));
    let item = to_item(deal, &types()[2], "42");
    assert_eq!(item.name, "Big one");
    assert_eq!(item.details["values"]["amount"], "10");
    assert_eq!(
        item.details["properties"]["amount"], "10",
        "no definition: by its name"
    );
    let nameless = object(serde_json::json!({"id":"10","properties":{}}));
    assert_eq!(to_item(nameless, &types()[2], "42").name, "Unnamed deal 10");
    let ticket = object(serde_json::json!({"id":"11","properties":{"subject":"Printer on fire"}}));
    let item = to_item(ticket, &types()[3], "42");
    assert_eq!(
        (item.name.as_str(), item.item_type),
        ("Printer on fire", ItemKind::Ticket)
    );
    assert!(item.url.unwrap().ends_with("/record/0-5/11"));
}

#[test]
fn hubspot_token_errors_and_scopes_are_read() {
    let generic =
        serde_json::json!({"status":"BAD_REFRESH_TOKEN","message":"refresh token is invalid"});
    assert_eq!(HubSpot.read_error(&generic).unwrap().0, "invalid_grant");
    let v3 = serde_json::json!({"category":"VALIDATION_ERROR","message":"missing code"});
    assert_eq!(
        HubSpot.read_error(&v3),
        Some(("validation_error".into(), "missing code".into()))
    );
    assert_eq!(HubSpot.read_error(&serde_json::json!({})), None);
    let extra = serde_json::json!({"scopes": ["oauth", "crm.objects.contacts.read"]});
    assert_eq!(
        HubSpot.granted_scopes(extra.as_object().unwrap()),
        vec!["oauth", "crm.objects.contacts.read"]
    );
}

#[test]
fn a_spent_daily_quota_is_final_and_the_window_is_read() {
    let daily = br#"{"policyName":"DAILY","errorType":"RATE_LIMIT"}"#;
    assert_eq!(
        HubSpot.meaning(429, daily),
        Some(Meaning::Final(FinalLimit::DailyQuota))
    );
    assert_eq!(
        HubSpot.meaning(429, br#"{"policyName":"TEN_SECONDLY_ROLLING"}"#),
        None
    );
    assert_eq!(HubSpot.meaning(429, b"not json"), None);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-hubspot-ratelimit-max", "190".parse().unwrap());
    headers.insert("x-hubspot-ratelimit-remaining", "12".parse().unwrap());
    headers.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        "10000".parse().unwrap(),
    );
    assert_eq!(
        HubSpot.window_report(&headers),
        Some(WindowReport {
            max: Some(190),
            interval: Some(Duration::from_secs(10)),
            remaining: Some(12),
        })
    );
    assert_eq!(
        HubSpot.window_report(&reqwest::header::HeaderMap::new()),
        None
    );
}

#[test]
fn a_spent_rolling_window_says_how_long_to_wait() {
    use reqwest::header::{HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    assert_eq!(HubSpot.rate_limit_wait(&headers), None);
    headers.insert(
        "x-hubspot-ratelimit-remaining",
        HeaderValue::from_static("0"),
    );
    headers.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        HeaderValue::from_static("10000"),
    );
    assert_eq!(
        HubSpot.rate_limit_wait(&headers),
        Some(Duration::from_secs(10))
    );
    for status in [477, 521, 522, 523, 524] {
        assert_eq!(
            HubSpot.meaning(status, b""),
            Some(Meaning::Temporary),
            "{status}"
        );
    }
}

#[test]
fn the_introspection_form_shows_no_secret_in_debug_but_sends_it() {
    let form = IntrospectionForm {
        client_id: "cid",
        client_secret: Some(Secret::new("shh-secret")),
        token: Some(Secret::new("tok-value")),
        token_type_hint: "access_token",
    };
    let debug = format!("{form:?}");
    assert!(
        !debug.contains("shh-secret") && !debug.contains("tok-value"),
        "{debug}"
    );
    let sent = serde_json::to_string(&form).unwrap();
    assert!(sent.contains("shh-secret") && sent.contains("tok-value"));
}

#[test]
fn introspection_lives_beside_the_token_endpoint() {
    let url = Url::parse("https://api.hubapi.com/oauth/2026-03/token").unwrap();
    assert_eq!(
        introspect_url(&url).as_str(),
        "https://api.hubapi.com/oauth/2026-03/token/introspect"
    );
}

#[test]
fn who_last_changed_a_record_is_noted_where_hubspot_says() {
    let record = object(serde_json::json!({
        "id": "3", "properties": {"firstname": "Ada", "hs_updated_by_user_id": "7"}
    }));
    let item = to_item(record, &types()[0], "42");
    assert_eq!(
        item.details[crate::item::EDITED_BY],
        serde_json::json!("HubSpot user 7")
    );
    let quiet = to_item(object(serde_json::json!({"id": "4"})), &types()[0], "42");
    assert!(!quiet.details.contains_key(crate::item::EDITED_BY));
}

#[test]
fn an_association_patch_makes_a_stored_record_what_a_fresh_read_would() {
    let deals = &types()[2];
    let with = |company: &str| {
        let mut found = associations::Associations::default();
        found.add(
            "9".into(),
            "companies",
            associated(&[(company, &["Primary"])]),
        );
        found.add("9".into(), "contacts", associated(&[("1001", &[])]));
        found
    };
    let record = || object(serde_json::json!({"id": "9", "properties": {"dealname": "Big"}}));
    let mut stored = with_associations(record(), deals, with("5000001"), "42");
    stored.delta = Some(crate::item::Delta::Changed);
    // Who last edited its properties did not make this change: HubSpot does not say who did.
    stored.set_edited_by("HubSpot user 7");

    // Moved to another company: the patch changes it into what reading it again gives.
    let moved = objects::association_patch("9", deals, &with("5000002"));
    assert_eq!(moved.key, stored.key());
    assert!(moved.apply(&mut stored));
    let fresh = with_associations(record(), deals, with("5000002"), "42");
    assert_eq!(stored, fresh, "the delta is the store's to say again");
    // The same associations again change nothing.
    assert!(!moved.apply(&mut stored));

    // Its associations all removed: the fields go, and it hangs under no company.
    let none = objects::association_patch("9", deals, &associations::Associations::default());
    assert!(none.apply(&mut stored));
    assert_eq!(stored, to_item(record(), deals, "42"));
}
