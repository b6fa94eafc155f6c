//! The files a load finds, downloaded while it runs (four at a time, beside the API's pace:
//! file hosts are not the API): a file already kept under the same provider id and size is not
//! fetched again, a link that expired is asked for afresh from the provider once, only links on
//! the provider's file hosts are followed (the sandbox's own in sandbox mode), and the store's
//! size cap is kept. What happened is said in the load's notes.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::config::{Mode, ProviderSettings};
use crate::error::CoreError;
use crate::files::{download, DownloadError, FileStore, FileWanted, StoredFile};
use crate::item_store::{AccountKey, ItemStore};
use crate::providers::{LoadContext, Provider};

/// Downloads at once.
const IN_FLIGHT: usize = 4;

/// What became of a load's files.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Files downloaded and kept this time.
    pub kept: u32,
    /// Their bytes.
    pub bytes: u64,
    /// Files kept before and unchanged (not fetched).
    pub unchanged: u32,
    /// Links that had expired and were read again from the provider.
    pub refreshed: u32,
    /// Files not kept: the store's size cap would be passed.
    pub over_cap: u32,
    /// Files not kept: their link is not on the provider's file hosts.
    pub elsewhere: u32,
    /// Files that could not be downloaded, with the first reason.
    pub failed: u32,
    /// Why the first one failed.
    pub first_failure: Option<String>,
}

impl FileReport {
    /// What the load's summary says of its files (nothing when there were none).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let files = |n: u32| if n == 1 { "file" } else { "files" };
        if self.kept > 0 || self.unchanged > 0 {
            notes.push(format!(
                "Kept {} new {} ({}) on this computer; {} kept before unchanged.",
                self.kept,
                files(self.kept),
                human_bytes(self.bytes),
                self.unchanged
            ));
        }
        if self.refreshed > 0 {
            notes.push(format!(
                "{} file {} had expired and {} read again.",
                self.refreshed,
                if self.refreshed == 1 { "link" } else { "links" },
                if self.refreshed == 1 { "was" } else { "were" }
            ));
        }
        if self.over_cap > 0 {
            notes.push(format!(
                "{} {} not kept: the file store would pass its size cap (Settings).",
                self.over_cap,
                files(self.over_cap)
            ));
        }
        if self.elsewhere > 0 {
            notes.push(format!(
                "{} {} not kept: their links lead outside the provider's file hosts.",
                self.elsewhere,
                files(self.elsewhere)
            ));
        }
        if self.failed > 0 {
            notes.push(format!(
                "{} {} could not be downloaded ({}); the next load tries again.",
                self.failed,
                files(self.failed),
                self.first_failure.as_deref().unwrap_or("no reason given")
            ));
        }
        notes
    }
}

/// Bytes as people read them.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// What one file came to.
enum Outcome {
    Kept(u64, bool),
    Unchanged,
    OverCap,
    Elsewhere,
    Failed(String),
}

/// Where a fetch keeps what it downloads.
pub(super) struct FetchTarget {
    pub store: ItemStore,
    pub files: FileStore,
    pub key: AccountKey,
    pub http: reqwest::Client,
}

/// Downloads the files `wanted` hands over until the load stops handing any.
pub(super) async fn fetch_files(
    provider: &dyn Provider,
    ctx: &LoadContext<'_>,
    target: &FetchTarget,
    wanted: UnboundedReceiver<FileWanted>,
) -> FileReport {
    let cap = blocking(target, |store| store.file_cap())
        .await
        .unwrap_or(u64::MAX);
    let used = blocking(target, |store| store.kept_file_bytes())
        .await
        .unwrap_or(0);
    let used = AtomicU64::new(used);
    let incoming = futures::stream::unfold(wanted, |mut rx| async move {
        rx.recv().await.map(|file| (file, rx))
    });
    let outcomes: Vec<Outcome> = incoming
        .map(|file| fetch_one(provider, ctx, target, file, cap, &used))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut report = FileReport::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Kept(bytes, refreshed) => {
                report.kept += 1;
                report.bytes += bytes;
                report.refreshed += u32::from(refreshed);
            }
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::OverCap => report.over_cap += 1,
            Outcome::Elsewhere => report.elsewhere += 1,
            Outcome::Failed(reason) => {
                report.failed += 1;
                report.first_failure.get_or_insert(reason);
            }
        }
    }
    report
}

