//! Kept files in the window: the `inlet-file` protocol serves images from the file store (by
//! hash only — no path, no name, nothing else is reachable), with a content type read from the
//! file's first bytes (PNG, JPEG, GIF, WebP; anything else is served as bytes the webview will
//! not render) and headers that keep it inert; and commands that list an item's kept files and
//! open one with the system viewer, from a named copy of the local file.

use std::borrow::Cow;

use inlet_core::item_store::ItemFile;
use inlet_core::services::FileUsage;
use inlet_core::Integration;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, State, UriSchemeContext, Wry};

use crate::error::CommandResult;
use crate::state::AppState;

/// The protocol's name: `inlet-file://localhost/<sha256>` (`http://inlet-file.localhost/…` on
/// Windows).
pub const SCHEME: &str = "inlet-file";

/// The most one image may be (a file the window shows is read whole).
const MAX_IMAGE: u64 = 64 * 1024 * 1024;

/// The content type of an image by its first bytes; `None` for anything else.
fn image_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn answer(status: StatusCode, kind: &str, body: Vec<u8>) -> Response<Cow<'static, [u8]>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, kind)
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'")
        .header(
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        )
        .body(Cow::<'static, [u8]>::Owned(body))
        .unwrap_or_else(|_| Response::new(Cow::Borrowed(&[][..])))
}

/// Answers `inlet-file://localhost/<hash>`.
pub fn serve(
    ctx: UriSchemeContext<'_, Wry>,
    request: Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    let hash = request.uri().path().trim_start_matches('/').to_owned();
    let state = ctx.app_handle().state::<AppState>();
    let Some(path) = state
        .inlet_if_started()
        .and_then(|inlet| inlet.library.file_path(&hash))
    else {
        return answer(StatusCode::NOT_FOUND, "text/plain", b"not kept".to_vec());
    };
    let read = std::fs::metadata(&path)
        .ok()
        .filter(|m| m.len() <= MAX_IMAGE)
        .and_then(|_| std::fs::read(&path).ok());
    match read {
        Some(bytes) => {
            let kind = image_type(&bytes).unwrap_or("application/octet-stream");
            answer(StatusCode::OK, kind, bytes)
        }
        None => answer(
            StatusCode::NOT_FOUND,
            "text/plain",
            b"not readable".to_vec(),
        ),
    }
}

/// The kept files of an item (Airtable attachments, Notion-hosted files).
#[tauri::command]
#[specta::specta]
pub async fn item_files(
    state: State<'_, AppState>,
    integration: Integration,
    item_id: String,
) -> CommandResult<Vec<ItemFile>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let files = inlet.library.item_files(&accounts, integration, &item_id);
    Ok(files.await?)
}

/// Opens the kept file `hash` with the system's viewer for its kind, from a fresh read-only copy
/// named as the store names it — or, for a kind that could run, shows the folder holding it.
#[tauri::command]
#[specta::specta]
pub async fn open_file(state: State<'_, AppState>, hash: String) -> CommandResult<()> {
    let inlet = state.inlet().await?;
    let path = inlet.library.file_to_open(&hash).await?;
    crate::commands::open_browser(&path.display().to_string())?;
    Ok(())
}

/// What the file store holds, how much space it takes and its cap (Settings).
#[tauri::command]
#[specta::specta]
pub async fn file_usage(state: State<'_, AppState>) -> CommandResult<FileUsage> {
    Ok(state.inlet().await?.library.file_usage().await?)
}

/// Sets the most the file store may hold, in megabytes (`None`: the default), and says what
/// it holds now.
#[tauri::command]
#[specta::specta]
pub async fn set_file_cap(
    state: State<'_, AppState>,
    megabytes: Option<u32>,
) -> CommandResult<FileUsage> {
    let inlet = state.inlet().await?;
    let bytes = megabytes.map(|m| u64::from(m) * 1_000_000);
    inlet.library.set_file_cap(bytes).await?;
    Ok(inlet.library.file_usage().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_are_given_an_image_type() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b"<html>"), None);
    }
}
