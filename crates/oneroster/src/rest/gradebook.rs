//! Gradebook writes and reads over OneRoster: line items and results by PUT
//! with sourcedIds rostersync derives (so a repeat updates), `scoreStatus`
//! spelled as the spec spells it, exempt for excused work; categories by
//! PUT; the gradebook of a class read back.
//!
//! Derived sourcedIds: a line item is `rs:{section}:{term}:{item}`, a result
//! `rs:{section}:{term}:{item}:{student}`, a category `rs:{section}:cat:{id}`.

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SectionKey, TermKey};
use rostersync_core::model::grades::{
    GradeCategory, GradeItem, GradeWrite, Score, ScoreStatus, SisGradebook,
};
use rostersync_ports::{WriteOutcome, WriteResult};
use serde_json::{Map, Value, json};

use super::client::{Query, RestClient};
use super::config::{RestVersion, Service};
use super::error::RestError;

/// How scores are written; providers differ (see [`super::plus360`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GradeOptions {
    /// A score sent with excused (exempt) work, for providers that need a number.
    pub excused_score: Option<f64>,
    /// A score sent with missing work that has none, for providers that need a number.
    pub missing_score: Option<f64>,
}

/// The sourcedId of the line item rostersync writes for `item`.
pub fn line_item_id(section: &SectionKey, term: &TermKey, item: &str) -> String {
    format!("rs:{section}:{term}:{item}")
}

/// The sourcedId of the result rostersync writes for `student` on `item`.
pub fn result_id(section: &SectionKey, term: &TermKey, item: &str, student: &PersonKey) -> String {
    format!("rs:{section}:{term}:{item}:{student}")
}

/// The sourcedId of the category rostersync writes for `category` of `section`.
pub fn category_id(section: &SectionKey, category: &str) -> String {
    format!("rs:{section}:cat:{category}")
}

/// The `scoreStatus` value of a status, as the spec spells it.
pub fn score_status(status: ScoreStatus) -> &'static str {
    match status {
        ScoreStatus::Graded => "fully graded",
        ScoreStatus::Excused => "exempt",
        ScoreStatus::Missing | ScoreStatus::Empty => "not submitted",
        ScoreStatus::Incomplete => "partially graded",
    }
}

fn guid(kind: &str, id: &str) -> Value {
    json!({ "sourcedId": id, "type": kind, "href": format!("/{kind}/{id}") })
}

fn encode(id: &str) -> String {
    super::oauth1::encode(id)
}

/// The date of today (UTC), for `scoreDate`.
fn today() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(days)))
        .unwrap_or_default()
}

fn outcome(key: String, result: Result<u16, RestError>) -> WriteOutcome {
    let result = match result {
        Ok(_) => WriteResult::Done { id: None },
        Err(error) => {
            let (status, applied) = match &error {
                RestError::Status { status, .. } => (Some(*status), *status >= 500),
                RestError::Unreachable { .. } | RestError::Transport { .. } => (None, true),
                _ => (None, false),
            };
            WriteResult::Failed {
                status,
                message: error.to_string(),
                may_have_been_applied: applied,
            }
        }
    };
    WriteOutcome { key, result }
}