async fn fetch_one(
    provider: &dyn Provider,
    ctx: &LoadContext<'_>,
    target: &FetchTarget,
    file: FileWanted,
    cap: u64,
    used: &AtomicU64,
) -> Outcome {
    let (source, size, key) = (file.source.clone(), file.size, target.key.clone());
    let known = blocking(target, move |store| store.known_file(&key, &source, size));
    if let Ok(Some(hash)) = known.await {
        if target.files.path_of(&hash).is_some() {
            // Kept already (perhaps for another item): this item holds it too.
            let stored = StoredFile { hash, size: 0 };
            return match note_kept(target, &file, stored).await {
                Ok(_) => Outcome::Unchanged,
                Err(error) => Outcome::Failed(error.to_string()),
            };
        }
    }
    // A file whose size is said is reserved before it is fetched (four fetch at once).
    let reserved = file.size.unwrap_or(0);
    if !reserve(used, reserved, cap) {
        return Outcome::OverCap;
    }
    let room = cap.saturating_sub(used.load(Ordering::SeqCst)) + reserved;
    let outcome = fetch_new(provider, ctx, target, &file, room).await;
    used.fetch_sub(reserved, Ordering::SeqCst);
    if let Outcome::Kept(bytes, _) = outcome {
        used.fetch_add(bytes, Ordering::SeqCst);
    }
    outcome
}

/// Takes `bytes` of the cap's room, if there is that much.
fn reserve(used: &AtomicU64, bytes: u64, cap: u64) -> bool {
    used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
        now.checked_add(bytes).filter(|total| *total <= cap)
    })
    .is_ok()
}

/// Downloads `file` (at most `room` bytes), asking the provider once for a fresh link when the
/// one it gave expired.
async fn fetch_new(
    provider: &dyn Provider,
    ctx: &LoadContext<'_>,
    target: &FetchTarget,
    file: &FileWanted,
    room: u64,
) -> Outcome {
    let mut url = file.url.clone();
    let mut refreshed = false;
    loop {
        let Some(link) = allowed(ctx.settings, &url) else {
            return Outcome::Elsewhere;
        };
        match download(&target.http, &link, &target.files, room).await {
            Ok(stored) => {
                return match note_kept(target, file, stored.clone()).await {
                    // Bytes the store held already take no more room.
                    Ok(added) => Outcome::Kept(if added { stored.size } else { 0 }, refreshed),
                    Err(error) => Outcome::Failed(error.to_string()),
                };
            }
            Err(DownloadError::Expired) if !refreshed => {
                refreshed = true;
                match provider.fresh_file_link(ctx, file).await {
                    Ok(Some(fresh)) => url = fresh,
                    Ok(None) => return Outcome::Failed("the file is no longer there".into()),
                    Err(error) => return Outcome::Failed(error.to_string()),
                }
            }
            Err(DownloadError::TooLarge(_)) => return Outcome::OverCap,
            Err(other) => return Outcome::Failed(other.to_string()),
        }
    }
}

/// Notes that the item holds `stored`; true when the store did not hold those bytes before.
async fn note_kept(
    target: &FetchTarget,
    file: &FileWanted,
    stored: StoredFile,
) -> crate::error::Result<bool> {
    let (store, key, file) = (target.store.clone(), target.key.clone(), file.clone());
    tokio::task::spawn_blocking(move || store.put_file(&key, &file, &stored))
        .await
        .map_err(|e| CoreError::task_failed("noting a kept file", e))?
}

