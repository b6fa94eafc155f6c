//! One download: a provider's signed link fetched without any token (the link itself is the
//! permission; Inlet's bearer tokens never go to file hosts), streamed into the file store with
//! a cap on its size, a total timeout, and the answer a provider gives for a link that expired
//! told apart (Airtable: 410, "This URL has expired"; Notion's S3 links: 403 "Request has
//! expired") so the caller can ask the provider for a fresh one.

use std::time::Duration;

use super::{FileStore, StoredFile};
use crate::error::CoreError;

/// How long one file may take, whole.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// How many received chunks may wait for the writer.
const WRITE_QUEUE: usize = 16;

/// Why a file was not kept.
#[derive(Debug)]
pub enum DownloadError {
    /// The link expired (or was refused as no longer valid): ask the provider for a fresh one.
    Expired,
    /// The file is larger than what may be kept (bytes).
    TooLarge(u64),
    /// The host did not give the file.
    Failed(String),
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Expired => f.write_str("the link expired"),
            Self::TooLarge(cap) => write!(f, "the file is larger than {cap} bytes"),
            Self::Failed(reason) => f.write_str(reason),
        }
    }
}

/// Downloads `url` into `store`, refusing more than `max_bytes`.
pub async fn download(
    http: &reqwest::Client,
    url: &url::Url,
    store: &FileStore,
    max_bytes: u64,
) -> Result<StoredFile, DownloadError> {
    let failed = |e: &dyn std::fmt::Display| DownloadError::Failed(e.to_string());
    let request = http.get(url.clone()).timeout(DOWNLOAD_TIMEOUT).send();
    let mut response = request.await.map_err(|e| failed(&without_url(e)))?;
    let status = response.status().as_u16();
    if matches!(status, 403 | 410) {
        return Err(DownloadError::Expired);
    }
    if !response.status().is_success() {
        return Err(DownloadError::Failed(format!(
            "the file host answered {status}"
        )));
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(DownloadError::TooLarge(max_bytes));
    }
    let incoming = store.incoming().map_err(|e| failed(&e))?;
    // Hashing, writing and syncing are blocking work: a thread of the blocking pool does them
    // while this task reads the next chunks, so the runtime's workers (which serve the window,
    // the load and, in the demo, the sandbox) never wait on the disk. A few chunks may queue.
    let (chunks, mut to_write) = tokio::sync::mpsc::channel::<bytes::Bytes>(WRITE_QUEUE);
    let writer = tokio::task::spawn_blocking(move || {
        let mut incoming = incoming;
        while let Some(chunk) = to_write.blocking_recv() {
            incoming.write(&chunk)?;
        }
        Ok::<_, CoreError>(incoming)
    });
    let mut size = 0u64;
    let read = async {
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(&without_url(e)))?
        {
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(DownloadError::TooLarge(max_bytes));
            }
            if chunks.send(chunk).await.is_err() {
                break; // the writer failed: its error is the one to tell
            }
        }
        Ok(())
    };
    let outcome = read.await;
    drop(chunks);
    let incoming = writer
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&e))?;
    // A refused or cut download is dropped here with its temporary file: nothing is kept.
    outcome?;
    let kept = tokio::task::spawn_blocking(move || incoming.keep());
    kept.await.map_err(|e| failed(&e))?.map_err(|e| failed(&e))
}

/// A transport error without the signed link in it (its signature is a credential).
fn without_url(error: reqwest::Error) -> reqwest::Error {
    error.without_url()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A file host on loopback that sends `parts` chunks of 1,000 bytes without saying the
    /// length first (chunked), so only the streamed count can catch a file over the cap.
    fn chunked_host(parts: usize) -> url::Url {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for _ in 0..parts {
                let _ = stream.write_all(format!("3e8\r\n{}\r\n", "x".repeat(1000)).as_bytes());
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        });
        url::Url::parse(&format!("http://{address}/file")).unwrap()
    }

    #[tokio::test]
    async fn a_streamed_file_is_kept_whole_and_one_over_the_cap_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(&dir.path().join("files")).unwrap();
        let http = reqwest::Client::new();

        let refused = download(&http, &chunked_host(40), &store, 5_000).await;
        assert!(matches!(refused, Err(DownloadError::TooLarge(5_000))));
        assert_eq!(store.usage().unwrap(), (0, 0));
        let incoming = std::fs::read_dir(dir.path().join("files/incoming")).unwrap();
        assert_eq!(
            incoming.count(),
            0,
            "the refused download's partial file is gone"
        );

        let kept = download(&http, &chunked_host(40), &store, 50_000)
            .await
            .unwrap();
        assert_eq!(kept.size, 40_000);
        let path = store.path_of(&kept.hash).unwrap();
        assert_eq!(
            std::fs::read(path).unwrap(),
            "x".repeat(40_000).into_bytes()
        );
        assert_eq!(store.usage().unwrap(), (1, 40_000));
    }
}
