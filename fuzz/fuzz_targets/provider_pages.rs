//! Any bytes as a provider's answer: each provider's page type either refuses them or maps them
//! to items of that provider, and the fix-ups after a load (parent paths) always end.
#![no_main]

use inlet_core::providers::{airtable, hubspot, notion, provider};
use inlet_core::Integration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let mut mapped = Vec::new();
    if let Ok(page) = serde_json::from_slice(body) {
        if let Ok((items, _)) = hubspot::items_of_page("contacts", page, "42") {
            mapped.push((Integration::Hubspot, items));
        }
    }
    if let Ok(page) = serde_json::from_slice(body) {
        mapped.push((Integration::Notion, notion::items_of_page(page).0));
    }
    if let Ok(page) = serde_json::from_slice(body) {
        mapped.push((Integration::Airtable, airtable::items_of_bases_page(page).0));
    }
    if let Ok(tables) = serde_json::from_slice(body) {
        mapped.push((Integration::Airtable, airtable::items_of_tables("appX", tables)));
    }
    for (integration, mut items) in mapped {
        assert!(items.iter().all(|i| i.integration == integration));
        provider(integration).finish(&mut items);
    }
});