async fn blocking<T: Send + 'static>(
    target: &FetchTarget,
    read: impl FnOnce(&ItemStore) -> crate::error::Result<T> + Send + 'static,
) -> crate::error::Result<T> {
    let store = target.store.clone();
    tokio::task::spawn_blocking(move || read(&store))
        .await
        .map_err(|e| CoreError::task_failed("reading the file index", e))?
}

/// `url` when it is an https link on the provider's file hosts — or, in sandbox mode, on the
/// sandbox itself.
fn allowed(settings: &ProviderSettings, url: &str) -> Option<url::Url> {
    let link = url::Url::parse(url).ok()?;
    let host = link.host_str()?;
    let sandbox = &settings.api_base;
    if settings.mode == Mode::Sandbox
        && link.scheme() == sandbox.scheme()
        && Some(host) == sandbox.host_str()
        && link.port_or_known_default() == sandbox.port_or_known_default()
    {
        return Some(link);
    }
    let hosts = crate::spec::spec(settings.integration).file_hosts;
    let on_host = hosts
        .iter()
        .any(|h| match (h.strip_prefix('.'), h.split_once('/')) {
            (Some(domain), _) => host.ends_with(&format!(".{domain}")),
            (None, Some((only, prefix))) => {
                host == only && link.path().starts_with(&format!("/{prefix}"))
            }
            (None, None) => host == *h,
        });
    (link.scheme() == "https" && on_host).then_some(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integration::Integration;

    fn settings(integration: Integration, mode: Mode) -> ProviderSettings {
        let url = |u: &str| url::Url::parse(u).unwrap();
        ProviderSettings {
            integration,
            mode,
            client_id: "cid".into(),
            client_secret: None,
            auth_url: url("https://example.invalid/authorize"),
            token_url: url("https://example.invalid/token"),
            api_base: url("http://127.0.0.1:4000/notion"),
            redirect_uri: url("http://localhost:53682/oauth/callback"),
            overrides: Vec::new(),
        }
    }

    #[test]
    fn only_the_providers_file_hosts_are_downloaded_from() {
        let notion = settings(Integration::Notion, Mode::Live);
        let airtable = settings(Integration::Airtable, Mode::Live);
        let ok = |s: &ProviderSettings, u: &str| allowed(s, u).is_some();
        assert!(ok(
            &notion,
            "https://prod-files-secure.s3.us-west-2.amazonaws.com/a/b.png?X=1"
        ));
        assert!(ok(
            &notion,
            "https://s3.us-west-2.amazonaws.com/secure.notion-static.com/x/y.pdf"
        ));
        assert!(!ok(
            &notion,
            "https://s3.us-west-2.amazonaws.com/someone-elses-bucket/y.pdf"
        ));
        assert!(!ok(
            &notion,
            "http://prod-files-secure.s3.us-west-2.amazonaws.com/a.png"
        ));
        assert!(!ok(&notion, "https://example.com/cat.png"));
        assert!(ok(
            &airtable,
            "https://v5.airtableusercontent.com/v3/u/1/2/x.pdf"
        ));
        assert!(!ok(
            &airtable,
            "https://airtableusercontent.com.evil.example/x.pdf"
        ));
        assert!(!ok(&airtable, "https://evilairtableusercontent.com/x.pdf"));
        // The sandbox's own host only in sandbox mode, only on its port.
        assert!(!ok(
            &notion,
            "http://127.0.0.1:4000/notion/files/1/a/2/x.png"
        ));
        let sandbox = settings(Integration::Notion, Mode::Sandbox);
        assert!(ok(
            &sandbox,
            "http://127.0.0.1:4000/notion/files/1/a/2/x.png"
        ));
        assert!(!ok(
            &sandbox,
            "http://127.0.0.1:4001/notion/files/1/a/2/x.png"
        ));
    }

    #[test]
    fn the_cap_is_reserved_not_overshot() {
        let used = AtomicU64::new(0);
        assert!(reserve(&used, 60, 100));
        assert!(
            !reserve(&used, 60, 100),
            "two at once cannot both take the room"
        );
        assert!(reserve(&used, 40, 100));
        assert_eq!(used.load(Ordering::SeqCst), 100);
    }
}
