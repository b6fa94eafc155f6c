//! Reading a response body with a cap: a provider (or anything posing as one) that sends more
//! than a page could ever be is refused, not buffered until memory runs out.

use reqwest::Response;

/// The most an API page may hold: a page of 100 Airtable records with long text fields is a few
/// MiB; 32 MiB leaves room for any honest page and none for an endless one.
pub const API_BODY_CAP: usize = 32 * 1024 * 1024;

/// The most a token endpoint's answer may hold: a token response is under 4 KiB.
pub const TOKEN_BODY_CAP: usize = 1024 * 1024;

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// The connection failed mid-body.
    Transport(reqwest::Error),
    /// The body is larger than the cap (in bytes).
    TooLarge(usize),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "{e}"),
            Self::TooLarge(cap) => write!(
                f,
                "the response is larger than {} MiB, more than any page can be",
                cap / (1024 * 1024)
            ),
        }
    }
}

/// The body of `response`, at most `cap` bytes (a declared length over the cap is refused
/// before anything is read).
pub async fn read_capped(mut response: Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers once with `head` and then `size` bytes of body.
    async fn serve(head: String, size: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&vec![b'x'; size]).await;
        });
        format!("http://{addr}/")
    }

    async fn get(url: &str) -> Response {
        reqwest::Client::new().get(url).send().await.unwrap()
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_refused_whether_declared_or_not() {
        let declared = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n".into(),
            4096,
        )
        .await;
        let error = read_capped(get(&declared).await, 1024).await.unwrap_err();
        assert!(matches!(error, BodyError::TooLarge(1024)));
        // No length: read until the cap is passed, then refused.
        let undeclared = serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".into(), 4096).await;
        let error = read_capped(get(&undeclared).await, 1024).await.unwrap_err();
        assert!(matches!(error, BodyError::TooLarge(1024)));
        let small = serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n".into(), 10).await;
        assert_eq!(
            read_capped(get(&small).await, 1024).await.unwrap().len(),
            10
        );
    }
}
