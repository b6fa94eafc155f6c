//! Codes, access tokens and refresh tokens the sandbox has issued.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scopes: Vec<String>,
    pub issued: Instant,
}

/// A live access token.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub expires: Instant,
    pub scopes: Vec<String>,
}

/// Everything issued, behind one lock per table.
#[derive(Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, CodeGrant>>,
    access: Mutex<HashMap<String, AccessGrant>>,
    refresh: Mutex<HashMap<String, Vec<String>>>,
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

impl Grants {
    pub fn issue_code(&self, grant: CodeGrant) -> String {
        let code = random_token("code");
        lock(&self.codes).insert(code.clone(), grant);
        code
    }

    /// Codes are single use "even if the request fails".
    pub fn take_code(&self, code: &str) -> Option<CodeGrant> {
        lock(&self.codes).remove(code)
    }

    pub fn issue_tokens(
        &self,
        scopes: Vec<String>,
        ttl: Duration,
        refresh: Option<String>,
    ) -> (String, String) {
        let access = random_token("access");
        lock(&self.access).insert(
            access.clone(),
            AccessGrant {
                expires: Instant::now() + ttl,
                scopes: scopes.clone(),
            },
        );
        let refresh = refresh.unwrap_or_else(|| random_token("refresh"));
        lock(&self.refresh).insert(refresh.clone(), scopes);
        (access, refresh)
    }

    pub fn refresh_scopes(&self, refresh: &str) -> Option<Vec<String>> {
        lock(&self.refresh).get(refresh).cloned()
    }

    pub fn access(&self, token: &str) -> Option<AccessGrant> {
        lock(&self.access)
            .get(token)
            .cloned()
            .filter(|g| g.expires > Instant::now())
    }

    pub fn expire_all_access(&self) {
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        for grant in lock(&self.access).values_mut() {
            grant.expires = past;
        }
    }

    pub fn revoke_all_refresh(&self) {
        lock(&self.refresh).clear();
    }
}
