//! Gradebook passback: read a section session's assignments (MR_GB_ASMT) and
//! scores (MR_GB_STU_SCORE) through download definitions, and write them
//! through upload definitions — upload the file, run it in verify mode, then
//! in run mode, and read the gradebook back to report each record's outcome.
//! Items keep their external id in the assignment (see
//! [`assumptions::grades`]), so a repeat updates instead of duplicating.

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{PersonKey, SectionKey, TermKey};
use rostersync_core::model::grades::{
    GradeCategory, GradeItem, GradeWrite, Score, ScoreStatus, SisGradebook,
};
use rostersync_ports::{WriteOutcome, WriteResult};

use crate::assumptions::{grades as rules, tasks as task_rules};
use crate::definitions::{self, Definition};
use crate::error::{EspError, EspResult};
use crate::map;
use crate::parse::{self, FileFormat, Table};
use crate::session::Session;
use crate::tasks;

const ASSIGNMENT_COLUMNS: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "ASMT_NUMBER",
    "CATEGORY",
    "DUE_DATE",
    "POINTS",
    "WEIGHT",
    "DESCRIPTION",
    "DESC_DETAIL",
];
const SCORE_COLUMNS: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "ASMT_NUMBER",
    "STUDENT_ID",
    "ASMT_SCORE",
    "ASMT_ALPHA_MARK",
    "ASMT_EXCEPTION",
];
const CATEGORY_COLUMNS: &[&str] = &[
    "CATEGORY",
    "MARKING_PERIOD",
    "CATEGORY_WEIGHT",
    "DROP_LOWEST",
];

/// An assignment as read, with its number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    number: i64,
    item: GradeItem,
}

fn section_parts(section: &SectionKey) -> EspResult<(&str, &str)> {
    map::split_section_key(section)
        .filter(|(key, session)| {
            key.chars().all(|c| c.is_ascii_digit()) && session.chars().all(|c| c.is_ascii_digit())
        })
        .ok_or_else(|| EspError::Refused {
            action: "read the gradebook".to_owned(),
            message: format!(
                "{section} is not an eSchoolPLUS section key (SECTION_KEY-COURSE_SESSION)"
            ),
        })
}

fn download_defs(section: &SectionKey, term: &TermKey) -> EspResult<Vec<Definition>> {
    let (key, session) = section_parts(section)?;
    let filter = format!("WHERE SECTION_KEY = {key} AND COURSE_SESSION = {session}");
    let mut defs = vec![
        Definition::download(
            "GAD",
            "MR_GB_ASMT",
            ASSIGNMENT_COLUMNS,
            Some("DESC_DETAIL"),
            filter.clone(),
        ),
        Definition::download(
            "GSD",
            "MR_GB_STU_SCORE",
            SCORE_COLUMNS,
            None,
            filter.clone(),
        ),
        Definition::download("GCD", "MR_GB_CAT_SESSION", CATEGORY_COLUMNS, None, filter),
    ];
    if let Some((building, year, _)) = map::split_term_key(term) {
        if let Ok(building) = building.parse::<i64>() {
            defs.extend(definitions::marking_periods(year, Some(&[building])));
        }
    }
    Ok(defs)
}

