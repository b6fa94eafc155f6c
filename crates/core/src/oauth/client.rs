//! The authorization-code flow on the `oauth2` crate: the authorization URL (state + PKCE), the
//! code exchange and the refresh, with each provider's client authentication from the table.

use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::ProviderSettings;
use crate::error::{CoreError, Result};
use crate::secret::Secret;
use crate::spec::{spec, ClientAuth, Pkce, ProviderSpec, TokenBody};

/// Fields a provider adds to the standard token response (HubSpot's `hub_id`, `scopes`, …),
/// kept as raw JSON for the provider module to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderTokenFields {
    /// Every non-standard field of the token response.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl ExtraTokenFields for ProviderTokenFields {}

type ProviderTokenResponse = StandardTokenResponse<ProviderTokenFields, BasicTokenType>;
type OAuthClient = Client<
    BasicErrorResponse,
    ProviderTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What one provider's token endpoint says beyond RFC 6749. Each provider module implements it;
/// the defaults read the standard response.
pub trait TokenDialect: Send + Sync {
    /// The granted scopes, when the response lists them other than in the standard `scope`.
    fn granted_scopes(&self, _extra: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
        Vec::new()
    }

    /// `(oauth error, description)` from an error body without the standard `error` field; an
    /// `invalid_grant` while refreshing means the person must connect again.
    fn read_error(&self, _body: &serde_json::Value) -> Option<(String, String)> {
        None
    }
}

/// Tokens as they come from a token endpoint. Never `Serialize`; `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token for API calls.
    pub access_token: Secret,
    /// The refresh token, when the provider issues one.
    pub refresh_token: Option<Secret>,
    /// When the access token stops working, when the provider says.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the token endpoint answered (with `expires_at`, the token's lifetime).
    pub issued_at: DateTime<Utc>,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// Provider-specific fields of the response.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// An authorization request ready to open in the browser.
#[derive(Debug)]
pub struct AuthorizationRequest {
    /// The URL to open (carries state and the PKCE challenge, never a secret).
    pub url: Url,
    /// The state to remember.
    pub state: String,
    /// The PKCE verifier to remember, when PKCE is used.
    pub pkce_verifier: Option<Secret>,
}

fn client(settings: &ProviderSettings, redirect_uri: &Url) -> OAuthClient {
    let has_secret = settings
        .client_secret
        .as_ref()
        .is_some_and(|s| !s.is_empty());
    let auth_type = match spec(settings.integration).client_auth {
        ClientAuth::RequestBody => AuthType::RequestBody,
        ClientAuth::BasicHeader => AuthType::BasicAuth,
        ClientAuth::BasicIfSecretElseBody if has_secret => AuthType::BasicAuth,
        ClientAuth::BasicIfSecretElseBody => AuthType::RequestBody,
    };
    let mut client = Client::new(ClientId::new(settings.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(settings.auth_url.clone()))
        .set_token_uri(oauth2::TokenUrl::from_url(settings.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()))
        .set_auth_type(auth_type);
    if let Some(secret) = settings.client_secret.as_ref().filter(|_| has_secret) {
        client = client.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
    }
    client
}

/// Builds the authorization URL with a fresh 256-bit state and, where the provider takes it, an
/// S256 PKCE challenge; the provider's optional scopes too `with_optional`.
pub fn authorization_request(
    settings: &ProviderSettings,
    redirect_uri: &Url,
    with_optional: bool,
) -> AuthorizationRequest {
    let spec = spec(settings.integration);
    let client = client(settings, redirect_uri);
    let optional: Vec<&str> = spec
        .optional_scopes
        .iter()
        .copied()
        .filter(|_| with_optional)
        .collect();
    let in_scope = optional
        .iter()
        .filter(|_| spec.optional_scope_param.is_none());
    let mut request = client
        .authorize_url(|| CsrfToken::new_random_len(32))
        .add_scopes(
            spec.scopes
                .iter()
                .chain(in_scope)
                .map(|s| Scope::new((*s).to_owned())),
        );
    if let Some(param) = spec.optional_scope_param.filter(|_| !optional.is_empty()) {
        request = request.add_extra_param(param, optional.join(" "));
    }
    for (key, value) in spec.extra_authorize_params {
        request = request.add_extra_param(*key, *value);
    }
    let mut verifier = None;
    if spec.pkce != Pkce::Unsupported {
        let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        verifier = Some(Secret::new(pkce_verifier.secret().clone()));
    }
    let (url, state) = request.url();
    AuthorizationRequest {
        url,
        state: state.secret().clone(),
        pkce_verifier: verifier,
    }
}

/// Exchanges an authorization code for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    settings: &ProviderSettings,
    dialect: &dyn TokenDialect,
    redirect_uri: &Url,
    code: &Secret,
    pkce_verifier: Option<&Secret>,
) -> Result<TokenSet> {
    let client = client(settings, redirect_uri);
    let mut request = client.exchange_code(AuthorizationCode::new(code.expose().to_owned()));
    if let Some(verifier) = pkce_verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()));
    }
    let response = request
        .request_async(&token_transport(http, settings))
        .await;
    response
        .map(|r| to_token_set(r, dialect))
        .map_err(|e| map_token_error(settings, dialect, e, false))
}

