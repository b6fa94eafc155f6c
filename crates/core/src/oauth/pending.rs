//! Sign-ins in progress, keyed by their `state`: single use, bound to one provider, and expiring
//! after ten minutes (Airtable's code lifetime, and the seed backend's Redis TTL).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;

use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::secret::Secret;

/// How long a sign-in may take from the authorization URL to the callback.
pub const FLOW_TTL: Duration = Duration::from_secs(600);

/// What Inlet remembers about a sign-in until its callback arrives.
#[derive(Debug, Clone)]
pub struct PendingFlow {
    /// The provider the flow was started for.
    pub integration: Integration,
    /// The PKCE verifier, when PKCE is used.
    pub pkce_verifier: Option<Secret>,
    /// The redirect URI sent in the authorization request (the token request must repeat it).
    pub redirect_uri: Url,
    /// When the flow started.
    pub started: Instant,
    /// Whether it asked for the provider's optional scopes.
    pub asked_optional: bool,
}

/// The table of pending flows.
#[derive(Debug, Default)]
pub struct PendingFlows {
    flows: Mutex<HashMap<String, PendingFlow>>,
}

impl PendingFlows {
    /// Remembers a flow under its state.
    pub fn insert(&self, state: String, flow: PendingFlow) {
        let mut flows = self.lock();
        flows.retain(|_, f| f.started.elapsed() < FLOW_TTL);
        flows.insert(state, flow);
    }

    /// Like [`PendingFlows::take`], after `admit` accepted the flow while it was still in the
    /// table: a callback that came back the wrong way (a deep link carrying a loopback flow's
    /// state) is refused *without* consuming the flow, so the person's own callback still works.
    pub fn take_admitted(
        &self,
        state: &str,
        now: Instant,
        admit: impl FnOnce(&PendingFlow) -> Result<()>,
    ) -> Result<PendingFlow> {
        {
            let flows = self.lock();
            let flow = flows.get(state).ok_or(CoreError::StateMismatch)?;
            admit(flow)?;
        }
        self.take(state, None, now)
    }

    /// Takes the flow for `state` out of the table (so it can never be used again) and checks it:
    /// unknown or replayed → `StateMismatch`; older than the TTL → `StateExpired`; started for
    /// another provider than `expected` → `StateMismatch`.
    pub fn take(
        &self,
        state: &str,
        expected: Option<Integration>,
        now: Instant,
    ) -> Result<PendingFlow> {
        let flow = self.lock().remove(state).ok_or(CoreError::StateMismatch)?;
        if now.saturating_duration_since(flow.started) >= FLOW_TTL {
            return Err(CoreError::StateExpired);
        }
        if expected.is_some_and(|e| e != flow.integration) {
            return Err(CoreError::StateMismatch);
        }
        Ok(flow)
    }

    /// Forgets every pending flow of a provider (a new Connect replaces an abandoned one).
    pub fn cancel(&self, integration: Integration) {
        self.lock().retain(|_, f| f.integration != integration);
    }

    /// Whether a flow of this provider is waiting for its callback.
    pub fn is_pending(&self, integration: Integration) -> bool {
        self.lock()
            .values()
            .any(|f| f.integration == integration && f.started.elapsed() < FLOW_TTL)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PendingFlow>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        self.flows.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(integration: Integration, started: Instant) -> PendingFlow {
        PendingFlow {
            integration,
            pkce_verifier: Some(Secret::new("v")),
            redirect_uri: Url::parse("http://127.0.0.1:53682/oauth/callback").unwrap(),
            started,
            asked_optional: false,
        }
    }

    #[test]
    fn a_state_is_single_use() {
        let flows = PendingFlows::default();
        let now = Instant::now();
        flows.insert("s1".into(), flow(Integration::Hubspot, now));
        assert!(flows.take("s1", Some(Integration::Hubspot), now).is_ok());
        let replay = flows
            .take("s1", Some(Integration::Hubspot), now)
            .unwrap_err();
        assert_eq!(replay.code(), "oauth_state_mismatch");
    }

    #[test]
    fn an_unknown_state_is_rejected() {
        let flows = PendingFlows::default();
        assert_eq!(
            flows
                .take("forged", None, Instant::now())
                .unwrap_err()
                .code(),
            "oauth_state_mismatch"
        );
    }

    #[test]
    fn a_state_expires_after_ten_minutes() {
        let flows = PendingFlows::default();
        let started = Instant::now();
        flows.insert("old".into(), flow(Integration::Hubspot, started));
        let later = started + FLOW_TTL + Duration::from_secs(1);
        assert_eq!(
            flows.take("old", None, later).unwrap_err().code(),
            "oauth_state_expired"
        );
        flows.insert("fresh".into(), flow(Integration::Hubspot, started));
        assert!(flows
            .take("fresh", None, started + Duration::from_secs(599))
            .is_ok());
    }

    #[test]
    fn a_state_is_bound_to_its_provider() {
        let flows = PendingFlows::default();
        let now = Instant::now();
        flows.insert("s".into(), flow(Integration::Hubspot, now));
        let err = flows
            .take("s", Some(Integration::Airtable), now)
            .unwrap_err();
        assert_eq!(err.code(), "oauth_state_mismatch");
        // And it was consumed: the attacker does not get a second try.
        assert!(flows.take("s", Some(Integration::Hubspot), now).is_err());
    }

    #[test]
    fn a_refused_callback_leaves_the_flow_for_its_own() {
        let flows = PendingFlows::default();
        let now = Instant::now();
        flows.insert("s".into(), flow(Integration::Hubspot, now));
        let refused = flows.take_admitted("s", now, |_| Err(CoreError::StateMismatch));
        assert!(refused.is_err());
        assert!(
            flows.take_admitted("s", now, |_| Ok(())).is_ok(),
            "still pending"
        );
        assert!(
            flows.take_admitted("s", now, |_| Ok(())).is_err(),
            "and single use"
        );
    }
}
