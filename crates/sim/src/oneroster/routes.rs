//! The simulator's one handler: the token endpoint, authorization, and
//! collection reads with `limit`/`offset`, `filter`, `sort`/`orderBy` and
//! `fields`; errors as `imsx_StatusInfo` payloads.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Shared, SimAuth, auth, gradebook};

/// An `imsx_StatusInfo` error response.
pub(crate) fn imsx(status: StatusCode, minor: &str, description: &str) -> Response {
    let body = json!({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
        ]}
    });
    (status, Json(body)).into_response()
}

/// The largest request body read.
const MAX_BODY: usize = 1 << 20;

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return imsx(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invaliddata",
            "the body is too large",
        );
    };
    let path = request.uri.path().to_owned();
    let query = request.uri.query().unwrap_or("").to_owned();
    let header_of = |name: header::HeaderName| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let authorization = header_of(header::AUTHORIZATION);
    if path == "/oauth/token" {
        return token(&shared, &authorization);
    }
    let host = header_of(header::HOST);
    let method = request.method.as_str().to_owned();
    let allowed = match &shared.auth {
        SimAuth::OAuth1 { key, secret } => {
            let url = format!("http://{host}{path}");
            auth::verify_oauth1(&authorization, &method, &url, &query, key, secret)
        }
        SimAuth::OAuth2 { .. } => {
            let token = authorization.strip_prefix("Bearer ").unwrap_or("");
            let tokens = shared.tokens.lock().unwrap_or_else(|e| e.into_inner());
            if tokens.contains(token) {
                Ok(())
            } else {
                Err("unknown or expired token")
            }
        }
    };
    if let Err(reason) = allowed {
        return imsx(StatusCode::UNAUTHORIZED, "unauthorisedrequest", reason);
    }
    if let Some(rest) = path.strip_prefix(shared.gradebook_base.as_str())
        && (shared.gradebook_base != shared.base || is_gradebook(rest))
    {
        return gradebook::handle(&shared, &method, rest, &query, &body);
    }
    if let Some(id) = path
        .strip_prefix(shared.base.as_str())
        .and_then(|rest| rest.strip_prefix("/classes/"))
        .filter(|id| !id.contains('/'))
    {
        let found = shared.collections.get("classes").and_then(|classes| {
            classes
                .iter()
                .find(|c| c.get("sourcedId").and_then(Value::as_str) == Some(id))
        });
        return match found {
            Some(class) => Json(json!({ "class": class })).into_response(),
            None => imsx(StatusCode::NOT_FOUND, "unknownobject", "no such class"),
        };
    }
    let Some(name) = path
        .strip_prefix(shared.base.as_str())
        .map(|p| p.trim_matches('/'))
    else {
        return imsx(StatusCode::NOT_FOUND, "unknownobject", "no such endpoint");
    };
    let Some(items) = shared.collections.get(name) else {
        return imsx(StatusCode::NOT_FOUND, "unknownobject", "no such collection");
    };
    if method != "GET" {
        return imsx(
            StatusCode::METHOD_NOT_ALLOWED,
            "unsupported",
            "read-only simulator",
        );
    }
    collection(&shared, name, items, &query)
}

fn token(shared: &Shared, authorization: &str) -> Response {
    let SimAuth::OAuth2 {
        client_id,
        client_secret,
    } = &shared.auth
    else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "invalid_request"})),
        )
            .into_response();
    };
    match auth::basic(authorization) {
        Some((id, secret)) if id == *client_id && secret == *client_secret => {
            let mut tokens = shared.tokens.lock().unwrap_or_else(|e| e.into_inner());
            let issued = shared
                .issued
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let value = format!("sim-token-{}", issued + 1);
            tokens.insert(value.clone());
            Json(json!({"access_token": value, "token_type": "bearer", "expires_in": 3600}))
                .into_response()
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response(),
    }
}

