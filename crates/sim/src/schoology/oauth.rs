//! Two-legged OAuth 1.0a verification as Schoology does it: PLAINTEXT or
//! HMAC-SHA1 over the RFC 5849 base string (method, base URL, query and
//! `oauth_*` parameters; JSON bodies are not part of it), a known consumer
//! key, and per key a replay cache: a (timestamp, nonce) pair is used once
//! and timestamps never go backwards.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha1::Sha1;

/// The documented answer to a replayed nonce or a timestamp going backwards.
pub const REPLAY_MESSAGE: &str =
    "Duplicate timestamp/nonce combination, possible replay attack. Request rejected.";

/// RFC 3986 unreserved characters stay; everything else is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes per RFC 5849 §3.6.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// Decodes a query component (`+` is a space, as in forms).
pub(crate) fn form_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// One consumer key the simulator knows.
#[derive(Clone)]
pub(crate) struct Consumer {
    pub(crate) secret: String,
    /// The user the key acts as.
    pub(crate) user: u64,
    /// Whether that user is a System Administrator.
    pub(crate) admin: bool,
}

/// The keys and their replay caches.
#[derive(Default)]
pub(crate) struct Verifier {
    consumers: HashMap<String, Consumer>,
    replay: HashMap<String, Replay>,
}

/// The newest timestamp of a key and the nonces seen with it.
#[derive(Default)]
struct Replay {
    timestamp: u64,
    nonces: HashSet<String>,
}

/// What a verified request carries.
pub(crate) struct Caller {
    pub(crate) key: String,
    pub(crate) user: u64,
    pub(crate) admin: bool,
}

/// The parts of a request the signature covers.
pub(crate) struct Signed<'a> {
    pub(crate) method: &'a str,
    /// `http://host:port/path`, as the client addressed it.
    pub(crate) base_uri: String,
    /// The raw query string, without `?`.
    pub(crate) query: &'a str,
    /// The `Authorization` header, if any.
    pub(crate) authorization: Option<&'a str>,
}

impl Verifier {
    pub(crate) fn add(&mut self, key: &str, consumer: Consumer) {
        self.consumers.insert(key.to_owned(), consumer);
    }

    /// Checks one request; the error is the 401 body.
    pub(crate) fn verify(&mut self, request: &Signed<'_>) -> Result<Caller, String> {
        let header = request
            .authorization
            .ok_or_else(|| "Missing OAuth authorization header".to_owned())?;
        let params = parse_header(header).ok_or_else(|| "Malformed OAuth header".to_owned())?;
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let (Some(key), Some(method), Some(signature), Some(timestamp), Some(nonce)) = (
            get("oauth_consumer_key"),
            get("oauth_signature_method"),
            get("oauth_signature"),
            get("oauth_timestamp"),
            get("oauth_nonce"),
        ) else {
            return Err("Missing OAuth parameters".to_owned());
        };
        if get("oauth_token").is_none() {
            return Err("Missing OAuth parameters".to_owned());
        }
        let consumer = self
            .consumers
            .get(key.as_str())
            .ok_or_else(|| "Invalid consumer key".to_owned())?;
        let signing_key = format!("{}&", encode(&consumer.secret));
        let valid = match method.as_str() {
            "PLAINTEXT" => *signature == signing_key,
            "HMAC-SHA1" => {
                let base = base_string(request, &params);
                hmac_sha1_base64(signing_key.as_bytes(), base.as_bytes()) == *signature
            }
            _ => return Err("Unsupported OAuth signature method".to_owned()),
        };
        if !valid {
            return Err("Invalid OAuth signature".to_owned());
        }
        let timestamp: u64 = timestamp
            .parse()
            .map_err(|_| "Invalid OAuth timestamp".to_owned())?;
        let caller = Caller {
            key: key.clone(),
            user: consumer.user,
            admin: consumer.admin,
        };
        let replay = self.replay.entry(key.clone()).or_default();
        if timestamp < replay.timestamp {
            return Err(REPLAY_MESSAGE.to_owned());
        }
        if timestamp > replay.timestamp {
            replay.timestamp = timestamp;
            replay.nonces.clear();
        }
        if !replay.nonces.insert(nonce.clone()) {
            return Err(REPLAY_MESSAGE.to_owned());
        }
        Ok(caller)
    }
}

/// Parses `OAuth k="v", k2="v2"`, percent-decoding the values.
fn parse_header(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim();
    let (scheme, rest) = rest.split_at_checked(5)?;
    if !scheme.eq_ignore_ascii_case("oauth") {
        return None;
    }
    let mut params = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=')?;
        let value = value.trim().trim_matches('"');
        let value = percent_decode_str(value).decode_utf8_lossy().into_owned();
        params.push((name.trim().to_owned(), value));
    }
    Some(params)
}

/// The RFC 5849 §3.4.1 base string of a request.
fn base_string(request: &Signed<'_>, oauth: &[(String, String)]) -> String {
    let mut params: Vec<(String, String)> = request
        .query
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
            .filter(|(name, _)| name != "oauth_signature" && name != "realm")
            .map(|(name, value)| (encode(name), encode(value))),
    );
    params.sort();
    let normalized: Vec<String> = params
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "{}&{}&{}",
        request.method.to_ascii_uppercase(),
        encode(&request.base_uri),
        encode(&normalized.join("&"))
    )
}

/// `http://host[:port]/path` with the host lowercased and port 80 left out.
pub(crate) fn base_uri(host: &str, path: &str) -> String {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(":80").unwrap_or(&host);
    format!("http://{host}{path}")
}

fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Builds an `Authorization` header the way a client would: for tests and
/// hand-run tools that talk to the simulator without the real client.
pub fn sign(
    key: &str,
    secret: &str,
    method: &str,
    url: &str,
    timestamp: u64,
    nonce: &str,
    plaintext: bool,
) -> String {
    let (without_query, query) = url.split_once('?').unwrap_or((url, ""));
    let base_uri = match without_query.split_once("://") {
        Some((_, rest)) => match rest.split_once('/') {
            Some((host, path)) => base_uri(host, &format!("/{path}")),
            None => base_uri(rest, "/"),
        },
        None => without_query.to_owned(),
    };
    let timestamp = timestamp.to_string();
    let method_name = if plaintext { "PLAINTEXT" } else { "HMAC-SHA1" };
    let oauth: Vec<(String, String)> = [
        ("oauth_consumer_key", key),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", method_name),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", ""),
        ("oauth_version", "1.0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let signing_key = format!("{}&", encode(secret));
    let signature = if plaintext {
        signing_key
    } else {
        let signed = Signed {
            method,
            base_uri,
            query,
            authorization: None,
        };
        hmac_sha1_base64(
            signing_key.as_bytes(),
            base_string(&signed, &oauth).as_bytes(),
        )
    };
    let mut header = String::from("OAuth realm=\"Schoology API\"");
    for (name, value) in &oauth {
        header.push_str(&format!(", {name}=\"{}\"", encode(value)));
    }
    header.push_str(&format!(", oauth_signature=\"{}\"", encode(&signature)));
    header
}
