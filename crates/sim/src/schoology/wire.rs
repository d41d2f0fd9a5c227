//! The HTTP side of one call: the parsed request, the reply, paging and bulk
//! envelopes, and loose readers for ids and flags sent as strings or numbers.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::oauth::{encode, form_decode};

/// The most records one bulk call or csv filter takes.
pub const BULK_LIMIT: usize = 50;
/// The default page size.
pub const DEFAULT_PAGE: usize = 20;
/// The largest page (bigger limits are clamped).
pub const MAX_PAGE: usize = 200;

/// One authenticated API call.
pub(crate) struct Call {
    pub(crate) method: String,
    /// Decoded path segments after `/v1/`.
    pub(crate) segments: Vec<String>,
    /// Decoded query parameters.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Value,
    /// `http://host:port/v1`.
    pub(crate) base: String,
    /// The user the key acts as.
    pub(crate) actor: u64,
    pub(crate) admin: bool,
}

impl Call {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A `0`/`1` query flag.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| matches!(v.trim(), "1" | "true" | "TRUE"))
    }

    /// A comma-separated query list.
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.param(name).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

/// Parses a raw query string.
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

/// What one call answers, and what it changed.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    body: ReplyBody,
    location: Option<String>,
    retry_after: Option<u64>,
    /// Records created or changed.
    pub(crate) written: u64,
    /// Records deleted.
    pub(crate) deleted: u64,
}

#[derive(Debug)]
enum ReplyBody {
    Empty,
    Json(Value),
    Text(String),
}

impl Reply {
    fn new(status: StatusCode, body: ReplyBody) -> Self {
        Reply {
            status,
            body,
            location: None,
            retry_after: None,
            written: 0,
            deleted: 0,
        }
    }

    pub(crate) fn ok(value: Value) -> Self {
        Reply::new(StatusCode::OK, ReplyBody::Json(value))
    }

    pub(crate) fn created(value: Value) -> Self {
        Reply::new(StatusCode::CREATED, ReplyBody::Json(value))
    }

    pub(crate) fn multi(value: Value) -> Self {
        Reply::new(StatusCode::MULTI_STATUS, ReplyBody::Json(value))
    }

    pub(crate) fn no_content() -> Self {
        Reply::new(StatusCode::NO_CONTENT, ReplyBody::Empty)
    }

    pub(crate) fn empty(status: StatusCode) -> Self {
        Reply::new(status, ReplyBody::Empty)
    }

    pub(crate) fn text(status: StatusCode, text: impl Into<String>) -> Self {
        Reply::new(status, ReplyBody::Text(text.into()))
    }

    pub(crate) fn bad_request(text: impl Into<String>) -> Self {
        Reply::text(StatusCode::BAD_REQUEST, text)
    }

    pub(crate) fn not_found() -> Self {
        Reply::empty(StatusCode::NOT_FOUND)
    }

    pub(crate) fn forbidden() -> Self {
        Reply::empty(StatusCode::FORBIDDEN)
    }

    pub(crate) fn see_other(location: String) -> Self {
        let mut reply = Reply::empty(StatusCode::SEE_OTHER);
        reply.location = Some(location);
        reply
    }

