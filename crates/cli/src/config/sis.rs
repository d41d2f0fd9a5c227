//! The SIS side of the configuration: `[sis] adapter` picks eSchoolPLUS, a
//! OneRoster CSV package or a OneRoster REST provider, and the tables of the
//! two OneRoster adapters are read and checked here.

use std::path::{Path, PathBuf};

use rostersync_oneroster::rest::{RestVersion, SignatureMethod};
use serde::Deserialize;

use super::{ConfigError, Secret, check_address};

/// The environment variable holding the OneRoster REST secret (OAuth 1.0a
/// consumer secret or OAuth 2 client secret).
pub(crate) const ONEROSTER_SECRET_ENV: &str = "ROSTERSYNC_ONEROSTER_SECRET";

/// `[sis]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSis {
    pub(super) adapter: Option<String>,
    pub(super) school_year: Option<i32>,
}

/// `[oneroster_csv]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCsv {
    package: Option<PathBuf>,
    #[serde(default)]
    deltas: Vec<PathBuf>,
    #[serde(default)]
    courses_from_classes: bool,
}

/// `[oneroster_rest]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRest {
    root: Option<String>,
    version: Option<String>,
    profile: Option<String>,
    auth: Option<String>,
    key: Option<String>,
    secret: Option<Secret>,
    signature_method: Option<String>,
    token_url: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    district_code: Option<String>,
    page_size: Option<u32>,
    #[serde(default)]
    courses_from_classes: bool,
}

/// Which SIS adapter reads the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdapterKind {
    /// eSchoolPLUS over its web session (`[eschoolplus]`).
    EschoolPlus,
    /// A OneRoster CSV package on disk (`[oneroster_csv]`).
    OneRosterCsv,
    /// A OneRoster REST provider (`[oneroster_rest]`).
    OneRosterRest,
}

impl AdapterKind {
    /// The name written in `[sis] adapter`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AdapterKind::EschoolPlus => "eschoolplus",
            AdapterKind::OneRosterCsv => "oneroster-csv",
            AdapterKind::OneRosterRest => "oneroster-rest",
        }
    }

    /// Parses `[sis] adapter`; eSchoolPLUS when absent.
    pub(super) fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("eschoolplus") => Ok(AdapterKind::EschoolPlus),
            Some("oneroster-csv") => Ok(AdapterKind::OneRosterCsv),
            Some("oneroster-rest") => Ok(AdapterKind::OneRosterRest),
            Some(other) => Err(format!(
                "sis.adapter {other:?} is not known: use \"eschoolplus\" (default), \"oneroster-csv\" or \"oneroster-rest\""
            )),
        }
    }
}

/// `[oneroster_csv]`: a bulk package and the deltas applied over it.
#[derive(Debug, Clone)]
pub(crate) struct CsvSettings {
    /// The bulk package: a folder or a zip, resolved against the config file's folder.
    pub(crate) package: PathBuf,
    /// Delta packages, applied in order.
    pub(crate) deltas: Vec<PathBuf>,
    /// Make a course from a class whose course the package lacks (off by
    /// default: a guess that changes what lands in the LMS; each course so
    /// made is a warning).
    pub(crate) courses_from_classes: bool,
}

/// How the REST provider is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RestProfile {
    /// A provider that follows the spec: `root` is its OneRoster root.
    Standard,
    /// eSchoolPLUS PLUS360: `root` is the HAC host; the path, the auth and the
    /// score quirks come from the profile.
    Plus360 {
        /// The district code segment, when not the one in the consumer key.
        district_code: Option<String>,
    },
}

/// How requests to the REST provider are authorized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RestAuth {
    /// OAuth 1.0a request signing.
    OAuth1(SignatureMethod),
    /// OAuth 2 client credentials.
    OAuth2 {
        /// The token endpoint.
        token_url: url::Url,
        /// Scopes requested.
        scopes: Vec<String>,
    },
}

/// `[oneroster_rest]`, checked.
#[derive(Debug, Clone)]
pub(crate) struct RestSettings {
    /// The root address (the HAC host for PLUS360).
    pub(crate) root: url::Url,
    /// 1.1 or 1.2.
    pub(crate) version: RestVersion,
    /// Standard or PLUS360.
    pub(crate) profile: RestProfile,
    /// Signing or client credentials.
    pub(crate) auth: RestAuth,
    /// Consumer key or client id.
    pub(crate) key: String,
    /// Consumer secret or client secret, when set.
    pub(crate) secret: Option<Secret>,
    /// Records per page, when not the default.
    pub(crate) page_size: Option<u32>,
    /// As [`CsvSettings::courses_from_classes`].
    pub(crate) courses_from_classes: bool,
}

impl RestSettings {
    /// The secret, from the environment or the file.
    pub(crate) fn secret(&self) -> Result<&Secret, ConfigError> {
        self.secret.as_ref().ok_or_else(|| {
            ConfigError::new(format!(
                "oneroster_rest.secret is not set: set the environment variable {ONEROSTER_SECRET_ENV} \
                 to the secret of {}",
                self.key
            ))
        })
    }
}

