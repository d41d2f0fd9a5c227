//! Tests of the grade math and the grade plan.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use expect_test::expect;
use proptest::prelude::*;

use crate::grades::{
    Averaging, GradeInput, GradeSettings, MissingPolicy, PeriodWindow, ProblemKind, Rounding,
    ScoreValue, SisCategory, WrittenScores, average, external_id, grade_plan, letter, round,
};
use crate::ids::{PersonKey, SectionKey, TermKey};
use crate::model::grades::{
    GradeCategory, GradeItem, LmsGradebook, PeriodGrade, Score, ScoreStatus, SisGradebook,
};

fn date(m: u32, d: u32) -> NaiveDate {
    let year = if m >= 8 { 2025 } else { 2026 };
    NaiveDate::from_ymd_opt(year, m, d).unwrap()
}

fn settings() -> GradeSettings {
    GradeSettings {
        categories: [("c-hw", "HW"), ("c-test", "TST")]
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect(),
        sis_categories: vec![
            SisCategory {
                code: "HW".into(),
                weight: 40.0,
                drop_lowest: 1,
            },
            SisCategory {
                code: "TST".into(),
                weight: 60.0,
                drop_lowest: 0,
            },
        ],
        periods: vec![
            PeriodWindow {
                period: "Q1".into(),
                term: "MP1".into(),
                school: "S1".into(),
                start: date(8, 15),
                end: date(10, 31),
            },
            PeriodWindow {
                period: "Q2".into(),
                term: "MP2".into(),
                school: "S1".into(),
                start: date(11, 1),
                end: date(1, 15),
            },
        ],
        missing: MissingPolicy::AlphaMark("M".into()),
        incomplete_mark: "I".into(),
        excused_exception: "EX".into(),
        rounding: Rounding::HalfUp { decimals: 0 },
        scale: vec![
            (90.0, "A".into()),
            (80.0, "B".into()),
            (70.0, "C".into()),
            (0.0, "F".into()),
        ],
        averaging: Averaging::WeightedCategories,
        tolerance: 0.5,
        max_title_len: 30,
    }
}

fn item(id: &str, title: &str, category: &str, due: Option<NaiveDate>, max: f64) -> GradeItem {
    GradeItem {
        id: id.into(),
        title: title.into(),
        description: None,
        due,
        max_points: max,
        category: Some(category.into()),
        factor: 1.0,
        grading_period: Some("Q1".into()),
    }
}

fn score(item: &str, student: &str, points: Option<f64>, status: ScoreStatus) -> Score {
    Score {
        item: item.into(),
        student: student.into(),
        points,
        status,
        comment: None,
    }
}

fn graded(item: &str, student: &str, points: f64) -> Score {
    score(item, student, Some(points), ScoreStatus::Graded)
}

/// Two students; weighted categories; an excused score; an item without a
/// due date; an item due in the second marking period.
fn gradebook() -> LmsGradebook {
    LmsGradebook {
        categories: vec![
            GradeCategory {
                id: "c-hw".into(),
                title: "Homework".into(),
                weight: Some(40.0),
                drop_lowest: 1,
            },
            GradeCategory {
                id: "c-test".into(),
                title: "Tests".into(),
                weight: Some(60.0),
                drop_lowest: 0,
            },
        ],
        items: vec![
            item("1", "HW 1", "c-hw", Some(date(9, 5)), 10.0),
            item("2", "HW 2", "c-hw", Some(date(9, 12)), 10.0),
            item("3", "Unit test", "c-test", None, 50.0),
            item("4", "Midterm", "c-test", Some(date(12, 1)), 100.0),
        ],
        scores: vec![
            graded("1", "S1", 9.0),
            graded("2", "S1", 4.0),
            graded("3", "S1", 45.0),
            graded("4", "S1", 88.0),
            graded("1", "S2", 10.0),
            score("2", "S2", None, ScoreStatus::Excused),
            graded("3", "S2", 40.0),
            score("4", "S2", None, ScoreStatus::Missing),
        ],
        period_grades: vec![
            // S1: HW drops the 4/10, keeps 9/10 = 90 %; test 45/50 = 90 % → 90.
            PeriodGrade {
                student: "S1".into(),
                period: "Q1".into(),
                percent: Some(90.0),
            },
            // S2: HW 10/10 = 100 %; test 40/50 = 80 % → 88; the LMS says 85.
            PeriodGrade {
                student: "S2".into(),
                period: "Q1".into(),
                percent: Some(85.0),
            },
        ],
    }
}

