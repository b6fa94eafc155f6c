//! `inlet serve` over real HTTP on loopback: a signed client speaks MCP's Streamable HTTP to the
//! same tools as `inlet mcp`; unsigned, replayed, stale, badly signed, other-Host and
//! other-Origin requests are refused with their status and the `{error, message, details}`
//! shape; a bearer client works, a signing client's key as a bearer does not; one client over
//! its rate meets 429 with Retry-After while another goes on. Run by `make test` inside a
//! private Secret Service session (ignored by plain `cargo test`).

// Test code: a failed step should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{cli_connect, text, Env};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"serve-test","version":"1"}}}"#;

async fn add_client(env: &Env, name: &str, bearer: bool) -> String {
    let mut args = vec!["--json", "serve", "--add-client", name];
    if bearer {
        args.push("--bearer");
    }
    let out = env.run(&args).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said: Value = serde_json::from_slice(&out.stdout).unwrap();
    said["key"].as_str().unwrap().to_owned()
}

/// A signed request's headers, over `body` sent to `path` at `at` (Unix seconds) with `nonce`.
fn signature(key: &str, path: &str, at: i64, nonce: &str, body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("POST\n{path}\n{at}\n{nonce}\n{digest}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    fn post(&self, body: &str) -> reqwest::RequestBuilder {
        self.http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_owned())
    }

    fn signed(
        &self,
        client: &str,
        key: &str,
        at: i64,
        nonce: &str,
        body: &str,
    ) -> reqwest::RequestBuilder {
        self.post(body)
            .header("x-inlet-client", client)
            .header("x-inlet-timestamp", at.to_string())
            .header("x-inlet-nonce", nonce)
            .header("x-inlet-signature", signature(key, "/mcp", at, nonce, body))
    }
}

