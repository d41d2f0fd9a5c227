//! Shared helpers: a server with a catch-all, a fast client, fixtures, and an
//! independent OAuth 1.0a HMAC-SHA1 verifier.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rostersync_schoology::{Client, Credentials, RateLimit, RetryPolicy, SignatureMethod};
use sha1::Sha1;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const KEY: &str = "ck-123";
pub(crate) const SECRET: &str = "cs&456 secret";

/// A mock server whose unexpected routes answer 500 naming the route.
pub(crate) async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            ResponseTemplate::new(500).set_body_string(format!(
                "unexpected route {} {}",
                request.method, request.url
            ))
        })
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

/// A client whose quota never makes a test wait and whose backoffs are milliseconds.
pub(crate) fn client(server: &MockServer) -> Client {
    client_with(server, SignatureMethod::HmacSha1)
}

pub(crate) fn client_with(server: &MockServer, method: SignatureMethod) -> Client {
    Client::builder(Credentials::new(KEY, SECRET))
        .base_url(format!("{}/v1", server.uri()))
        .signature_method(method)
        .rate_limit(RateLimit::new(100_000, Duration::from_secs(1)).with_burst(10_000))
        .retry(RetryPolicy::fast())
        .concurrency(4)
        .build()
        .unwrap()
}

/// A fixture with `{{base}}` replaced by the server's address.
pub(crate) fn fixture(name: &str, server: &MockServer) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("{{base}}", &server.uri())
}

pub(crate) fn json(name: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name, server), "application/json")
}

pub(crate) fn json_status(status: u16, name: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name, server), "application/json")
}

/// Every request the server received, excluding none.
pub(crate) async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// RFC 3986 percent-encoding, written out here so the test does not lean on
/// the client's own encoder.
pub(crate) fn pct(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn unpct(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The parameters of an `Authorization: OAuth ...` header, decoded.
pub(crate) fn oauth_params(request: &Request) -> BTreeMap<String, String> {
    let header = request
        .headers
        .get("authorization")
        .expect("an Authorization header")
        .to_str()
        .unwrap();
    let rest = header.strip_prefix("OAuth ").expect("OAuth scheme");
    rest.split(", ")
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), unpct(value.trim_matches('"')))
        })
        .collect()
}

/// The HMAC-SHA1 signature of `request` per RFC 5849, computed from scratch.
pub(crate) fn expected_hmac_signature(request: &Request, secret: &str) -> String {
    let oauth = oauth_params(request);
    let mut params: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (pct(&k), pct(&v)))
        .collect();
    for (name, value) in &oauth {
        if name != "realm" && name != "oauth_signature" {
            params.push((pct(name), pct(value)));
        }
    }
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let url = &request.url;
    let host = request.headers.get("host").unwrap().to_str().unwrap();
    let base_uri = format!("{}://{}{}", url.scheme(), host, url.path());
    let base = format!(
        "{}&{}&{}",
        request.method.as_str(),
        pct(&base_uri),
        pct(&joined)
    );
    let key = format!("{}&", pct(secret));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Asserts the request carries a valid two-legged HMAC-SHA1 signature.
pub(crate) fn assert_signed(request: &Request) {
    let oauth = oauth_params(request);
    assert_eq!(oauth["oauth_consumer_key"], KEY);
    assert_eq!(oauth["oauth_token"], "");
    assert_eq!(oauth["oauth_version"], "1.0");
    assert_eq!(oauth["oauth_signature_method"], "HMAC-SHA1");
    assert_eq!(
        oauth["oauth_signature"],
        expected_hmac_signature(request, SECRET),
        "signature of {} {}",
        request.method,
        request.url
    );
}