/// Trades a refresh token for a new access token (and, where the provider rotates, a new
/// refresh token). `invalid_grant` becomes `ReconnectNeeded`.
pub async fn refresh(
    http: &reqwest::Client,
    settings: &ProviderSettings,
    dialect: &dyn TokenDialect,
    refresh_token: &Secret,
) -> Result<TokenSet> {
    let client = client(settings, &settings.redirect_uri);
    let token = RefreshToken::new(refresh_token.expose().to_owned());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(&token_transport(http, settings))
        .await;
    match response {
        Ok(answer) => Ok(to_token_set(answer, dialect)),
        // The request may have reached the provider and rotated the token before its answer was
        // lost: where a reused refresh token revokes the grant (Airtable), the old one must not
        // be tried again. Only a connection never made is safe to retry.
        Err(ref e) if spec(settings.integration).refresh_reuse_revokes && may_have_rotated(e) => {
            tracing::warn!(
                integration = %settings.integration,
                "the refresh's answer was lost; its refresh token may have rotated, and using it again would revoke the grant: reconnect needed"
            );
            Err(CoreError::ReconnectNeeded {
                integration: settings.integration,
            })
        }
        Err(e) => Err(map_token_error(settings, dialect, e, true)),
    }
}

/// Whether a failed refresh may have rotated the token at the provider: its request left, and
/// no answer saying it was refused came back — a lost or garbled answer (a gateway's 5xx page
/// included). A connection never made, or a request never built, sent nothing.
fn may_have_rotated(error: &TokenError) -> bool {
    match error {
        RequestTokenError::Request(oauth2::HttpClientError::Reqwest(e)) => {
            !(e.is_connect() || e.is_builder())
        }
        RequestTokenError::Request(_) => false,
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => true,
        RequestTokenError::ServerResponse(_) => false,
    }
}

type HttpError = oauth2::HttpClientError<reqwest::Error>;

/// The transport `oauth2` sends token requests through: reqwest (no redirects), plus what the
/// provider's table asks for — a JSON body instead of a form (Notion) and fixed headers
/// (`Notion-Version`). The crate only writes forms, so the form is re-encoded here.
struct TokenTransport {
    http: reqwest::Client,
    spec: &'static ProviderSpec,
}

fn token_transport(http: &reqwest::Client, settings: &ProviderSettings) -> TokenTransport {
    TokenTransport {
        http: http.clone(),
        spec: spec(settings.integration),
    }
}

type TransportFuture<'c> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send + 'c>,
>;

impl<'c> oauth2::AsyncHttpClient<'c> for TokenTransport {
    type Error = HttpError;
    type Future = TransportFuture<'c>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let body = if self.spec.token_body == TokenBody::Json {
                let fields: serde_json::Map<String, serde_json::Value> =
                    url::form_urlencoded::parse(&body)
                        .map(|(k, v)| (k.into_owned(), v.into_owned().into()))
                        .collect();
                parts.headers.insert(
                    oauth2::http::header::CONTENT_TYPE,
                    oauth2::http::HeaderValue::from_static("application/json"),
                );
                serde_json::to_vec(&fields).map_err(|e| HttpError::Other(e.to_string()))?
            } else {
                body
            };
            for (name, value) in self.spec.api_headers {
                parts
                    .headers
                    .insert(*name, oauth2::http::HeaderValue::from_static(value));
            }
            let request = oauth2::HttpRequest::from_parts(parts, body);
            let reqwest_error = |e: reqwest::Error| HttpError::Reqwest(Box::new(e));
            let response = self
                .http
                .execute(request.try_into().map_err(reqwest_error)?)
                .await
                .map_err(reqwest_error)?;
            let mut builder = oauth2::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let bytes = crate::http::read_capped(response, crate::http::TOKEN_BODY_CAP)
                .await
                .map_err(|e| match e {
                    crate::http::BodyError::Transport(e) => reqwest_error(e),
                    too_large => HttpError::Other(too_large.to_string()),
                })?;
            builder.body(bytes).map_err(HttpError::Http)
        })
    }
}

/// The longest lifetime believed of a token endpoint's `expires_in`: a larger answer (a broken
/// or hostile endpoint's `1e18`) is taken as this, never as an overflow.
pub const LONGEST_LIFETIME: std::time::Duration = std::time::Duration::from_secs(366 * 86_400);

/// When a token issued at `issued_at` with `expires_in` expires: clamped to
/// [`LONGEST_LIFETIME`], checked (never a panic at the end of time).
pub fn expiry(issued_at: DateTime<Utc>, expires_in: std::time::Duration) -> Option<DateTime<Utc>> {
    let lifetime = chrono::Duration::from_std(expires_in.min(LONGEST_LIFETIME)).ok()?;
    issued_at.checked_add_signed(lifetime)
}

