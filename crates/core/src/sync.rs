//! Locking a std mutex that another thread may have poisoned by panicking mid-update: the data
//! behind Inlet's mutexes (maps of flows, loads, items) stays usable, so the guard is taken anyway.

use std::sync::{Mutex, MutexGuard};

/// The guard of `mutex`, poisoned or not.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
