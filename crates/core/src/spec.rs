//! The facts of every provider in one table a reader can scan: endpoints, scopes, PKCE, how the
//! client authenticates at the token endpoint, API base, page size and rate limits.
//! Sources: the providers' own documentation (see the README's "Provider facts").

use std::time::Duration;

use crate::integration::Integration;

/// Whether and how the provider takes PKCE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce {
    /// S256 is mandatory (Airtable).
    Required,
    /// The token endpoint accepts `code_verifier`; Inlet always sends it (HubSpot).
    Supported,
    /// Not documented; not sent (Notion).
    Unsupported,
}

/// How the client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (HubSpot).
    RequestBody,
    /// HTTP Basic `client_id:client_secret` (Notion).
    BasicHeader,
    /// Basic when a secret is configured, else `client_id` in the body (Airtable public clients).
    BasicIfSecretElseBody,
}

/// How a connection's grant is revoked at the provider when the person disconnects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No revoke endpoint is documented: the person is told where to revoke (Airtable).
    ByThePerson {
        /// Where, in words.
        instructions: &'static str,
    },
    /// `POST <token endpoint's folder>/revoke`, Basic client auth, JSON `{"token": <access
    /// token>}` (Notion).
    AccessTokenJson,
    /// `POST <token endpoint>/revoke`, a form with the client credentials, `token=<refresh
    /// token>` and `token_type_hint=refresh_token` (HubSpot).
    RefreshTokenForm,
}

/// How the token request's body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBody {
    /// `application/x-www-form-urlencoded` (Airtable, HubSpot).
    Form,
    /// `application/json` (Notion).
    Json,
}

/// How a provider counts its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateShape {
    /// A limit per key (Airtable's 5 per second per base), under the account's budget: each
    /// key is paced as a rolling window of its own.
    PerKey,
    /// A rolling window (HubSpot's 100–190 per 10 s, Notion's average of 3 per second over a
    /// few seconds): the whole budget may go at once, then as the window rolls; the provider's
    /// answers may correct it (`ApiDialect::window_report`).
    RollingWindow,
}

/// The pace key of HubSpot's CRM search requests (paced by their own limit).
pub const SEARCH_PACE_KEY: &str = "search";

/// A documented request budget: `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests fit in the window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

