//! Properties of what handles input from outside (proptest, in `make test`): the callback and
//! deep-link parser, the loopback listener's admission rule, and each provider's page mapping.
//! `make fuzz` runs the same entry points under libFuzzer (`fuzz/`) for longer.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

use inlet_core::oauth::callback::{parse_callback, CallbackOutcome};
use inlet_core::oauth::loopback::{admit, Refusal};
use inlet_core::providers::{airtable, hubspot, notion, provider};
use inlet_core::{Integration, IntegrationItem};
use proptest::prelude::*;
use serde_json::{json, Value};
use url::Url;

const LOOPBACK: &str = "http://127.0.0.1:53682/oauth/callback";
const DEEP_LINK: &str = "inlet://oauth/callback";

fn endpoints() -> Vec<Url> {
    vec![
        Url::parse(LOOPBACK).unwrap(),
        Url::parse(DEEP_LINK).unwrap(),
    ]
}

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies shaped like each provider's pages, with any text and JSON where the values go: these
/// get past deserialization, so the mapping itself is exercised.
fn page_like() -> impl Strategy<Value = Value> {
    let text = || prop_oneof![".{0,24}".prop_map(Value::from), Just(Value::Null)];
    let hubspot = prop::collection::vec(
        (".{0,12}", prop::collection::btree_map("[a-z_]{1,12}", text(), 0..6), text()),
        0..5,
    )
    .prop_map(|objects| {
        let results: Vec<Value> = objects
            .into_iter()
            .map(|(id, props, at)| json!({"id": id, "properties": props, "createdAt": at, "updatedAt": at}))
            .collect();
        json!({"results": results, "paging": {"next": {"after": "n"}}})
    });
    let notion = prop::collection::vec((".{0,12}", any_json(), any_json(), any_json()), 0..5).prop_map(
        |objects| {
            let results: Vec<Value> = objects
                .into_iter()
                .enumerate()
                .map(|(n, (id, parent, properties, title))| {
                    let kind = if n % 2 == 0 { "page" } else { "database" };
                    let properties = if properties.is_object() { properties } else { json!({}) };
                    let title = if title.is_array() { title } else { json!([]) };
                    json!({"object": kind, "id": id, "parent": parent, "properties": properties, "title": title, "created_time": "x"})
                })
                .collect();
            json!({"results": results, "has_more": true, "next_cursor": "c"})
        },
    );
    let airtable = prop::collection::vec((".{0,12}", ".{0,24}", prop::collection::vec(any_json(), 0..3)), 0..5)
        .prop_map(|tables| {
            let bases: Vec<Value> = tables.iter().map(|(id, name, _)| json!({"id": id, "name": name, "permissionLevel": "read"})).collect();
            let tables: Vec<Value> = tables
                .into_iter()
                .map(|(id, name, fields)| json!({"id": id, "name": name, "fields": fields, "primaryFieldId": "f"}))
                .collect();
            json!({"bases": bases, "tables": tables, "offset": "o"})
        });
    prop_oneof![any_json(), hubspot, notion, airtable]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Nothing a browser, another app or a web page can put in a callback URL makes the parser
    /// panic; anything it accepts was addressed to Inlet's own callback.
    #[test]
    fn the_callback_parser_takes_any_text(raw in ".{0,300}") {
        if parse_callback(&raw, &endpoints()).is_ok() {
            let url = Url::parse(raw.trim()).unwrap();
            prop_assert!(url.scheme() == "inlet" || url.host_str() == Some("127.0.0.1"));
        }
    }

    /// A well-formed callback gives back exactly its code and state, whatever their characters.
    #[test]
    fn code_and_state_come_back_exactly(code in ".{1,64}", state in ".{1,64}", deep in any::<bool>()) {
        let base = if deep { DEEP_LINK } else { LOOPBACK };
        let raw = format!("{base}?code={}&state={}", encoded(&code), encoded(&state));
        match parse_callback(&raw, &endpoints()).unwrap() {
            CallbackOutcome::Code { code: got, state: got_state } => {
                prop_assert_eq!(got.expose(), code.as_str());
                prop_assert_eq!(got_state, state);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    /// A parameter given twice (a second `state` smuggled in, say) is refused, in any order.
    #[test]
    fn a_repeated_parameter_is_refused(first in "[a-z0-9]{1,12}", second in "[a-z0-9]{1,12}", which in 0..2usize) {
        let name = ["code", "state"][which];
        let raw = format!("{LOOPBACK}?code=c&state=s&{name}={first}&{name}={second}");
        prop_assert!(parse_callback(&raw, &endpoints()).is_err());
    }

    /// A callback to any other host, port, scheme or path is refused.
    #[test]
    fn only_the_own_callback_address_is_taken(host in "[a-z]{1,10}(\\.[a-z]{2,5})?", port in 1u16.., path in "/[a-z/]{0,20}") {
        let raw = format!("http://{host}:{port}{path}?code=c&state=s");
        let own = host == "127.0.0.1" && port == 53682 && path.trim_end_matches('/') == "/oauth/callback";
        prop_assert_eq!(parse_callback(&raw, &endpoints()).is_ok(), own);
    }

    /// The loopback listener admits exactly a GET of its path addressed to its own host:port.
    #[test]
    fn the_listener_admits_only_its_own_get(
        method in prop_oneof![Just("GET".to_owned()), "[A-Z]{1,8}"],
        host in prop_oneof![Just("127.0.0.1:53682".to_owned()), Just("LOCALHOST:53682".to_owned()), ".{0,30}"],
        path in prop_oneof![Just("/oauth/callback".to_owned()), Just("/oauth/callback/".to_owned()), ".{0,30}"],
        with_host in any::<bool>(),
    ) {
        let header = with_host.then_some(host.as_str());
        let verdict = admit("127.0.0.1:53682", "/oauth/callback", &method, header, &path);
        let host_ok = with_host && host.eq_ignore_ascii_case("127.0.0.1:53682");
        let path_ok = path.trim_end_matches('/') == "/oauth/callback";
        match verdict {
            Ok(()) => prop_assert!(host_ok && method == "GET" && path_ok),
            Err(Refusal::WrongHost) => prop_assert!(!host_ok),
            Err(Refusal::WrongMethod) => prop_assert!(host_ok && method != "GET"),
            Err(Refusal::WrongPath) => prop_assert!(host_ok && method == "GET" && !path_ok),
        }
    }

    /// Any JSON a provider might answer either fails to read as its page type (a clear error
    /// upstream) or maps to items of that provider — never a panic.
    #[test]
    fn any_page_body_maps_or_is_refused(body in page_like(), stream in 0..3usize) {
        let bytes = serde_json::to_vec(&body).unwrap();
        let mut mapped: Vec<(Integration, Vec<IntegrationItem>)> = Vec::new();
        if let Ok(page) = serde_json::from_slice(&bytes) {
            let name = ["contacts", "companies", "deals"][stream];
            mapped.push((Integration::Hubspot, hubspot::items_of_page(name, page, "42").unwrap().0));
        }
        if let Ok(page) = serde_json::from_slice(&bytes) {
            mapped.push((Integration::Notion, notion::items_of_page(page).0));
        }
        if let Ok(page) = serde_json::from_slice(&bytes) {
            mapped.push((Integration::Airtable, airtable::items_of_bases_page(page).0));
        }
        if let Ok(tables) = serde_json::from_slice(&bytes) {
            mapped.push((Integration::Airtable, airtable::items_of_tables("appX", tables)));
        }
        for (integration, mut items) in mapped {
            prop_assert!(items.iter().all(|i| i.integration == integration));
            provider(integration).finish(&mut items);
        }
    }

    /// Notion's parent paths are resolved for any parent graph — cycles, self-parents, parents
    /// not shared — and every path starts at the workspace.
    #[test]
    fn notion_parent_paths_end_for_any_graph(parents in prop::collection::vec(prop::option::of(0..12usize), 1..12)) {
        let results: Vec<Value> = parents.iter().enumerate().map(|(n, parent)| {
            let parent = match parent {
                Some(p) => json!({"type": "page_id", "page_id": format!("p{p}")}),
                None => json!({"type": "workspace", "workspace": true}),
            };
            json!({"object": "page", "id": format!("p{n}"), "parent": parent, "properties": {}})
        }).collect();
        let page = serde_json::from_value(json!({"results": results, "has_more": false})).unwrap();
        let (mut items, next) = notion::items_of_page(page);
        prop_assert!(next.is_none());
        provider(Integration::Notion).finish(&mut items);
        for item in &items {
            let path = item.parent_path_or_name.as_deref().unwrap_or_default();
            prop_assert!(path.starts_with(notion::WORKSPACE), "{}", path);
        }
    }
}
