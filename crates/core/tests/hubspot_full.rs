//! All of a HubSpot portal, through the sandbox over real HTTP: every property by its label
//! (options, stages and owners by name), tickets, owners, pipelines, a custom object, v4
//! association labels, a portal whose properties do not fit one URL, and a connection whose
//! optional scopes were not granted.

mod common;

use std::collections::HashMap;

use common::*;
use inlet_core::export::ExportFormat;
use inlet_core::services::ItemView;
use inlet_core::{Integration, IntegrationItem, ItemKind};
use inlet_sandbox::Knobs;
use serde_json::json;

fn by_id(items: &[IntegrationItem]) -> HashMap<&str, &IntegrationItem> {
    items.iter().map(|i| (i.id.as_str(), i)).collect()
}

fn count(items: &[IntegrationItem], kind: ItemKind) -> usize {
    items.iter().filter(|i| i.item_type == kind).count()
}

#[tokio::test]
async fn a_portal_loads_whole_with_labels_tickets_owners_pipelines_and_custom_objects() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "hubspot-full").await;
    let (connected, _) = connect_to(&inlet, Integration::Hubspot).await;
    let connected = connected.unwrap();
    for scope in [
        "tickets",
        "crm.objects.owners.read",
        "crm.objects.custom.read",
    ] {
        assert!(
            connected.scopes.iter().any(|s| s == scope),
            "{scope} granted"
        );
    }
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(!result.partial, "{:?}", result.failures);
    let items = by_id(&result.items);
    let data = sandbox.dataset();
    let hub = &data.hubspot;
    // Records, then 4 owners, 5 object types and 3 pipelines (the e2e run counts the same).
    let records = hub.contacts.len()
        + hub.companies.len()
        + hub.deals.len()
        + hub.tickets.len()
        + hub.cars.len();
    assert_eq!(result.items.len(), records + 4 + 5 + 3);

    // Every property by its label; a stage, a pipeline and an owner by name.
    let deal = items[hub.deals[1].id.as_str()];
    let properties = &deal.details["properties"];
    assert_eq!(properties["Deal Stage"], "Closed Won", "{properties}");
    assert_eq!(properties["Pipeline"], "Sales Pipeline");
    assert_eq!(properties["Owner"], "Grace Hopper");
    assert_eq!(deal.details["values"]["dealstage"], "closedwon");
    let contact = items[hub.contacts[0].id.as_str()];
    assert_eq!(
        contact.details["properties"]["Favourite colour"],
        json!(["Red", "Blue"])
    );
    assert_eq!(contact.details["properties"]["Lifecycle Stage"], "Lead");
    assert_eq!(
        contact.details["properties"]["Email"],
        hub.contacts[0].properties[2].1.clone().unwrap()
    );

    // The first deal's first contact is its "Decision maker" (a label the portal defined),
    // and all of its 130 contacts came, past the v4 answer's page of 100.
    let first = items[hub.deals[0].id.as_str()];
    let labelled = first.details["associations"].as_array().unwrap();
    assert!(labelled.iter().any(|a| a["type"] == "contacts"
        && a["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "Decision maker")));
    assert_eq!(first.details["contactIds"].as_array().unwrap().len(), 130);
    assert_eq!(
        first.parent_id.as_deref(),
        Some(hub.deals[0].associations[0].1.as_str())
    );

    // Tickets under their primary company, their status by name.
    assert_eq!(count(&result.items, ItemKind::Ticket), hub.tickets.len());
    let ticket = items[hub.tickets[3].id.as_str()];
    assert_eq!(ticket.details["properties"]["Ticket status"], "Closed");
    assert_eq!(ticket.details["properties"]["Priority"], "Low");
    assert_eq!(
        ticket.parent_id.as_deref(),
        Some(hub.tickets[3].associations[0].1.as_str())
    );
    assert!(
        ticket.details.get("dealIds").is_none(),
        "no deals on this ticket"
    );

    // Owners, pipelines with their stages, and each object type with its definitions.
    assert_eq!(count(&result.items, ItemKind::Owner), 4);
    let sales = items["pipeline:0-3:default"];
    assert_eq!(sales.parent_id.as_deref(), Some("0-3"));
    assert_eq!(sales.details["properties"]["Stages"][2], "Closed Won");
    assert!(items.contains_key("pipeline:0-5:0"));
    for type_id in ["0-1", "0-2", "0-3", "0-5", "2-7654321"] {
        let object = items[type_id];
        assert_eq!(object.item_type, ItemKind::ObjectType);
        assert!(!object.details["propertyDefinitions"]
            .as_array()
            .unwrap()
            .is_empty());
    }
    assert_eq!(items["2-7654321"].name, "Cars");

    // The custom object's records, named by its primary display property, under their type.
    let cars: Vec<&&IntegrationItem> = items
        .values()
        .filter(|i| i.item_type == ItemKind::CustomObject)
        .collect();
    assert_eq!(cars.len(), hub.cars.len());
    let car = items[hub.cars[1].id.as_str()];
    assert_eq!(
        (car.name.as_str(), car.parent_id.as_deref()),
        ("Citroën DS", Some("2-7654321"))
    );
    assert_eq!(car.details["properties"]["Paint"], "Signal red");

    // Search finds a value only a label gives ("Closed Won" is `closedwon` on the wire).
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let view = ItemView {
        search: "Closed Won".into(),
        types: vec![ItemKind::Deal],
        ..ItemView::default()
    };
    let found = inlet.library.window(&accounts, view, 0, 500).await.unwrap();
    let expected = hub
        .deals
        .iter()
        .filter(|d| {
            d.properties
                .iter()
                .any(|(k, v)| *k == "dealstage" && v.as_deref() == Some("closedwon"))
        })
        .count();
    assert_eq!(found.rows.len(), expected);

    // A CSV export of deals has a column per property, by label, values as people read them.
    let csv = dir.join("deals.csv");
    let view = ItemView {
        types: vec![ItemKind::Deal],
        ..ItemView::default()
    };
    let written = (inlet.library)
        .export_view(&accounts, view, ExportFormat::Csv, &csv)
        .await
        .unwrap();
    assert_eq!(written as usize, hub.deals.len());
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let header = reader.headers().unwrap().clone();
    let stage = header.iter().position(|h| h == "Deal Stage").unwrap();
    let id = header.iter().position(|h| h == "id").unwrap();
    let row = (reader.records().map(Result::unwrap))
        .find(|r| r.get(id) == Some(hub.deals[1].id.as_str()))
        .unwrap();
    assert_eq!(row.get(stage), Some("Closed Won"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_the_optional_scopes_the_rest_loads_and_owners_stay_ids() {
    let declined = [
        "tickets",
        "crm.objects.owners.read",
        "crm.schemas.custom.read",
        "crm.objects.custom.read",
    ];
    let sandbox = sandbox(Knobs {
        hubspot_declined_scopes: declined.iter().map(|s| (*s).to_owned()).collect(),
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    let connected = connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    assert!(declined
        .iter()
        .all(|d| !connected.scopes.iter().any(|s| s == d)));
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(!result.partial, "{:?}", result.failures);
    for kind in [ItemKind::Ticket, ItemKind::Owner, ItemKind::CustomObject] {
        assert_eq!(count(&result.items, kind), 0, "{kind}");
    }
    let hub = &sandbox.dataset().hubspot;
    let deal = by_id(&result.items)[hub.deals[1].id.as_str()];
    assert_eq!(
        deal.details["properties"]["Owner"],
        hub.deals[1].properties[4].1.clone().unwrap()
    );
    assert_eq!(count(&result.items, ItemKind::Contact), hub.contacts.len());

    // Settings says what each missing scope leaves out.
    let capabilities = inlet_core::providers::provider(Integration::Hubspot).capabilities();
    let missing: Vec<&str> = capabilities
        .optional_scopes
        .iter()
        .filter(|o| !connected.scopes.contains(&o.scope))
        .map(|o| o.without.as_str())
        .collect();
    assert_eq!(missing.len(), 3);
    assert!(missing.iter().any(|w| w.starts_with("Tickets")));
}

#[tokio::test]
async fn properties_that_do_not_fit_one_url_come_through_batch_reads() {
    let sandbox = sandbox(Knobs {
        hubspot_extra_properties: 600,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(!result.partial, "{:?}", result.failures);
    let hub = &sandbox.dataset().hubspot;
    for contact in [&hub.contacts[0], &hub.contacts[hub.contacts.len() - 1]] {
        let item = by_id(&result.items)[contact.id.as_str()];
        for n in [0, 599] {
            assert_eq!(
                item.details["properties"][format!("Custom field {n}")],
                format!("c{n}-{}", contact.id)
            );
        }
        assert_eq!(
            item.details["properties"]["Favourite colour"].is_array(),
            contact.properties[5].1.is_some()
        );
    }
}
