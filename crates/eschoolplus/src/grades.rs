//! Gradebook passback: read the assignments (MR_GB_ASMT), scores
//! (MR_GB_STU_SCORE) and categories (MR_GB_CAT_SESSION) of a passback's
//! sections through one download definition, and write through upload
//! definitions — upload the file, run it in verify mode, then in run mode,
//! and read the gradebook back to report each record's outcome. Items keep
//! their external id in the assignment (see [`assumptions::grades`]), so a
//! repeat updates instead of duplicating.
//!
//! The read covers every section the passback names (see
//! [`Gradebooks`]), so a passback of a teacher's sections saves its
//! definitions once and reads the gradebooks once, and again only after a
//! write made them stale.

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::grades::{
    GradeCategory, GradeItem, GradeWrite, Score, ScoreStatus, SisGradebook,
};
use rostersync_ports::{WriteOutcome, WriteResult};

use crate::assumptions::{definitions as ids, grades as rules, tasks as task_rules};
use crate::connection::Connection;
use crate::definitions::{self, Definition};
use crate::error::{EspError, EspResult};
use crate::map;
use crate::parse::{self, FileFormat, Table};
use crate::tasks::{self, Download};

/// An assignment as read, with its number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    number: i64,
    item: GradeItem,
}

/// Splits a section key into the eSchoolPLUS `SECTION_KEY` and `COURSE_SESSION`.
pub(crate) fn section_parts(section: &SectionKey) -> EspResult<(&str, &str)> {
    map::split_section_key(section)
        .filter(|(key, session)| {
            !key.is_empty()
                && !session.is_empty()
                && key.chars().all(|c| c.is_ascii_digit())
                && session.chars().all(|c| c.is_ascii_digit())
        })
        .ok_or_else(|| EspError::Refused {
            action: "read the gradebook".to_owned(),
            message: format!(
                "{section} is not an eSchoolPLUS section key (SECTION_KEY-COURSE_SESSION)"
            ),
        })
}

/// The sections whose gradebooks one read covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Gradebooks {
    section_keys: BTreeSet<String>,
}

impl Gradebooks {
    /// Adds the sections a passback will read.
    pub(crate) fn add(&mut self, sections: &[SectionKey]) -> EspResult<()> {
        for section in sections {
            let (key, _) = section_parts(section)?;
            self.section_keys.insert(key.to_owned());
        }
        Ok(())
    }

    /// The gradebook read of the sections added so far.
    pub(crate) fn definition(&self) -> Definition {
        let keys: Vec<String> = self.section_keys.iter().cloned().collect();
        definitions::gradebook(&keys)
    }

    /// The files of the read (sections, assignments, scores, categories),
    /// made once and again only after a write.
    async fn files(
        &mut self,
        connection: &mut Connection,
        section: &SectionKey,
    ) -> EspResult<[Table; 4]> {
        self.add(std::slice::from_ref(section))?;
        let downloads = connection.download_once(&self.definition()).await?;
        let mut tables = downloads.into_iter().map(|Download { table, .. }| table);
        let mut next = || tables.next().unwrap_or_default();
        Ok([next(), next(), next(), next()])
    }

