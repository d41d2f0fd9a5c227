//! Pre-flight and the grade plan: which items and scores go to which SIS
//! term, which SIS values would be overwritten (listed as conflicts, never
//! overwritten without an explicit override), and where the SIS's average
//! would differ from the LMS's period grade.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::grades::math::{average, round};
use crate::grades::{GradeSettings, MissingPolicy, PeriodWindow};
use crate::ids::{GradingPeriodId, PersonKey, SectionKey, TermKey};
use crate::model::grades::{GradeItem, GradeWrite, LmsGradebook, Score, ScoreStatus, SisGradebook};

/// The stable id rostersync gives the SIS copy of an LMS item, so a second
/// sync updates it instead of adding another.
pub fn external_id(lms_item: &str) -> String {
    format!("rs-{lms_item}")
}

/// A score as the SIS holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreValue {
    /// Points earned.
    Points(f64),
    /// An alpha mark (missing, incomplete, ...).
    Alpha(String),
    /// An exception (excused).
    Exception(String),
}

impl fmt::Display for ScoreValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreValue::Points(points) => write!(f, "{points}"),
            ScoreValue::Alpha(mark) => write!(f, "mark {mark}"),
            ScoreValue::Exception(code) => write!(f, "exception {code}"),
        }
    }
}

/// What rostersync wrote before, by (external item id, student).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WrittenScores(pub BTreeMap<String, BTreeMap<PersonKey, ScoreValue>>);

impl WrittenScores {
    /// The value written for one student on one item, if any.
    pub fn get(&self, item: &str, student: &PersonKey) -> Option<&ScoreValue> {
        self.0.get(item).and_then(|scores| scores.get(student))
    }

    /// Records a value written.
    pub fn record(&mut self, item: &str, student: PersonKey, value: ScoreValue) {
        self.0
            .entry(item.to_owned())
            .or_default()
            .insert(student, value);
    }
}

/// Everything `grade_plan` reads.
#[derive(Debug, Clone, Copy)]
pub struct GradeInput<'a> {
    /// The section.
    pub section: &'a SectionKey,
    /// The LMS gradebook of the section.
    pub lms: &'a LmsGradebook,
    /// The SIS gradebook of the section, per mapped term.
    pub sis: &'a BTreeMap<TermKey, SisGradebook>,
    /// The students the SIS has enrolled in the section.
    pub enrolled: &'a BTreeSet<PersonKey>,
    /// What rostersync wrote before.
    pub written: &'a WrittenScores,
    /// The grade settings.
    pub settings: &'a GradeSettings,
    /// Overwrite SIS scores that rostersync did not write, or that changed since.
    pub overwrite: bool,
}

/// What kind of pre-flight problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The item's LMS category maps to no SIS category.
    UnmappedCategory,
    /// The item's factor is not 1 (the SIS has no factor).
    Factor,
    /// The item's due date is in no mapped term.
    DueOutsideTerms,
    /// The item has no due date and no mapped grading period.
    NoPeriod,
    /// A graded score has no number.
    NonNumericScore,
    /// Two items of one term share a title.
    DuplicateTitle,
    /// The title is longer than the SIS takes.
    TitleTooLong,
    /// The LMS has a student the SIS section does not.
    NotEnrolled,
}

/// A problem found before anything is sent, with the item and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeProblem {
    /// What kind.
    pub kind: ProblemKind,
    /// The LMS item, if it is about one.
    pub item: Option<String>,
    /// The student, if it is about one.
    pub student: Option<PersonKey>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Create or update an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemWrite {
    /// The SIS term.
    pub term: TermKey,
    /// The item as the SIS gets it (id = external id, category = SIS code).
    pub item: GradeItem,
    /// `None` for a create, else the fields that change.
    pub changes: Option<Vec<String>>,
}

/// A score to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreWrite {
    /// The SIS term.
    pub term: TermKey,
    /// The external item id.
    pub item: String,
    /// The student.
    pub student: PersonKey,
    /// The value.
    pub value: ScoreValue,
    /// The SIS value it replaces, if any.
    pub replaces: Option<ScoreValue>,
}

