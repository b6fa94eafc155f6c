//! One token refresh at a time per connection — within this process (an async mutex) and
//! across processes (an advisory lock on a file in the data dir), since the app and the CLI
//! share keychain entries: two refreshes of a rotating refresh token at once would leave one
//! of them holding a dead pair. And one load of an account at a time across processes (a lock
//! file of its own): the schedule's sync and the app's Reload take turns.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{CoreError, Result};

/// How long a refresh waits for another process's refresh of the same connection: longer than
/// one token request may take (its total timeout is 60 s).
const CROSS_PROCESS_WAIT: Duration = Duration::from_secs(90);
/// How often a waiting refresh tries the file lock again.
const RETRY_EVERY: Duration = Duration::from_millis(20);
/// How long a load waits for another process's load of the same account: longer than any load
/// takes (a cancelled load stops waiting at once).
const LOAD_WAIT: Duration = Duration::from_secs(3_600);
/// How often a waiting load tries the file lock again.
const LOAD_RETRY_EVERY: Duration = Duration::from_millis(200);

/// The refresh locks of every connection, shared by everything in this process that uses one.
#[derive(Default)]
pub struct RefreshLocks {
    in_process: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Where the lock files live (created 0700), and the keychain namespace they are for.
    files: Option<(PathBuf, String)>,
}

/// The lock of one connection.
#[derive(Clone)]
pub(super) struct ConnectionLock {
    in_process: Arc<tokio::sync::Mutex<()>>,
    file: Option<PathBuf>,
}

/// Held while a refresh runs — or while a sign-in saves or a disconnect forgets the
/// connection; dropping it releases both locks.
pub struct RefreshGuard {
    _in_process: tokio::sync::OwnedMutexGuard<()>,
    _file: Option<std::fs::File>,
}

impl RefreshLocks {
    /// Locks that also serialize with other processes through files in `dir`, for the
    /// connections of keychain namespace `service`.
    pub fn in_dir(dir: PathBuf, service: &str) -> Self {
        Self {
            in_process: Mutex::default(),
            files: Some((dir, service.to_owned())),
        }
    }

    /// Holds connection `key`'s lock (in this process and the lock file) until the guard is
    /// dropped: a sign-in saving the connection and a disconnect forgetting it take it, so a
    /// refresh in flight can never write its rotated pair over them.
    pub async fn hold(&self, key: &str) -> Result<RefreshGuard> {
        self.for_key(key).acquire().await
    }

    /// Holds account `key`'s load lock across processes until the guard is dropped, waiting
    /// for another process's load of it to end (`waiting` is told once when it has to);
    /// `None` without a data dir (no other process shares the store).
    pub async fn hold_load(
        &self,
        key: &str,
        waiting: impl FnOnce(),
    ) -> Result<Option<std::fs::File>> {
        let Some(path) = self.file_for(&format!("load-{key}")) else {
            return Ok(None);
        };
        lock_file(path, LOAD_WAIT, "load", waiting).await.map(Some)
    }

    pub(super) fn for_key(&self, key: &str) -> ConnectionLock {
        let mut locks = self.in_process.lock().unwrap_or_else(|p| p.into_inner());
        let in_process = locks.entry(key.to_owned()).or_default().clone();
        ConnectionLock {
            in_process,
            file: self.file_for(key),
        }
    }

    /// The lock file of `key`, where there is a lock folder.
    fn file_for(&self, key: &str) -> Option<PathBuf> {
        self.files.as_ref().map(|(dir, service)| {
            let name: String = format!("{service}-{key}")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            dir.join(format!("{name}.lock"))
        })
    }
}

impl ConnectionLock {
    /// Waits for this process's other refreshes, then for other processes'.
    pub(super) async fn acquire(&self) -> Result<RefreshGuard> {
        let in_process = self.in_process.clone().lock_owned().await;
        let file = match &self.file {
            Some(path) => {
                Some(lock_file(path.clone(), CROSS_PROCESS_WAIT, "token refresh", || {}).await?)
            }
            None => None,
        };
        Ok(RefreshGuard {
            _in_process: in_process,
            _file: file,
        })
    }
}

/// Opens (0600, in a 0700 folder) and locks `path`, polling so that a `task` stuck in another
/// process cannot hold this one for more than `wait`; tells `waiting` when it has to wait.
async fn lock_file(
    path: PathBuf,
    wait: Duration,
    task: &'static str,
    waiting: impl FnOnce(),
) -> Result<std::fs::File> {
    let io = |action: &'static str, path: &std::path::Path, e: std::io::Error| CoreError::Io {
        action,
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            crate::private_files::open_lock_file(&path).map_err(|e| io("open", &path, e))
        })
        .await
        .map_err(|e| CoreError::task_failed("opening a refresh lock", e))??
    };
    let started = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                if let Some(say) = waiting.take() {
                    say();
                }
                let long = wait > CROSS_PROCESS_WAIT;
                tokio::time::sleep(if long { LOAD_RETRY_EVERY } else { RETRY_EVERY }).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CoreError::TaskFailed {
                    task,
                    reason: format!(
                        "another Inlet process has held this connection's {task} for {} s",
                        wait.as_secs()
                    ),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        // Two RefreshLocks stand for two processes: only the file lock is shared.
        let one = RefreshLocks::in_dir(dir.path().join("locks"), "dev.inlet.test");
        let two = RefreshLocks::in_dir(dir.path().join("locks"), "dev.inlet.test");
        let first = one.for_key("airtable:live:usr1").acquire().await.unwrap();
        let second = two.for_key("airtable:live:usr1");
        let waiting = tokio::spawn(async move { second.acquire().await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the second refresh must wait");
        drop(first);
        waiting.await.unwrap().unwrap();
        // Another connection is never held up.
        let _other = two.for_key("airtable:live:usr2").acquire().await.unwrap();
    }

    #[tokio::test]
    async fn a_load_of_an_account_waits_for_another_process_s_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let one = RefreshLocks::in_dir(dir.path().join("locks"), "dev.inlet.test");
        let two = RefreshLocks::in_dir(dir.path().join("locks"), "dev.inlet.test");
        let first = one.hold_load("hubspot:live:42", || {}).await.unwrap();
        assert!(first.is_some());
        // A refresh of the same connection is not held up by its load.
        let _refresh = two.for_key("hubspot:live:42").acquire().await.unwrap();
        let told = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = told.clone();
        let waiting = tokio::spawn(async move {
            let says = move || {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            };
            two.hold_load("hubspot:live:42", says)
                .await
                .map(|held| held.is_some())
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the second load must wait");
        assert_eq!(
            told.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "said once"
        );
        drop(first);
        assert!(waiting.await.unwrap().unwrap());
        // Without a data dir there is no other process to wait for.
        assert!(RefreshLocks::default()
            .hold_load("x", || {})
            .await
            .unwrap()
            .is_none());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn lock_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locks = RefreshLocks::in_dir(dir.path().join("locks"), "svc");
        let _held = locks.for_key("notion:live:w/1").acquire().await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("locks")), 0o700);
        assert_eq!(
            mode(&dir.path().join("locks/svc-notion_live_w_1.lock")),
            0o600
        );
    }
}
