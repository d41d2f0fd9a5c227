//! Two-legged OAuth 1.0a (RFC 5849) as Schoology speaks it: consumer key and
//! secret, an empty `oauth_token`, PLAINTEXT or HMAC-SHA1 signatures, a fresh
//! nonce per request and timestamps that never go backwards.
//!
//! The signature base string holds the method, the URL without its query, and
//! the query parameters with the `oauth_*` parameters; JSON request bodies are
//! not part of it (only form-encoded bodies would be, and this client never
//! sends those).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha1::Sha1;
use url::Url;

/// RFC 3986 unreserved characters stay as they are; everything else is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes per RFC 5849 §3.6.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// A secret string: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself; only the signer should need it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Secret(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Secret(secret.to_owned())
    }
}

/// A Schoology API consumer key and secret.
#[derive(Clone)]
pub struct Credentials {
    /// The consumer key (not secret on its own, shown in `Debug`).
    pub key: String,
    /// The consumer secret.
    pub secret: Secret,
}

impl Credentials {
    /// New credentials.
    pub fn new(key: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials {
            key: key.into(),
            secret: secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .finish()
    }
}

/// How requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureMethod {
    /// HMAC-SHA1 over the RFC 5849 base string (the default).
    #[default]
    HmacSha1,
    /// The secret itself; acceptable only because the API is HTTPS-only.
    Plaintext,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::Plaintext => "PLAINTEXT",
        }
    }
}

/// Signs requests; one per client, so nonces and timestamps are per key.
pub(crate) struct Signer {
    credentials: Credentials,
    method: SignatureMethod,
    last_timestamp: AtomicU64,
    counter: AtomicU64,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub(crate) fn new(credentials: Credentials, method: SignatureMethod) -> Self {
        Signer {
            credentials,
            method,
            last_timestamp: AtomicU64::new(0),
            counter: AtomicU64::new(0),
        }
    }

    /// The current Unix time, never less than a timestamp already used.
    fn timestamp(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let previous = self.last_timestamp.fetch_max(now, Ordering::SeqCst);
        previous.max(now)
    }

    /// A nonce unique to this signer: 16 random characters and a counter.
    fn nonce(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let random: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(16)
            .collect();
        format!("{random}{count:x}")
    }

    /// The `Authorization` header value for `method` on `url` (with its query).
    pub(crate) fn authorization(&self, method: &str, url: &Url) -> String {
        let timestamp = self.timestamp().to_string();
        let nonce = self.nonce();
        self.authorization_with(method, url, &timestamp, &nonce)
    }

    /// The header with a given timestamp and nonce (for tests of the base string).
    pub(crate) fn authorization_with(
        &self,
        method: &str,
        url: &Url,
        timestamp: &str,
        nonce: &str,
    ) -> String {
        let oauth = [
            ("oauth_consumer_key", self.credentials.key.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_signature_method", self.method.as_str()),
            ("oauth_timestamp", timestamp),
            ("oauth_token", ""),
            ("oauth_version", "1.0"),
        ];
        let key = format!("{}&", encode(self.credentials.secret.expose()));
        let signature = match self.method {
            SignatureMethod::Plaintext => key,
            SignatureMethod::HmacSha1 => {
                let base = base_string(method, url, &oauth);
                hmac_sha1_base64(key.as_bytes(), base.as_bytes())
            }
        };
        let mut header = String::from("OAuth realm=\"Schoology API\"");
        for (name, value) in oauth {
            header.push_str(&format!(", {name}=\"{}\"", encode(value)));
        }
        header.push_str(&format!(", oauth_signature=\"{}\"", encode(&signature)));
        header
    }
}

fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so this never fails.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The RFC 5849 §3.4.1 signature base string.
pub(crate) fn base_string(method: &str, url: &Url, oauth: &[(&str, &str)]) -> String {
    let mut params: Vec<(String, String)> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(&form_decode(name)), encode(&form_decode(value)))
        })
        .collect();
    params.extend(
        oauth
            .iter()
            .map(|(name, value)| (encode(name), encode(value))),
    );
    params.sort();
    let normalized: Vec<String> = params
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&base_uri(url)),
        encode(&normalized.join("&"))
    )
}

/// Decodes a query component (`+` is a space, as in forms).
fn form_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Scheme, host, non-default port and path, lowercased where RFC 5849 says so.
fn base_uri(url: &Url) -> String {
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{scheme}://{host}:{port}{}", url.path()),
        None => format!("{scheme}://{host}{}", url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(method: SignatureMethod) -> Signer {
        Signer::new(Credentials::new("key", "s&cret"), method)
    }

    #[test]
    fn rfc5849_example_base_string() {
        // The example of RFC 5849 §3.4.1.1, reduced to its query parameters.
        let url =
            Url::parse("http://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        let base = base_string("post", &url, &[("oauth_nonce", "7d8f3e4a")]);
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26oauth_nonce%3D7d8f3e4a"
        );
    }

    #[test]
    fn plaintext_signature_is_the_encoded_secret() {
        let url = Url::parse("https://api.schoology.com/v1/users").unwrap();
        let header = signer(SignatureMethod::Plaintext).authorization_with("GET", &url, "1", "n");
        assert!(
            header.contains("oauth_signature=\"s%2526cret%26\""),
            "{header}"
        );
        assert!(header.contains("oauth_token=\"\""));
        assert!(header.starts_with("OAuth realm=\"Schoology API\""));
    }

    #[test]
    fn timestamps_never_go_backwards_and_nonces_differ() {
        let s = signer(SignatureMethod::HmacSha1);
        s.last_timestamp.store(u64::MAX / 2, Ordering::SeqCst);
        assert_eq!(s.timestamp(), u64::MAX / 2);
        let a = s.nonce();
        let b = s.nonce();
        assert_ne!(a, b);
    }

    #[test]
    fn debug_redacts_the_secret() {
        let shown = format!("{:?}", signer(SignatureMethod::HmacSha1));
        assert!(!shown.contains("s&cret"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