/// Everything Inlet needs to know about one provider, as documented by it.
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    /// Which integration this is.
    pub integration: Integration,
    /// The authorization endpoint.
    pub auth_url: &'static str,
    /// The current token endpoint.
    pub token_url: &'static str,
    /// An older token endpoint still known to work (for reference and migration).
    pub legacy_token_url: Option<&'static str>,
    /// The REST API base every data request is relative to.
    pub api_base: &'static str,
    /// The scopes Inlet asks for.
    pub scopes: &'static [&'static str],
    /// Scopes Inlet asks for too unless the provider refused them once (`invalid_scope`: not
    /// enabled on the person's registration) — what they add is not needed to load.
    pub optional_scopes: &'static [&'static str],
    /// The authorization URL's parameter for the optional scopes, where the provider has one
    /// (HubSpot's `optional_scope`: the person may grant them or not and the install goes on);
    /// `None` adds them to `scope`.
    pub optional_scope_param: Option<&'static str>,
    /// Extra query parameters for the authorization URL.
    pub extra_authorize_params: &'static [(&'static str, &'static str)],
    /// PKCE support.
    pub pkce: Pkce,
    /// Client authentication at the token endpoint.
    pub client_auth: ClientAuth,
    /// Token request body encoding.
    pub token_body: TokenBody,
    /// Whether a client secret is required.
    pub secret_required: bool,
    /// Whether the provider may redirect to the deep link (directly or through an https page).
    pub deep_link_redirects: bool,
    /// The loopback redirect used when none is configured (a fixed port, so it can be
    /// registered with providers that match redirect URIs exactly). `127.0.0.1` where the
    /// provider accepts an IP literal (RFC 8252 §8.3: the browser cannot pick another address);
    /// `localhost` where only that name is documented, every address of it bound by the listener.
    pub default_redirect: &'static str,
    /// How a grant is revoked on disconnect.
    pub revocation: Revocation,
    /// Whether presenting a refresh token a second time revokes the whole grant (Airtable): a
    /// refresh whose answer was lost — the token may have rotated — must then not be retried.
    pub refresh_reuse_revokes: bool,
    /// Items per page requested from list endpoints.
    pub page_size: u32,
    /// The documented rate limit Inlet paces within.
    pub rate_limit: RateLimit,
    /// Its shape: per key (each a rolling window, under an account budget) or one rolling
    /// window for the provider.
    pub rate_shape: RateShape,
    /// How long a 429 locks the client out when the provider sends no Retry-After (Airtable: 30 s).
    pub rate_limit_lockout: Option<Duration>,
    /// A budget shared by every key of one account, beside the per-key `rate_limit`, where one
    /// is stated (none for Airtable's OAuth tokens: `account_rate_floor`).
    pub account_rate_limit: Option<RateLimit>,
    /// Where keys are paced apart and no account-wide limit is stated: the least pace (requests
    /// a second) one learned from the account's lockout may come to (`RollingWindow::unknown`).
    pub account_rate_floor: u32,
    /// Endpoints with a limit of their own, apart from `rate_limit`, by the pace key their
    /// requests go under (HubSpot's CRM search: five a second per account).
    pub own_limits: &'static [(&'static str, RateLimit)],
    /// At most this many streams (Airtable: bases) load at once; the rest queue.
    pub streams_in_flight: usize,
    /// Headers every API and token request carries (Notion's pinned `Notion-Version`).
    pub api_headers: &'static [(&'static str, &'static str)],
    /// Where a developer registers an app and finds the client id and secret.
    pub developer_portal: &'static str,
    /// The hosts of the provider's web app, where item links may point.
    pub web_hosts: &'static [&'static str],
    /// The hosts the provider serves its files from (a host, a `.`-led domain suffix, or a
    /// host and the path its links start with — `host/prefix/`): only links there are
    /// downloaded, never with a token.
    pub file_hosts: &'static [&'static str],
    /// The plans whose monthly API calls the provider caps (Airtable's, per workspace), for the
    /// person to say which one an account is on; empty where calls are not counted against a
    /// monthly quota.
    pub call_plans: &'static [CallPlan],
}

/// A provider's plan and the API calls a month it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPlan {
    /// A stable id (stored).
    pub id: &'static str,
    /// Its name, as the provider's pricing page gives it.
    pub label: &'static str,
    /// Calls a month it allows; `None`: no monthly cap.
    pub monthly_calls: Option<u64>,
}

/// The Notion API version Inlet is written against (page and database objects).
pub const NOTION_VERSION: &str = "2025-09-03";

