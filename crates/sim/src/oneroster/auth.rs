//! Checking requests: OAuth 1.0a HMAC-SHA1 signatures (recomputed here
//! independently of the client) and OAuth 2 bearer tokens handed out by
//! the simulator's token endpoint.

use std::collections::BTreeMap;

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// Decodes a form-style query component (`+` is a space).
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The decoded pairs of a raw query string.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The fields of an `Authorization: OAuth k="v", ...` header.
fn oauth_fields(header: &str) -> Option<BTreeMap<String, String>> {
    let rest = header.strip_prefix("OAuth ")?;
    let mut out = BTreeMap::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = v.trim_matches('"');
        out.insert(
            k.to_owned(),
            percent_decode_str(v).decode_utf8_lossy().into_owned(),
        );
    }
    Some(out)
}

/// Whether an OAuth 1.0a HMAC-SHA1 header signs `method url?query` with `key`/`secret`.
pub(crate) fn verify_oauth1(
    header: &str,
    method: &str,
    url_without_query: &str,
    query: &str,
    key: &str,
    secret: &str,
) -> Result<(), &'static str> {
    let fields = oauth_fields(header).ok_or("not an OAuth header")?;
    if fields.get("oauth_consumer_key").map(String::as_str) != Some(key) {
        return Err("unknown consumer key");
    }
    if fields.get("oauth_signature_method").map(String::as_str) != Some("HMAC-SHA1") {
        return Err("the simulator checks HMAC-SHA1 signatures only");
    }
    let signature = fields.get("oauth_signature").ok_or("no signature")?;
    let mut params: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .chain(
            fields
                .iter()
                .filter(|(k, _)| k.as_str() != "oauth_signature")
                .map(|(k, v)| (k.clone(), v.clone())),
        )
        .map(|(k, v)| (enc(&k), enc(&v)))
        .collect();
    params.sort();
    let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let base = format!(
        "{method}&{}&{}",
        enc(url_without_query),
        enc(&joined.join("&"))
    );
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{}&", enc(secret)).as_bytes())
        .map_err(|_| "bad key")?;
    mac.update(base.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if &expected == signature {
        Ok(())
    } else {
        Err("signature mismatch")
    }
}

/// The client id and secret of a `Basic` header.
pub(crate) fn basic(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