struct Case {
    lms: LmsGradebook,
    sis: BTreeMap<TermKey, SisGradebook>,
    enrolled: BTreeSet<PersonKey>,
    written: WrittenScores,
    settings: GradeSettings,
    section: SectionKey,
}

impl Case {
    fn new() -> Case {
        Case {
            lms: gradebook(),
            sis: BTreeMap::new(),
            enrolled: ["S1", "S2"].into_iter().map(PersonKey::from).collect(),
            written: WrittenScores::default(),
            settings: settings(),
            section: "SEC-1".into(),
        }
    }

    fn plan(&self, overwrite: bool) -> crate::grades::GradePlan {
        grade_plan(&GradeInput {
            section: &self.section,
            lms: &self.lms,
            sis: &self.sis,
            enrolled: &self.enrolled,
            written: &self.written,
            settings: &self.settings,
            overwrite,
        })
    }

    /// Applies a plan to the SIS side the way a faithful SIS would, and records what was written.
    fn apply(&mut self, plan: &crate::grades::GradePlan) {
        for write in plan.writes(&self.section, &self.settings) {
            let book = self.sis.entry(write.term.clone()).or_default();
            for item in write.items {
                book.items.retain(|i| i.id != item.id);
                book.items.push(item);
            }
            for score in write.scores {
                book.scores
                    .retain(|s| !(s.item == score.item && s.student == score.student));
                book.scores.push(score);
            }
        }
        for write in &plan.scores {
            self.written
                .record(&write.item, write.student.clone(), write.value.clone());
        }
    }
}

#[test]
fn rounding_half_up_and_truncate() {
    assert_eq!(round(89.5, Rounding::HalfUp { decimals: 0 }), 90.0);
    assert_eq!(round(89.45, Rounding::HalfUp { decimals: 1 }), 89.5);
    assert_eq!(round(89.99, Rounding::Truncate { decimals: 0 }), 89.0);
    assert_eq!(round(89.46, Rounding::Truncate { decimals: 1 }), 89.4);
    assert_eq!(letter(89.0, &settings().scale), Some("B"));
    assert_eq!(letter(90.0, &settings().scale), Some("A"));
}

#[test]
fn weighted_average_drops_the_lowest_and_renormalises() {
    let scores = vec![
        ("HW".to_owned(), 9.0, 10.0),
        ("HW".to_owned(), 4.0, 10.0),
        ("TST".to_owned(), 45.0, 50.0),
    ];
    let both = average_of(&scores);
    assert!((both - 90.0).abs() < 1e-9, "{both}");
    // Only homework: the test weight is left out, not counted as zero.
    let only_hw = vec![("HW".to_owned(), 9.0, 10.0)];
    assert_eq!(average_of(&only_hw), 90.0);
    assert_eq!(average(&[], Averaging::TotalPoints, &[]), None);
}

fn average_of(scores: &[(String, f64, f64)]) -> f64 {
    average(
        scores,
        Averaging::WeightedCategories,
        &settings().sis_categories,
    )
    .unwrap()
}

#[test]
fn the_plan_places_items_by_due_date_and_period_and_writes_scores() {
    let case = Case::new();
    let plan = case.plan(false);
    let placed: Vec<(String, String, Option<NaiveDate>)> = plan
        .items
        .iter()
        .map(|w| (w.term.to_string(), w.item.id.clone(), w.item.due))
        .collect();
    assert_eq!(
        placed,
        [
            ("MP1".to_owned(), external_id("1"), Some(date(9, 5))),
            ("MP1".to_owned(), external_id("2"), Some(date(9, 12))),
            // No due date: the last day of its grading period.
            ("MP1".to_owned(), external_id("3"), Some(date(10, 31))),
            // Due in the second marking period.
            ("MP2".to_owned(), external_id("4"), Some(date(12, 1))),
        ]
    );
    let excused = plan
        .scores
        .iter()
        .find(|s| s.item == external_id("2") && s.student.as_str() == "S2")
        .unwrap();
    assert_eq!(excused.value, ScoreValue::Exception("EX".into()));
    let missing = plan
        .scores
        .iter()
        .find(|s| s.item == external_id("4") && s.student.as_str() == "S2")
        .unwrap();
    assert_eq!(missing.value, ScoreValue::Alpha("M".into()));
    // S2's SIS average (88) differs from the LMS period grade (85).
    assert_eq!(plan.averages.len(), 1, "{:?}", plan.averages);
    assert_eq!(
        (
            plan.averages[0].student.as_str(),
            plan.averages[0].sis,
            plan.averages[0].lms
        ),
        ("S2", Some(88.0), Some(85.0))
    );
    assert!(
        plan.conflicts.is_empty() && plan.problems.is_empty(),
        "{plan:#?}"
    );
}

