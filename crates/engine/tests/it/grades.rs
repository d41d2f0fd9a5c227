//! Grade passback over the fakes: writes, a second run that writes nothing,
//! a teacher refused for another teacher's section, a hand-edited SIS score
//! listed and not overwritten, a score that does not land, a dry run.

// Test set-up code outside `#[test]` functions: a failure here is a broken test.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use rostersync_core::SyncScope;
use rostersync_core::grades::{
    Averaging, GradeSettings, MissingPolicy, PeriodWindow, Rounding, SisCategory,
};
use rostersync_core::ids::{PersonKey, SectionKey, TermKey, UserId};
use rostersync_core::model::grades::{GradeItem, LmsGradebook, PeriodGrade, Score, ScoreStatus};
use rostersync_engine::fakes::{FakeGradeSink, FakeGradeSource};
use rostersync_engine::{EngineError, GradeOptions, Requester, RunOptions};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RunStatus, StateStore, Trigger};

use crate::support::World;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn settings() -> GradeSettings {
    GradeSettings {
        categories: [("hw".to_owned(), "HW".to_owned())].into_iter().collect(),
        sis_categories: vec![SisCategory {
            code: "HW".into(),
            weight: 100.0,
            drop_lowest: 0,
        }],
        periods: vec![
            PeriodWindow {
                period: "GP1".into(),
                term: "MP1".into(),
                school: "S1".into(),
                start: day(2025, 8, 15),
                end: day(2025, 12, 20),
            },
            PeriodWindow {
                period: "GP2".into(),
                term: "MP2".into(),
                school: "S1".into(),
                start: day(2026, 1, 5),
                end: day(2026, 6, 1),
            },
        ],
        missing: MissingPolicy::AlphaMark("M".into()),
        incomplete_mark: "I".into(),
        excused_exception: "EX".into(),
        rounding: Rounding::HalfUp { decimals: 0 },
        scale: Vec::new(),
        averaging: Averaging::TotalPoints,
        tolerance: 100.0,
        max_title_len: 30,
    }
}

struct Setup {
    world: World,
    section: SectionKey,
    students: Vec<PersonKey>,
    source: FakeGradeSource,
    sink: FakeGradeSink,
}

/// A synced tiny district and one of its sections with a small gradebook.
async fn setup() -> Setup {
    let world = World::tiny();
    world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    let links = world.store.links().await.unwrap();
    let mut per_section: std::collections::BTreeMap<&SectionKey, Vec<&PersonKey>> =
        Default::default();
    for (section, person) in links.enrollments.keys() {
        if person.as_str().starts_with('S') {
            per_section.entry(section).or_default().push(person);
        }
    }
    let (section, students) = per_section.into_iter().find(|(_, s)| s.len() >= 2).unwrap();
    let (section, students): (SectionKey, Vec<PersonKey>) = (
        section.clone(),
        students.into_iter().take(2).cloned().collect(),
    );
    let item = |id: &str, due: NaiveDate| GradeItem {
        id: id.into(),
        title: format!("Homework {id}"),
        description: None,
        due: Some(due),
        max_points: 10.0,
        category: Some("hw".into()),
        factor: 1.0,
        grading_period: None,
    };
    let book = LmsGradebook {
        categories: Vec::new(),
        items: vec![item("1", day(2025, 9, 10)), item("2", day(2026, 2, 10))],
        scores: vec![
            Score {
                item: "1".into(),
                student: students[0].clone(),
                points: Some(8.0),
                status: ScoreStatus::Graded,
                comment: None,
            },
            Score {
                item: "1".into(),
                student: students[1].clone(),
                points: None,
                status: ScoreStatus::Excused,
                comment: None,
            },
            Score {
                item: "2".into(),
                student: students[0].clone(),
                points: Some(10.0),
                status: ScoreStatus::Graded,
                comment: None,
            },
        ],
        period_grades: Vec::new(),
    };
    let source = FakeGradeSource::new();
    source.set(section.clone(), book, vec![UserId::new("teacher-1")]);
    let sink = FakeGradeSink::new();
    sink.set_school(section.clone(), "S1".into());
    Setup {
        world,
        section,
        students,
        source,
        sink,
    }
}

/// A passback of the set-up section by a System Administrator.
async fn passback(setup: &Setup) -> rostersync_engine::GradeReport {
    passback_of(setup, &setup.section, &settings())
        .await
        .unwrap()
}

/// A passback of `section` by a System Administrator with `settings`.
async fn passback_of(
    setup: &Setup,
    section: &SectionKey,
    settings: &GradeSettings,
) -> Result<rostersync_engine::GradeReport, EngineError> {
    setup
        .world
        .engine
        .grades(
            &setup.source,
            &setup.sink,
            settings,
            section,
            &Requester::SystemAdmin,
            options(setup),
        )
        .await
}

fn options(setup: &Setup) -> GradeOptions {
    GradeOptions {
        now: setup.world.now(),
        dry_run: false,
        overwrite: false,
        period: None,
    }
}

#[tokio::test]
async fn passback_writes_once_and_a_second_run_writes_nothing() {
    let s = setup().await;
    let report = passback(&s).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!((report.plan.items.len(), report.plan.scores.len()), (2, 3));
    assert_eq!(s.sink.writes(), 5);
    let mp2 = s.sink.book(&s.section, &TermKey::from("MP2"));
    assert_eq!(
        mp2.items.len(),
        1,
        "the item due in February lands in the second marking period"
    );

    let again = passback(&s).await;
    assert!(again.plan.writes_nothing(), "{:#?}", again.plan);
    assert_eq!(s.sink.writes(), 5);

    // A score changed in the LMS is updated on the next passback.
    let first = s.students[0].clone();
    s.source.edit(&s.section, |book| {
        if let Some(score) = book
            .scores
            .iter_mut()
            .find(|x| x.item == "1" && x.student == first)
        {
            score.points = Some(9.0);
        }
    });
    let third = passback(&s).await;
    assert_eq!(third.plan.scores.len(), 1);
    assert_eq!(third.written, 1);
}

