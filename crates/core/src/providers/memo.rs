//! What one stream of a load reads that its other streams reuse (HubSpot's owners, named on
//! every object type's records), read once per load however many streams ask at the same time.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use crate::error::{CoreError, Result};

type Cell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// A load's memo: values by key, each read by the first stream that asks (the others wait for
/// it); a failed read is not kept, so the next stream that asks tries again.
#[derive(Default)]
pub struct LoadMemo {
    cells: Mutex<HashMap<&'static str, Cell>>,
}

impl LoadMemo {
    /// The value under `key`, read by `read` when no stream of this load read it yet. A key
    /// names one type of value: asking for another type under it is a bug, answered with an
    /// error.
    pub async fn get_or_read<T, F>(
        &self,
        key: &'static str,
        read: impl FnOnce() -> F,
    ) -> Result<Arc<T>>
    where
        T: Any + Send + Sync,
        F: Future<Output = Result<T>>,
    {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        let value = cell
            .get_or_try_init(|| async {
                Ok::<_, CoreError>(Arc::new(read().await?) as Arc<dyn Any + Send + Sync>)
            })
            .await?
            .clone();
        value.downcast::<T>().map_err(|_| {
            CoreError::invalid_argument(format!(
                "the load memo holds another kind of value under {key}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_askers_read_once_and_a_failure_is_retried() {
        let memo = LoadMemo::default();
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(vec!["Ada".to_owned()])
        };
        let (a, b) = tokio::join!(
            memo.get_or_read("owners", read),
            memo.get_or_read("owners", read)
        );
        assert_eq!(a.unwrap(), b.unwrap());
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        let failed: Result<Arc<u32>> = memo
            .get_or_read("pipelines", || async { Err(CoreError::Cancelled) })
            .await;
        assert!(failed.is_err());
        let again = memo.get_or_read("pipelines", || async { Ok(7u32) }).await;
        assert_eq!(*again.unwrap(), 7);
    }
}
