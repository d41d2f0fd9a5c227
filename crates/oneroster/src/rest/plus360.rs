//! The eSchoolPLUS PLUS360 profile: where its OneRoster API lives and how
//! it differs from the spec, all in one place (reference part A1).
//!
//! What is known, and what is guessed:
//! - The API is served from the district's HAC host under
//!   `/plus360api/v1/{code}/`, where `code` is taken from the consumer key
//!   (`OneRoster_ABC_123` → `abc`). The OneRoster path below that,
//!   `ims/oneroster/...`, is UNCONFIRMED; [`Plus360::config`] builds it and
//!   a district can pass a full root instead through [`RestConfig`].
//! - OAuth 1.0 with HMAC-SHA1 is the profile default; HMAC-SHA256 is
//!   selectable for the 1.1 endpoints only (eSchoolPLUS 21.4.0.0). OAuth 2
//!   can be chosen in the profile; its token URL is UNCONFIRMED, so it is
//!   not preset here.
//! - OneRoster 1.2 exists on eSchoolPLUS 21.4 only; line items there carry
//!   `gradingPeriod` and `school`.
//! - Whether `X-Total-Count` and `Link` are sent is UNCONFIRMED; the client
//!   stops on a short page when they are missing.
//! - Grade passback: scores must be numeric; excused work syncs as score 0
//!   with `scoreStatus` exempt, and missing work needs a numeric score
//!   (Instructure's notes on eSchoolPLUS passback). Missing work without a
//!   score is sent as 0.

use url::Url;

use super::config::{Auth, RestConfig, RestVersion, Secret, SignatureMethod};
use super::gradebook::GradeOptions;

/// A PLUS360 API profile as the district hands it to a vendor.
#[derive(Debug, Clone)]
pub struct Plus360 {
    /// The HAC host, e.g. `https://hac.district.org`.
    pub host: Url,
    /// The consumer key of the API profile, e.g. `OneRoster_ABC_123`.
    pub consumer_key: String,
    /// The consumer secret.
    pub secret: Secret,
    /// The district code segment; derived from the key when `None`.
    pub district_code: Option<String>,
    /// The OneRoster version the profile subscribes to.
    pub version: RestVersion,
    /// `HMAC-SHA256` instead of the default `HMAC-SHA1` (1.1 only).
    pub sha256: bool,
}

/// The score options eSchoolPLUS needs: numbers for excused and missing work.
pub const GRADE_OPTIONS: GradeOptions = GradeOptions {
    excused_score: Some(0.0),
    missing_score: Some(0.0),
};

/// The district code of a consumer key: the part after the first `_`, up to
/// the next, lowercased (`OneRoster_ABC_123` → `abc`); the whole key,
/// lowercased, when it has no `_`.
pub fn district_code(consumer_key: &str) -> String {
    let mut parts = consumer_key.split('_');
    let first = parts.next().unwrap_or_default();
    parts.next().unwrap_or(first).to_ascii_lowercase()
}

impl Plus360 {
    /// The base path, `/plus360api/v1/{code}/ims/oneroster`.
    pub fn root(&self) -> Url {
        let code = self
            .district_code
            .clone()
            .unwrap_or_else(|| district_code(&self.consumer_key));
        let mut root = self.host.clone();
        let path = format!(
            "{}/plus360api/v1/{}/ims/oneroster",
            self.host.path().trim_end_matches('/'),
            super::oauth1::encode(&code)
        );
        root.set_path(&path);
        root
    }

    /// The client configuration: OAuth 1.0 with HMAC-SHA1 unless SHA-256 was
    /// chosen for a 1.1 profile.
    pub fn config(&self) -> RestConfig {
        let method = if self.sha256 && self.version == RestVersion::V1p1 {
            SignatureMethod::HmacSha256
        } else {
            SignatureMethod::HmacSha1
        };
        RestConfig::new(
            self.root(),
            self.version,
            Auth::OAuth1 {
                key: self.consumer_key.clone(),
                secret: self.secret.clone(),
                method,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::config::Service;

    #[test]
    fn base_path_with_district_code_and_sha1_default() {
        let profile = Plus360 {
            host: Url::parse("https://hac.district.org").unwrap(),
            consumer_key: "OneRoster_ABC_123".into(),
            secret: Secret::new("s"),
            district_code: None,
            version: RestVersion::V1p1,
            sha256: false,
        };
        let config = profile.config();
        assert_eq!(
            config.base(Service::Rostering).as_str(),
            "https://hac.district.org/plus360api/v1/abc/ims/oneroster/v1p1"
        );
        assert!(matches!(
            config.auth,
            Auth::OAuth1 {
                method: SignatureMethod::HmacSha1,
                ..
            }
        ));
        let modern = Plus360 {
            version: RestVersion::V1p2,
            sha256: true,
            ..profile
        };
        // SHA-256 is offered for 1.1 endpoints only.
        assert!(matches!(
            modern.config().auth,
            Auth::OAuth1 {
                method: SignatureMethod::HmacSha1,
                ..
            }
        ));
        assert_eq!(
            modern.config().base(Service::Gradebook).as_str(),
            "https://hac.district.org/plus360api/v1/abc/ims/oneroster/gradebook/v1p2"
        );
        assert_eq!(district_code("plain"), "plain");
    }
}