    /// The school (building) of a section, as `SCHD_MS` holds it; `None`
    /// when eSchoolPLUS has no such section.
    pub(crate) async fn school(
        &mut self,
        connection: &mut Connection,
        section: &SectionKey,
    ) -> EspResult<Option<SchoolKey>> {
        let (key, _) = section_parts(section)?;
        let [sections, ..] = self.files(connection, section).await?;
        Ok(sections
            .rows
            .iter()
            .find(|row| sections.get(row, "SECTION_KEY") == key)
            .map(|row| map::school_key(sections.get(row, "BUILDING"))))
    }
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

fn assignments(table: &Table, of_section: &dyn Fn(&Table, &parse::Row) -> bool) -> Vec<Assignment> {
    table
        .rows
        .iter()
        .filter(|row| of_section(table, row))
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
/// outside the term are left out. Also returns every assignment of the
/// section session with its number.
pub(crate) async fn read(
    connection: &mut Connection,
    books: &mut Gradebooks,
    section: &SectionKey,
    term: &TermKey,
) -> EspResult<(SisGradebook, Vec<Assignment>)> {
    let (key, course_session) = section_parts(section)?;
    let [_, asmt, scores, categories] = books.files(connection, section).await?;
    let span = match map::split_term_key(term) {
        Some((_, year, _)) => {
            let downloads = connection.download_once(&definitions::terms(year)).await?;
            let mut tables = downloads.into_iter().map(|d| d.table);
            let (weeks, dates) = (
                tables.next().unwrap_or_default(),
                tables.next().unwrap_or_default(),
            );
            map::terms(&weeks, &dates, &mut Vec::new())
                .into_iter()
                .find(|t| &t.key == term)
                .map(|t| (t.start, t.end))
        }
        None => None,
    };
    let of_section = |table: &Table, row: &parse::Row| {
        table.get(row, "SECTION_KEY") == key && table.get(row, "COURSE_SESSION") == course_session
    };
    let all = assignments(&asmt, &of_section);
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
            .filter(|row| of_section(&categories, row))
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
            .filter(|row| of_section(&scores, row))
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

/// Uploads a file and runs its definition in verify mode, then run mode.
async fn upload_and_run(
    connection: &Connection,
    definition: &Definition,
    rows: &[Vec<String>],
    started: &mut bool,
) -> EspResult<()> {
    let header = definition
        .headers
        .first()
        .ok_or_else(|| EspError::Unexpected {
            what: format!("upload {}", definition.interface_id),
            message: "the definition has no header".to_owned(),
        })?;
    let file = definition.file_name(header);
    let bytes = parse::write(FileFormat::UPLOAD, header.columns, rows, None)?;
    let session = connection.session();
    tasks::upload_file(session, &file, bytes).await?;
    for mode in [task_rules::VERIFY, task_rules::RUN] {
        tasks::clear_tasks(session, &definition.interface_id).await?;
        *started |= mode == task_rules::RUN;
        tasks::run_upload(session, &definition.interface_id, mode).await?;
        tasks::wait(session, &definition.interface_id, tasks::Leaves::Task).await?;
    }
    tasks::delete_file(session, &file).await
}

/// Writes items and scores; returns one outcome per item, then per score.
/// A failure once a run-mode upload began is [`EspError::MayHaveBeenApplied`].
pub(crate) async fn write(
    connection: &mut Connection,
    books: &mut Gradebooks,
    write: &GradeWrite,
) -> EspResult<Vec<WriteOutcome>> {
    let mut started = false;
    let result = write_all(connection, books, write, &mut started).await;
    if started && result.is_err() {
        // The gradebook may have changed; a successful write ends with a
        // fresh read, which stays.
        connection.forget(ids::GRADEBOOK);
    }
    result.map_err(|error| {
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
    connection: &mut Connection,
    books: &mut Gradebooks,
    write: &GradeWrite,
    started: &mut bool,
) -> EspResult<Vec<WriteOutcome>> {
    let (key, course_session) = section_parts(&write.section)?;
    let (_, existing) = read(connection, books, &write.section, &write.term).await?;
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
    let uploads = [
        (definitions::assignment_upload(), assignment_rows),
        (definitions::score_upload(), score_rows),
    ];
    let needed: Vec<&Definition> = uploads
        .iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(definition, _)| definition)
        .collect();
    connection.prepare(&needed).await?;
    for (definition, rows) in &uploads {
        if !rows.is_empty() {
            upload_and_run(connection, definition, rows, started).await?;
        }
    }
    connection.forget(ids::GRADEBOOK);
    let (after, all) = read(connection, books, &write.section, &write.term).await?;
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