#[test]
fn a_second_plan_after_applying_writes_nothing() {
    let mut case = Case::new();
    let plan = case.plan(false);
    case.apply(&plan);
    let again = case.plan(false);
    assert!(again.writes_nothing(), "{again:#?}");
    assert_eq!(again.unchanged, plan.items.len() + plan.scores.len());
}

#[test]
fn a_score_changed_in_the_lms_is_updated_but_one_edited_in_the_sis_is_a_conflict() {
    let mut case = Case::new();
    let plan = case.plan(false);
    case.apply(&plan);
    // The teacher changes a score in Schoology: rostersync wrote the SIS value, so it updates it.
    case.lms
        .scores
        .iter_mut()
        .find(|s| s.item == "1" && s.student.as_str() == "S1")
        .unwrap()
        .points = Some(10.0);
    // Someone edits another score in the SIS by hand.
    let term = TermKey::from("MP1");
    let sis_score = case
        .sis
        .get_mut(&term)
        .unwrap()
        .scores
        .iter_mut()
        .find(|s| s.item == external_id("3") && s.student.as_str() == "S2")
        .unwrap();
    sis_score.points = Some(48.0);
    let plan = case.plan(false);
    assert_eq!(plan.scores.len(), 1, "{:?}", plan.scores);
    assert_eq!(plan.scores[0].value, ScoreValue::Points(10.0));
    assert_eq!(plan.conflicts.len(), 1);
    let conflict = &plan.conflicts[0];
    assert_eq!(
        (conflict.sis.clone(), conflict.lms.clone()),
        (ScoreValue::Points(48.0), ScoreValue::Points(40.0))
    );
    assert_eq!(
        conflict.reason,
        "changed in the SIS since rostersync wrote it"
    );
    // Only an explicit override writes it.
    assert_eq!(case.plan(true).scores.len(), 2);
}

#[test]
fn a_score_posted_in_the_sis_by_someone_else_is_never_overwritten() {
    let mut case = Case::new();
    case.sis.insert(
        "MP1".into(),
        SisGradebook {
            categories: Vec::new(),
            items: vec![GradeItem {
                id: external_id("1"),
                ..gradebook().items[0].clone()
            }],
            scores: vec![graded(&external_id("1"), "S1", 7.0)],
        },
    );
    let plan = case.plan(false);
    let conflict = plan
        .conflicts
        .iter()
        .find(|c| c.item == external_id("1"))
        .unwrap();
    assert_eq!(conflict.reason, "posted in the SIS by someone else");
    assert!(
        !plan
            .scores
            .iter()
            .any(|s| s.item == external_id("1") && s.student.as_str() == "S1")
    );
}