/// A SIS score the plan would overwrite and so leaves alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeConflict {
    /// The SIS term.
    pub term: TermKey,
    /// The external item id.
    pub item: String,
    /// The student.
    pub student: PersonKey,
    /// The SIS value now.
    pub sis: ScoreValue,
    /// The LMS value.
    pub lms: ScoreValue,
    /// Why it is a conflict.
    pub reason: String,
}

/// A student whose SIS average would differ from the LMS period grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageDiff {
    /// The student.
    pub student: PersonKey,
    /// The LMS grading period.
    pub period: GradingPeriodId,
    /// The LMS period grade, rounded.
    pub lms: Option<f64>,
    /// The average the SIS will compute, rounded.
    pub sis: Option<f64>,
}

/// The grade plan of one section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GradePlan {
    /// Items to create or update.
    pub items: Vec<ItemWrite>,
    /// Scores to write.
    pub scores: Vec<ScoreWrite>,
    /// SIS values left alone.
    pub conflicts: Vec<GradeConflict>,
    /// Problems found before sending.
    pub problems: Vec<GradeProblem>,
    /// Averages that would differ.
    pub averages: Vec<AverageDiff>,
    /// Items and scores that already match.
    pub unchanged: usize,
}

impl GradePlan {
    /// Whether the plan writes nothing.
    pub fn writes_nothing(&self) -> bool {
        self.items.is_empty() && self.scores.is_empty()
    }

    /// The writes, one per term, for the SIS grade sink.
    pub fn writes(&self, section: &SectionKey, settings: &GradeSettings) -> Vec<GradeWrite> {
        let mut by_term: BTreeMap<TermKey, GradeWrite> = BTreeMap::new();
        fn entry<'m>(
            by_term: &'m mut BTreeMap<TermKey, GradeWrite>,
            section: &SectionKey,
            term: &TermKey,
        ) -> &'m mut GradeWrite {
            by_term.entry(term.clone()).or_insert_with(|| GradeWrite {
                section: section.clone(),
                term: term.clone(),
                items: Vec::new(),
                scores: Vec::new(),
            })
        }
        for write in &self.items {
            entry(&mut by_term, section, &write.term)
                .items
                .push(write.item.clone());
        }
        for write in &self.scores {
            let score = to_score(&write.item, &write.student, &write.value, settings);
            entry(&mut by_term, section, &write.term).scores.push(score);
        }
        by_term.into_values().collect()
    }
}

fn to_score(
    item: &str,
    student: &PersonKey,
    value: &ScoreValue,
    settings: &GradeSettings,
) -> Score {
    let (points, status) = match value {
        ScoreValue::Points(points) => (Some(*points), ScoreStatus::Graded),
        ScoreValue::Exception(_) => (None, ScoreStatus::Excused),
        ScoreValue::Alpha(mark) if *mark == settings.incomplete_mark => {
            (None, ScoreStatus::Incomplete)
        }
        ScoreValue::Alpha(_) => (None, ScoreStatus::Missing),
    };
    Score {
        item: item.to_owned(),
        student: student.clone(),
        points,
        status,
        comment: None,
    }
}

/// The SIS value an LMS score becomes, `None` for an empty score.
fn lms_value(score: &Score, settings: &GradeSettings) -> Result<Option<ScoreValue>, ()> {
    Ok(match score.status {
        ScoreStatus::Graded => match score.points {
            Some(points) if points.is_finite() => Some(ScoreValue::Points(points)),
            _ => return Err(()),
        },
        ScoreStatus::Excused => Some(ScoreValue::Exception(settings.excused_exception.clone())),
        ScoreStatus::Missing => Some(match &settings.missing {
            MissingPolicy::AlphaMark(mark) => ScoreValue::Alpha(mark.clone()),
            MissingPolicy::Zero => ScoreValue::Points(0.0),
        }),
        ScoreStatus::Incomplete => Some(ScoreValue::Alpha(settings.incomplete_mark.clone())),
        ScoreStatus::Empty => None,
    })
}