    pub(crate) fn too_many(retry_after: u64) -> Self {
        let mut reply = Reply::text(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        reply.retry_after = Some(retry_after);
        reply
    }

    pub(crate) fn wrote(mut self, written: u64, deleted: u64) -> Self {
        self.written += written;
        self.deleted += deleted;
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            ReplyBody::Empty => Response::new(Body::empty()),
            ReplyBody::Json(value) => {
                let mut r = Response::new(Body::from(value.to_string()));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r
            }
            ReplyBody::Text(text) => {
                let mut r = Response::new(Body::from(text));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                r
            }
        };
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert("x-schoology", HeaderValue::from_static("API"));
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if let Some(value) = self
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// How `total` is written: a string (users, courses, ...) or a number.
#[derive(Clone, Copy)]
pub(crate) enum Total {
    Text,
    Number,
}

/// One page of `items` under `key`, with `total` and `links`.
pub(crate) fn page(call: &Call, path: &str, key: &str, items: Vec<Value>, total: Total) -> Value {
    page_with(call, path, key, &items, Value::clone, total)
}

/// One page of `items` under `key`, rendering only the records shown.
pub(crate) fn page_with<T>(
    call: &Call,
    path: &str,
    key: &str,
    items: &[T],
    render: impl Fn(&T) -> Value,
    total: Total,
) -> Value {
    page_iter(call, path, key, items.len(), items.iter(), render, total)
}

/// One page of the `count` records `items` yields, rendering only those shown.
pub(crate) fn page_iter<T>(
    call: &Call,
    path: &str,
    key: &str,
    count: usize,
    items: impl Iterator<Item = T>,
    render: impl Fn(T) -> Value,
    total: Total,
) -> Value {
    let start: usize = call
        .param("start")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let limit: usize = call
        .param("limit")
        .and_then(|s| s.trim().parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_PAGE)
        .min(MAX_PAGE);
    let shown: Vec<Value> = items.skip(start).take(limit).map(render).collect();
    let link = |start: usize| {
        let mut query: Vec<String> = call
            .query
            .iter()
            .filter(|(k, _)| k != "start" && k != "limit")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        query.push(format!("start={start}"));
        query.push(format!("limit={limit}"));
        format!("{}?{}", call.link(path), query.join("&"))
    };
    let mut links = json!({ "self": link(start) });
    if start + limit < count {
        links["next"] = Value::String(link(start + limit));
    }
    let total = match total {
        Total::Text => Value::String(count.to_string()),
        Total::Number => json!(count),
    };
    json!({ key: shown, "total": total, "links": links })
}

/// The records of a bulk body `{outer: {inner: [...]}}` (one object is one record).
pub(crate) fn bulk_items(body: &Value, outer: &str, inner: &str) -> Result<Vec<Value>, Reply> {
    bulk_list(body, outer, inner).map_err(Reply::bad_request)
}

/// The `{outer: {inner: [...]}}` list of `body` (an object stands for a list
/// of one), or why it is refused: not a list, or more than [`BULK_LIMIT`].
pub(crate) fn bulk_list(body: &Value, outer: &str, inner: &str) -> Result<Vec<Value>, String> {
    let items = match body.get(outer).and_then(|o| o.get(inner)) {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err(format!("Expected a {outer}.{inner} list")),
    };
    if items.len() > BULK_LIMIT {
        return Err(format!(
            "A maximum of {BULK_LIMIT} objects can be sent in one request"
        ));
    }
    Ok(items)
}

/// A per-item failure inside a 207.
pub(crate) fn item_error(code: u16, message: impl Into<String>) -> Value {
    json!({ "response_code": code, "message": message.into() })
}

/// A text field sent as a string or a number; empty strings are `None`.
pub(crate) fn text(value: &Value, name: &str) -> Option<String> {
    match value.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `name` is present (even empty or null).
pub(crate) fn has(value: &Value, name: &str) -> bool {
    value.get(name).is_some()
}

/// An integer sent as a string or a number.
pub(crate) fn int(value: &Value, name: &str) -> Option<i64> {
    match value.get(name)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number sent as a string or a number.
pub(crate) fn number(value: &Value, name: &str) -> Option<f64> {
    match value.get(name)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A `0`/`1` flag sent as a string, a number or a boolean.
pub(crate) fn flag(value: &Value, name: &str) -> Option<bool> {
    match value.get(name)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_i64() != Some(0)),
        Value::String(s) => match s.trim() {
            "" => None,
            "0" | "false" => Some(false),
            _ => Some(true),
        },
        _ => None,
    }
}

/// A list of ids sent as an array (of strings or numbers) or a comma list.
pub(crate) fn ids(value: &Value, name: &str) -> Option<Vec<String>> {
    let list = match value.get(name)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) => s.split(',').map(|s| s.trim().to_owned()).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    };
    Some(list.into_iter().filter(|s| !s.is_empty()).collect())
}

/// A number as a JSON number when it is whole, else as it is.
pub(crate) fn id_number(id: &str) -> Value {
    id.parse::<u64>()
        .map_or_else(|_| Value::String(id.to_owned()), |n| json!(n))
}

/// `0`/`1`.
pub(crate) fn bit(value: bool) -> u8 {
    u8::from(value)
}

/// An optional string as JSON, `""` when absent.
pub(crate) fn or_empty(value: Option<&String>) -> Value {
    Value::String(value.cloned().unwrap_or_default())
}
