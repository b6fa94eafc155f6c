//! Files and folders that only their owner may touch: the data dir, the item store and SQLite's
//! files beside it (`-wal`, `-shm`, `-journal`), lock files and `.env`. Another user who could
//! plant one of them — a world-writable WAL that SQLite then fills with the store's pages, a link
//! from the store's name to a file of theirs, a data dir in `/tmp` — would read or steer what
//! Inlet keeps, so each is checked before use and refused with [`CoreError::UnsafeFile`].
//!
//! On platforms without Unix ownership and modes the checks only refuse links.

use std::fs::{File, Metadata, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};

/// The files SQLite keeps beside a database, by suffix.
pub const SQLITE_SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

fn refused(path: &Path, reason: impl Into<String>) -> CoreError {
    CoreError::UnsafeFile {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn io(action: &'static str, path: &Path, error: std::io::Error) -> CoreError {
    CoreError::Io {
        action,
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// This process's effective user.
#[cfg(unix)]
#[allow(unsafe_code)] // the one libc call std has no wrapper for
pub(crate) fn me() -> u32 {
    // SAFETY: geteuid has no preconditions, touches no memory and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why `metadata` (of something this user relies on alone) is not safe, if it is not: owned by
/// another user, or open to others beyond `others_may` (a mode mask: 0o022 forbids writing,
/// 0o077 reading and writing too).
#[cfg(unix)]
fn ownership_problem(metadata: &Metadata, others_may_not: u32) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    if metadata.uid() != me() {
        return Some(format!(
            "it belongs to another user (uid {}), not to you (uid {})",
            metadata.uid(),
            me()
        ));
    }
    let open = metadata.mode() & others_may_not;
    if open != 0 {
        let what = if open & 0o022 != 0 {
            "others may write to it"
        } else {
            "others may read it"
        };
        return Some(format!(
            "{what} (mode {:o}; chmod go-rwx fixes it)",
            metadata.mode() & 0o777
        ));
    }
    None
}

#[cfg(not(unix))]
fn ownership_problem(_metadata: &Metadata, _others_may_not: u32) -> Option<String> {
    None
}

/// Checks a folder Inlet keeps data in: a folder (a link to one is followed: people move their
/// data to other disks), owned by this user, that nobody else may write to, inside folders that
/// nobody else could rename it out of (see [`check_folders_above`]).
pub fn check_private_dir(dir: &Path) -> Result<()> {
    let metadata = std::fs::metadata(dir).map_err(|e| io("inspect", dir, e))?;
    if !metadata.is_dir() {
        return Err(refused(dir, "it is not a folder"));
    }
    if let Some(problem) = ownership_problem(&metadata, 0o022) {
        return Err(refused(dir, problem));
    }
    // Above the name as written (where a link to the folder sits) and above the folder itself.
    let absolute = std::path::absolute(dir).map_err(|e| io("inspect", dir, e))?;
    let target = std::fs::canonicalize(dir).map_err(|e| io("inspect", dir, e))?;
    for parent in [absolute.parent(), target.parent()].into_iter().flatten() {
        check_folders_above(dir, parent)?;
    }
    Ok(())
}

/// Checks `first` (an existing folder above `dir`) and every folder above it, both as written
/// and with links resolved: each belongs to this user or to root, and none is writable by
/// everyone unless it is sticky (`/tmp`). Otherwise another user could rename the private
/// folder away and put one of theirs in its place. Group-writable folders above are accepted: a
/// user-private group (umask 002) is common.
#[cfg(unix)]
fn check_folders_above(dir: &Path, first: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let resolved = std::fs::canonicalize(first).map_err(|e| io("inspect", first, e))?;
    for above in first.ancestors().chain(resolved.ancestors()) {
        let metadata = std::fs::metadata(above).map_err(|e| io("inspect", above, e))?;
        let owner = metadata.uid();
        if owner != 0 && owner != me() {
            return Err(refused(
                dir,
                format!(
                    "the folder above it, {}, belongs to another user (uid {owner})",
                    above.display()
                ),
            ));
        }
        let sticky = metadata.mode() & 0o1000 != 0;
        if metadata.mode() & 0o002 != 0 && !sticky {
            return Err(refused(
                dir,
                format!(
                    "everyone may rename things in the folder above it, {} (mode {:o})",
                    above.display(),
                    metadata.mode() & 0o7777
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_folders_above(_dir: &Path, _first: &Path) -> Result<()> {
    Ok(())
}

/// Creates `dir` (mode 0700, with any missing parents) unless it exists, then checks it as
/// [`check_private_dir`] does.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_err() {
        // Nothing is created inside a folder that would make the new one unsafe.
        let absolute = std::path::absolute(dir).map_err(|e| io("inspect", dir, e))?;
        if let Some(existing) = absolute.ancestors().skip(1).find(|a| a.exists()) {
            check_folders_above(dir, existing)?;
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| io("create", dir, e))?;
    }
    check_private_dir(dir)
}

/// Checks a private file if it is there (`Ok(false)` when it is not): a plain file — never a
/// link — owned by this user that nobody else may read or write.
pub fn check_private_file(path: &Path) -> Result<bool> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io("inspect", path, e)),
    };
    if metadata.file_type().is_symlink() {
        return Err(refused(path, "it is a symbolic link"));
    }
    if !metadata.is_file() {
        return Err(refused(path, "it is not a plain file"));
    }
    match ownership_problem(&metadata, 0o077) {
        Some(problem) => Err(refused(path, problem)),
        None => Ok(true),
    }
}

/// Checks a file this user may share for reading but nobody else may change (`.env`): a plain
/// file, not a link, owned by this user, not writable by group or others.
pub fn check_owned_file(path: &Path, file: &File) -> Result<()> {
    let metadata = file.metadata().map_err(|e| io("inspect", path, e))?;
    if !metadata.is_file() {
        return Err(refused(path, "it is not a plain file"));
    }
    match ownership_problem(&metadata, 0o022) {
        Some(problem) => Err(refused(path, problem)),
        None => Ok(()),
    }
}

/// Opens `path` with `options`, refusing to follow a link at its last component (`O_NOFOLLOW`):
/// a link planted where a lock file or the store goes is an error, not a way elsewhere.
pub fn open_no_follow(path: &Path, options: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    options.open(path)
}

/// Opens `path` for reading without following a link and without waiting: a FIFO planted where
/// a file is expected (`.env`) opens at once (`O_NONBLOCK`), and the caller's check of the
/// opened file's type refuses it, instead of hanging until someone writes to it.
pub fn open_to_read_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    options.open(path)
}

/// Opens (creating it 0600, its folder 0700) the lock file `path` for reading and writing,
/// without following a link: the refresh locks and the keychain index's lock.
pub fn open_lock_file(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    open_no_follow(path, &mut options)
}

/// Creates the private file `path` (0600) if it is not there, without following a link, and
/// checks it as [`check_private_file`] does.
pub fn ensure_private_file(path: &Path) -> Result<()> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    open_no_follow(path, &mut options).map_err(|e| match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => refused(path, "it is a symbolic link"),
        _ => io("open", path, e),
    })?;
    check_private_file(path).map(|_| ())
}

/// Checks a SQLite database's own file and the files SQLite keeps beside it.
pub fn check_database_files(database: &Path) -> Result<()> {
    check_private_file(database)?;
    for suffix in SQLITE_SIDECARS {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        check_private_file(Path::new(&name))?;
    }
    Ok(())
}

/// A new private folder under the system's temporary folder (`mkdtemp`: mode 0700, a name
/// nobody could have guessed and taken first), for a data dir when there is no home.
pub fn private_temp_dir(prefix: &str) -> Result<PathBuf> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder
        .tempdir()
        .map_err(|e| io("create", &std::env::temp_dir(), e))?;
    Ok(dir.keep())
}

/// Makes a FIFO at `path` (tests: a pipe planted where a file is expected).
#[cfg(all(test, unix))]
#[allow(unsafe_code)] // mkfifo has no std wrapper
pub(crate) fn make_fifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mkfifo touches no other memory.
    let made = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn code(result: Result<impl std::fmt::Debug>) -> &'static str {
        result.unwrap_err().code()
    }

    #[test]
    fn a_folder_others_may_write_to_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        ensure_private_dir(&dir.path().join("data")).unwrap();
        let mode = std::fs::metadata(dir.path().join("data"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        chmod(&dir.path().join("data"), 0o777);
        assert_eq!(
            code(check_private_dir(&dir.path().join("data"))),
            "unsafe_file"
        );
        // /tmp itself is the everyday case of a folder everyone may write to.
        assert_eq!(code(check_private_dir(Path::new("/tmp"))), "unsafe_file");
    }

    #[test]
    fn files_others_may_read_or_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("items.sqlite3");
        ensure_private_file(&store).unwrap();
        check_database_files(&store).unwrap();
        // A WAL planted with mode 0666 would receive the store's pages.
        let wal = dir.path().join("items.sqlite3-wal");
        std::fs::write(&wal, b"").unwrap();
        chmod(&wal, 0o666);
        assert_eq!(code(check_database_files(&store)), "unsafe_file");
        std::fs::remove_file(&wal).unwrap();
        // A link where the store goes is never followed, by the check or by the opening.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"").unwrap();
        chmod(&elsewhere, 0o600);
        let linked = dir.path().join("linked.sqlite3");
        std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
        assert_eq!(code(check_private_file(&linked)), "unsafe_file");
        assert_eq!(code(ensure_private_file(&linked)), "unsafe_file");
    }

    /// As root (CI, this machine), a file of another user's is planted for real.
    #[test]
    fn files_and_folders_of_another_user_are_refused() {
        if me() != 0 {
            return; // only root can give a file away
        }
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("items.sqlite3-shm");
        std::fs::write(&theirs, b"").unwrap();
        chmod(&theirs, 0o600);
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        assert_eq!(code(check_private_file(&theirs)), "unsafe_file");
        let folder = dir.path().join("data");
        std::fs::create_dir(&folder).unwrap();
        std::os::unix::fs::chown(&folder, Some(65534), Some(65534)).unwrap();
        assert_eq!(code(check_private_dir(&folder)), "unsafe_file");
        // A private folder of ours inside a folder of theirs: they could swap it.
        let inside = folder.join("inlet");
        std::fs::create_dir(&inside).unwrap();
        chmod(&inside, 0o700);
        let error = check_private_dir(&inside).unwrap_err().to_string();
        assert!(error.contains("folder above it"), "{error}");
    }

    #[test]
    fn a_private_folder_inside_one_everyone_may_rename_in_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("shared");
        let data = open.join("inlet");
        ensure_private_dir(&data).unwrap();
        chmod(&open, 0o777);
        let error = check_private_dir(&data).unwrap_err().to_string();
        assert!(error.contains("everyone may rename"), "{error}");
        // Nor is a new private folder made there.
        assert_eq!(code(ensure_private_dir(&open.join("new"))), "unsafe_file");
        assert!(!open.join("new").exists());
        // Sticky, as /tmp is: only the owner may rename what is inside.
        chmod(&open, 0o1777);
        check_private_dir(&data).unwrap();
        // A link to the folder is followed, and the folders on both sides are checked.
        chmod(&open, 0o755);
        let loose = dir.path().join("loose");
        std::fs::create_dir(&loose).unwrap();
        chmod(&loose, 0o777);
        std::os::unix::fs::symlink(&data, loose.join("link")).unwrap();
        assert_eq!(code(check_private_dir(&loose.join("link"))), "unsafe_file");
        // And a link from a safe place to a folder inside a loose one is refused too.
        chmod(&open, 0o777);
        let safe = dir.path().join("safe");
        std::fs::create_dir(&safe).unwrap();
        chmod(&safe, 0o700);
        std::os::unix::fs::symlink(&data, safe.join("link")).unwrap();
        let error = check_private_dir(&safe.join("link"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("everyone may rename"), "{error}");
    }

    #[test]
    fn a_fifo_opens_without_waiting_and_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join(".env");
        make_fifo(&fifo);
        let file = open_to_read_no_follow(&fifo).unwrap();
        assert_eq!(code(check_owned_file(&fifo, &file)), "unsafe_file");
    }

    #[test]
    fn a_private_temporary_folder_is_new_and_its_owners_alone() {
        let one = private_temp_dir("inlet-test-").unwrap();
        let two = private_temp_dir("inlet-test-").unwrap();
        assert_ne!(one, two);
        let mode = std::fs::metadata(&one).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        check_private_dir(&one).unwrap();
        std::fs::remove_dir(one).unwrap();
        std::fs::remove_dir(two).unwrap();
    }
}