/// The value a SIS score holds, `None` when it is empty.
fn sis_value(score: &Score, settings: &GradeSettings) -> Option<ScoreValue> {
    match score.status {
        ScoreStatus::Graded => score.points.map(ScoreValue::Points),
        ScoreStatus::Excused => Some(ScoreValue::Exception(settings.excused_exception.clone())),
        ScoreStatus::Missing => Some(ScoreValue::Alpha(match &settings.missing {
            MissingPolicy::AlphaMark(mark) => mark.clone(),
            MissingPolicy::Zero => "M".to_owned(),
        })),
        ScoreStatus::Incomplete => Some(ScoreValue::Alpha(settings.incomplete_mark.clone())),
        ScoreStatus::Empty => None,
    }
}

fn same(a: &ScoreValue, b: &ScoreValue) -> bool {
    match (a, b) {
        (ScoreValue::Points(x), ScoreValue::Points(y)) => (x - y).abs() < 1e-6,
        _ => a == b,
    }
}

fn problem(
    kind: ProblemKind,
    item: Option<&str>,
    student: Option<&PersonKey>,
    message: String,
) -> GradeProblem {
    GradeProblem {
        kind,
        item: item.map(str::to_owned),
        student: student.cloned(),
        message,
    }
}

/// An LMS item placed in a SIS term, ready to write.
struct Placed<'a> {
    lms: &'a GradeItem,
    window: &'a PeriodWindow,
    sis: GradeItem,
}

/// Plans the passback of one section: pre-flight, items, scores, conflicts
/// and the average check. Never fails; problems are listed in the plan.
pub fn grade_plan(input: &GradeInput<'_>) -> GradePlan {
    let settings = input.settings;
    let mut plan = GradePlan::default();
    let placed = place_items(input, &mut plan);
    let placed_ids: BTreeSet<&str> = placed.iter().map(|p| p.lms.id.as_str()).collect();

    for item in &placed {
        let existing = input
            .sis
            .get(&item.window.term)
            .and_then(|book| book.items.iter().find(|sis| sis.id == item.sis.id));
        match existing {
            None => plan.items.push(ItemWrite {
                term: item.window.term.clone(),
                item: item.sis.clone(),
                changes: None,
            }),
            Some(current) => {
                let changes = item_changes(current, &item.sis);
                if changes.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.items.push(ItemWrite {
                        term: item.window.term.clone(),
                        item: item.sis.clone(),
                        changes: Some(changes),
                    });
                }
            }
        }
    }

    let mut not_enrolled: BTreeSet<&PersonKey> = BTreeSet::new();
    for score in &input.lms.scores {
        let Some(item) = placed.iter().find(|p| p.lms.id == score.item) else {
            continue;
        };
        if !input.enrolled.contains(&score.student) {
            not_enrolled.insert(&score.student);
            continue;
        }
        let desired = match lms_value(score, settings) {
            Ok(Some(value)) => value,
            Ok(None) => continue,
            Err(()) => {
                plan.problems.push(problem(
                    ProblemKind::NonNumericScore,
                    Some(&score.item),
                    Some(&score.student),
                    format!("the score of {} on \"{}\" is graded but has no number; enter points or mark it missing, excused or incomplete", score.student, item.lms.title),
                ));
                continue;
            }
        };
        let term = &item.window.term;
        let current = input
            .sis
            .get(term)
            .and_then(|book| {
                book.scores
                    .iter()
                    .find(|s| s.item == item.sis.id && s.student == score.student)
            })
            .and_then(|s| sis_value(s, settings));
        match current {
            Some(current) if same(&current, &desired) => plan.unchanged += 1,
            Some(current) => {
                let written = input.written.get(&item.sis.id, &score.student);
                let ours_unchanged = written.is_some_and(|w| same(w, &current));
                if ours_unchanged || input.overwrite {
                    plan.scores.push(ScoreWrite {
                        term: term.clone(),
                        item: item.sis.id.clone(),
                        student: score.student.clone(),
                        value: desired,
                        replaces: Some(current),
                    });
                } else {
                    let reason = if written.is_some() {
                        "changed in the SIS since rostersync wrote it"
                    } else {
                        "posted in the SIS by someone else"
                    };
                    plan.conflicts.push(GradeConflict {
                        term: term.clone(),
                        item: item.sis.id.clone(),
                        student: score.student.clone(),
                        sis: current,
                        lms: desired,
                        reason: reason.to_owned(),
                    });
                }
            }
            None => plan.scores.push(ScoreWrite {
                term: term.clone(),
                item: item.sis.id.clone(),
                student: score.student.clone(),
                value: desired,
                replaces: None,
            }),
        }
    }
    for student in not_enrolled {
        plan.problems.push(problem(
            ProblemKind::NotEnrolled,
            None,
            Some(student),
            format!("{student} has scores in the LMS but is not enrolled in SIS section {}; their scores are not sent until the SIS enrolls them", input.section),
        ));
    }
    plan.averages = average_check(input, &placed, &placed_ids);
    sort(&mut plan);
    plan
}