#[test]
fn pre_flight_lists_every_problem_with_its_fix() {
    let mut case = Case::new();
    case.lms.items.push(GradeItem {
        factor: 2.0,
        ..item("5", "Double", "c-hw", Some(date(9, 20)), 10.0)
    });
    case.lms
        .items
        .push(item("6", "Quiz", "c-quiz", Some(date(9, 20)), 10.0));
    case.lms
        .items
        .push(item("7", "Summer work", "c-hw", Some(date(7, 1)), 10.0));
    case.lms
        .items
        .push(item("8", "HW 1", "c-hw", Some(date(9, 30)), 10.0));
    case.lms.items.push(item(
        "9",
        "A very long title that the SIS will not take",
        "c-hw",
        Some(date(9, 30)),
        10.0,
    ));
    case.lms
        .scores
        .push(score("3", "S1", None, ScoreStatus::Graded));
    case.lms.scores.push(graded("3", "S9", 5.0));
    let plan = case.plan(false);
    let kinds: Vec<(ProblemKind, Option<String>)> = plan
        .problems
        .iter()
        .map(|p| (p.kind, p.item.clone()))
        .collect();
    expect![[r#"
        [
            (
                UnmappedCategory,
                Some(
                    "6",
                ),
            ),
            (
                Factor,
                Some(
                    "5",
                ),
            ),
            (
                DueOutsideTerms,
                Some(
                    "7",
                ),
            ),
            (
                NonNumericScore,
                Some(
                    "3",
                ),
            ),
            (
                DuplicateTitle,
                Some(
                    "1",
                ),
            ),
            (
                DuplicateTitle,
                Some(
                    "8",
                ),
            ),
            (
                TitleTooLong,
                Some(
                    "9",
                ),
            ),
            (
                NotEnrolled,
                None,
            ),
        ]
    "#]]
    .assert_debug_eq(&kinds);
    let factor = plan
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Factor)
        .unwrap();
    assert_eq!(
        factor.message,
        "\"Double\" has factor 2 but the SIS has no factor; set it to 1 or change its points to 20"
    );
    // Nothing of a problem item is written.
    assert!(!plan.items.iter().any(|w| ["rs-1", "rs-5", "rs-6", "rs-7", "rs-8", "rs-9"].contains(&w.item.id.as_str())));
    assert!(!plan.scores.iter().any(|s| s.student.as_str() == "S9"));
}

#[test]
fn the_writes_group_items_and_scores_by_term() {
    let case = Case::new();
    let plan = case.plan(false);
    let writes = plan.writes(&case.section, &case.settings);
    let shape: Vec<(String, usize, usize)> = writes
        .iter()
        .map(|w| (w.term.to_string(), w.items.len(), w.scores.len()))
        .collect();
    assert_eq!(shape, [("MP1".to_owned(), 3, 6), ("MP2".to_owned(), 1, 2)]);
    let excused = writes[0]
        .scores
        .iter()
        .find(|s| s.status == ScoreStatus::Excused)
        .unwrap();
    assert_eq!(
        (excused.item.as_str(), excused.student.as_str()),
        ("rs-2", "S2")
    );
}

fn scores_strategy() -> impl Strategy<Value = Vec<(String, f64, f64)>> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["HW", "TST"]),
            0u32..=100,
            1u32..=100,
        ),
        1..20,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(category, earned, possible)| {
                (
                    category.to_owned(),
                    f64::from(earned.min(possible)),
                    f64::from(possible),
                )
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn averages_do_not_depend_on_item_order(scores in scores_strategy(), seed in any::<u64>()) {
        let mut shuffled = scores.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for averaging in [Averaging::TotalPoints, Averaging::WeightedCategories] {
            let a = average(&scores, averaging, &settings().sis_categories);
            let b = average(&shuffled, averaging, &settings().sis_categories);
            let same = match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            prop_assert!(same, "{:?} vs {:?}", a, b);
        }
    }

    #[test]
    fn total_points_equals_weighted_when_weights_follow_points(scores in scores_strategy()) {
        let mut categories: Vec<SisCategory> = Vec::new();
        for code in ["HW", "TST"] {
            let weight: f64 = scores.iter().filter(|(c, _, _)| c == code).map(|(_, _, p)| p).sum();
            categories.push(SisCategory { code: code.into(), weight, drop_lowest: 0 });
        }
        let total = average(&scores, Averaging::TotalPoints, &categories).unwrap();
        let weighted = average(&scores, Averaging::WeightedCategories, &categories).unwrap();
        prop_assert!((total - weighted).abs() < 1e-9, "{total} vs {weighted}");
    }
}

/// The whole plan of the example section, kept as a golden file that
/// `cargo xtask bless` rewrites.
#[test]
fn golden_grade_plan() {
    let mut case = Case::new();
    case.lms
        .items
        .push(item("5", "Lab", "c-quiz", Some(date(9, 20)), 10.0));
    let actual = serde_json::to_string_pretty(&case.plan(false)).unwrap() + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/grades/section_plan.json");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "golden grade plan {} differs; run `cargo xtask bless` and review the diff.\n{actual}",
        path.display()
    );
}
