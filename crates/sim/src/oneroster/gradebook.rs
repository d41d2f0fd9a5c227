//! The simulator's gradebook: line items, results and categories created or
//! replaced by PUT under the consumer's sourcedId (201 when new, 200 when
//! replaced), and the class listings that read them back.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::Shared;
use super::routes::{collection, imsx};

/// Stored gradebook records by kind (`lineItems`, `results`, `categories`), then sourcedId.
pub(crate) type Gradebook = BTreeMap<&'static str, BTreeMap<String, Value>>;

/// The envelope key of one record of a kind.
fn single(kind: &str) -> Option<&'static str> {
    match kind {
        "lineItems" => Some("lineItem"),
        "results" => Some("result"),
        "categories" => Some("category"),
        _ => None,
    }
}

fn kind_key(kind: &str) -> Option<&'static str> {
    match kind {
        "lineItems" => Some("lineItems"),
        "results" => Some("results"),
        "categories" => Some("categories"),
        _ => None,
    }
}

/// Handles a request under the gradebook base; `rest` is the path after it.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    rest: &str,
    query: &str,
    body: &[u8],
) -> Response {
    let parts: Vec<String> = rest
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
        .collect();
    let mut book = shared.gradebook.lock().unwrap_or_else(|e| e.into_inner());
    match (
        method,
        parts
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        ("PUT", [kind, id]) => {
            let (Some(key), Some(envelope)) = (kind_key(kind), single(kind)) else {
                return imsx(StatusCode::NOT_FOUND, "unknownobject", "no such collection");
            };
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return imsx(
                    StatusCode::BAD_REQUEST,
                    "invaliddata",
                    "the body is not JSON",
                );
            };
            let Some(record) = value.get(envelope).cloned() else {
                return imsx(
                    StatusCode::BAD_REQUEST,
                    "invaliddata",
                    "no record in the envelope",
                );
            };
            if record.get("sourcedId").and_then(Value::as_str) != Some(id) {
                return imsx(
                    StatusCode::BAD_REQUEST,
                    "invaliddata",
                    "sourcedId differs from the path",
                );
            }
            let created = book
                .entry(key)
                .or_default()
                .insert((*id).to_owned(), record)
                .is_none();
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(json!({}))).into_response()
        }
        ("GET", ["classes", class, kind @ ("lineItems" | "results")]) => {
            let items = book.get("lineItems").cloned().unwrap_or_default();
            let in_class = |item: &Value| {
                item.pointer("/class/sourcedId").and_then(Value::as_str) == Some(class)
            };
            let selected: Vec<Value> = if *kind == "lineItems" {
                items.values().filter(|i| in_class(i)).cloned().collect()
            } else {
                let lines: Vec<&String> = items
                    .iter()
                    .filter(|(_, i)| in_class(i))
                    .map(|(id, _)| id)
                    .collect();
                book.get("results")
                    .map(|results| {
                        results
                            .values()
                            .filter(|r| {
                                r.pointer("/lineItem/sourcedId")
                                    .and_then(Value::as_str)
                                    .is_some_and(|l| lines.iter().any(|id| id.as_str() == l))
                            })
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default()
            };
            collection(shared, kind, &selected, query)
        }
        _ => imsx(
            StatusCode::NOT_FOUND,
            "unknownobject",
            "no such gradebook endpoint",
        ),
    }
}
