//! A full load: every stream of a provider concurrently, progress per page, and a result that
//! says when it is partial and which streams failed, never a silently short list.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use serde::Serialize;
use specta::Type;
use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, ErrorBody, Result};
use crate::files::FileWanted;
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemContent, ItemPatch};
use crate::item_store::ChangeSummary;
use crate::providers::{LoadContext, PageSink, Provider};

/// Progress of one stream, sent after every page.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LoadProgress {
    /// Which integration.
    pub integration: Integration,
    /// Which stream (e.g. `contacts`).
    pub stream: String,
    /// Pages received so far.
    pub pages: u32,
    /// Items received so far.
    pub items: u32,
    /// True once the stream finished (successfully or not).
    pub done: bool,
    /// Set while the provider's rate limit makes Inlet wait, in seconds.
    pub waiting_secs: Option<u32>,
}

impl LoadProgress {
    /// The load of `integration` waits (`stream` says for what; `waiting_secs`, how long,
    /// where known).
    pub fn waiting(integration: Integration, stream: &str, waiting_secs: Option<u32>) -> Self {
        Self {
            integration,
            stream: stream.to_owned(),
            pages: 0,
            items: 0,
            done: false,
            waiting_secs,
        }
    }
}

/// A stream that failed after its retries.
#[derive(Debug, Clone, Serialize, Type)]
pub struct StreamFailure {
    /// The stream.
    pub stream: String,
    /// The part of the stream it was loading (an Airtable table's records), if any.
    pub part: Option<String>,
    /// Why, in the `{error, message, details}` shape.
    pub error: ErrorBody,
}

/// Everything a load produced.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LoadResult {
    /// Which integration.
    pub integration: Integration,
    /// The items, stream by stream; empty when they went straight into the item store and were
    /// not asked back (`count` says how many there are).
    pub items: Vec<IntegrationItem>,
    /// How many items arrived.
    pub count: u32,
    /// True when some stream failed: `items` is then not everything.
    pub partial: bool,
    /// The failed streams.
    pub failures: Vec<StreamFailure>,
    /// What changed since the previous load of the account, once stored; absent on a first
    /// load.
    pub changes: Option<ChangeSummary>,
    /// What the provider's listing left out and the load found another way (Notion: rows
    /// search did not return), said in a sentence each.
    pub notes: Vec<String>,
    /// The keys of stored items the load keeps as they are (a sync's unchanged ones).
    pub kept: Vec<String>,
    /// The stored items (by key) carried over exactly as they are, which the item store moves
    /// into the load's generation without reading them back (`Library::carry_over`); counted
    /// in `count`, not in `items`.
    #[serde(skip)]
    pub kept_as_stored: Vec<String>,
    /// Parts of kept items learned anew (`PageSink::patch`), applied by the carry-over.
    #[serde(skip)]
    pub patches: Vec<ItemPatch>,
    /// Requests the load sent to the provider (every attempt).
    pub requests: u32,
    /// Whether it fetched only what changed (a sync the provider could make).
    pub incremental: bool,
    /// What a scheduled sync left out to stay within half of the month's API calls, in a
    /// sentence (also among `notes`).
    pub held_back: Option<String>,
    /// What the provider keeps for its next load (`PageSink::remember`), from the streams that
    /// finished: saved once the load is stored, so a load that fails moves no cursor on.
    #[serde(skip)]
    pub remembered: Vec<(String, Option<String>)>,
}

/// A load as the window hears of it: the items themselves stay in the store, where the grid
/// reads the rows it shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LoadSummary {
    /// Which integration.
    pub integration: Integration,
    /// How many items arrived.
    pub count: u32,
    /// True when some stream failed.
    pub partial: bool,
    /// The failed streams.
    pub failures: Vec<StreamFailure>,
    /// What changed since the previous load; absent on a first load.
    pub changes: Option<ChangeSummary>,
    /// What the provider's listing left out and the load found another way.
    pub notes: Vec<String>,
}

impl From<LoadResult> for LoadSummary {
    fn from(result: LoadResult) -> Self {
        Self {
            integration: result.integration,
            count: result.count,
            partial: result.partial,
            failures: result.failures,
            changes: result.changes,
            notes: result.notes,
        }
    }
}

/// Called with every progress update.
pub type ProgressFn = Arc<dyn Fn(LoadProgress) + Send + Sync>;