/// The provider table.
pub static PROVIDERS: [ProviderSpec; 3] = [
    ProviderSpec {
        integration: Integration::Airtable,
        auth_url: "https://airtable.com/oauth2/v1/authorize",
        token_url: "https://airtable.com/oauth2/v1/token",
        legacy_token_url: None,
        api_base: "https://api.airtable.com",
        scopes: &["schema.bases:read", "data.records:read"],
        // The person's e-mail in whoami, for the card instead of a usr… id ("user.email:read …
        // optional", Get user info), and webhooks whose payloads tell a sync what changed
        // ("webhook:manage is always required for all webhooks API endpoints"). Airtable
        // refuses any scope not enabled on the integration.
        optional_scopes: &["user.email:read", "webhook:manage"],
        optional_scope_param: None,
        extra_authorize_params: &[],
        pkce: Pkce::Required,
        client_auth: ClientAuth::BasicIfSecretElseBody,
        token_body: TokenBody::Form,
        secret_required: false,
        deep_link_redirects: false,
        // Airtable documents 127.0.0.1 ("raw IP only if it is localhost, e.g. 127.0.0.1").
        default_redirect: "http://127.0.0.1:53682/oauth/callback",
        revocation: Revocation::ByThePerson {
            instructions: "Airtable offers apps no way to revoke a grant: remove Inlet in Airtable under your account's third-party integrations.",
        },
        // "The most common reason for revocations is when a refresh token is used more than
        // once" (https://support.airtable.com/docs/troubleshooting-oauth-integrations-in-airtable).
        refresh_reuse_revokes: true,
        page_size: 100,
        // 5 requests per second per base.
        rate_limit: RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        },
        rate_shape: RateShape::PerKey,
        // "If you exceed these rates, you will receive a 429 status code and will need to wait
        // 30 seconds before subsequent requests will succeed" — per base
        // (https://airtable.com/developers/web/api/rate-limits). The same page states 50
        // requests per second for all traffic using *personal access tokens* of a user; for
        // OAuth tokens — Inlet's — it states no per-user figure, so Inlet paces by the per-base
        // limit alone (an unchanged 200-base sync is 400 calls: 8 s at 50 a second, about one
        // at 16 in flight). Should a user-wide limit exist all the same, a 429 holds its base, a
        // second base's 429 during that hold holds the account (`Pacer::hold`), and the
        // account's pace is learned from it (half of what met it: `RollingWindow::unknown`).
        // Airtable's monthly API calls per workspace (Free 1,000, Team 100,000) are a quota,
        // not a pace: `ApiDialect::meaning`.
        rate_limit_lockout: Some(Duration::from_secs(30)),
        account_rate_limit: None,
        // Half the per-user figure stated for personal access tokens: a user-wide limit on OAuth
        // tokens, if one exists, is not thought far below it, and two bases' own 429s close
        // together (another app on those bases) must not leave every later load at 5 a second.
        account_rate_floor: 25,
        own_limits: &[],
        // Bases read at once: each has its own pace (5 a second), so this bounds what Inlet asks
        // of a user at any moment (16 requests in flight).
        streams_in_flight: 16,
        api_headers: &[],
        developer_portal: "https://airtable.com/create/oauth",
        web_hosts: &["airtable.com"],
        // Attachment links: airtableusercontent.com (and the older dl.airtable.com), "expire 2
        // hours after being returned" (field model, multipleAttachments; support article
        // "Airtable attachment URL behavior").
        file_hosts: &[".airtableusercontent.com", "dl.airtable.com"],
        // "Managing API call limits in Airtable" (support.airtable.com): a workspace's API calls
        // a month, shared by every integration of the workspace — Free 1,000, Team 100,000;
        // Business and Enterprise Scale have no monthly cap. The API does not say which plan a
        // workspace is on, nor which workspace a base is in.
        call_plans: &[
            CallPlan {
                id: "free",
                label: "Free",
                monthly_calls: Some(1_000),
            },
            CallPlan {
                id: "team",
                label: "Team",
                monthly_calls: Some(100_000),
            },
            CallPlan {
                id: "business",
                label: "Business or Enterprise",
                monthly_calls: None,
            },
        ],
    },
    ProviderSpec {
        integration: Integration::Notion,
        auth_url: "https://api.notion.com/v1/oauth/authorize",
        token_url: "https://api.notion.com/v1/oauth/token",
        legacy_token_url: None,
        api_base: "https://api.notion.com",
        scopes: &[],
        optional_scopes: &[],
        optional_scope_param: None,
        extra_authorize_params: &[("owner", "user")],
        pkce: Pkce::Unsupported,
        client_auth: ClientAuth::BasicHeader,
        token_body: TokenBody::Json,
        secret_required: true,
        deep_link_redirects: true,
        // Notion documents no rules; localhost is the form known to be accepted.
        default_redirect: "http://localhost:53682/oauth/callback",
        revocation: Revocation::AccessTokenJson,
        // Notion rotates refresh tokens and documents nothing about a reused one.
        refresh_reuse_revokes: false,
        page_size: 100,
        // "An average of three requests per second", bursts allowed: 9 in any 3 s.
        rate_limit: RateLimit {
            requests: 9,
            per: Duration::from_secs(3),
        },
        rate_shape: RateShape::RollingWindow,
        rate_limit_lockout: None,
        account_rate_limit: None,
        account_rate_floor: 0,
        own_limits: &[],
        streams_in_flight: 8,
        api_headers: &[("Notion-Version", NOTION_VERSION)],
        developer_portal: "https://www.notion.so/my-integrations",
        // The API's URLs moved from www.notion.so to app.notion.com in 2026 (Notion's move of its
        // primary domain to notion.com; dvanoni/notero#823, n8n-io/n8n#29861); links stored
        // before, and Notion's own redirects, still use notion.so.
        call_plans: &[],
        // Notion-hosted files: "authenticated S3 URLs" valid one hour (file object reference);
        // the hosts seen are S3's in us-west-2 (not listed by Notion).
        file_hosts: &[
            "prod-files-secure.s3.us-west-2.amazonaws.com",
            // Path-style S3: Notion's bucket only, not any bucket of the region.
            "s3.us-west-2.amazonaws.com/secure.notion-static.com/",
        ],
        web_hosts: &[
            "app.notion.com",
            "notion.com",
            "www.notion.com",
            "notion.so",
            "www.notion.so",
        ],
    },
    ProviderSpec {
        integration: Integration::Hubspot,
        auth_url: "https://app.hubspot.com/oauth/authorize",
        token_url: "https://api.hubapi.com/oauth/2026-03/token",
        legacy_token_url: Some("https://api.hubapi.com/oauth/v1/token"),
        api_base: "https://api.hubapi.com",
        scopes: &[
            "crm.objects.contacts.read",
            "crm.objects.companies.read",
            "crm.objects.deals.read",
            "oauth",
        ],
        // What a portal may hold beyond contacts, companies and deals: each read only when
        // granted; Settings says what a missing one leaves out (`Provider::capabilities`).
        optional_scopes: &[
            "tickets",
            "crm.objects.owners.read",
            "crm.schemas.custom.read",
            "crm.objects.custom.read",
        ],
        optional_scope_param: Some("optional_scope"),
        extra_authorize_params: &[],
        pkce: Pkce::Supported,
        client_auth: ClientAuth::RequestBody,
        token_body: TokenBody::Form,
        secret_required: true,
        deep_link_redirects: true,
        // HubSpot allows plain http only for the host `localhost`.
        default_redirect: "http://localhost:53682/oauth/callback",
        revocation: Revocation::RefreshTokenForm,
        // HubSpot's refresh token stays the same across refreshes.
        refresh_reuse_revokes: false,
        page_size: 100,
        // 100 requests per 10 s for privately distributed apps (110 marketplace, 190 on
        // Professional/Enterprise): the answers' X-HubSpot-RateLimit-* headers say which.
        rate_limit: RateLimit {
            requests: 100,
            per: Duration::from_secs(10),
        },
        rate_shape: RateShape::RollingWindow,
        rate_limit_lockout: None,
        account_rate_limit: None,
        account_rate_floor: 0,
        // "The CRM search endpoints are rate limited to five requests per second per account"
        // — apart from the window above, which "excludes the CRM Search API" (usage guidelines).
        own_limits: &[(
            SEARCH_PACE_KEY,
            RateLimit {
                requests: 5,
                per: Duration::from_secs(1),
            },
        )],
        streams_in_flight: 8,
        api_headers: &[],
        developer_portal: "https://developers.hubspot.com/",
        call_plans: &[],
        file_hosts: &[],
        web_hosts: &[
            "app.hubspot.com",
            "app-eu1.hubspot.com",
            "developers.hubspot.com",
        ],
    },
];

