//! Paging through collections: `start`/`limit` (200 per page), following
//! `links.next` until it is absent, with the collection's `total`.

use std::collections::HashSet;

use futures::{Stream, StreamExt as _};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::client::{Client, Request};
use crate::error::Error;

/// The largest page Schoology serves.
pub const PAGE_SIZE: u32 = 200;

/// A collection read in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T> {
    /// Every item, in the order Schoology listed them.
    pub items: Vec<T>,
    /// The `total` Schoology reported, if it did.
    pub total: Option<u64>,
}

/// One decoded page.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: Option<u64>,
    pub(crate) next: Option<String>,
}

impl Client {
    /// Reads every page of the collection at `path` whose items sit under
    /// `key` (`"user"`, `"course"`, `"gradingperiods"`, ...).
    ///
    /// # Errors
    ///
    /// The first failed page's [`Error`]; reads are retried as configured.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        key: &str,
    ) -> Result<Collection<T>, Error> {
        let mut pages = std::pin::pin!(self.pages(path, query, key));
        let mut all = Collection {
            items: Vec::new(),
            total: None,
        };
        while let Some(page) = pages.next().await {
            let page = page?;
            all.total = page.total.or(all.total);
            all.items.extend(page.items);
        }
        Ok(all)
    }

    /// The pages of a collection as a stream, one [`Collection`] per page
    /// (each with the `total` that page reported), fetched as the stream is
    /// polled; it ends after the page without `links.next`, or after the
    /// first error.
    pub fn pages<'a, T: DeserializeOwned + 'a>(
        &'a self,
        path: &'a str,
        query: &[(&str, String)],
        key: &'a str,
    ) -> impl Stream<Item = Result<Collection<T>, Error>> + 'a {
        let first = Request::get(path)
            .query(query)
            .param("start", "0")
            .param("limit", PAGE_SIZE.to_string());
        let state = (Some(first), HashSet::new());
        futures::stream::unfold(state, move |(request, mut seen)| async move {
            let request = request?;
            let page = match self.page::<T>(&request, key).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), (None, seen))),
            };
            let next = match page.next {
                Some(next) if !page.items.is_empty() && seen.insert(next.clone()) => {
                    Some(self.next_request(path, &next))
                }
                _ => None,
            };
            let collection = Collection {
                items: page.items,
                total: page.total,
            };
            Some((Ok(collection), (next, seen)))
        })
    }

    async fn page<T: DeserializeOwned>(
        &self,
        request: &Request,
        key: &str,
    ) -> Result<Page<T>, Error> {
        let response = self.send(request.clone()).await?;
        decode_page(&response.body, key).map_err(|(path, message)| Error::Decode {
            method: "GET".into(),
            endpoint: request.path.clone(),
            path,
            message,
        })
    }

    /// The request for a `links.next`: the link itself when it points at the
    /// configured base URL, else our path with the link's query (so a proxy
    /// or test base URL keeps working when Schoology names its own host).
    fn next_request(&self, path: &str, next: &str) -> Request {
        if next.starts_with(self.base_url().as_str()) {
            return Request::get(next);
        }
        let query: Vec<(String, String)> = Url::parse(next)
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let mut request = Request::get(path);
        request.query = query;
        request
    }
}

/// Decodes a page; on failure, the field path and the message.
pub(crate) fn decode_page<T: DeserializeOwned>(
    body: &[u8],
    key: &str,
) -> Result<Page<T>, (String, String)> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| (".".into(), e.to_string()))?;
    let Some(object) = value.as_object_mut() else {
        return Err((".".into(), "expected a JSON object".into()));
    };
    let items = decode_items(object.remove(key).unwrap_or(Value::Null), key)?;
    let total = match object.get("total") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    let next = object
        .get("links")
        .and_then(|links| links.get("next"))
        .and_then(Value::as_str)
        .filter(|next| !next.is_empty())
        .map(str::to_owned);
    Ok(Page { items, total, next })
}

/// Decodes a list that may be an array, one object or absent, naming the
/// path of a bad field as `key[index].field`.
pub(crate) fn decode_items<T: DeserializeOwned>(
    value: Value,
    key: &str,
) -> Result<Vec<T>, (String, String)> {
    let values = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(values) => values,
        one => vec![one],
    };
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            serde_path_to_error::deserialize(value).map_err(|e| {
                let inner = e.path().to_string();
                let path = if inner == "." {
                    format!("{key}[{index}]")
                } else {
                    format!("{key}[{index}].{inner}")
                };
                (path, e.inner().to_string())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        #[serde(deserialize_with = "crate::de::id")]
        id: String,
    }

    #[test]
    fn pages_decode_with_totals_and_next() {
        let page: Page<Item> = decode_page(
            br#"{"user":[{"id":1},{"id":"2"}],"total":"3","links":{"self":"x","next":"https://h/v1/users?start=2"}}"#,
            "user",
        )
        .unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.total, Some(3));
        assert_eq!(page.next.as_deref(), Some("https://h/v1/users?start=2"));
        let one: Page<Item> = decode_page(br#"{"user":{"id":5},"total":1}"#, "user").unwrap();
        assert_eq!(one.items, [Item { id: "5".into() }]);
        assert!(one.next.is_none());
    }

    #[test]
    fn bad_fields_are_named() {
        let error = decode_page::<Item>(br#"{"user":[{"id":1},{"id":null}]}"#, "user").unwrap_err();
        assert_eq!(error.0, "user[1].id");
    }
}
