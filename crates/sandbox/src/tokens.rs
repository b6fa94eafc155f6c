//! Codes, access tokens and refresh tokens the sandbox has issued, per provider.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub provider: &'static str,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scopes: Vec<String>,
    pub issued: Instant,
}

/// A live access token.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub provider: &'static str,
    pub expires: Instant,
    pub scopes: Vec<String>,
    /// The grant (one sign-in and every pair rotated from it) the token belongs to.
    pub family: u64,
}

/// What presenting a refresh token gives.
pub enum RefreshUse {
    /// Valid: these scopes, of this grant.
    Valid(Vec<String>, u64),
    /// A refresh token already used: with [`OnReuse::RevokeGrant`] its whole grant is revoked
    /// now.
    Reused,
    /// Unknown or revoked.
    Invalid,
}

/// What presenting a refresh token that was already used does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnReuse {
    /// Refused, nothing else (Notion documents nothing more).
    Refuse,
    /// Refused, and every token of its grant revoked: Airtable's "most common reason for
    /// revocations is when a refresh token is used more than once"
    /// (https://support.airtable.com/docs/troubleshooting-oauth-integrations-in-airtable).
    RevokeGrant,
}

/// A live refresh token: its provider, scopes, when it was issued and its grant.
type RefreshGrant = (&'static str, Vec<String>, Instant, u64);

/// Everything issued, behind one lock per table.
#[derive(Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, CodeGrant>>,
    access: Mutex<HashMap<String, AccessGrant>>,
    /// Live refresh tokens: provider, scopes, when issued.
    refresh: Mutex<HashMap<String, RefreshGrant>>,
    /// Refresh tokens already used (rotated away): when, their grant and provider.
    rotated: Mutex<HashMap<String, (Instant, u64, String)>>,
    /// Grants revoked because a refresh token was used twice: no token of theirs works, even
    /// one issued by a refresh that was under way when it happened.
    revoked_grants: Mutex<std::collections::HashSet<u64>>,
    /// Grants revoked because a refresh token was used twice.
    pub(crate) revoked_on_reuse: std::sync::atomic::AtomicU64,
    /// Every code and token issued and every PKCE verifier received: what must never show up in
    /// the app's logs, output or files (the leak tests read it; kept with `faults` only).
    #[cfg_attr(not(feature = "faults"), allow(dead_code))]
    secrets: Mutex<Vec<String>>,
    /// How long a code stays good: [`CODE_LIFETIME`] unless a test shortens it.
    code_lifetime: Option<Duration>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A random opaque token with a readable prefix.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// RFC 7636 S256: base64url(sha256(verifier)).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// How long a code may wait to be exchanged. Airtable documents 10 minutes ("the authorization
/// code is valid for 10 minutes"); HubSpot and Notion say codes are short-lived and single use.
pub const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// At most this many codes wait at once, and this many tokens of each kind are live: the
/// sandbox answers any local request, so nothing it keeps may grow without bound. Past the cap
/// the oldest go first (a test or a demo never comes near it).
const MAX_CODES: usize = 1_000;
const MAX_TOKENS: usize = 20_000;

/// The redirect URIs the sandbox's client is registered with, as a provider's developer portal
/// would have them: the loopback listener (`http://127.0.0.1:<any port>/…`, `localhost`,
/// `[::1]`) and the app's deep link (`inlet://oauth/callback`). Anything else is refused: the
/// sandbox must never send a code, or a person, elsewhere.
pub fn registered_redirect(raw: &str) -> Option<url::Url> {
    let url = url::Url::parse(raw).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    let deep_link =
        url.scheme() == "inlet" && url.host_str() == Some("oauth") && url.path() == "/callback";
    ((url.scheme() == "http" && loopback) || deep_link).then_some(url)
}

/// When `map` is full (`cap`), drops its oldest tenth (by `age`), so the sort is paid once per
/// tenth of the cap rather than at every insertion.
fn make_room<V>(map: &mut HashMap<String, V>, cap: usize, age: impl Fn(&V) -> Instant) {
    if map.len() < cap {
        return;
    }
    let mut by_age: Vec<(Instant, String)> = map.iter().map(|(k, v)| (age(v), k.clone())).collect();
    by_age.sort();
    for (_, key) in by_age.into_iter().take(map.len() - cap * 9 / 10) {
        map.remove(&key);
    }
}

impl Grants {
    /// Remembers a secret the sandbox received (a PKCE verifier) for the leak tests — only in
    /// builds with test controls (`faults`); the shipped demo keeps nothing of the kind.
    pub fn note_secret(&self, secret: &str) {
        #[cfg(feature = "faults")]
        if !secret.is_empty() {
            lock(&self.secrets).push(secret.to_owned());
        }
        #[cfg(not(feature = "faults"))]
        let _ = secret;
    }

    /// Every secret issued or received so far.
    #[cfg(feature = "faults")]
    pub fn secrets(&self) -> Vec<String> {
        lock(&self.secrets).clone()
    }

    fn code_is_good(&self, grant: &CodeGrant) -> bool {
        grant.issued.elapsed() < self.code_lifetime.unwrap_or(CODE_LIFETIME)
    }

    pub fn issue_code(&self, grant: CodeGrant) -> String {
        let code = random_token("code");
        self.note_secret(&code);
        let mut codes = lock(&self.codes);
        codes.retain(|_, g| self.code_is_good(g));
        make_room(&mut codes, MAX_CODES, |g| g.issued);
        codes.insert(code.clone(), grant);
        code
    }

    /// Codes are single use "even if the request fails", and expire after [`CODE_LIFETIME`].
    pub fn take_code(&self, provider: &str, code: &str) -> Option<CodeGrant> {
        lock(&self.codes)
            .remove(code)
            .filter(|g| g.provider == provider && self.code_is_good(g))
    }

    /// Issues an access token and a refresh token (or re-issues `keep_refresh`), of the grant
    /// `family` (a new grant: `None`).
    pub fn issue_tokens(
        &self,
        provider: &'static str,
        scopes: Vec<String>,
        ttl: Duration,
        keep_refresh: Option<String>,
        family: Option<u64>,
    ) -> (String, String) {
        static FAMILIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let family =
            family.unwrap_or_else(|| FAMILIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let access = random_token("access");
        let mut live = lock(&self.access);
        let now = Instant::now();
        live.retain(|_, g| g.expires > now);
        make_room(&mut live, MAX_TOKENS, |g| g.expires);
        live.insert(
            access.clone(),
            AccessGrant {
                provider,
                expires: Instant::now() + ttl,
                scopes: scopes.clone(),
                family,
            },
        );
        drop(live);
        let refresh = keep_refresh.unwrap_or_else(|| random_token("refresh"));
        self.note_secret(&access);
        self.note_secret(&refresh);
        let mut refresh_tokens = lock(&self.refresh);
        make_room(&mut refresh_tokens, MAX_TOKENS, |(_, _, issued, _)| *issued);
        refresh_tokens.insert(refresh.clone(), (provider, scopes, Instant::now(), family));
        (access, refresh)
    }

    /// Presents a refresh token; with `rotate` it is used up (Airtable, Notion), and presenting
    /// it again does what `on_reuse` says.
    pub fn use_refresh(
        &self,
        provider: &str,
        token: &str,
        rotate: bool,
        on_reuse: OnReuse,
    ) -> RefreshUse {
        let mut live = lock(&self.refresh);
        if let Some((p, scopes, _, family)) = live.get(token) {
            if *p == provider && !lock(&self.revoked_grants).contains(family) {
                let (scopes, family) = (scopes.clone(), *family);
                if rotate {
                    live.remove(token);
                    let mut rotated = lock(&self.rotated);
                    make_room(&mut rotated, MAX_TOKENS, |(at, ..)| *at);
                    rotated.insert(
                        token.to_owned(),
                        (Instant::now(), family, provider.to_owned()),
                    );
                }
                return RefreshUse::Valid(scopes, family);
            }
        }
        let reused = lock(&self.rotated)
            .get(token)
            .filter(|(_, _, p)| p == provider)
            .map(|(_, family, _)| *family);
        match (reused, on_reuse) {
            (Some(family), OnReuse::RevokeGrant) => {
                lock(&self.revoked_grants).insert(family);
                live.retain(|_, grant| grant.3 != family);
                drop(live);
                lock(&self.access).retain(|_, grant| grant.family != family);
                self.revoked_on_reuse
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                RefreshUse::Reused
            }
            (Some(_), OnReuse::Refuse) => RefreshUse::Reused,
            (None, _) => RefreshUse::Invalid,
        }
    }

    /// Revokes `token`, an access or a refresh token of `provider`; false when it was neither.
    pub fn revoke(&self, provider: &str, token: &str) -> bool {
        let mut access = lock(&self.access);
        let was_access = access.get(token).is_some_and(|g| g.provider == provider);
        if was_access {
            access.remove(token);
        }
        let mut refresh = lock(&self.refresh);
        let was_refresh = refresh.get(token).is_some_and(|(p, ..)| *p == provider);
        if was_refresh {
            refresh.remove(token);
        }
        was_access || was_refresh
    }

    pub fn access(&self, provider: &str, token: &str) -> Option<AccessGrant> {
        let grant = lock(&self.access)
            .get(token)
            .cloned()
            .filter(|g| g.provider == provider && g.expires > Instant::now())?;
        (!lock(&self.revoked_grants).contains(&grant.family)).then_some(grant)
    }

    #[cfg(feature = "faults")]
    pub fn expire_all_access(&self) {
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        for grant in lock(&self.access).values_mut() {
            grant.expires = past;
        }
    }

    #[cfg(feature = "faults")]
    pub fn revoke_all_refresh(&self) {
        lock(&self.refresh).clear();
        lock(&self.rotated).clear();
    }
}

/// The bearer token of a request, or "".
pub fn bearer(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned()
}

/// `Authorization: Basic …` decoded into (id, secret), if present and well-formed.
pub fn basic_auth(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(issued: Instant) -> CodeGrant {
        CodeGrant {
            provider: "hubspot",
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:9/cb".into(),
            code_challenge: None,
            scopes: Vec::new(),
            issued,
        }
    }

    #[test]
    fn only_loopback_and_the_apps_deep_link_are_registered_redirects() {
        for ok in [
            "http://127.0.0.1:4321/oauth/callback",
            "http://localhost:9/cb",
            "http://[::1]:9/cb",
            "inlet://oauth/callback",
        ] {
            assert!(registered_redirect(ok).is_some(), "{ok}");
        }
        for refused in [
            "https://evil.example/cb",
            "http://192.168.1.5/cb",
            "http://127.0.0.1.evil.example/cb",
            "otherapp://oauth/callback",
            "inlet://elsewhere/callback",
            "javascript:alert(1)",
        ] {
            assert!(registered_redirect(refused).is_none(), "{refused}");
        }
    }

    #[test]
    fn codes_expire_and_pending_codes_are_capped() {
        // Time cannot be moved back on a freshly booted machine (`Instant` may not go before
        // boot), so the lifetime is shortened instead.
        let grants = Grants {
            code_lifetime: Some(Duration::from_millis(50)),
            ..Grants::default()
        };
        let stale = grants.issue_code(grant(Instant::now()));
        std::thread::sleep(Duration::from_millis(80));
        assert!(
            grants.take_code("hubspot", &stale).is_none(),
            "an expired code"
        );
        let fresh = grants.issue_code(grant(Instant::now()));
        assert!(grants.take_code("hubspot", &fresh).is_some());
        for _ in 0..(MAX_CODES + 500) {
            grants.issue_code(grant(Instant::now()));
        }
        assert!(lock(&grants.codes).len() <= MAX_CODES);
    }

    #[test]
    fn live_tokens_are_capped() {
        let grants = Grants::default();
        for _ in 0..(MAX_TOKENS + 100) {
            grants.issue_tokens("notion", Vec::new(), Duration::from_secs(60), None, None);
        }
        assert!(lock(&grants.access).len() <= MAX_TOKENS);
        assert!(lock(&grants.refresh).len() <= MAX_TOKENS);
    }
}
