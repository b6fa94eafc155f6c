//! The yardstick: the same load the way a naive client makes it — one request at a time with
//! plain reqwest, no pacing, a 429 waited out as the answer says — reading only the fields that
//! lead to the next page. It shares nothing with Inlet's client, so its time per request is the
//! sandbox's own cost of a page on this machine, measured in the same run.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use inlet_core::Integration;

/// What a naive load did.
pub struct Naive {
    pub wall: Duration,
    pub requests: u64,
    pub limited: u64,
    /// Time spent waiting out 429s (not part of a page's cost).
    pub waited: Duration,
}

struct Client {
    http: reqwest::Client,
    token: String,
    requests: u64,
    limited: u64,
    waited: Duration,
}

impl Client {
    /// Sends until the answer is not a 429, waiting what it asks (1 s when it does not say).
    async fn send(&mut self, build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder) -> Value {
        loop {
            self.requests += 1;
            let response = build(&self.http)
                .bearer_auth(&self.token)
                .header("Notion-Version", "2025-09-03")
                .send()
                .await
                .expect("the sandbox answers");
            if response.status() == 429 {
                self.limited += 1;
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .unwrap_or(1);
                self.waited += Duration::from_secs(wait);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            return response.json().await.expect("a JSON page");
        }
    }
}

impl Client {
    /// Every page of a Notion listing at `url` (`POST`, `start_cursor`), each handed to `note`.
    async fn list(&mut self, url: &str, note: &mut impl FnMut(&Value)) {
        let mut cursor: Option<String> = None;
        loop {
            let mut body = json!({"page_size": 100});
            if let Some(c) = &cursor {
                body["start_cursor"] = c.clone().into();
            }
            let page = self.send(|http| http.post(url).json(&body)).await;
            note(&page);
            cursor = page["next_cursor"]
                .as_str()
                .filter(|_| page["has_more"].as_bool() == Some(true))
                .map(str::to_owned);
            if cursor.is_none() {
                return;
            }
        }
    }
}

/// Loads `integration` from the sandbox at `base` with `token`, one request at a time.
pub async fn load(integration: Integration, base: &str, token: String) -> Naive {
    let mut client = Client {
        http: reqwest::Client::new(),
        token,
        requests: 0,
        limited: 0,
        waited: Duration::ZERO,
    };
    let started = Instant::now();
    match integration {
        Integration::Hubspot => hubspot(&mut client, base).await,
        Integration::Notion => {
            // Search, then what completes it: every data source's rows, every database, every
            // block a page sits in, and every page's block children (the pages search missed).
            let mut sources = Vec::new();
            let mut databases = std::collections::BTreeSet::new();
            let mut blocks = std::collections::BTreeSet::new();
            let mut pages = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let search = format!("{base}/notion/v1/search");
            let mut found = |page: &Value| {
                for object in page["results"].as_array().into_iter().flatten() {
                    seen.extend(object["id"].as_str().map(str::to_owned));
                    if object["object"] == "page" && object["parent"]["type"] != "data_source_id" {
                        pages.extend(object["id"].as_str().map(str::to_owned));
                    }
                    if object["object"] == "data_source" {
                        sources.extend(object["id"].as_str().map(str::to_owned));
                        databases
                            .extend(object["parent"]["database_id"].as_str().map(str::to_owned));
                    }
                    if object["parent"]["type"] == "block_id" {
                        blocks.extend(object["parent"]["block_id"].as_str().map(str::to_owned));
                    }
                }
            };
            client.list(&search, &mut found).await;
            for source in sources {
                let url = format!("{base}/notion/v1/data_sources/{source}/query");
                client.list(&url, &mut |_: &Value| {}).await;
            }
            for id in databases {
                let url = format!("{base}/notion/v1/databases/{id}");
                client.send(|http| http.get(&url)).await;
            }
            for id in blocks {
                let url = format!("{base}/notion/v1/blocks/{id}");
                client.send(|http| http.get(&url)).await;
            }
            let mut next = 0;
            while let Some(page) = pages.get(next).cloned() {
                next += 1;
                let mut parents = vec![page];
                while let Some(parent) = parents.pop() {
                    let url = format!("{base}/notion/v1/blocks/{parent}/children");
                    let mut cursor: Option<String> = None;
                    loop {
                        let answer = client
                            .send(|http| match &cursor {
                                Some(c) => http.get(&url).query(&[("start_cursor", c)]),
                                None => http.get(&url),
                            })
                            .await;
                        for block in answer["results"].as_array().into_iter().flatten() {
                            let id = block["id"].as_str().unwrap_or_default().to_owned();
                            match block["type"].as_str() {
                                Some("child_page") if seen.insert(id.clone()) => {
                                    let url = format!("{base}/notion/v1/pages/{id}");
                                    client.send(|http| http.get(&url)).await;
                                    pages.push(id);
                                }
                                Some("child_page" | "child_database") => {}
                                _ if block["has_children"] == true => parents.push(id),
                                _ => {}
                            }
                        }
                        cursor = answer["next_cursor"]
                            .as_str()
                            .filter(|_| answer["has_more"] == true)
                            .map(str::to_owned);
                        if cursor.is_none() {
                            break;
                        }
                    }
                }
            }
        }
        Integration::Airtable => {
            let url = format!("{base}/airtable/v0/meta/bases");
            let mut offset: Option<String> = None;
            let mut bases = Vec::new();
            loop {
                let page = client
                    .send(|http| match &offset {
                        Some(o) => http.get(&url).query(&[("offset", o)]),
                        None => http.get(&url),
                    })
                    .await;
                for base in page["bases"].as_array().into_iter().flatten() {
                    bases.extend(base["id"].as_str().map(str::to_owned));
                }
                offset = page["offset"].as_str().map(str::to_owned);
                if offset.is_none() {
                    break;
                }
            }
            for id in bases {
                let url = format!("{base}/airtable/v0/meta/bases/{id}/tables");
                client.send(|http| http.get(&url)).await;
            }
        }
    }
    Naive {
        wall: started.elapsed(),
        requests: client.requests,
        limited: client.limited,
        waited: client.waited,
    }
}

/// The object types of the sandbox's portal, with the types whose associations a load reads
/// and whether they have pipelines (what Inlet's HubSpot load reads too).
const HUBSPOT_TYPES: [(&str, &[&str], bool); 5] = [
    ("contacts", &["companies"], false),
    ("companies", &[], false),
    ("deals", &["companies", "contacts"], true),
    ("tickets", &["companies", "contacts", "deals"], true),
    ("2-7654321", &[], false),
];

/// A whole HubSpot portal: its custom object types and owners, then per object type its
/// property definitions, pipelines, records (with every property) and their associations, 1,000
/// records a batch.
async fn hubspot(client: &mut Client, base: &str) {
    let crm = format!("{base}/hubspot/crm");
    client
        .send(|http| http.get(format!("{crm}/v3/schemas")))
        .await;
    client
        .send(|http| {
            http.get(format!("{crm}/v3/owners"))
                .query(&[("limit", "500")])
        })
        .await;
    for (object, associated, pipelines) in HUBSPOT_TYPES {
        let definitions = client
            .send(|http| http.get(format!("{crm}/v3/properties/{object}")))
            .await;
        let names: Vec<&str> = definitions["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["name"].as_str())
            .collect();
        let properties = names.join(",");
        if pipelines {
            client
                .send(|http| http.get(format!("{crm}/v3/pipelines/{object}")))
                .await;
        }
        let url = format!("{crm}/v3/objects/{object}");
        let mut after: Option<String> = None;
        let mut ids: Vec<Value> = Vec::new();
        loop {
            let page = client
                .send(|http| {
                    let mut query = vec![
                        ("limit", "100".to_owned()),
                        ("properties", properties.clone()),
                    ];
                    if let Some(a) = &after {
                        query.push(("after", a.clone()));
                    }
                    http.get(&url).query(&query)
                })
                .await;
            for record in page["results"].as_array().into_iter().flatten() {
                ids.push(json!({"id": record["id"]}));
            }
            after = page["paging"]["next"]["after"].as_str().map(str::to_owned);
            if after.is_none() {
                break;
            }
        }
        for to in associated {
            let url = format!("{crm}/v4/associations/{object}/{to}/batch/read");
            let mut pending: Vec<Value> = ids.clone();
            while !pending.is_empty() {
                let rest = pending.split_off(pending.len().min(1_000));
                let body = json!({ "inputs": pending });
                let answer = client.send(|http| http.post(&url).json(&body)).await;
                pending = rest;
                // A record with more associations than one answer holds: its next page.
                for result in answer["results"].as_array().into_iter().flatten() {
                    if let Some(after) = result["paging"]["next"]["after"].as_str() {
                        pending.push(json!({"id": result["from"]["id"], "after": after}));
                    }
                }
            }
        }
    }
}
