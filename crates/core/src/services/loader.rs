//! Loader: every item of a connected account (with what a [`LoadRequest`] asks for beside),
//! through the shared paced clients with refresh-on-demand tokens. Each load is a [`LoadHandle`] that owns
//! its cancellation; [`Loader::cancel`] stops every load of an integration — no load can lose
//! its way to be cancelled because another one started.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::clients::ApiClients;
use super::connections::Connections;
use super::file_fetcher::fetch_files;
use super::library::Library;
use super::load_writer::StoreWriter;
use super::usage::{met_monthly_quota, UsageRecorder};
use crate::error::{CoreError, Result};
use crate::http::ApiClient;
use crate::integration::Integration;
use crate::item::{ContentEdits, PreviousLoad};
use crate::item_store::AccountKey;
use crate::keychain::StoredConnection;
use crate::load::{load_all, FileTee, LoadProgress, LoadResult, ProgressFn, Tees};
use crate::providers::{provider, LoadContext, LoadRequest};
use crate::sync::lock;
use crate::tokens::ConnectionTokens;

/// Loads items.
pub struct Loader {
    inner: Arc<Inner>,
}

struct Inner {
    connections: Arc<Connections>,
    library: Arc<Library>,
    clients: Arc<ApiClients>,
    running: Mutex<HashMap<Integration, Running>>,
    next_id: std::sync::atomic::AtomicU64,
}

/// The loads of one integration under way: each one's token is a child of `parent`.
struct Running {
    id: u64,
    parent: CancellationToken,
    count: usize,
}

/// A load under way. Await it for the outcome; [`LoadHandle::cancel`] (or dropping it) stops it.
#[must_use = "a load runs only while its handle is awaited"]
pub struct LoadHandle<T> {
    cancel: CancellationToken,
    run: BoxFuture<'static, Result<T>>,
}

impl<T> LoadHandle<T> {
    /// Stops this load; it then resolves to `cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A token that cancels this load from elsewhere.
    pub fn canceller(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

impl<T> Future for LoadHandle<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.run.as_mut().poll(cx)
    }
}

/// Counts a load out of its integration's running set when it ends, however it ends.
struct RunningGuard {
    inner: Arc<Inner>,
    integration: Integration,
    id: u64,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let mut running = lock(&self.inner.running);
        if let Some(entry) = running.get_mut(&self.integration) {
            if entry.id == self.id {
                entry.count = entry.count.saturating_sub(1);
                if entry.count == 0 {
                    running.remove(&self.integration);
                }
            }
        }
    }
}

impl Loader {
    /// A loader over `connections`' accounts that keeps what it loads in `library`, refreshing
    /// tokens under the connections' locks.
    pub fn new(
        connections: Arc<Connections>,
        library: Arc<Library>,
        clients: Arc<ApiClients>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                connections,
                library,
                clients,
                running: Mutex::default(),
                next_id: Default::default(),
            }),
        }
    }

    /// Loads every item of the connected account into the item store, reporting each page to
    /// `progress`, and returns the account's items as stored (each with its `delta`; those gone
    /// since the load before are in the store's Changes view, not here).
    pub fn load(&self, integration: Integration, progress: ProgressFn) -> LoadHandle<LoadResult> {
        self.load_with(integration, LoadRequest::structure(), progress, true)
    }

    /// Like [`Loader::load`], without reading the items back: the window reads the rows it
    /// shows from the store, so a load of any size holds only a page or two in memory.
    pub fn load_into_store(
        &self,
        integration: Integration,
        progress: ProgressFn,
    ) -> LoadHandle<LoadResult> {
        self.load_with(integration, LoadRequest::structure(), progress, false)
    }

    /// Loads the account with what `request` asks for beside its structure (records, each
    /// container's a part of the progress; content) into the item store; with `read_back`, the
    /// result carries every item as stored. What the request leaves out and was loaded before
    /// (other bases' records) stays, as it was then.
    pub fn load_with(
        &self,
        integration: Integration,
        request: LoadRequest,
        progress: ProgressFn,
        read_back: bool,
    ) -> LoadHandle<LoadResult> {
        self.spawn(integration, move |inner, cancel| async move {
            inner
                .load(integration, request, progress, cancel, read_back)
                .await
        })
    }

    /// Cancels every running load of `integration`; false when none runs.
    pub fn cancel(&self, integration: Integration) -> bool {
        match lock(&self.inner.running).remove(&integration) {
            Some(running) if running.count > 0 => {
                running.parent.cancel();
                true
            }
            _ => false,
        }
    }

    fn spawn<T, F>(
        &self,
        integration: Integration,
        run: impl FnOnce(Arc<Inner>, CancellationToken) -> F,
    ) -> LoadHandle<T>
    where
        F: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (cancel, guard) = {
            let mut running = lock(&self.inner.running);
            let entry = running.entry(integration).or_insert_with(|| Running {
                id: self
                    .inner
                    .next_id
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                parent: CancellationToken::new(),
                count: 0,
            });
            entry.count += 1;
            let guard = RunningGuard {
                inner: self.inner.clone(),
                integration,
                id: entry.id,
            };
            (entry.parent.child_token(), guard)
        };
        let work = run(self.inner.clone(), cancel.clone());
        let token = cancel.clone();
        LoadHandle {
            cancel,
            run: Box::pin(async move {
                let _guard = guard;
                tokio::select! {
                    outcome = work => outcome,
                    _ = token.cancelled() => Err(CoreError::Cancelled),
                }
            }),
        }
    }
}

