//! The configuration: `.env`, endpoint overrides, redirect URIs, and how settings resolve.

mod dotenv {
    use super::super::{EnvSource, Environment};

    #[test]
    fn a_dotenv_in_a_parent_folder_is_never_read() {
        let parent = tempfile::tempdir().unwrap();
        let child = parent.path().join("project");
        std::fs::create_dir_all(&child).unwrap();
        std::fs::write(parent.path().join(".env"), "NOTION_CLIENT_ID=evil\n").unwrap();
        assert_eq!(
            Environment::with_dotenv_in(&child).var("NOTION_CLIENT_ID"),
            None
        );
        std::fs::write(child.join(".env"), "NOTION_CLIENT_ID=mine\n").unwrap();
        let environment = Environment::with_dotenv_in(&child);
        assert_eq!(environment.var("NOTION_CLIENT_ID").as_deref(), Some("mine"));
        assert!(std::env::var_os("NOTION_CLIENT_ID").is_none());
    }
}

mod endpoints {
    use super::super::*;

    #[test]
    fn an_endpoint_override_must_be_https_or_on_this_computer() {
        let over = |url: &'static str| {
            let env = [("HUBSPOT_CLIENT_ID", "abc"), ("INLET_HUBSPOT_API_URL", url)];
            resolve(Integration::Hubspot, &env, None)
        };
        assert!(over("https://api.example.test").is_ok());
        assert!(over("http://127.0.0.1:9/").is_ok());
        for bad in [
            "http://evil.example/",
            "ftp://127.0.0.1/",
            "http://192.168.1.5/",
        ] {
            assert_eq!(over(bad).unwrap_err().code(), "invalid_argument", "{bad}");
        }
    }
}

mod redirects {
    use super::super::redirect_url;

    #[test]
    fn only_loopback_http_the_app_link_or_https_are_redirects() {
        for good in [
            "http://127.0.0.1:53682/oauth/callback",
            "http://localhost:8080/cb",
            "http://[::1]:9/cb",
            "inlet://oauth/callback",
            "https://example.com/inlet",
        ] {
            assert!(redirect_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://192.168.1.5/cb",
            "http://evil.example/cb",
            "inlet://oauth/other",
            "otherapp://oauth/callback",
            "ftp://127.0.0.1/cb",
            "file:///tmp/cb",
        ] {
            let error = redirect_url(bad).unwrap_err();
            assert_eq!(error.code(), "invalid_argument", "{bad}");
        }
    }
}

mod resolving {
    use super::super::*;

    fn sandbox() -> SandboxEndpoint {
        SandboxEndpoint {
            base: Url::parse("http://127.0.0.1:4000").unwrap(),
            client_id: "sandbox-client".into(),
            client_secret: Secret::new("sandbox-secret"),
        }
    }

    #[test]
    fn seed_env_names_make_a_live_provider_with_overrides() {
        let env = [
            ("HUBSPOT_CLIENT_ID", "abc"),
            ("HUBSPOT_CLIENT_SECRET", "shh"),
            ("INLET_HUBSPOT_TOKEN_URL", "http://127.0.0.1:9/token"),
        ];
        let s = resolve(Integration::Hubspot, &env, None).unwrap();
        assert_eq!(s.mode, Mode::Live);
        assert_eq!(s.client_id, "abc");
        assert_eq!(s.client_secret.as_ref().map(Secret::expose), Some("shh"));
        assert_eq!(s.token_url.as_str(), "http://127.0.0.1:9/token");
        // Listed for the app's badge (and the CLI's `status --json`).
        assert_eq!(
            s.overrides,
            vec!["INLET_HUBSPOT_TOKEN_URL=http://127.0.0.1:9/token".to_owned()]
        );
        assert_eq!(
            s.auth_url.as_str(),
            "https://app.hubspot.com/oauth/authorize"
        );
        // HubSpot allows plain http only for `localhost`.
        assert_eq!(
            s.redirect_uri.as_str(),
            "http://localhost:53682/oauth/callback"
        );
        assert_eq!(s.transport(), RedirectTransport::Loopback);
    }

    #[test]
    fn no_client_id_falls_back_to_the_sandbox_or_says_not_configured() {
        let env: [(&str, &str); 0] = [];
        let err = resolve(Integration::Hubspot, &env, None).unwrap_err();
        assert_eq!(err.code(), "not_configured");
        let s = resolve(Integration::Hubspot, &env, Some(&sandbox())).unwrap();
        assert_eq!(s.mode, Mode::Sandbox);
        assert_eq!(
            s.auth_url.as_str(),
            "http://127.0.0.1:4000/hubspot/oauth/authorize"
        );
        assert_eq!(
            s.token_url.as_str(),
            "http://127.0.0.1:4000/hubspot/oauth/2026-03/token"
        );
        assert_eq!(s.api_base.as_str(), "http://127.0.0.1:4000/hubspot");
    }

    #[test]
    fn airtable_stays_on_loopback() {
        let global = [("INLET_REDIRECT_URI", "inlet://oauth/callback")];
        let s = resolve(Integration::Airtable, &global, Some(&sandbox())).unwrap();
        assert_eq!(s.transport(), RedirectTransport::Loopback);
        // Airtable documents 127.0.0.1: the default needs no name resolution at all.
        assert_eq!(
            s.redirect_uri.as_str(),
            "http://127.0.0.1:53682/oauth/callback"
        );
        let own = [(
            "INLET_AIRTABLE_REDIRECT_URI",
            "https://example.org/bounce.html",
        )];
        assert_eq!(
            resolve(Integration::Airtable, &own, Some(&sandbox()))
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
        let notion = resolve(Integration::Notion, &global, Some(&sandbox())).unwrap();
        assert_eq!(notion.transport(), RedirectTransport::DeepLink);
    }

    #[test]
    fn the_redirect_uri_picks_the_transport() {
        let per_provider = [("INLET_HUBSPOT_REDIRECT_URI", "inlet://oauth/callback")];
        let s = resolve(Integration::Hubspot, &per_provider, Some(&sandbox())).unwrap();
        assert_eq!(s.transport(), RedirectTransport::DeepLink);
        let bounce = [(
            "INLET_REDIRECT_URI",
            "https://example.org/oauth-redirect.html",
        )];
        let s = resolve(Integration::Hubspot, &bounce, Some(&sandbox())).unwrap();
        assert_eq!(s.transport(), RedirectTransport::DeepLink);
        let loopback = [("INLET_REDIRECT_URI", "http://127.0.0.1:0/cb")];
        let s = resolve(Integration::Hubspot, &loopback, Some(&sandbox())).unwrap();
        assert_eq!(s.transport(), RedirectTransport::Loopback);
        let bad = [("INLET_REDIRECT_URI", "not a url")];
        assert_eq!(
            resolve(Integration::Hubspot, &bad, None)
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
    }
}
