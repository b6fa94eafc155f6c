//! Builders of sample data for tests and benchmarks: one place that makes a stored connection or
//! a list of items, so each test says only what differs. Holds no real secret.

use chrono::Utc;

use crate::account::AccountInfo;
use crate::config::Mode;
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::keychain::StoredConnection;
use crate::secret::Secret;

/// An account with `id` and the label `account <id>`.
pub fn account(id: &str) -> AccountInfo {
    AccountInfo {
        id: id.into(),
        label: format!("account {id}"),
        details: Default::default(),
    }
}

/// A sandbox connection of `integration` for `account_id`, with tokens `access-<id>` and
/// `refresh-<id>` expiring now.
pub fn connection(integration: Integration, account_id: &str) -> StoredConnection {
    StoredConnection {
        integration,
        mode: Mode::Sandbox,
        account: account(account_id),
        access_token: Secret::new(format!("access-{account_id}")),
        refresh_token: Some(Secret::new(format!("refresh-{account_id}"))),
        expires_at: Some(Utc::now()),
        issued_at: None,
        scopes: vec!["oauth".into()],
        connected_at: Utc::now(),
        reconnect_needed: false,
        issuer: None,
    }
}

/// `count` HubSpot contacts with ids `0..count`, a URL, a creation time and an e-mail; the same
/// count always gives the same items.
pub fn contacts(count: usize) -> Vec<IntegrationItem> {
    (0..count)
        .map(|n| {
            let mut item = IntegrationItem::new(
                Integration::Hubspot,
                n.to_string(),
                ItemKind::Contact,
                format!("Contact {n}"),
            );
            item.url = Some(format!(
                "https://app.hubspot.com/contacts/42/record/0-1/{n}"
            ));
            let minutes = i64::try_from(n).unwrap_or(i64::MAX);
            item.creation_time = chrono::DateTime::from_timestamp(1_704_067_200, 0)
                .map(|t| t + chrono::Duration::minutes(minutes));
            item.details
                .insert("email".into(), format!("person{n}@example.com").into());
            item
        })
        .collect()
}

/// Two accounts (`<integration>-a`, `-b`) of every integration: the spread of the benchmarks'
/// million items, as (integration, account id).
pub fn two_accounts_each() -> Vec<(Integration, String)> {
    Integration::ALL
        .iter()
        .flat_map(|i| ["a", "b"].map(|a| (*i, format!("{i}-{a}"))))
        .collect()
}

/// `count` items of an account of `integration`, named `<account> contact <n>`, with a parent
/// to search.
pub fn items_of(integration: Integration, account_id: &str, count: usize) -> Vec<IntegrationItem> {
    contacts(count)
        .into_iter()
        .map(|mut item| {
            item.integration = integration;
            item.name = format!("{account_id} {} {}", item.item_type, item.id);
            item.parent_path_or_name = Some(format!("Parent {}", item.id.len()));
            item
        })
        .collect()
}
