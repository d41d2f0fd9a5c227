//! Bulk writes: any number of records, sent in batches of at most 50 (several
//! batches in flight), with each per-item answer of the 207 mapped back to its
//! input record.

use futures::StreamExt as _;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::{Error, snippet};
use crate::paging::decode_items;

/// The most records Schoology takes in one bulk call.
pub const BATCH_SIZE: usize = 50;

/// Schoology's answer for one record of a bulk write.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BulkItem {
    /// The item's status (200 on success, even for creates).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub response_code: Option<i64>,
    /// The record's Schoology id, when the answer names it.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// The record's address, when the answer names it.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub location: Option<String>,
    /// A message (usually only on failure).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub message: Option<String>,
    /// Every other field of the answer (`school_uid`, `uid`, `course_code`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BulkItem {
    /// Whether the item succeeded (a 2xx `response_code`, or none at all).
    pub fn is_success(&self) -> bool {
        self.response_code
            .is_none_or(|code| (200..300).contains(&code))
    }

    /// The id, or the last path segment of the location.
    pub fn id_or_location(&self) -> Option<String> {
        self.id.clone().or_else(|| {
            self.location
                .as_deref()
                .and_then(|l| l.rsplit('/').next())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
    }

    /// A text field of the answer, whether it came as a number or a string.
    pub fn field(&self, name: &str) -> Option<String> {
        match self.extra.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Why one record of a bulk write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkFailure {
    /// The item's or the request's status, if there was one.
    pub status: Option<u16>,
    /// What Schoology said, or what went wrong.
    pub message: String,
    /// Whether the record may have been written anyway.
    pub may_have_been_applied: bool,
    /// Whether the whole request failed (rather than this one item).
    pub whole_request: bool,
}

/// The result for one input record of a bulk write.
pub type BulkResult = Result<BulkItem, BulkFailure>;

/// Where the per-item answers sit: `{"user":[...]}` or `{"enrollments":{"enrollment":[...]}}`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    Flat(&'static str),
    Nested(&'static str, &'static str),
}

/// One bulk endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Bulk {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    /// The body envelope: `{outer: {inner: [...]}}`.
    pub(crate) outer: &'static str,
    pub(crate) inner: &'static str,
    pub(crate) answer: Answer,
    pub(crate) safety: Safety,
}

impl Client {
    /// Sends `records` through `bulk` in batches of [`BATCH_SIZE`] and returns
    /// one result per record, in input order.
    pub(crate) async fn bulk<T: Serialize + Sync>(
        &self,
        bulk: &Bulk,
        records: &[T],
    ) -> Vec<BulkResult> {
        let mut batches = Vec::new();
        for batch in records.chunks(BATCH_SIZE) {
            batches.push(self.batch(bulk, batch));
        }
        let answers: Vec<Vec<BulkResult>> = futures::stream::iter(batches)
            .buffered(self.concurrency())
            .collect()
            .await;
        answers.into_iter().flatten().collect()
    }

    async fn batch<T: Serialize>(&self, bulk: &Bulk, batch: &[T]) -> Vec<BulkResult> {
        let mut envelope = Map::new();
        let mut inner = Map::new();
        let items = match serde_json::to_value(batch) {
            Ok(items) => items,
            Err(e) => return fail_all(batch.len(), &Error::Config(format!("encoding: {e}"))),
        };
        inner.insert(bulk.inner.to_owned(), items);
        envelope.insert(bulk.outer.to_owned(), Value::Object(inner));
        let request = match Request::write(bulk.method.clone(), &bulk.path, &envelope, bulk.safety)
        {
            Ok(request) => request.query(&bulk.query),
            Err(error) => return fail_all(batch.len(), &error),
        };
        self.bulk_request(request, batch.len(), bulk.answer).await
    }

    /// Sends one bulk request for `count` records and maps its answers.
    pub(crate) async fn bulk_request(
        &self,
        request: Request,
        count: usize,
        answer: Answer,
    ) -> Vec<BulkResult> {
        let batch_len = count;
        let method = request.method.to_string();
        let endpoint = request.path.clone();
        let response = match self.send(request).await {
            Ok(response) => response,
            Err(error) => return fail_all(batch_len, &error),
        };
        if response.body.iter().all(u8::is_ascii_whitespace) {
            // A bodiless 2xx (some bulk PUTs): every record was accepted.
            return (0..batch_len).map(|_| Ok(empty_item())).collect();
        }
        let answers = match decode_answers(&response.body, answer) {
            Ok(answers) => answers,
            Err((path, message)) => {
                let error = Error::Decode {
                    method,
                    endpoint,
                    path,
                    message,
                };
                return fail_all(batch_len, &error);
            }
        };
        let mut answers = answers.into_iter();
        (0..batch_len)
            .map(|_| match answers.next() {
                Some(item) if item.is_success() => Ok(item),
                Some(item) => Err(item_failure(&item)),
                None => Err(BulkFailure {
                    status: None,
                    message: "Schoology gave no answer for this record".into(),
                    may_have_been_applied: true,
                    whole_request: false,
                }),
            })
            .collect()
    }
}

fn empty_item() -> BulkItem {
    BulkItem {
        response_code: None,
        id: None,
        location: None,
        message: None,
        extra: Map::new(),
    }
}

fn item_failure(item: &BulkItem) -> BulkFailure {
    let message = item
        .message
        .clone()
        .or_else(|| item.field("error"))
        .unwrap_or_else(|| {
            let raw = serde_json::to_string(&item.extra).unwrap_or_default();
            format!("Schoology refused the record: {}", snippet(raw.as_bytes()))
        });
    BulkFailure {
        status: item.response_code.and_then(|code| u16::try_from(code).ok()),
        message,
        may_have_been_applied: false,
        whole_request: false,
    }
}

fn fail_all(count: usize, error: &Error) -> Vec<BulkResult> {
    let failure = BulkFailure {
        status: error.status(),
        message: error.to_string(),
        may_have_been_applied: error.may_have_been_applied(),
        whole_request: true,
    };
    vec![Err(failure); count]
}

fn decode_answers(body: &[u8], answer: Answer) -> Result<Vec<BulkItem>, (String, String)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| (".".into(), e.to_string()))?;
    let (items, path) = match answer {
        Answer::Flat(key) => (value.get(key).cloned(), key.to_owned()),
        Answer::Nested(outer, inner) => (
            value.get(outer).and_then(|v| v.get(inner)).cloned(),
            format!("{outer}.{inner}"),
        ),
    };
    decode_items(items.unwrap_or(Value::Null), &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_flat_and_nested() {
        let flat = decode_answers(
            br#"{"user":[{"response_code":200,"id":"1","school_uid":"a"},{"response_code":"400","message":"taken"}]}"#,
            Answer::Flat("user"),
        )
        .unwrap();
        assert!(flat[0].is_success());
        assert_eq!(flat[0].field("school_uid").as_deref(), Some("a"));
        assert!(!flat[1].is_success());
        assert_eq!(item_failure(&flat[1]).message, "taken");
        let nested = decode_answers(
            br#"{"enrollments":{"enrollment":{"response_code":200,"location":"http://x/v1/sections/1/enrollments/77"}}}"#,
            Answer::Nested("enrollments", "enrollment"),
        )
        .unwrap();
        assert_eq!(nested[0].id_or_location().as_deref(), Some("77"));
    }
}