/// Where a load hands each page as it arrives (the item store's writer), instead of keeping it.
pub type PageTee = Arc<dyn Fn(Vec<IntegrationItem>) + Send + Sync>;

/// Where a load hands each item's content as it is read (the item store, at once).
pub type ContentTee = Arc<dyn Fn(ItemContent) + Send + Sync>;

/// Where a load hands each file it finds, to download while the load runs.
pub type FileTee = Arc<dyn Fn(FileWanted) + Send + Sync>;

/// Where a load hands what it reads as it arrives.
#[derive(Clone, Default)]
pub struct Tees {
    /// Files the provider hosts (none: they are not kept).
    pub files: Option<FileTee>,
    /// Pages of items (none: they are kept, for a provider that fixes them up at the end).
    pub pages: Option<PageTee>,
    /// Items' contents (none: they are dropped — there is no store to keep them).
    pub contents: Option<ContentTee>,
}

struct StreamSink {
    integration: Integration,
    stream: String,
    /// The part under way, with its own page and item counts for progress.
    part: Option<(String, u32, u32)>,
    pages: u32,
    count: u32,
    items: Vec<IntegrationItem>,
    notes: Vec<String>,
    kept: Vec<String>,
    patches: Vec<ItemPatch>,
    remembered: Vec<(String, Option<String>)>,
    tee: Option<PageTee>,
    contents: Option<ContentTee>,
    files: Option<FileTee>,
    progress: ProgressFn,
}

impl StreamSink {
    fn new(integration: Integration, stream: &str, tees: Tees, progress: ProgressFn) -> Self {
        Self {
            integration,
            stream: stream.to_owned(),
            part: None,
            pages: 0,
            count: 0,
            items: Vec::new(),
            notes: Vec::new(),
            kept: Vec::new(),
            patches: Vec::new(),
            remembered: Vec::new(),
            tee: tees.pages,
            contents: tees.contents,
            files: tees.files,
            progress,
        }
    }
}

impl PageSink for StreamSink {
    fn page(&mut self, items: Vec<IntegrationItem>) {
        let arrived = u32::try_from(items.len()).unwrap_or(u32::MAX);
        self.pages += 1;
        self.count = self.count.saturating_add(arrived);
        if let Some((_, pages, count)) = &mut self.part {
            *pages += 1;
            *count = count.saturating_add(arrived);
        }
        match &self.tee {
            Some(tee) => tee(items),
            None => self.items.extend(items),
        }
        (self.progress)(self.snapshot(false));
    }

    fn note(&mut self, text: String) {
        self.notes.push(text);
    }

    fn keep(&mut self, keys: Vec<String>) {
        self.kept.extend(keys);
    }

    fn patch(&mut self, patches: Vec<ItemPatch>) {
        self.patches.extend(patches);
    }

    fn remember(&mut self, key: String, value: Option<String>) {
        self.remembered.push((key, value));
    }

    fn file(&mut self, file: FileWanted) {
        if let Some(tee) = &self.files {
            tee(file);
        }
    }

    fn content(&mut self, content: ItemContent) {
        if let Some((_, pages, count)) = &mut self.part {
            *pages += 1;
            *count = count.saturating_add(1);
        }
        if let Some(tee) = &self.contents {
            tee(content);
        }
        (self.progress)(self.snapshot(false));
    }

    fn part(&mut self, name: &str) {
        if self.part.is_some() {
            (self.progress)(self.snapshot(true));
        }
        self.part = Some((name.to_owned(), 0, 0));
        (self.progress)(self.snapshot(false));
    }
}

impl StreamSink {
    /// Progress of the part under way, or of the whole stream.
    fn snapshot(&self, done: bool) -> LoadProgress {
        let (stream, pages, items) = match &self.part {
            Some((name, pages, items)) => (name.clone(), *pages, *items),
            None => (self.stream.clone(), self.pages, self.count),
        };
        LoadProgress {
            integration: self.integration,
            stream,
            pages,
            items,
            done,
            waiting_secs: None,
        }
    }
}