/// Pre-flight of the items: category, factor, term, title; returns the items to write.
fn place_items<'a>(input: &GradeInput<'a>, plan: &mut GradePlan) -> Vec<Placed<'a>> {
    let settings = input.settings;
    let mut placed = Vec::new();
    let mut items: Vec<&GradeItem> = input.lms.items.iter().collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    for item in items {
        let id = Some(item.id.as_str());
        let category = item
            .category
            .as_ref()
            .and_then(|c| settings.categories.get(c));
        let Some(category) = category else {
            plan.problems.push(problem(ProblemKind::UnmappedCategory, id, None, format!(
                "\"{}\" is in LMS category {} which maps to no SIS category; map it in the grade settings",
                item.title, item.category.as_deref().unwrap_or("(none)")
            )));
            continue;
        };
        if (item.factor - 1.0).abs() > 1e-9 {
            plan.problems.push(problem(ProblemKind::Factor, id, None, format!(
                "\"{}\" has factor {} but the SIS has no factor; set it to 1 or change its points to {}",
                item.title, item.factor, item.max_points * item.factor
            )));
            continue;
        }
        let (window, due) = match (item.due, &item.grading_period) {
            (Some(due), _) => match settings.window_of(due) {
                Some(window) => (window, due),
                None => {
                    plan.problems.push(problem(ProblemKind::DueOutsideTerms, id, None, format!(
                        "\"{}\" is due {due}, outside every mapped term; move its due date into a term or map the term",
                        item.title
                    )));
                    continue;
                }
            },
            (None, Some(period)) => match settings.window_for(period) {
                // No due date: the last day of its grading period.
                Some(window) => (window, window.end),
                None => {
                    plan.problems.push(problem(ProblemKind::NoPeriod, id, None, format!(
                        "\"{}\" has no due date and its grading period {period} is not mapped; give it a due date or map the period",
                        item.title
                    )));
                    continue;
                }
            },
            (None, None) => {
                plan.problems.push(problem(
                    ProblemKind::NoPeriod,
                    id,
                    None,
                    format!(
                        "\"{}\" has no due date and no grading period; give it a due date",
                        item.title
                    ),
                ));
                continue;
            }
        };
        if item.title.chars().count() > settings.max_title_len {
            plan.problems.push(problem(
                ProblemKind::TitleTooLong,
                id,
                None,
                format!(
                    "\"{}\" is longer than the {} characters the SIS takes; shorten it",
                    item.title, settings.max_title_len
                ),
            ));
            continue;
        }
        let sis = GradeItem {
            id: external_id(&item.id),
            title: item.title.trim().to_owned(),
            description: item.description.clone(),
            due: Some(due),
            max_points: item.max_points,
            category: Some(category.clone()),
            factor: 1.0,
            grading_period: None,
        };
        placed.push(Placed {
            lms: item,
            window,
            sis,
        });
    }
    // Two items with one title in one term: the SIS shows them as one; send neither.
    let mut titles: BTreeMap<(&TermKey, String), usize> = BTreeMap::new();
    for item in &placed {
        *titles
            .entry((&item.window.term, item.sis.title.to_lowercase()))
            .or_insert(0) += 1;
    }
    let (kept, duplicates): (Vec<Placed<'a>>, Vec<Placed<'a>>) =
        placed.into_iter().partition(|item| {
            titles.get(&(&item.window.term, item.sis.title.to_lowercase())) == Some(&1)
        });
    for item in duplicates {
        plan.problems.push(problem(
            ProblemKind::DuplicateTitle,
            Some(&item.lms.id),
            None,
            format!(
                "\"{}\" shares its title with another item in term {}; rename one of them",
                item.lms.title, item.window.term
            ),
        ));
    }
    kept
}