/// Splits `DESC_DETAIL` into the description and rostersync's external id.
fn split_detail(detail: &str) -> (Option<String>, Option<String>) {
    match detail.rfind(rules::EXTERNAL_ID_MARKER) {
        Some(at) => {
            let id = detail[at + rules::EXTERNAL_ID_MARKER.len()..]
                .trim_end()
                .trim_end_matches(']')
                .to_owned();
            (map::non_empty(&detail[..at]), Some(id))
        }
        None => (map::non_empty(detail), None),
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

fn assignments(table: &Table) -> Vec<Assignment> {
    table
        .rows
        .iter()
        .filter_map(|row| {
            let number = table.get(row, "ASMT_NUMBER").parse::<i64>().ok()?;
            let (description, external) = split_detail(table.get(row, "DESC_DETAIL"));
            Some(Assignment {
                number,
                item: GradeItem {
                    id: external.unwrap_or_else(|| number.to_string()),
                    title: table.get(row, "DESCRIPTION").to_owned(),
                    description,
                    due: map::parse_date(table.get(row, "DUE_DATE")),
                    max_points: self::number(table.get(row, "POINTS")).unwrap_or(0.0),
                    category: table.opt(row, "CATEGORY").map(str::to_owned),
                    factor: self::number(table.get(row, "WEIGHT")).unwrap_or(1.0),
                    grading_period: None,
                },
            })
        })
        .collect()
}

fn status_of(alpha: &str, exception: &str, points: Option<f64>) -> ScoreStatus {
    if exception == rules::EXCEPTION_EXCUSED {
        ScoreStatus::Excused
    } else if alpha == rules::ALPHA_MISSING {
        ScoreStatus::Missing
    } else if alpha == rules::ALPHA_INCOMPLETE {
        ScoreStatus::Incomplete
    } else if points.is_some() {
        ScoreStatus::Graded
    } else {
        ScoreStatus::Empty
    }
}

/// Reads the gradebook of a section session; items whose due date falls
/// outside the term are left out. Also returns every assignment with its number.
pub(crate) async fn read(
    session: &Session,
    section: &SectionKey,
    term: &TermKey,
) -> EspResult<(SisGradebook, Vec<Assignment>)> {
    let defs = download_defs(section, term)?;
    let mut downloads = tasks::download(session, &defs).await?.into_iter();
    let mut next = || downloads.next().map(|d| d.table).unwrap_or_default();
    let (asmt, scores, categories) = (next(), next(), next());
    let (weeks, dates) = (next(), next());
    let span = map::terms(&weeks, &dates, &mut Vec::new())
        .into_iter()
        .find(|t| &t.key == term)
        .map(|t| (t.start, t.end));
    let all = assignments(&asmt);
    let by_number: BTreeMap<i64, &Assignment> = all.iter().map(|a| (a.number, a)).collect();
    let in_term = |item: &GradeItem| match (span, item.due) {
        (Some((start, end)), Some(due)) => start <= due && due <= end,
        _ => true,
    };
    let period = map::split_term_key(term).map(|(_, _, period)| period);
    let gradebook = SisGradebook {
        categories: categories
            .rows
            .iter()
            .filter(|row| period.is_none_or(|p| categories.get(row, "MARKING_PERIOD") == p))
            .map(|row| GradeCategory {
                id: categories.get(row, "CATEGORY").to_owned(),
                title: categories.get(row, "CATEGORY").to_owned(),
                weight: number(categories.get(row, "CATEGORY_WEIGHT")),
                drop_lowest: categories.get(row, "DROP_LOWEST").parse().unwrap_or(0),
            })
            .collect(),
        items: all
            .iter()
            .map(|a| a.item.clone())
            .filter(|item| in_term(item))
            .collect(),
        scores: scores
            .rows
            .iter()
            .filter_map(|row| {
                let asmt = by_number.get(&scores.get(row, "ASMT_NUMBER").parse::<i64>().ok()?)?;
                if !in_term(&asmt.item) {
                    return None;
                }
                let points = number(scores.get(row, "ASMT_SCORE"));
                Some(Score {
                    item: asmt.item.id.clone(),
                    student: PersonKey::new(scores.get(row, "STUDENT_ID")),
                    points,
                    status: status_of(
                        scores.get(row, "ASMT_ALPHA_MARK"),
                        scores.get(row, "ASMT_EXCEPTION"),
                        points,
                    ),
                    comment: None,
                })
            })
            .collect(),
    };
    Ok((gradebook, all))
}

/// Text fit for a one-line upload record.
fn flatten(text: &str) -> String {
    text.replace(['\r', '\n', '\t'], " ")
        .replace('|', "/")
        .trim()
        .to_owned()
}

fn format_number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn upload_definition(
    interface_id: &str,
    table: &'static str,
    columns: &'static [&'static str],
) -> Definition {
    Definition {
        interface_id: interface_id.to_owned(),
        direction: 'U',
        description: format!("rostersync {table} upload"),
        table,
        file_name: format!("{interface_id}_{}.txt", table.to_ascii_lowercase()),
        columns,
        free_text: None,
        filter: String::new(),
    }
}

/// Uploads a file and runs its definition in verify mode, then run mode.
async fn upload_and_run(
    session: &Session,
    definition: &Definition,
    rows: &[Vec<String>],
    started: &mut bool,
) -> EspResult<()> {
    let bytes = parse::write(FileFormat::UPLOAD, definition.columns, rows, None)?;
    tasks::save(session, definition).await?;
    tasks::upload_file(session, &definition.file_name, bytes).await?;
    for mode in [task_rules::VERIFY, task_rules::RUN] {
        tasks::clear_tasks(session, &definition.interface_id).await?;
        *started |= mode == task_rules::RUN;
        tasks::run_upload(session, &definition.interface_id, mode).await?;
        let expected = BTreeMap::from([(definition.interface_id.clone(), None)]);
        tasks::wait(session, &expected).await?;
    }
    tasks::delete_file(session, &definition.file_name).await
}

/// Writes items and scores; returns one outcome per item, then per score.
/// A failure once a run-mode upload began is [`EspError::MayHaveBeenApplied`].
pub(crate) async fn write(session: &Session, write: &GradeWrite) -> EspResult<Vec<WriteOutcome>> {
    let mut started = false;
    write_all(session, write, &mut started)
        .await
        .map_err(|error| {
            if started {
                EspError::MayHaveBeenApplied {
                    source: Box::new(error),
                }
            } else {
                error
            }
        })
}

async fn write_all(
    session: &Session,
    write: &GradeWrite,
    started: &mut bool,
) -> EspResult<Vec<WriteOutcome>> {
    let (key, course_session) = section_parts(&write.section)?;
    let (_, existing) = read(session, &write.section, &write.term).await?;
    let mut numbers: BTreeMap<String, i64> = existing
        .iter()
        .map(|a| (a.item.id.clone(), a.number))
        .collect();
    let mut next = existing.iter().map(|a| a.number).max().unwrap_or(0) + 1;
    let mut assignment_rows = Vec::new();
    for item in &write.items {
        let number = *numbers.entry(item.id.clone()).or_insert_with(|| {
            next += 1;
            next - 1
        });
        let detail = format!(
            "{} {}{}]",
            item.description.as_deref().map(flatten).unwrap_or_default(),
            rules::EXTERNAL_ID_MARKER,
            flatten(&item.id)
        );
        assignment_rows.push(vec![
            key.to_owned(),
            course_session.to_owned(),
            number.to_string(),
            item.category.as_deref().map(flatten).unwrap_or_default(),
            item.due
                .map(|d| d.format("%m/%d/%Y").to_string())
                .unwrap_or_default(),
            format_number(item.max_points),
            format_number(item.factor),
            flatten(&item.title),
            detail.trim().to_owned(),
        ]);
    }
    let mut score_rows = Vec::new();
    let mut unknown = BTreeSet::new();
    for (index, score) in write.scores.iter().enumerate() {
        let Some(number) = numbers.get(&score.item) else {
            unknown.insert(index);
            continue;
        };
        let (points, alpha, exception) = match score.status {
            ScoreStatus::Graded => (score.points.map(format_number).unwrap_or_default(), "", ""),
            ScoreStatus::Excused => (String::new(), "", rules::EXCEPTION_EXCUSED),
            ScoreStatus::Missing => (String::new(), rules::ALPHA_MISSING, ""),
            ScoreStatus::Incomplete => (String::new(), rules::ALPHA_INCOMPLETE, ""),
            ScoreStatus::Empty => (String::new(), "", ""),
        };
        score_rows.push(vec![
            key.to_owned(),
            course_session.to_owned(),
            number.to_string(),
            score.student.as_str().to_owned(),
            points,
            alpha.to_owned(),
            exception.to_owned(),
        ]);
    }
    if !assignment_rows.is_empty() {
        let definition = upload_definition(
            rules::ASSIGNMENT_INTERFACE,
            "MR_GB_ASMT",
            ASSIGNMENT_COLUMNS,
        );
        upload_and_run(session, &definition, &assignment_rows, started).await?;
    }
    if !score_rows.is_empty() {
        let definition =
            upload_definition(rules::SCORE_INTERFACE, "MR_GB_STU_SCORE", SCORE_COLUMNS);
        upload_and_run(session, &definition, &score_rows, started).await?;
    }
    let (after, all) = read(session, &write.section, &write.term).await?;
    Ok(outcomes(write, &after, &all, &unknown))
}

/// Compares what was written with what the gradebook holds afterwards.
fn outcomes(
    write: &GradeWrite,
    after: &SisGradebook,
    all: &[Assignment],
    unknown: &BTreeSet<usize>,
) -> Vec<WriteOutcome> {
    let failed = |message: String| WriteResult::Failed {
        status: None,
        message,
        may_have_been_applied: false,
    };
    let mut out = Vec::new();
    for item in &write.items {
        let found = all.iter().find(|a| a.item.id == item.id);
        out.push(WriteOutcome {
            key: item.id.clone(),
            result: match found {
                Some(assignment) => WriteResult::Done {
                    id: Some(assignment.number.to_string()),
                },
                None => {
                    failed("the assignment is not in the gradebook after the upload".to_owned())
                }
            },
        });
    }
    for (index, score) in write.scores.iter().enumerate() {
        let key = format!("{}/{}", score.item, score.student);
        let result = if unknown.contains(&index) {
            failed(format!(
                "item {} is neither written nor in the gradebook",
                score.item
            ))
        } else {
            let stored = after
                .scores
                .iter()
                .find(|s| s.item == score.item && s.student == score.student);
            match stored {
                Some(stored)
                    if stored.status == score.status
                        && match (stored.points, score.points) {
                            (Some(a), Some(b)) => (a - b).abs() < 0.00005,
                            _ => score.status != ScoreStatus::Graded,
                        } =>
                {
                    WriteResult::Done { id: None }
                }
                Some(_) => {
                    failed("the gradebook holds a different score after the upload".to_owned())
                }
                None => failed("the score is not in the gradebook after the upload".to_owned()),
            }
        };
        out.push(WriteOutcome { key, result });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_external_id_survives_in_the_detail() {
        assert_eq!(
            split_detail("Read ch. 3 [rostersync:A-77]"),
            (Some("Read ch. 3".to_owned()), Some("A-77".to_owned()))
        );
        assert_eq!(split_detail("plain"), (Some("plain".to_owned()), None));
        assert_eq!(format_number(10.0), "10");
        assert_eq!(format_number(9.25), "9.25");
        assert_eq!(flatten(" a\r\nb|c "), "a  b/c");
    }
}
