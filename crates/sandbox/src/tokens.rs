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
}

/// What presenting a refresh token gives.
pub enum RefreshUse {
    /// Valid: these scopes.
    Valid(Vec<String>),
    /// Already rotated moments ago (Airtable answers 409).
    Conflict,
    /// Unknown, revoked or long rotated.
    Invalid,
}

/// Everything issued, behind one lock per table.
#[derive(Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, CodeGrant>>,
    access: Mutex<HashMap<String, AccessGrant>>,
    refresh: Mutex<HashMap<String, (&'static str, Vec<String>)>>,
    rotated: Mutex<HashMap<String, Instant>>,
    /// Every code and token issued and every PKCE verifier received: what must never show up in
    /// the app's logs, output or files (the leak tests read it).
    secrets: Mutex<Vec<String>>,
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

/// How long a rotated refresh token answers "conflict" rather than "invalid".
const CONFLICT_WINDOW: Duration = Duration::from_secs(5);

impl Grants {
    /// Remembers a secret the sandbox received (a PKCE verifier).
    pub fn note_secret(&self, secret: &str) {
        if !secret.is_empty() {
            lock(&self.secrets).push(secret.to_owned());
        }
    }

    /// Every secret issued or received so far.
    #[cfg(feature = "faults")]
    pub fn secrets(&self) -> Vec<String> {
        lock(&self.secrets).clone()
    }

    pub fn issue_code(&self, grant: CodeGrant) -> String {
        let code = random_token("code");
        self.note_secret(&code);
        lock(&self.codes).insert(code.clone(), grant);
        code
    }

    /// Codes are single use "even if the request fails".
    pub fn take_code(&self, provider: &str, code: &str) -> Option<CodeGrant> {
        lock(&self.codes)
            .remove(code)
            .filter(|g| g.provider == provider)
    }

    /// Issues an access token and a refresh token (or re-issues `keep_refresh`).
    pub fn issue_tokens(
        &self,
        provider: &'static str,
        scopes: Vec<String>,
        ttl: Duration,
        keep_refresh: Option<String>,
    ) -> (String, String) {
        let access = random_token("access");
        lock(&self.access).insert(
            access.clone(),
            AccessGrant {
                provider,
                expires: Instant::now() + ttl,
                scopes: scopes.clone(),
            },
        );
        let refresh = keep_refresh.unwrap_or_else(|| random_token("refresh"));
        self.note_secret(&access);
        self.note_secret(&refresh);
        lock(&self.refresh).insert(refresh.clone(), (provider, scopes));
        (access, refresh)
    }

    /// Presents a refresh token; with `rotate` it is used up (Airtable, Notion).
    pub fn use_refresh(&self, provider: &str, token: &str, rotate: bool) -> RefreshUse {
        let mut live = lock(&self.refresh);
        match live.get(token) {
            Some((p, scopes)) if *p == provider => {
                let scopes = scopes.clone();
                if rotate {
                    live.remove(token);
                    lock(&self.rotated).insert(token.to_owned(), Instant::now());
                }
                RefreshUse::Valid(scopes)
            }
            _ => match lock(&self.rotated).get(token) {
                Some(at) if at.elapsed() < CONFLICT_WINDOW => RefreshUse::Conflict,
                _ => RefreshUse::Invalid,
            },
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
        let was_refresh = refresh.get(token).is_some_and(|(p, _)| *p == provider);
        if was_refresh {
            refresh.remove(token);
        }
        was_access || was_refresh
    }

    pub fn access(&self, provider: &str, token: &str) -> Option<AccessGrant> {
        lock(&self.access)
            .get(token)
            .cloned()
            .filter(|g| g.provider == provider && g.expires > Instant::now())
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
