//! The providers' file hosts, played on loopback: signed, expiring links to files whose bytes
//! follow from the link (a seed and a length), so a test knows what it should have kept.
//! Airtable's attachment links (`v5.airtableusercontent.com`, "expire 2 hours after being
//! returned", https://airtable.com/developers/web/api/field-model#multipleattachment) answer an
//! expired link with 410 and "This URL has expired" (as seen in the wild: onyx-dot-app/onyx#3881);
//! Notion-hosted files are presigned S3 links valid one hour
//! (https://developers.notion.com/reference/file-object) that S3 refuses, once expired, with 403
//! `AccessDenied` / "Request has expired". The link's signature is not checked: the expiry is
//! what matters here. Knob `file_links_expired`: links given in listings (record listings, block
//! children) are expired already, as they are when a long load reaches them late; links from
//! reading one record or block are fresh.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// How long a link lasts, in seconds (Airtable's two hours; Notion's is one).
const LIFETIME_SECS: u64 = 2 * 3600;

/// The routes of both file hosts.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/airtable/usercontent/{expires}/{seed}/{bytes}/{name}",
            get(airtable_file),
        )
        .route(
            "/notion/files/{expires}/{seed}/{bytes}/{name}",
            get(notion_file),
        )
}

/// Seconds on the sandbox's clock.
fn now_secs() -> u64 {
    crate::clock_ms() / 1000
}

/// A signed link to the file `seed` of `bytes` bytes named `name`, on `host` (`airtable` or
/// `notion`): expired already when `expired`.
pub fn link(
    base_url: &str,
    host: &str,
    seed: &str,
    bytes: u64,
    name: &str,
    expired: bool,
) -> String {
    // The sandbox's clock starts at 0: an expired link's time is 0 with the clock past it.
    let expires = if expired {
        0
    } else {
        now_secs() + LIFETIME_SECS
    };
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let path = match host {
        "airtable" => "airtable/usercontent",
        _ => "notion/files",
    };
    format!("{base_url}/{path}/{expires}/{seed}/{bytes}/{name}")
}

/// A 1×1 PNG: what an image named `*.png` holds here, so a window can show it.
const PNG: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The bytes of the file `seed` of length `bytes` named `name` (an image named `*.png` is a
/// real 1×1 PNG, whatever the length).
pub fn contents(seed: &str, bytes: u64, name: &str) -> Vec<u8> {
    if name.ends_with(".png") {
        return PNG.to_vec();
    }
    // Repeated whole (a copy per repetition), not byte by byte: a benchmark's 10 MB files are
    // made in a few milliseconds, so the fake's own work does not weigh on what is measured.
    let pattern = format!("{seed};");
    let mut body = pattern
        .as_bytes()
        .repeat(bytes as usize / pattern.len() + 1);
    body.truncate(bytes as usize);
    body
}

/// The most one file may be here (a test's files are small; a benchmark's a few MB each).
const MAX_BYTES: u64 = 256 * 1024 * 1024;

fn serve(expires: u64, seed: &str, bytes: u64, name: &str, expired: Response) -> Response {
    if expires == 0 || expires < now_secs() {
        return expired;
    }
    if bytes > MAX_BYTES {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        contents(seed, bytes, name),
    )
        .into_response()
}

async fn airtable_file(
    Path((expires, seed, bytes, name)): Path<(u64, String, u64, String)>,
) -> Response {
    let expired = (StatusCode::GONE, "This URL has expired").into_response();
    serve(expires, &seed, bytes, &name, expired)
}

async fn notion_file(
    Path((expires, seed, bytes, name)): Path<(u64, String, u64, String)>,
) -> Response {
    let expired = (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    )
        .into_response();
    serve(expires, &seed, bytes, &name, expired)
}