/// Checks `[oneroster_csv]`; paths are taken relative to `base_dir`.
pub(super) fn csv(
    raw: Option<RawCsv>,
    base_dir: &Path,
    problems: &mut Vec<String>,
) -> Option<CsvSettings> {
    let raw = raw.unwrap_or_default();
    let Some(package) = raw.package.filter(|p| !p.as_os_str().is_empty()) else {
        problems.push(
            "oneroster_csv.package is missing: set it to the OneRoster CSV package, a folder or a zip, e.g. \"exports/oneroster.zip\""
                .to_owned(),
        );
        return None;
    };
    Some(CsvSettings {
        package: base_dir.join(package),
        deltas: raw.deltas.iter().map(|d| base_dir.join(d)).collect(),
        courses_from_classes: raw.courses_from_classes,
    })
}

/// Checks `[oneroster_rest]`; the secret from the environment wins over the file's.
pub(super) fn rest(
    raw: Option<RawRest>,
    env_secret: Option<String>,
    problems: &mut Vec<String>,
) -> Option<RestSettings> {
    let raw = raw.unwrap_or_default();
    let before = problems.len();
    let root = match raw.root.as_deref().map(str::trim) {
        None | Some("") => {
            problems.push(
                "oneroster_rest.root is missing: set it to the provider's OneRoster root, e.g. \"https://sis.district.org/ims/oneroster\""
                    .to_owned(),
            );
            None
        }
        Some(root) => url_at("oneroster_rest.root", root, problems),
    };
    let version = match raw.version.as_deref().map(str::trim) {
        None | Some("1.1") => RestVersion::V1p1,
        Some("1.2") => RestVersion::V1p2,
        Some(other) => {
            problems.push(format!(
                "oneroster_rest.version {other:?} is not known: use \"1.1\" (default) or \"1.2\""
            ));
            RestVersion::V1p1
        }
    };
    let profile = match raw.profile.as_deref().map(str::trim) {
        None | Some("standard") => RestProfile::Standard,
        Some("plus360") => RestProfile::Plus360 {
            district_code: raw.district_code.clone().filter(|c| !c.trim().is_empty()),
        },
        Some(other) => {
            problems.push(format!(
                "oneroster_rest.profile {other:?} is not known: use \"standard\" (default) or \"plus360\" (eSchoolPLUS)"
            ));
            RestProfile::Standard
        }
    };
    let auth = auth(&raw, &profile, problems);
    let key = raw.key.map(|k| k.trim().to_owned()).unwrap_or_default();
    if key.is_empty() {
        problems.push(
            "oneroster_rest.key is missing: set it to the OAuth consumer key (OAuth 1.0a) or client id (OAuth 2)"
                .to_owned(),
        );
    }
    if raw.page_size == Some(0) {
        problems.push("oneroster_rest.page_size must be at least 1 (default 100)".to_owned());
    }
    let secret = env_secret
        .filter(|s| !s.is_empty())
        .map(Secret)
        .or(raw.secret);
    match (root, auth, problems.len() == before) {
        (Some(root), Some(auth), true) => Some(RestSettings {
            root,
            version,
            profile,
            auth,
            key,
            secret,
            page_size: raw.page_size,
            courses_from_classes: raw.courses_from_classes,
        }),
        _ => None,
    }
}

fn auth(raw: &RawRest, profile: &RestProfile, problems: &mut Vec<String>) -> Option<RestAuth> {
    let method = match raw.signature_method.as_deref().map(str::trim) {
        None => SignatureMethod::HmacSha1,
        Some(m) if m.eq_ignore_ascii_case("HMAC-SHA1") => SignatureMethod::HmacSha1,
        Some(m) if m.eq_ignore_ascii_case("HMAC-SHA256") => SignatureMethod::HmacSha256,
        Some(other) => {
            problems.push(format!(
                "oneroster_rest.signature_method {other:?} is not known: use \"HMAC-SHA1\" (default) or \"HMAC-SHA256\""
            ));
            return None;
        }
    };
    match raw.auth.as_deref().map(str::trim) {
        None | Some("oauth1") => Some(RestAuth::OAuth1(method)),
        Some("oauth2") if *profile != RestProfile::Standard => {
            problems.push(
                "oneroster_rest.auth \"oauth2\" is not offered with profile \"plus360\" (its token address is not known): use \"oauth1\""
                    .to_owned(),
            );
            None
        }
        Some("oauth2") => {
            let Some(token_url) = raw.token_url.as_deref().map(str::trim) else {
                problems.push(
                    "oneroster_rest.token_url is missing: OAuth 2 needs the provider's token address, e.g. \"https://sis.district.org/oauth/token\""
                        .to_owned(),
                );
                return None;
            };
            url_at("oneroster_rest.token_url", token_url, problems).map(|token_url| {
                RestAuth::OAuth2 {
                    token_url,
                    scopes: raw.scopes.clone(),
                }
            })
        }
        Some(other) => {
            problems.push(format!(
                "oneroster_rest.auth {other:?} is not known: use \"oauth1\" (default) or \"oauth2\""
            ));
            None
        }
    }
}

/// Parses the address under `key`; a problem naming the key when it is not
/// an https address (or http on loopback).
fn url_at(key: &str, value: &str, problems: &mut Vec<String>) -> Option<url::Url> {
    let parsed = check_address(value, false).and_then(|()| {
        url::Url::parse(value).map_err(|error| format!("is not a valid address ({error})"))
    });
    match parsed {
        Ok(url) => Some(url),
        Err(message) => {
            problems.push(format!("{key} {value:?} {message}"));
            None
        }
    }
}
