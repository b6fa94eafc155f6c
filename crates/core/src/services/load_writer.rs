//! A load written into the item store as its pages arrive: a blocking task owns the store's
//! generation writer and the load hands it pages over a channel, so a load of 500,000 contacts
//! never holds them all in memory and SQLite never runs on the async executor. A load that
//! fails or is cancelled drops its `StoreWriter`: the task sees the channel close without a
//! finish and drops the generation, which removes what it wrote.

use tokio::sync::{mpsc, oneshot};

use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::item::{IntegrationItem, ItemContent};
use crate::item_store::{AccountKey, Generation, ItemStore};
use crate::load::{ContentTee, PageTee};

enum Message {
    Page(Vec<IntegrationItem>),
    Content(ItemContent),
    Keep(Vec<String>),
    Finish {
        partial: bool,
        reply: oneshot::Sender<Result<Generation>>,
    },
}

/// The writing end of one load's generation.
pub struct StoreWriter {
    // Unbounded on purpose: the writer stores tens of thousands of items a second and no
    // provider delivers more than about a thousand, so the queue stays a page or two long; a
    // bounded one would need a blocking send on the executor.
    pages: mpsc::UnboundedSender<Message>,
}

impl StoreWriter {
    /// Begins a generation of `key` in `store`, written by a blocking task.
    pub fn start(store: ItemStore, key: AccountKey, account: AccountInfo) -> Self {
        let (pages, mut received) = mpsc::unbounded_channel();
        tokio::task::spawn_blocking(move || {
            let mut writer = None;
            let mut failure = None;
            match store.begin(&key, &account) {
                Ok(begun) => writer = Some(begun),
                Err(error) => failure = Some(error),
            }
            while let Some(message) = received.blocking_recv() {
                match message {
                    Message::Page(items) => {
                        if let (Some(writer), None) = (writer.as_mut(), failure.as_ref()) {
                            if let Err(error) = writer.append(&items) {
                                failure = Some(error);
                            }
                        }
                    }
                    Message::Keep(keys) => {
                        if let Some(writer) = writer.as_mut() {
                            writer.keep_stored(keys);
                        }
                    }
                    // Kept whatever becomes of the generation: a content load resumes from it.
                    Message::Content(content) => {
                        if let Err(error) = store.put_content(&key, &content) {
                            tracing::warn!(code = error.code(), %error, "a page's content was not kept");
                            failure.get_or_insert(error);
                        }
                    }
                    Message::Finish { partial, reply } => {
                        let outcome = match (writer.take(), failure.take()) {
                            (_, Some(error)) => Err(error),
                            (Some(writer), None) => writer.finish(partial),
                            (None, None) => Err(CoreError::task_failed(
                                "storing a load",
                                "the generation was never begun",
                            )),
                        };
                        let _ = reply.send(outcome);
                        return;
                    }
                }
            }
            // Closed without a finish: dropping `writer` removes what it wrote.
        });
        Self { pages }
    }

    /// What the load hands every page to.
    pub fn tee(&self) -> PageTee {
        let pages = self.pages.clone();
        std::sync::Arc::new(move |items| {
            // A closed channel means the writer failed; `finish` reports why.
            let _ = pages.send(Message::Page(items));
        })
    }

    /// What the load hands every item's content to: kept at once.
    pub fn contents(&self) -> ContentTee {
        let pages = self.pages.clone();
        std::sync::Arc::new(move |content| {
            let _ = pages.send(Message::Content(content));
        })
    }

    /// Adds items (a load that had to see every item before storing them).
    pub fn append(&self, items: Vec<IntegrationItem>) {
        let _ = self.pages.send(Message::Page(items));
    }

    /// Keeps the account's stored items `keys` as they are (`GenerationWriter::keep_stored`).
    pub fn keep_stored(&self, keys: Vec<String>) {
        let _ = self.pages.send(Message::Keep(keys));
    }

    /// Makes the generation current once every page before this call is written.
    pub async fn finish(self, partial: bool) -> Result<Generation> {
        let (reply, outcome) = oneshot::channel();
        self.pages
            .send(Message::Finish { partial, reply })
            .map_err(|_| CoreError::task_failed("storing a load", "the writer stopped"))?;
        outcome
            .await
            .map_err(|_| CoreError::task_failed("storing a load", "the writer stopped"))?
    }
}