fn to_token_set(response: ProviderTokenResponse, dialect: &dyn TokenDialect) -> TokenSet {
    let issued_at = Utc::now();
    let expires_at = response.expires_in().and_then(|d| expiry(issued_at, d));
    let mut scopes: Vec<String> = response
        .scopes()
        .map(|s| s.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let extra = response.extra_fields().fields.clone();
    if scopes.is_empty() {
        scopes = dialect.granted_scopes(&extra);
    }
    TokenSet {
        access_token: Secret::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone())),
        expires_at,
        issued_at,
        scopes,
        extra,
    }
}

type TokenError = RequestTokenError<HttpError, BasicErrorResponse>;

fn map_token_error(
    settings: &ProviderSettings,
    dialect: &dyn TokenDialect,
    error: TokenError,
    refreshing: bool,
) -> CoreError {
    let integration = settings.integration;
    let (oauth_error, description) = match error {
        RequestTokenError::ServerResponse(body) => (
            body.error().as_ref().to_owned(),
            body.error_description()
                .cloned()
                .unwrap_or_else(|| body.error().to_string()),
        ),
        RequestTokenError::Request(e) => {
            return CoreError::ProviderUnavailable {
                integration,
                reason: describe_transport_error(&e),
            };
        }
        RequestTokenError::Parse(_, body) => read_nonstandard_error(dialect, &body),
        RequestTokenError::Other(message) => ("unexpected_response".to_owned(), message),
    };
    if refreshing && oauth_error == "invalid_grant" {
        return CoreError::ReconnectNeeded { integration };
    }
    CoreError::TokenExchange {
        integration,
        oauth_error,
        description,
    }
}

/// An error body without the standard `error` field: the provider's dialect reads it, else its
/// `message` (if any) is kept with the code `unexpected_response`.
fn read_nonstandard_error(dialect: &dyn TokenDialect, body: &[u8]) -> (String, String) {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    dialect.read_error(&json).unwrap_or_else(|| {
        let message = json
            .get("message")
            .and_then(|v| v.as_str())
            .unwrap_or("the token endpoint's answer was not understood");
        ("unexpected_response".to_owned(), message.to_owned())
    })
}

fn describe_transport_error(error: &HttpError) -> String {
    match error {
        oauth2::HttpClientError::Reqwest(e) if e.is_timeout() => "the request timed out".to_owned(),
        oauth2::HttpClientError::Reqwest(e) if e.is_connect() => "could not connect".to_owned(),
        _ => "the connection failed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::integration::Integration;

    fn hubspot() -> ProviderSettings {
        ProviderSettings {
            integration: Integration::Hubspot,
            mode: Mode::Live,
            client_id: "cid".into(),
            client_secret: Some(Secret::new("csecret")),
            auth_url: Url::parse("https://app.hubspot.com/oauth/authorize").unwrap(),
            token_url: Url::parse("https://api.hubapi.com/oauth/2026-03/token").unwrap(),
            api_base: Url::parse("https://api.hubapi.com").unwrap(),
            redirect_uri: Url::parse("http://localhost:53682/oauth/callback").unwrap(),
            overrides: Vec::new(),
        }
    }

    #[test]
    fn the_authorization_url_carries_state_scopes_and_an_s256_challenge() {
        let settings = hubspot();
        let request = authorization_request(&settings, &settings.redirect_uri, true);
        let pairs: std::collections::HashMap<_, _> =
            request.url.query_pairs().into_owned().collect();
        assert_eq!(pairs["client_id"], "cid");
        assert_eq!(pairs["state"], request.state);
        assert!(request.state.len() >= 43, "256 random bits, base64url");
        assert!(request
            .state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert_eq!(
            pairs["redirect_uri"],
            "http://localhost:53682/oauth/callback"
        );
        assert_eq!(
            pairs["scope"],
            "crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read oauth"
        );
        assert!(!request.url.as_str().contains("csecret"));
        let verifier = request.pkce_verifier.expect("HubSpot takes PKCE");
        let expected = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.expose().to_owned(),
        ));
        assert_eq!(pairs["code_challenge"], expected.as_str());
    }

    #[test]
    fn every_request_gets_a_new_state() {
        let settings = hubspot();
        let a = authorization_request(&settings, &settings.redirect_uri, true);
        let b = authorization_request(&settings, &settings.redirect_uri, true);
        assert_ne!(a.state, b.state);
    }

    #[test]
    fn a_nonstandard_error_without_a_dialect_keeps_its_message() {
        struct Plain;
        impl TokenDialect for Plain {}
        assert_eq!(
            read_nonstandard_error(&Plain, br#"{"message":"nope"}"#),
            ("unexpected_response".into(), "nope".into())
        );
        assert_eq!(
            read_nonstandard_error(&Plain, b"<html>").0,
            "unexpected_response"
        );
    }
}