/// An MCP answer: JSON, or the JSON in a server-sent event's `data:` line.
async fn mcp_json(response: reqwest::Response) -> Value {
    let body = response.text().await.unwrap();
    let json = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .rfind(|l| l.starts_with('{'))
        .unwrap_or(&body);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn refused(request: reqwest::RequestBuilder, status: u16, code: &str) {
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), status, "{code}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code);
    assert!(
        body["message"].is_string() && body["details"].is_object(),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn the_local_api_answers_its_clients_and_refuses_everything_else() {
    let env = Env::new("serve").await;
    cli_connect(&env, "hubspot").await;
    let load = env.run(&["--quiet", "load", "hubspot"]).await;
    assert!(load.status.success(), "{}", text(&load.stderr));
    assert!(env.run(&["mcp", "allow", "hubspot"]).await.status.success());
    let script = add_client(&env, "script", false).await;
    let desktop = add_client(&env, "desktop", true).await;
    let busy = add_client(&env, "busy", false).await;
    let listed = env.run(&["serve", "--clients"]).await;
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("script — signs") && listed.contains("desktop — sends its key as a bearer"),
        "{listed}"
    );
    assert!(!listed.contains(&script), "no key is listed");

    let mut server = env
        .command(&["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let api = Api {
        http: reqwest::Client::new(),
        url: first.trim().to_owned(),
    };
    assert!(
        api.url.starts_with("http://127.0.0.1:") && api.url.ends_with("/mcp"),
        "{}",
        api.url
    );
    let now = || chrono::Utc::now().timestamp();

    // A signed client speaks MCP: initialize, then a tool over the stored portal.
    let hello = api
        .signed("script", &script, now(), "n-1", INITIALIZE)
        .send()
        .await
        .unwrap();
    assert_eq!(hello.status().as_u16(), 200);
    let session = hello
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let hello = mcp_json(hello).await;
    assert_eq!(hello["result"]["serverInfo"]["name"], "inlet");
    let with_session = |request: reqwest::RequestBuilder| match &session {
        Some(id) => request
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-06-18"),
        None => request.header("mcp-protocol-version", "2025-06-18"),
    };
    let ready = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let done = with_session(api.signed("script", &script, now(), "n-2", ready))
        .send()
        .await
        .unwrap();
    assert!(done.status().is_success(), "{}", done.status());
    let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT count(*) AS n FROM hubspot_contacts"}}}).to_string();
    let answer = with_session(api.signed("script", &script, now(), "n-3", &call))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let answer = mcp_json(answer).await;
    let contacts = env.sandbox.dataset().hubspot.contacts.len();
    assert_eq!(
        answer["result"]["structuredContent"]["rows"],
        json!([[contacts]]),
        "{answer}"
    );

    // A real MCP client (the official TypeScript SDK's Streamable HTTP transport) with the
    // bearer client's key.
    let plan = json!({ "url": api.url, "bearer": desktop, "calls": [
        { "name": "search", "arguments": { "query": "Lovelace", "limit": 3 } },
    ]});
    let script_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ui/scripts/mcp-client.mjs"
    );
    let mut node = std::process::Command::new("node")
        .arg(script_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut node.stdin.take().unwrap(), plan.to_string().as_bytes())
        .unwrap();
    let out = node.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["server"]["name"], "inlet");
    let found = said["results"][0]["structured"]["results"]
        .as_array()
        .unwrap()
        .len();
    assert!(found > 0, "{said}");

    // What is refused, and how.
    refused(api.post(INITIALIZE), 401, "unauthorized").await;
    let at = now();
    let first = api
        .signed("script", &script, at, "n-4", INITIALIZE)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 200);
    refused(
        api.signed("script", &script, at, "n-4", INITIALIZE),
        401,
        "replayed_request",
    )
    .await;
    refused(
        api.signed("script", &script, now() - 120, "n-5", INITIALIZE),
        401,
        "stale_request",
    )
    .await;
    refused(
        api.signed("script", &busy, now(), "n-6", INITIALIZE),
        401,
        "unauthorized",
    )
    .await;
    let tampered = api
        .signed("script", &script, now(), "n-7", INITIALIZE)
        .body(INITIALIZE.replace("serve-test", "other"));
    refused(tampered, 401, "unauthorized").await;
    let page = api
        .signed("script", &script, now(), "n-8", INITIALIZE)
        .header("origin", "https://evil.example");
    refused(page, 403, "origin_refused").await;
    let port = api
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/mcp")
        .to_owned();
    let rebound = api
        .signed("script", &script, now(), "n-9", INITIALIZE)
        .header("host", format!("evil.example:{port}"));
    refused(rebound, 403, "host_refused").await;
    let bearer = api
        .post(INITIALIZE)
        .bearer_auth(&desktop)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status().as_u16(), 200, "a bearer client");
    refused(
        api.post(INITIALIZE).bearer_auth(&script),
        401,
        "unauthorized",
    )
    .await;

    // One client over its rate (100 a minute): refused with Retry-After; another goes on.
    let mut statuses = Vec::new();
    for n in 0..130 {
        let response = api
            .signed("busy", &busy, now(), &format!("load-{n}"), INITIALIZE)
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
        statuses.push(response.status().as_u16());
        if n % 10 == 0 {
            let other = api
                .post(INITIALIZE)
                .bearer_auth(&desktop)
                .send()
                .await
                .unwrap();
            assert_eq!(
                other.status().as_u16(),
                200,
                "another client is not held back"
            );
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        100,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 30);

    // Removing a client revokes its key (for a server started after).
    assert!(env
        .run(&["serve", "--remove-client", "busy"])
        .await
        .status
        .success());
    server.kill().unwrap();
    let said = server.wait_with_output().unwrap();
    let log = text(&said.stderr);
    for key in [&script, &desktop, &busy] {
        assert!(!log.contains(key.as_str()), "no key in the log");
    }
    let listed = env.run(&["serve", "--clients"]).await;
    assert!(!text(&listed.stdout).contains("busy"));
}
