//! The folder (or .zip) export of everything stored for the connected accounts
//! (`export::write_vault`): items with their content and kept files, read from the store.

use std::path::Path;

use super::library::{CurrentAccount, Library};
use super::vault_writer::{write_vault, VaultItem, VaultReport};
use crate::error::{CoreError, Result};
use crate::files::FileStore;
use crate::integration::Integration;
use crate::item::{Delta, ItemKind};

impl Library {
    /// Writes the current items of `accounts` (of `integrations`, or all when empty) as a vault
    /// — Markdown pages, CSVs, workbooks, kept files — into the new or empty folder `output`,
    /// or, with `zip`, into the .zip file `output` (not overwritten).
    pub async fn export_vault(
        &self,
        accounts: &[CurrentAccount],
        integrations: &[Integration],
        output: &Path,
        zip: bool,
    ) -> Result<VaultReport> {
        let store = self
            .store()
            .cloned()
            .ok_or_else(|| CoreError::invalid_argument("There is no item store to export from."))?;
        let accounts: Vec<CurrentAccount> = (accounts.iter())
            .filter(|a| integrations.is_empty() || integrations.contains(&a.integration))
            .cloned()
            .collect();
        let output = output.to_owned();
        tokio::task::spawn_blocking(move || {
            let files = FileStore::open(&store.files_dir())?;
            let mut items = Vec::new();
            for key in &accounts {
                let Some(generation) = store.current(key)? else {
                    continue;
                };
                for item in store.items(generation.id)? {
                    if item.delta == Some(Delta::Gone) {
                        continue;
                    }
                    let markdown = match item.item_type {
                        ItemKind::Page => store.content(key, &item.id)?.map(|c| c.markdown),
                        _ => None,
                    };
                    let kept = store
                        .item_files(key, &item.id)?
                        .into_iter()
                        .filter_map(|f| files.path_of(&f.hash).map(|path| (f, path)))
                        .collect();
                    items.push(VaultItem {
                        item,
                        markdown,
                        files: kept,
                    });
                }
            }
            if !zip {
                return write_vault(&output, items);
            }
            zip_vault(&output, items)
        })
        .await
        .map_err(|e| CoreError::task_failed("the folder export", e))?
    }
}

/// The vault written into a private temporary folder, then zipped to `output`.
fn zip_vault(output: &Path, items: Vec<VaultItem>) -> Result<VaultReport> {
    if output.exists() {
        return Err(CoreError::invalid_argument(format!(
            "{} exists: a .zip export never overwrites a file.",
            output.display()
        )));
    }
    let staging = crate::private_files::private_temp_dir("inlet-vault-")?;
    let written = write_vault(&staging.join("vault"), items).and_then(|report| {
        zip_folder(&staging.join("vault"), output)?;
        Ok(report)
    });
    let _ = std::fs::remove_dir_all(&staging);
    written
}

/// Zips the folder `dir` (every file under it, paths relative to it) into `output`, written
/// beside it first and renamed into place when whole.
fn zip_folder(dir: &Path, output: &Path) -> Result<()> {
    let partial = output.with_extension("zip.partial");
    let file = std::fs::File::create(&partial).map_err(|e| CoreError::io("write", &partial, e))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    let mut stack = vec![dir.to_owned()];
    let written = (|| -> Result<()> {
        while let Some(folder) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&folder)
                .map_err(|e| CoreError::io("read", &folder, e))?
                .flatten()
                .map(|e| e.path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path
                    .strip_prefix(dir)
                    .map_err(|e| CoreError::io("zip", &path, e))?
                    .to_string_lossy()
                    .replace('\\', "/");
                zip.start_file(name, options)
                    .map_err(|e| CoreError::io("zip", &path, e))?;
                let mut source =
                    std::fs::File::open(&path).map_err(|e| CoreError::io("read", &path, e))?;
                std::io::copy(&mut source, &mut zip).map_err(|e| CoreError::io("zip", &path, e))?;
            }
        }
        zip.finish().map_err(|e| CoreError::io("zip", output, e))?;
        Ok(())
    })();
    match written {
        Ok(()) => std::fs::rename(&partial, output).map_err(|e| CoreError::io("write", output, e)),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}