/// One predicate of a filter: `field op 'value'`.
fn predicate(text: &str) -> Option<(String, &'static str, String)> {
    for op in ["!=", ">=", "<=", "=", ">", "<", "~"] {
        if let Some((field, value)) = text.split_once(op) {
            let value = value.trim().trim_matches('\'').to_owned();
            return Some((field.trim().to_owned(), op, value));
        }
    }
    None
}

fn matches(item: &Value, (field, op, value): &(String, &'static str, String)) -> bool {
    let Some(have) = item.get(field).and_then(Value::as_str) else {
        return false;
    };
    let order = have.cmp(value.as_str());
    match *op {
        "=" => order == Ordering::Equal,
        "!=" => order != Ordering::Equal,
        ">" => order == Ordering::Greater,
        ">=" => order != Ordering::Less,
        "<" => order == Ordering::Less,
        "<=" => order != Ordering::Greater,
        _ => have.to_lowercase().contains(&value.to_lowercase()),
    }
}

pub(crate) fn collection(shared: &Shared, name: &str, items: &[Value], query: &str) -> Response {
    let pairs = auth::query_pairs(query);
    let param = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let known = |field: &str| items.iter().any(|item| item.get(field).is_some());
    let mut selected: Vec<&Value> = items.iter().collect();
    if let Some(filter) = param("filter") {
        let (parts, any) = match (filter.split_once(" AND "), filter.split_once(" OR ")) {
            (Some((a, b)), _) => (vec![a, b], false),
            (None, Some((a, b))) => (vec![a, b], true),
            _ => (vec![filter.as_str()], false),
        };
        let mut predicates = Vec::new();
        for part in parts {
            match predicate(part) {
                Some(p) if known(&p.0) || items.is_empty() => predicates.push(p),
                Some(p) => {
                    return imsx(
                        StatusCode::BAD_REQUEST,
                        "invalid_filter_field",
                        &format!("unknown field {}", p.0),
                    );
                }
                None => {
                    return imsx(
                        StatusCode::BAD_REQUEST,
                        "invalid_filter_field",
                        "unreadable filter",
                    );
                }
            }
        }
        selected.retain(|item| {
            if any {
                predicates.iter().any(|p| matches(item, p))
            } else {
                predicates.iter().all(|p| matches(item, p))
            }
        });
    }
    if let Some(sort) = param("sort") {
        let key = |item: &&Value| item.get(&sort).map(Value::to_string).unwrap_or_default();
        selected.sort_by_key(key);
        if param("orderBy").as_deref() == Some("desc") {
            selected.reverse();
        }
    }
    let total = selected.len();
    let limit = param("limit")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(100)
        .max(1);
    let offset = param("offset")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let fields: Vec<String> = param("fields")
        .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let page: Vec<Value> = selected
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|item| match (&fields[..], item) {
            ([], item) => item.clone(),
            (fields, Value::Object(map)) => Value::Object(
                map.iter()
                    .filter(|(k, _)| fields.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            (_, item) => item.clone(),
        })
        .collect();
    let mut response = Json(json!({ name: page })).into_response();
    if shared.paging_headers {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
            headers.insert("x-total-count", value);
        }
        if offset + limit < total {
            let mut kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("limit=") && !p.starts_with("offset="))
                .collect();
            let paging = format!("limit={limit}&offset={}", offset + limit);
            kept.push(&paging);
            let next = format!("<{}/{name}?{}>; rel=\"next\"", shared.base, kept.join("&"));
            if let Ok(value) = HeaderValue::from_str(&next) {
                headers.insert(header::LINK, value);
            }
        }
    }
    response
}

/// Whether a path under a shared 1.1 base is a gradebook one.
fn is_gradebook(rest: &str) -> bool {
    let rest = rest.trim_start_matches('/');
    ["lineItems", "results", "categories"]
        .iter()
        .any(|kind| rest.starts_with(kind))
        || (rest.starts_with("classes/")
            && (rest.ends_with("/lineItems") || rest.ends_with("/results")))
}