/// What a load needs of a connection.
struct Prepared {
    connection: StoredConnection,
    tokens: ConnectionTokens,
    api: ApiClient,
    settings: crate::config::ProviderSettings,
    request: LoadRequest,
    previous: PreviousLoad,
    contents: ContentEdits,
    memo: crate::providers::memo::LoadMemo,
}

impl Prepared {
    fn account_key(&self) -> AccountKey {
        super::types::account_key(&self.connection)
    }

    fn context(&self) -> LoadContext<'_> {
        LoadContext {
            api: &self.api,
            tokens: &self.tokens,
            settings: &self.settings,
            account: &self.connection.account,
            request: &self.request,
            previous: &self.previous,
            contents: &self.contents,
            scopes: &self.connection.scopes,
            memo: &self.memo,
        }
    }
}

impl Inner {
    async fn prepare(&self, integration: Integration) -> Result<Prepared> {
        let settings = self.connections.settings(integration)?;
        let connection = self
            .connections
            .find(integration)
            .await?
            .ok_or(CoreError::NotConnected { integration })?;
        if connection.reconnect_needed {
            return Err(CoreError::ReconnectNeeded { integration });
        }
        let tokens = ConnectionTokens::new(
            self.connections.store.clone(),
            &self.connections.locks,
            connection.key(),
            settings.clone(),
            provider(integration),
            self.clients.http().clone(),
        );
        Ok(Prepared {
            connection,
            tokens,
            api: self.clients.api(integration),
            settings,
            request: LoadRequest::structure(),
            previous: PreviousLoad::default(),
            contents: ContentEdits::default(),
            memo: Default::default(),
        })
    }

