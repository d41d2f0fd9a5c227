//! Configuration of the OneRoster REST client: the root URL (with or
//! without the version segment), the version, and the credentials.

use std::fmt;

use rostersync_retry::RetryPolicy;
use url::Url;

/// The OneRoster REST version a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestVersion {
    /// 1.1: one base, `/ims/oneroster/v1p1`.
    V1p1,
    /// 1.2: split bases, `/ims/oneroster/rostering/v1p2` and `/ims/oneroster/gradebook/v1p2`.
    V1p2,
}

/// A secret (consumer secret, client secret); never shown in Debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for signing.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The OAuth 1.0a signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HMAC-SHA1`.
    HmacSha1,
    /// `HMAC-SHA256`.
    HmacSha256,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
        }
    }
}

/// How requests are authorized.
#[derive(Debug, Clone)]
pub enum Auth {
    /// OAuth 1.0a one-legged request signing (1.1 providers).
    OAuth1 {
        /// Consumer key.
        key: String,
        /// Consumer secret.
        secret: Secret,
        /// Signature method.
        method: SignatureMethod,
    },
    /// OAuth 2 client credentials.
    OAuth2 {
        /// The token endpoint, configured apart from the API root.
        token_url: Url,
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
        /// Scope URIs, sent space-separated.
        scopes: Vec<String>,
    },
}

/// Where and how to reach a OneRoster provider.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// The root: `https://host`, `https://host/ims/oneroster`, or either
    /// with the version segment (`/v1p1`, `/v1p2`, `/rostering/v1p2`).
    pub root: Url,
    /// The version.
    pub version: RestVersion,
    /// Credentials.
    pub auth: Auth,
    /// Records per page (`limit`), 100 unless set.
    pub page_size: u32,
    /// How requests are tried again: GETs and the token request after a
    /// 5xx, a dropped connection or a timeout; any request after a 429
    /// (its `Retry-After` honoured) or when it never reached the provider.
    pub retry: RetryPolicy,
}

/// Which service a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Rostering (orgs, users, classes ...).
    Rostering,
    /// Gradebook (categories, line items, results).
    Gradebook,
}

impl RestConfig {
    /// A configuration with the default page size and retry policy.
    pub fn new(root: Url, version: RestVersion, auth: Auth) -> Self {
        RestConfig {
            root,
            version,
            auth,
            page_size: 100,
            retry: RetryPolicy::default(),
        }
    }

    /// The base URL of `service`, without a trailing slash.
    pub fn base(&self, service: Service) -> Url {
        let mut path = self.root.path().trim_end_matches('/').to_owned();
        for suffix in [
            "/rostering/v1p2",
            "/gradebook/v1p2",
            "/resources/v1p2",
            "/v1p1",
            "/v1p2",
        ] {
            if let Some(stripped) = path.strip_suffix(suffix) {
                path = stripped.to_owned();
                break;
            }
        }
        if !path.ends_with("/ims/oneroster") {
            path.push_str("/ims/oneroster");
        }
        match (self.version, service) {
            (RestVersion::V1p1, _) => path.push_str("/v1p1"),
            (RestVersion::V1p2, Service::Rostering) => path.push_str("/rostering/v1p2"),
            (RestVersion::V1p2, Service::Gradebook) => path.push_str("/gradebook/v1p2"),
        }
        let mut base = self.root.clone();
        base.set_path(&path);
        base.set_query(None);
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(root: &str, version: RestVersion) -> RestConfig {
        RestConfig::new(
            Url::parse(root).unwrap(),
            version,
            Auth::OAuth1 {
                key: "k".into(),
                secret: Secret::new("s"),
                method: SignatureMethod::HmacSha1,
            },
        )
    }

    #[test]
    fn root_with_or_without_version_segment() {
        for root in [
            "https://h.example/ims/oneroster",
            "https://h.example/ims/oneroster/v1p2/",
            "https://h.example/ims/oneroster/rostering/v1p2",
            "https://h.example",
        ] {
            let c = config(root, RestVersion::V1p2);
            assert_eq!(
                c.base(Service::Rostering).as_str(),
                "https://h.example/ims/oneroster/rostering/v1p2",
                "{root}"
            );
            assert_eq!(
                c.base(Service::Gradebook).as_str(),
                "https://h.example/ims/oneroster/gradebook/v1p2"
            );
        }
        let c = config(
            "https://h.example/d/0850/ims/oneroster/v1p1",
            RestVersion::V1p1,
        );
        assert_eq!(
            c.base(Service::Gradebook).as_str(),
            "https://h.example/d/0850/ims/oneroster/v1p1"
        );
    }

    #[test]
    fn secrets_are_not_in_debug_output() {
        let text = format!("{:?}", config("https://h.example", RestVersion::V1p1));
        assert!(!text.contains("\"s\""), "{text}");
        assert!(text.contains("Secret(..)"));
    }
}