/// The school of a class as the provider records it; `None` when it has no
/// such class (404).
pub(crate) async fn section_school(
    client: &RestClient,
    section: &SectionKey,
) -> Result<Option<String>, RestError> {
    match class_school(client, section).await {
        Ok(school) => Ok(Some(school)),
        Err(RestError::Status { status: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The school of a class, which 1.2 line items must name.
async fn class_school(client: &RestClient, section: &SectionKey) -> Result<String, RestError> {
    let url = client.url(
        Service::Rostering,
        &format!("/classes/{}", encode(section.as_str())),
    );
    let body = client
        .send(reqwest::Method::GET, &url, None)
        .await?
        .json(&format!("GET /classes/{section}"))?;
    body.pointer("/class/school/sourcedId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| RestError::Body {
            what: format!("GET /classes/{section}"),
            message: "the class names no school".to_owned(),
        })
}

fn line_item(
    write: &GradeWrite,
    item: &GradeItem,
    school: Option<&str>,
    version: RestVersion,
) -> Value {
    let id = line_item_id(&write.section, &write.term, &item.id);
    let mut body = Map::new();
    body.insert("sourcedId".into(), json!(id));
    body.insert("status".into(), json!("active"));
    body.insert("title".into(), json!(item.title));
    if let Some(description) = &item.description {
        body.insert("description".into(), json!(description));
    }
    if let Some(due) = item.due {
        let at = format!("{due}T00:00:00Z");
        body.insert("assignDate".into(), json!(at));
        body.insert("dueDate".into(), json!(at));
    }
    body.insert("class".into(), guid("class", write.section.as_str()));
    if let Some(category) = &item.category {
        body.insert("category".into(), guid("category", category));
    }
    body.insert(
        "gradingPeriod".into(),
        guid("academicSession", write.term.as_str()),
    );
    body.insert("resultValueMin".into(), json!(0.0));
    body.insert("resultValueMax".into(), json!(item.max_points));
    if version == RestVersion::V1p2 {
        if let Some(school) = school {
            body.insert("school".into(), guid("org", school));
        }
    }
    json!({ "lineItem": body })
}

fn result(write: &GradeWrite, score: &Score, options: GradeOptions, version: RestVersion) -> Value {
    let line = line_item_id(&write.section, &write.term, &score.item);
    let points = match score.status {
        ScoreStatus::Excused => score.points.or(options.excused_score),
        ScoreStatus::Missing => score.points.or(options.missing_score),
        _ => score.points,
    };
    let mut body = Map::new();
    body.insert(
        "sourcedId".into(),
        json!(result_id(
            &write.section,
            &write.term,
            &score.item,
            &score.student
        )),
    );
    body.insert("status".into(), json!("active"));
    body.insert("lineItem".into(), guid("lineItem", &line));
    body.insert("student".into(), guid("user", score.student.as_str()));
    body.insert("scoreStatus".into(), json!(score_status(score.status)));
    if let Some(points) = points {
        body.insert("score".into(), json!(points));
    }
    body.insert("scoreDate".into(), json!(today().to_string()));
    if let Some(comment) = &score.comment {
        body.insert("comment".into(), json!(comment));
    }
    if version == RestVersion::V1p2 {
        body.insert("class".into(), guid("class", write.section.as_str()));
        let flag = |on: bool| json!(if on { "true" } else { "false" });
        body.insert("missing".into(), flag(score.status == ScoreStatus::Missing));
        body.insert(
            "incomplete".into(),
            flag(score.status == ScoreStatus::Incomplete),
        );
    }
    json!({ "result": body })
}

/// Writes line items, then results; one outcome per item, then per score.
///
/// # Errors
///
/// With OneRoster 1.2, when the class (for its school) cannot be read.
pub(crate) async fn write(
    client: &RestClient,
    options: GradeOptions,
    write: &GradeWrite,
) -> Result<Vec<WriteOutcome>, RestError> {
    let version = client.config().version;
    let school = match version {
        RestVersion::V1p2 => Some(class_school(client, &write.section).await?),
        RestVersion::V1p1 => None,
    };
    let mut outcomes = Vec::new();
    let mut failed = Vec::new();
    for item in &write.items {
        let id = line_item_id(&write.section, &write.term, &item.id);
        let body = line_item(write, item, school.as_deref(), version);
        let path = format!("/lineItems/{}", encode(&id));
        let result = client.put(Service::Gradebook, &path, &body).await;
        if result.is_err() {
            failed.push(item.id.as_str());
        }
        outcomes.push(outcome(item.id.clone(), result));
    }
    for score in &write.scores {
        let key = format!("{}/{}", score.item, score.student);
        if failed.contains(&score.item.as_str()) {
            outcomes.push(WriteOutcome {
                key,
                result: WriteResult::Failed {
                    status: None,
                    message: format!("line item {} was not written", score.item),
                    may_have_been_applied: false,
                },
            });
            continue;
        }
        let id = result_id(&write.section, &write.term, &score.item, &score.student);
        let body = result(write, score, options, version);
        let path = format!("/results/{}", encode(&id));
        let result = client.put(Service::Gradebook, &path, &body).await;
        outcomes.push(outcome(key, result));
    }
    Ok(outcomes)
}

/// PUTs a class category under its derived sourcedId (1.2 adds `weight`);
/// `metadata.classId` marks it as the class's own.
///
/// # Errors
///
/// When the provider refuses the write.
pub(crate) async fn put_category(
    client: &RestClient,
    section: &SectionKey,
    category: &GradeCategory,
) -> Result<String, RestError> {
    let id = category_id(section, &category.id);
    let mut body = json!({
        "sourcedId": id,
        "status": "active",
        "title": category.title,
        "metadata": { "classId": section.as_str() },
    });
    if client.config().version == RestVersion::V1p2
        && let (Some(weight), Some(map)) = (category.weight, body.as_object_mut())
    {
        map.insert("weight".into(), json!(weight));
    }
    let path = format!("/categories/{}", encode(&id));
    client
        .put(Service::Gradebook, &path, &json!({ "category": body }))
        .await?;
    Ok(id)
}

fn status_of(value: &str) -> ScoreStatus {
    match value {
        "exempt" => ScoreStatus::Excused,
        "fully graded" => ScoreStatus::Graded,
        "partially graded" => ScoreStatus::Incomplete,
        "not submitted" => ScoreStatus::Missing,
        _ => ScoreStatus::Empty,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The gradebook of a class in one term: its line items of that grading
/// period (ids rostersync derived are given back as the item ids it wrote)
/// and their results.
///
/// # Errors
///
/// When a collection cannot be read.
pub(crate) async fn read(
    client: &RestClient,
    section: &SectionKey,
    term: &TermKey,
) -> Result<SisGradebook, RestError> {
    let class = encode(section.as_str());
    let query = Query::default();
    let items = client
        .collection(
            Service::Gradebook,
            &format!("/classes/{class}/lineItems"),
            "lineItems",
            &query,
        )
        .await?;
    let results = client
        .collection(
            Service::Gradebook,
            &format!("/classes/{class}/results"),
            "results",
            &query,
        )
        .await?;
    let prefix = line_item_id(section, term, "");
    let mut book = SisGradebook::default();
    let mut ids = Vec::new();
    for item in &items {
        let Some(sourced_id) = item.get("sourcedId").and_then(Value::as_str) else {
            continue;
        };
        let period = item
            .pointer("/gradingPeriod/sourcedId")
            .or_else(|| item.pointer("/academicSession/sourcedId"))
            .and_then(Value::as_str);
        if period.is_some_and(|p| p != term.as_str()) {
            continue;
        }
        let id = sourced_id
            .strip_prefix(&prefix)
            .unwrap_or(sourced_id)
            .to_owned();
        ids.push((sourced_id.to_owned(), id.clone()));
        book.items.push(GradeItem {
            id,
            title: item
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            description: item
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            due: item
                .get("dueDate")
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok()),
            max_points: number(item.get("resultValueMax")).unwrap_or_default(),
            category: item
                .pointer("/category/sourcedId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            factor: 1.0,
            grading_period: None,
        });
    }
    for result in &results {
        let line = result
            .pointer("/lineItem/sourcedId")
            .and_then(Value::as_str);
        let Some((_, item)) = ids
            .iter()
            .find(|(sourced, _)| Some(sourced.as_str()) == line)
        else {
            continue;
        };
        let Some(student) = result.pointer("/student/sourcedId").and_then(Value::as_str) else {
            continue;
        };
        book.scores.push(Score {
            item: item.clone(),
            student: PersonKey::new(student),
            points: number(result.get("score")),
            status: status_of(
                result
                    .get("scoreStatus")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
            comment: result
                .get("comment")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok(book)
}
