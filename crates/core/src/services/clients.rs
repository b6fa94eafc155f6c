//! The API clients every service shares: one reqwest client, and per provider one pacer and one
//! circuit breaker, so a sign-in's account lookup and a load draw on the same budget.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::http::{http_client, ApiClient, Breaker, Pacer, RetryPolicy};
use crate::integration::Integration;
use crate::providers::provider;
use crate::spec::spec;

/// Paced, breaker-guarded clients, one per provider.
pub struct ApiClients {
    http: reqwest::Client,
    pacers: HashMap<Integration, Pacer>,
    breakers: HashMap<Integration, Arc<Breaker>>,
    policy: RetryPolicy,
}

impl ApiClients {
    /// Clients retrying and breaking as `policy` says.
    pub fn new(policy: RetryPolicy) -> Result<Self> {
        let pacers = Integration::ALL.iter().map(|i| (*i, pacer(*i))).collect();
        let breakers = Integration::ALL
            .iter()
            .map(|i| (*i, Arc::new(breaker(*i, &policy))))
            .collect();
        Ok(Self {
            http: http_client()?,
            pacers,
            breakers,
            policy,
        })
    }

    /// The plain HTTP client (token endpoints).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The paced, retrying client of `integration`.
    pub fn api(&self, integration: Integration) -> ApiClient {
        let pacer = self
            .pacers
            .get(&integration)
            .cloned()
            .unwrap_or_else(|| pacer(integration));
        let breaker = self
            .breakers
            .get(&integration)
            .cloned()
            .unwrap_or_else(|| Arc::new(breaker(integration, &self.policy)));
        ApiClient::new(
            self.http.clone(),
            spec(integration),
            provider(integration),
            pacer,
            breaker,
            self.policy,
        )
    }
}

fn pacer(integration: Integration) -> Pacer {
    Pacer::for_spec(spec(integration))
}

fn breaker(integration: Integration, policy: &RetryPolicy) -> Breaker {
    Breaker::new(
        integration,
        policy.breaker_threshold,
        policy.breaker_cooldown,
    )
}
