//! The folder export, opened and checked file by file: Notion pages as Markdown with front
//! matter, their kept images copied beside them and linked relatively, links between pages
//! pointing at the exported pages, a database as a folder of row pages plus a CSV; Airtable
//! tables as CSV with the base's workbook and attachments; HubSpot objects as CSV with every
//! property; and the same as a .zip.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::Integration;
use inlet_sandbox::{Knobs, SandboxConfig};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The target of every local Markdown link `](<…>)` in `text` (not the web links).
fn local_links(text: &str) -> Vec<String> {
    text.split("](<")
        .skip(1)
        .filter_map(|rest| rest.split(">)").next())
        .filter(|link| !link.contains("://"))
        .map(str::to_owned)
        .collect()
}

fn decode(link: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", link.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_folder_export_opens_as_a_vault() {
    let sandbox = sandbox_with(SandboxConfig {
        knobs: Knobs::default(),
        ..SandboxConfig::default()
    })
    .await;
    let (inlet, dir) = stored_inlet(&sandbox, "vault").await;
    for integration in Integration::ALL {
        connect_to(&inlet, integration).await.0.unwrap();
    }
    let content = LoadRequest {
        content: true,
        ..LoadRequest::default()
    };
    let loads = [
        (Integration::Notion, content),
        (
            Integration::Airtable,
            LoadRequest::with_records(RecordScope::All),
        ),
        (Integration::Hubspot, LoadRequest::structure()),
    ];
    for (integration, request) in loads {
        let result = inlet
            .loader
            .load_with(integration, request, no_progress(), false)
            .await
            .unwrap();
        assert!(!result.partial, "{integration}: {:?}", result.failures);
    }
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let out = dir.join("vault");
    let report = inlet
        .library
        .export_vault(&accounts, &[], &out, false)
        .await
        .unwrap();
    let written = files_under(&out);
    let data = sandbox.dataset();

    // Notion: a page per page, with its front matter; every local link leads to a file.
    let pages: Vec<&PathBuf> = written
        .iter()
        .filter(|p| p.starts_with(out.join("Notion")) && p.extension().is_some_and(|e| e == "md"))
        .collect();
    let notion_pages = data
        .notion
        .objects
        .iter()
        .filter(|o| o.object == "page")
        .count();
    assert_eq!(pages.len(), notion_pages);
    assert_eq!(report.pages as usize, notion_pages);
    let showcase = data.notion.showcase_pages().next().unwrap();
    let mut showcase_seen = false;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        assert!(text.starts_with("---\nid: \""), "{}", page.display());
        for key in ["title", "url", "created", "edited", "parent"] {
            assert!(
                text.contains(&format!("\n{key}: ")),
                "{key} in {}",
                page.display()
            );
        }
        for link in local_links(&text) {
            let target = page.parent().unwrap().join(decode(&link));
            assert!(target.exists(), "{link} from {}", page.display());
        }
        if text.contains(&format!("id: \"{}\"", showcase.id)) {
            showcase_seen = true;
            // Its kept image, copied beside it, shown from there; its sub-pages linked locally.
            assert!(text.contains("![A diagram](<_files/"), "{text}");
            assert!(!text.contains("inlet-file:"));
            assert!(
                !text.contains("https://www.notion.so/"),
                "pages link each other locally"
            );
        }
    }
    assert!(showcase_seen);
    // A database: a folder of its rows' pages and a CSV of their fields.
    let database = data
        .notion
        .objects
        .iter()
        .find(|o| o.object == "database")
        .unwrap();
    let csv_path = written
        .iter()
        .find(|p| p.file_name().unwrap().to_string_lossy() == format!("{}.csv", database.title))
        .unwrap();
    let rows = data
        .notion
        .objects
        .iter()
        .filter(|o| {
            o.data_source
                .as_ref()
                .is_some_and(|s| database.data_sources.iter().any(|(id, _)| id == s))
        })
        .count();
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    assert_eq!(reader.records().count(), rows);

    // Airtable: a CSV per table with every record, the base's workbook, the attachments.
    let base = &data.airtable.bases[0];
    let table = &base.tables[0];
    let table_csv = out
        .join("Airtable")
        .join(&base.name)
        .join(format!("{}.csv", table.name));
    let mut reader = csv::Reader::from_path(&table_csv).unwrap();
    assert!(reader.headers().unwrap().iter().any(|h| h == "Status"));
    assert_eq!(reader.records().count(), table.records.len());
    assert!(out
        .join("Airtable")
        .join(&base.name)
        .join(format!("{}.xlsx", base.name))
        .exists());
    assert!(written
        .iter()
        .any(|p| p.starts_with(out.join("Airtable")) && p.to_string_lossy().contains("_files/")));

    // HubSpot: a CSV per object type, a row per record, a column per property.
    let contacts = out.join("HubSpot").join("contacts.csv");
    let mut reader = csv::Reader::from_path(&contacts).unwrap();
    assert!(reader.headers().unwrap().iter().any(|h| h == "Email"));
    assert_eq!(reader.records().count(), data.hubspot.contacts.len());

    // The same as a .zip: every file there, under the same paths; never over a file.
    let zipped = dir.join("vault.zip");
    inlet
        .library
        .export_vault(&accounts, &[], &zipped, true)
        .await
        .unwrap();
    let archive = zip::ZipArchive::new(std::fs::File::open(&zipped).unwrap()).unwrap();
    assert_eq!(archive.len(), written.len());
    let again = inlet
        .library
        .export_vault(&accounts, &[], &zipped, true)
        .await;
    assert_eq!(again.unwrap_err().code(), "invalid_argument");
    let into_full = inlet
        .library
        .export_vault(&accounts, &[], &out, false)
        .await;
    assert_eq!(into_full.unwrap_err().code(), "invalid_argument");
    std::fs::remove_dir_all(dir).ok();
}