#[tokio::test]
async fn a_teacher_may_pass_back_only_their_own_sections() {
    let s = setup().await;
    let engine = &s.world.engine;
    let refused = engine
        .grades(
            &s.source,
            &s.sink,
            &settings(),
            &s.section,
            &Requester::Teacher(UserId::new("teacher-2")),
            options(&s),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, EngineError::NotSectionTeacher { .. }),
        "{refused}"
    );
    assert_eq!(s.sink.writes(), 0);
    let allowed = engine
        .grades(
            &s.source,
            &s.sink,
            &settings(),
            &s.section,
            &Requester::Teacher(UserId::new("teacher-1")),
            options(&s),
        )
        .await
        .unwrap();
    assert_eq!(allowed.status, RunStatus::Succeeded);
}

#[tokio::test]
async fn a_score_edited_in_the_sis_is_listed_and_not_overwritten() {
    let s = setup().await;
    passback(&s).await;
    let first = s.students[0].clone();
    s.sink.edit(&s.section, &TermKey::from("MP1"), |book| {
        if let Some(score) = book
            .scores
            .iter_mut()
            .find(|x| x.item == "rs-1" && x.student == first)
        {
            score.points = Some(3.0);
        }
    });
    let report = passback(&s).await;
    assert_eq!(report.plan.conflicts.len(), 1);
    assert!(report.plan.writes_nothing());
    let kept = s.sink.book(&s.section, &TermKey::from("MP1"));
    assert_eq!(
        kept.scores
            .iter()
            .find(|x| x.item == "rs-1" && x.student == first)
            .unwrap()
            .points,
        Some(3.0)
    );
    let skipped = s
        .world
        .store
        .outcomes(&OutcomeFilter {
            run: Some(report.run),
            status: Some(OutcomeStatus::Skipped),
            entity: None,
        })
        .await
        .unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("not overwritten"),
        "{skipped:?}"
    );
}

#[tokio::test]
async fn a_score_that_does_not_land_is_a_failure_and_is_sent_again() {
    let s = setup().await;
    s.sink.lose("rs-2", s.students[0].clone());
    let report = passback(&s).await;
    assert_eq!(report.status, RunStatus::CompletedWithFailures);
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("holds something else"),
        "{:?}",
        report.failures
    );
    // Only what landed is in the ledger, so the next passback sends it again.
    let again = passback(&s).await;
    let resent: Vec<&str> = again.plan.scores.iter().map(|w| w.item.as_str()).collect();
    assert_eq!(resent, ["rs-2"]);
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let s = setup().await;
    let report = s
        .world
        .engine
        .grades(
            &s.source,
            &s.sink,
            &settings(),
            &s.section,
            &Requester::SystemAdmin,
            GradeOptions {
                dry_run: true,
                ..options(&s)
            },
        )
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::DryRun);
    assert_eq!(report.plan.scores.len(), 3);
    assert_eq!(s.sink.writes(), 0);
}

/// Two schools share the LMS grading periods; the other school's terms come
/// first and have other dates. The section's items go only into its own
/// school's terms, and its average check compares like with like.
#[tokio::test]
async fn a_shared_grading_period_writes_only_into_the_sections_own_schools_terms() {
    let s = setup().await;
    s.source.edit(&s.section, |book| {
        book.period_grades = vec![
            PeriodGrade {
                student: s.students[0].clone(),
                period: "GP1".into(),
                percent: Some(80.0),
            },
            PeriodGrade {
                student: s.students[0].clone(),
                period: "GP2".into(),
                percent: Some(100.0),
            },
        ];
    });
    let mut settings = settings();
    settings.tolerance = 0.5;
    let other = |period: &str, term: &str, start: NaiveDate, end: NaiveDate| PeriodWindow {
        period: period.into(),
        term: term.into(),
        school: "S2".into(),
        start,
        end,
    };
    // By date, S2's first term would take item 1; by period, S2's second
    // term (which holds no item) would stand for GP2.
    settings
        .periods
        .insert(0, other("GP2", "S2-MP2", day(2026, 3, 1), day(2026, 6, 1)));
    settings
        .periods
        .insert(0, other("GP1", "S2-MP1", day(2025, 9, 1), day(2025, 9, 30)));
    let report = passback_of(&s, &s.section, &settings).await.unwrap();
    let terms: std::collections::BTreeSet<&str> = report
        .plan
        .items
        .iter()
        .map(|item| item.term.as_str())
        .chain(report.plan.scores.iter().map(|score| score.term.as_str()))
        .collect();
    assert_eq!(terms, ["MP1", "MP2"].into_iter().collect());
    for term in ["S2-MP1", "S2-MP2"] {
        let book = s.sink.book(&s.section, &TermKey::new(term));
        assert!(book.items.is_empty() && book.scores.is_empty(), "{term}");
    }
    assert!(
        report.plan.averages.is_empty(),
        "marks agree: {:#?}",
        report.plan.averages
    );
}

#[tokio::test]
async fn a_section_the_sis_does_not_know_is_refused_before_anything_is_read() {
    let s = setup().await;
    let unknown = SectionKey::new("no-such-section");
    s.source
        .set(unknown.clone(), LmsGradebook::default(), Vec::new());
    let error = passback_of(&s, &unknown, &settings()).await.unwrap_err();
    assert!(
        matches!(error, EngineError::SectionNotInSis { .. }),
        "{error}"
    );
    assert_eq!(s.sink.writes(), 0);
}