    async fn load(
        &self,
        integration: Integration,
        request: LoadRequest,
        progress: ProgressFn,
        cancel: CancellationToken,
        read_back: bool,
    ) -> Result<LoadResult> {
        let mut prepared = self.prepare(integration).await?;
        prepared.request = request;
        // One load of an account at a time across processes (the schedule's and the app's).
        let report = progress.clone();
        let _one_at_a_time = (self.connections.locks)
            .hold_load(&prepared.connection.key(), move || {
                let waiting = "waiting for another Inlet to finish loading";
                report(LoadProgress::waiting(integration, waiting, None))
            })
            .await?;
        // A sync of contents that come on demand: the stored ones, within the budget.
        let (records, held_back) = super::budget::sync_records(
            self.library.clone(),
            &prepared.account_key(),
            &prepared.request,
        )
        .await?;
        prepared.request.records = records;
        if provider(integration).reads_previous_load(&prepared.request) {
            prepared.previous = self.library.previous_load(&prepared.account_key()).await?;
        }
        // A sync counts from a complete load, and is a full load when the provider says (the
        // default: once a week).
        let full_instead = (prepared.request.sync
            && provider(integration).capabilities().syncs
            && !provider(integration).syncs_from(prepared.previous.when.as_ref()))
        .then_some(match prepared.previous.when {
            None => "there was none to count from",
            Some(when) if !when.complete => "the last load was partial",
            Some(_) => "the last full load is a week old",
        });
        if full_instead.is_some() {
            prepared.request.sync = false;
        }
        if prepared.request.content {
            prepared.contents = self.library.content_edits(&prepared.account_key()).await?;
        }
        let report = progress.clone();
        prepared.api = prepared.api.with_rate_limit_hook(Arc::new(move |wait| {
            let secs = u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX);
            report(LoadProgress::waiting(integration, "rate limit", Some(secs)))
        }));
        let key = prepared.account_key();
        // Every call sent counts, however the load ends.
        let usage = UsageRecorder::new(&self.library, key.clone());
        let (meter, sent) = (usage.meter(), Arc::new(AtomicU32::new(0)));
        let counted = sent.clone();
        prepared.api = prepared.api.with_call_meter(Arc::new(move |scope: &str| {
            counted.fetch_add(1, Ordering::Relaxed);
            meter(scope);
        }));
        let outcome = self
            .load_prepared(&prepared, key, progress, cancel, read_back)
            .await;
        usage.finish().await;
        outcome.map(|mut result| {
            result.requests = sent.load(Ordering::Relaxed);
            result.incremental =
                prepared.request.sync && provider(integration).capabilities().syncs;
            if let Some(why) = held_back {
                result.notes.push(why.clone());
                result.held_back = Some(why);
            }
            if let Some(why) = full_instead {
                result.notes.push(format!("A full load this time: {why}."));
            }
            result
        })
    }

    async fn load_prepared(
        &self,
        prepared: &Prepared,
        key: AccountKey,
        progress: ProgressFn,
        cancel: CancellationToken,
        read_back: bool,
    ) -> Result<LoadResult> {
        let integration = key.integration;
        let connection = &prepared.connection;
        // Pages go into the store as they arrive, unless the provider fixes items up at the end.
        let started = chrono::Utc::now();
        let writer = self.library.begin_load(&key, &connection.account);
        // Files found go to a fetcher that downloads them while the load runs.
        let (found, wanted) = tokio::sync::mpsc::unbounded_channel();
        let target = self.library.fetch_target(&key, self.clients.http().clone());
        let files: Option<FileTee> = target
            .as_ref()
            .map(|_| Arc::new(move |file| drop(found.send(file))) as FileTee);
        // A sync's few changed items stay in memory, so the carry-over knows which it gave.
        let syncs = prepared.request.sync && provider(integration).capabilities().syncs;
        let whole = provider(integration).fixes_items_up() || syncs;
        let tees = Tees {
            pages: (writer.as_ref()).filter(|_| !whole).map(StoreWriter::tee),
            contents: writer.as_ref().map(StoreWriter::contents),
            files,
        };
        let ctx = prepared.context();
        let load = load_all(provider(integration), &ctx, progress, cancel.clone(), tees);
        let (outcome, fetched) = match &target {
            Some(target) => {
                let fetch = fetch_files(provider(integration), &ctx, target, wanted);
                let (outcome, fetched) = tokio::join!(load, fetch);
                (outcome, Some(fetched))
            }
            None => (load.await, None),
        };
        if met_monthly_quota(outcome.as_ref()) {
            self.library.note_quota_met(&key).await;
        }
        let mut result = outcome?;
        result
            .notes
            .extend(fetched.map(|f| f.notes()).unwrap_or_default());
        // What this load did not fetch again (records not asked for, failed streams) stays.
        let failed: Vec<String> = result.failures.iter().map(|f| f.stream.clone()).collect();
        let carry = provider(integration).carry_over(&prepared.request, &result.items, &failed);
        let in_memory = provider(integration).fixes_items_up();
        let shapes = (self.library)
            .carry_over(&key, &mut result, carry, in_memory)
            .await?;
        if syncs {
            // Paths and children lists over what the sync gave and what it kept.
            provider(integration).finish(&mut result.items);
        }
        shapes.settle(&mut result);
        self.library
            .finish_load(writer, &mut result, &cancel, read_back)
            .await?;
        // What the provider keeps for the next load, once this one is stored.
        let remembered = std::mem::take(&mut result.remembered);
        self.library.remember_provider_state(&key, remembered).await;
        // A complete full load is what the default weekly full load counts from.
        if !syncs && !result.partial && provider(integration).capabilities().syncs {
            self.library.note_full_load(&key, started).await;
        }
        // Another account became the active one (or none) while this one loaded: its items are
        // stored; the status does not call it the active account's load.
        let active = self.connections.find(integration).await.ok().flatten();
        if active.is_none_or(|a| a.account.id != connection.account.id) {
            self.library.forget_last_load(integration);
        }
        Ok(result)
    }
}
