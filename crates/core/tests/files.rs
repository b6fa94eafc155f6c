//! Files the providers host, kept on this computer through the real path: Airtable attachments
//! and Notion-hosted files (in pages' content, covers, `files` properties) downloaded while the load runs into the content-addressed file store
//! (the bytes the sandbox served, under their SHA-256), links that expired before their turn
//! read again from the provider, and files kept before not fetched again.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{Knobs, Sandbox, SandboxConfig};
use sha2::Digest;

/// The SHA-256, in hex, of the file the sandbox serves for `seed` and `bytes` named `name`.
fn hash_of(seed: &str, bytes: u64, name: &str) -> String {
    let contents = inlet_sandbox::file_contents(seed, bytes, name);
    sha2::Sha256::digest(&contents)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn expired_links() -> std::sync::Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        knobs: Knobs {
            file_links_expired: true,
            ..Knobs::default()
        },
        ..SandboxConfig::default()
    })
    .await
}

fn note<'a>(notes: &'a [String], start: &str) -> &'a str {
    notes
        .iter()
        .find(|n| n.contains(start))
        .unwrap_or_else(|| panic!("no note with {start:?} in {notes:?}"))
}

async fn kept_files(inlet: &Inlet, integration: Integration, item: &str) -> Vec<(String, String)> {
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let files = inlet.library.item_files(&accounts, integration, item);
    files
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.source, f.hash))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn airtable_attachments_are_kept_by_hash_and_expired_links_read_again() {
    let sandbox = expired_links().await;
    let (inlet, dir) = stored_inlet(&sandbox, "files-airtable").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let all = LoadRequest::with_records(RecordScope::All);
    let result = inlet
        .loader
        .load_with(Integration::Airtable, all.clone(), no_progress(), true)
        .await
        .unwrap();
    assert!(!result.partial, "{:?}", result.failures);

    let dataset = sandbox.dataset();
    let mut attachments = Vec::new();
    for base in &dataset.airtable.bases {
        for table in &base.tables {
            for record in &table.records {
                for value in record.fields.values() {
                    for a in value.as_array().into_iter().flatten() {
                        let id = a["id"].as_str().unwrap_or_default();
                        if id.starts_with("att") {
                            let size = a["size"].as_u64().unwrap();
                            attachments.push((record.id.clone(), id.to_owned(), size));
                        }
                    }
                }
            }
        }
    }
    assert!(attachments.len() > 5, "the dataset has attachments");
    // Every link had expired: each was read again, and each file kept under its hash.
    let count = attachments.len();
    assert!(
        note(&result.notes, "Kept ").starts_with(&format!("Kept {count} new files")),
        "{:?}",
        result.notes
    );
    assert!(
        note(&result.notes, "expired").starts_with(&format!("{count} file links had expired")),
        "{:?}",
        result.notes
    );
    for (record, attachment, size) in &attachments {
        let hash = hash_of(attachment, *size, "plan.pdf");
        assert_eq!(
            kept_files(&inlet, Integration::Airtable, record).await,
            vec![(attachment.clone(), hash.clone())]
        );
        let path = inlet.library.file_path(&hash).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), *size);
    }

    // Loaded again: nothing is downloaded, everything is still there.
    let again = inlet
        .loader
        .load_with(Integration::Airtable, all, no_progress(), true)
        .await
        .unwrap();
    assert_eq!(
        note(&again.notes, "Kept "),
        format!("Kept 0 new files (0 B) on this computer; {count} kept before unchanged.")
    );
    // Forgetting the account's items forgets its files too: nothing of them stays on disk.
    let (_, first, size) = &attachments[0];
    let hash = hash_of(first, *size, "plan.pdf");
    let path = inlet.library.file_path(&hash).unwrap();
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    inlet.library.forget(&accounts[0]).await.unwrap();
    assert!(inlet.library.file_path(&hash).is_none());
    assert!(!path.exists());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn notion_hosted_files_are_kept_and_the_markdown_links_the_kept_copy() {
    let sandbox = expired_links().await;
    let (inlet, dir) = stored_inlet(&sandbox, "files-notion").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let content = LoadRequest {
        content: true,
        ..LoadRequest::default()
    };
    let result = inlet
        .loader
        .load_with(Integration::Notion, content, no_progress(), true)
        .await
        .unwrap();
    assert_complete(&sandbox, Integration::Notion, &result);
    let dataset = sandbox.dataset();
    let showcases: Vec<String> = dataset
        .notion
        .showcase_pages()
        .map(|p| p.id.clone())
        .collect();
    assert!(!showcases.is_empty());
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    for page in &showcases {
        let mut files = kept_files(&inlet, Integration::Notion, page).await;
        // The page's cover, kept like the files in its content.
        let cover = files
            .iter()
            .position(|(s, _)| s.starts_with(&format!("{page}/cover@")));
        let (_, cover) = files.remove(cover.expect("the cover is kept"));
        assert_eq!(cover, hash_of(&format!("{page}-cover"), 2048, "cover.png"));
        assert_eq!(files.len(), 2, "the hosted image and PDF of {page}");
        let markdown = inlet
            .library
            .content(&accounts, Integration::Notion, page)
            .await
            .unwrap()
            .unwrap()
            .markdown;
        for (source, hash) in &files {
            let block = source.split('@').next().unwrap();
            let name = if markdown.contains(&format!("![A diagram](inlet-file:{source})")) {
                "diagram.png"
            } else {
                "notes 2026.pdf"
            };
            assert_eq!(*hash, hash_of(block, 2048, name));
            assert!(
                markdown.contains(&format!("(inlet-file:{source})")),
                "{markdown}"
            );
        }
        // External files stay links.
        assert!(markdown.contains("](https://example.com/cat.png)"));
    }
    // A row's `files` property: its Notion-hosted attachment kept too.
    let attached: Vec<&inlet_core::IntegrationItem> = (result.items.iter())
        .filter(|i| {
            i.details
                .get("properties")
                .is_some_and(|p| p["Attachment"].as_array().is_some_and(|a| !a.is_empty()))
        })
        .collect();
    assert!(!attached.is_empty());
    for row in &attached {
        let files = kept_files(&inlet, Integration::Notion, &row.id).await;
        let name = row.details["properties"]["Attachment"][0]["name"]
            .as_str()
            .unwrap();
        let seed = format!("{}-attachment-0", row.id);
        assert_eq!(files.len(), 1, "{}", row.id);
        assert!(files[0].0.starts_with(&format!("{}/Attachment/0@", row.id)));
        assert_eq!(files[0].1, hash_of(&seed, 2048, name));
    }
    // Every link had expired: each was read again (a content block's, a page's).
    let refreshed = note(&result.notes, "expired");
    let expected = showcases.len() * 3 + attached.len();
    assert!(
        refreshed.starts_with(&format!("{expected} file links")),
        "{refreshed}"
    );
    std::fs::remove_dir_all(dir).ok();
}