/// Loads the streams of `provider` concurrently (at most the provider's `streams_in_flight`). Fails only when every stream failed (with the
/// first stream's error) or when cancelled; otherwise returns what arrived, marked partial if a
/// stream failed. With a pages tee, pages go there as they arrive and are not kept (a provider
/// that fixes items up once all arrived must not be given one); with a contents tee, so do the
/// items' contents.
pub async fn load_all(
    provider: &dyn Provider,
    ctx: &LoadContext<'_>,
    progress: ProgressFn,
    cancel: CancellationToken,
    tees: Tees,
) -> Result<LoadResult> {
    let integration = provider.integration();
    let tee = tees.pages.clone();
    let mut listing = StreamSink::new(integration, "listing", tees.clone(), progress.clone());
    let streams = tokio::select! {
        streams = provider.streams(ctx, &mut listing) => streams?,
        _ = cancel.cancelled() => return Err(CoreError::Cancelled),
    };
    if listing.pages > 0 {
        (listing.progress)(listing.snapshot(true));
    }
    // Boxed and collected first: a lazily mapped iterator of futures inside `buffered` trips
    // the compiler's higher-ranked lifetime check in the spawned load.
    // A limit that will not lift within the load (a spent quota, a blocked connection) ends it:
    // streams not yet started fail with it instead of each spending a request to learn it.
    let halted: &std::sync::Mutex<Option<CoreError>> = &std::sync::Mutex::new(None);
    let runs: Vec<futures::future::BoxFuture<'_, (StreamSink, Result<()>)>> = streams
        .iter()
        .map(|stream| {
            let progress = progress.clone();
            let tees = tees.clone();
            Box::pin(async move {
                let mut sink = StreamSink::new(integration, stream, tees, progress);
                let earlier = halted
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .and_then(CoreError::final_limit_again);
                let outcome = match earlier {
                    Some(error) => Err(error),
                    None => provider.load_stream(ctx, stream, &mut sink).await,
                };
                if let Err(error) = &outcome {
                    if let Some(again) = error.final_limit_again() {
                        halted
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(again);
                    }
                }
                (sink.progress)(sink.snapshot(true));
                (sink, outcome)
            }) as futures::future::BoxFuture<'_, _>
        })
        .collect();
    // Streams overlap up to the provider's bound (Airtable: a few bases at a time, under the
    // account's budget); results stay in stream order.
    let in_flight = crate::spec::spec(integration).streams_in_flight.max(1);
    let all = futures::stream::iter(runs)
        .buffered(in_flight)
        .collect::<Vec<_>>();
    let finished = tokio::select! {
        finished = all => finished,
        _ = cancel.cancelled() => return Err(CoreError::Cancelled),
    };
    let mut items = Vec::new();
    let mut count = 0u32;
    let mut failures = Vec::new();
    let mut first_error = None;
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    let mut patches = Vec::new();
    let mut remembered = Vec::new();
    let mut seen = HashSet::new();
    let listed = (listing, Ok(()));
    for (sink, outcome) in std::iter::once(listed).chain(finished) {
        if outcome.is_ok() {
            remembered.extend(sink.remembered);
        }
        if let Err(error) = outcome {
            tracing::warn!(%integration, stream = %sink.stream, code = error.code(), "stream failed");
            failures.push(StreamFailure {
                stream: sink.stream.clone(),
                part: sink.part.as_ref().map(|(name, _, _)| name.clone()),
                error: error.to_body(),
            });
            first_error.get_or_insert(error);
        }
        count = count.saturating_add(sink.count);
        notes.extend(sink.notes);
        kept.extend(sink.kept);
        patches.extend(sink.patches);
        for item in sink.items {
            // A provider that repeats a record across pages must not make Inlet show it twice.
            if seen.insert((item.item_type, item.id.clone())) {
                items.push(item);
            }
        }
    }
    if !streams.is_empty() && failures.len() == streams.len() {
        if let Some(error) = first_error {
            return Err(error);
        }
    }
    if tee.is_none() {
        provider.finish(&mut items);
        count = u32::try_from(items.len()).unwrap_or(u32::MAX); // repeats removed
    }
    tracing::info!(%integration, items = count, failed = failures.len(), "load finished");
    Ok(LoadResult {
        integration,
        items,
        count,
        partial: !failures.is_empty(),
        failures,
        changes: None,
        notes,
        kept,
        kept_as_stored: Vec::new(),
        patches,
        requests: 0,
        incremental: false,
        held_back: None,
        remembered,
    })
}