fn item_changes(current: &GradeItem, wanted: &GradeItem) -> Vec<String> {
    let mut changes = Vec::new();
    if current.title != wanted.title {
        changes.push("title".to_owned());
    }
    if current.description != wanted.description {
        changes.push("description".to_owned());
    }
    if current.due != wanted.due {
        changes.push("due".to_owned());
    }
    if (current.max_points - wanted.max_points).abs() > 1e-9 {
        changes.push("max_points".to_owned());
    }
    if current.category != wanted.category {
        changes.push("category".to_owned());
    }
    changes
}

/// Each student's period average as the SIS will compute it from what it
/// will hold, against the LMS period grade.
fn average_check(
    input: &GradeInput<'_>,
    placed: &[Placed<'_>],
    placed_ids: &BTreeSet<&str>,
) -> Vec<AverageDiff> {
    let settings = input.settings;
    let mut diffs = Vec::new();
    for grade in &input.lms.period_grades {
        if !input.enrolled.contains(&grade.student) {
            continue;
        }
        let Some(window) = settings.window_for(&grade.period) else {
            continue;
        };
        let scores: Vec<(String, f64, f64)> = input
            .lms
            .scores
            .iter()
            .filter(|s| s.student == grade.student && placed_ids.contains(s.item.as_str()))
            .filter_map(|s| {
                let item = placed
                    .iter()
                    .find(|p| p.lms.id == s.item && p.window.term == window.term)?;
                let category = item.sis.category.clone().unwrap_or_default();
                match lms_value(s, settings).ok()?? {
                    ScoreValue::Points(points) => Some((category, points, item.sis.max_points)),
                    // A missing mark counts as nothing earned; incomplete and excused work is left out.
                    ScoreValue::Alpha(mark) if mark != settings.incomplete_mark => {
                        Some((category, 0.0, item.sis.max_points))
                    }
                    ScoreValue::Alpha(_) | ScoreValue::Exception(_) => None,
                }
            })
            .collect();
        let sis = average(&scores, settings.averaging, &settings.sis_categories)
            .map(|a| round(a, settings.rounding));
        let lms = grade.percent.map(|p| round(p, settings.rounding));
        let differs = match (sis, lms) {
            (Some(a), Some(b)) => (a - b).abs() > settings.tolerance,
            (None, None) => false,
            _ => true,
        };
        if differs {
            diffs.push(AverageDiff {
                student: grade.student.clone(),
                period: grade.period.clone(),
                lms,
                sis,
            });
        }
    }
    diffs
}

fn sort(plan: &mut GradePlan) {
    plan.items
        .sort_by(|a, b| (&a.term, &a.item.id).cmp(&(&b.term, &b.item.id)));
    plan.scores
        .sort_by(|a, b| (&a.term, &a.item, &a.student).cmp(&(&b.term, &b.item, &b.student)));
    plan.conflicts
        .sort_by(|a, b| (&a.term, &a.item, &a.student).cmp(&(&b.term, &b.item, &b.student)));
    plan.problems
        .sort_by(|a, b| (a.kind, &a.item, &a.student).cmp(&(b.kind, &b.item, &b.student)));
    plan.averages
        .sort_by(|a, b| (&a.period, &a.student).cmp(&(&b.period, &b.student)));
}