/// The table row of an integration.
pub fn spec(integration: Integration) -> &'static ProviderSpec {
    // The table holds exactly one row per integration, in `Integration::ALL` order.
    let index = match integration {
        Integration::Airtable => 0,
        Integration::Notion => 1,
        Integration::Hubspot => 2,
    };
    &PROVIDERS[index]
}

/// An endpoint Inlet calls whose end its provider has announced, and what replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sunset {
    /// Which provider.
    pub integration: Integration,
    /// The endpoint as Inlet calls it.
    pub endpoint: &'static str,
    /// The endpoint that replaces it.
    pub replacement: &'static str,
    /// From when the old one is unsupported (as announced).
    pub unsupported_from: &'static str,
    /// Where it was announced.
    pub source: &'static str,
}

/// Announced ends of endpoints Inlet uses. HubSpot's "end of support for v1-v3 APIs … with a
/// September 2027 enforcement date"
/// (<https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when>);
/// its legacy API reference points the CRM object APIs to the date-versioned
/// `/crm/objects/2026-03/…` (<https://developers.hubspot.com/docs/api-reference/legacy/overview>).
/// HubSpot's OAuth already uses `/oauth/2026-03/…`; the v1 token endpoint is deprecated from
/// 16 February 2027 (<https://developers.hubspot.com/changelog/v1-oauth-api-deprecation>).
pub const SUNSETS: &[Sunset] = &[
    Sunset {
        integration: Integration::Hubspot,
        endpoint: "GET /crm/v3/objects/{type} and POST /crm/v3/objects/{type}/batch/read (contacts, companies, deals, tickets, custom objects)",
        replacement: "GET /crm/objects/2026-03/{type} (or a later dated version)",
        unsupported_from: "September 2027",
        source: "https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when",
    },
    Sunset {
        integration: Integration::Hubspot,
        endpoint: "POST /crm/v4/associations/{from}/{to}/batch/read (associations with their labels)",
        replacement: "POST /crm/associations/2026-03/… (the v4 associations API, dated)",
        unsupported_from: "September 2027",
        source: "https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when",
    },
    Sunset {
        integration: Integration::Hubspot,
        endpoint: "GET /crm/v3/properties/{type}, /crm/v3/pipelines/{type}, /crm/v3/owners, /crm/v3/schemas",
        replacement: "the dated /crm/properties/2026-03/…, /crm/pipelines/2026-03/…, /crm/owners/2026-03/…, /crm-object-schemas/2026-03/…",
        unsupported_from: "September 2027",
        source: "https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when",
    },
    Sunset {
        integration: Integration::Hubspot,
        endpoint: "POST /oauth/v1/token (the legacy token endpoint; Inlet uses /oauth/2026-03/token)",
        replacement: "POST /oauth/2026-03/token",
        unsupported_from: "16 February 2027",
        source: "https://developers.hubspot.com/changelog/v1-oauth-api-deprecation",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_integration_has_its_own_row() {
        for integration in Integration::ALL {
            assert_eq!(spec(integration).integration, integration);
            assert!(spec(integration).auth_url.starts_with("https://"));
            assert!(spec(integration).page_size <= 100);
        }
    }

    #[test]
    fn hubspot_uses_the_current_token_endpoint_and_its_scopes() {
        let hubspot = spec(Integration::Hubspot);
        assert!(hubspot.token_url.ends_with("/oauth/2026-03/token"));
        assert_eq!(
            hubspot.legacy_token_url,
            Some("https://api.hubapi.com/oauth/v1/token")
        );
        assert_eq!(
            hubspot.scopes.join(" "),
            "crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read oauth"
        );
        assert_eq!(hubspot.client_auth, ClientAuth::RequestBody);
    }

    #[test]
    fn every_hubspot_crm_path_inlet_calls_has_its_announced_end() {
        let hubspot: Vec<&Sunset> = SUNSETS
            .iter()
            .filter(|s| s.integration == Integration::Hubspot)
            .collect();
        for path in [
            "/crm/v3/objects/{type}",
            "/crm/v3/objects/{type}/batch/read",
            "/crm/v4/associations/{from}/{to}/batch/read",
            "/crm/v3/properties/{type}",
            "/crm/v3/pipelines/{type}",
            "/crm/v3/owners",
            "/crm/v3/schemas",
            "/oauth/v1/token",
        ] {
            assert!(
                hubspot
                    .iter()
                    .any(|s| s.endpoint.contains(path) && s.source.starts_with("https://")),
                "{path}"
            );
        }
    }
}
