//! End to end: grade passback of one section from the Schoology simulator to
//! the eSchoolPLUS simulator, through the real clients, the engine and the
//! SQLite store, after a roster sync made the section; a score edited in the
//! SIS by hand is listed as a conflict, not overwritten.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rostersync_core::SyncScope;
use rostersync_core::grades::{
    Averaging, GradeSettings, MissingPolicy, PeriodWindow, Rounding, SisCategory,
};
use rostersync_core::ids::{GradingPeriodId, PersonKey, SectionKey};
use rostersync_engine::{GradeOptions, Requester, RunOptions};
use rostersync_ports::{RunStatus, SisSource, StateStore, Trigger};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::schoology::{Assignment, Grade, GradingCategory};

use crate::sync_e2e::{lms, sis, stage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sections_grades_land_in_the_sis_once_and_a_second_passback_writes_nothing() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let engine = stage.engine(true).await;
    engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap();
    let links = stage.store.links().await.unwrap();

    // A section with two students rostersync enrolled.
    let mut students: BTreeMap<&SectionKey, Vec<&PersonKey>> = BTreeMap::new();
    for (section, person) in links.enrollments.keys() {
        if person.as_str().starts_with('S') {
            students.entry(section).or_default().push(person);
        }
    }
    let (section, pupils) = students.into_iter().find(|(_, p)| p.len() >= 2).unwrap();
    let (section, pupils): (SectionKey, Vec<PersonKey>) = (
        section.clone(),
        pupils.into_iter().take(2).cloned().collect(),
    );
    let state = stage.sgy.state();
    let lms_section = state
        .sections
        .iter()
        .find(|s| s.section_school_code.as_deref() == Some(section.as_str()))
        .unwrap()
        .clone();

    // The section's grading periods and the SIS terms they were made from.
    let terms = sis(&stage.esp, stage.esp.password())
        .terms(stage.district.school_year)
        .await
        .unwrap();
    let windows: Vec<PeriodWindow> = links
        .grading_periods
        .iter()
        .filter(|(_, link)| {
            lms_section
                .grading_periods
                .iter()
                .any(|id| id.to_string() == link.id.as_str())
        })
        .filter_map(|(term, link)| {
            let term = terms.iter().find(|t| &t.key == term)?;
            Some(PeriodWindow {
                period: link.id.clone(),
                term: term.key.clone(),
                school: term.school.clone(),
                start: term.start,
                end: term.end,
            })
        })
        .collect();
    let window = windows
        .first()
        .expect("the section has a grading period made from a term")
        .clone();
    let second = windows
        .get(1)
        .expect("the section meets in a second marking period")
        .clone();

    // A teacher's gradebook in Schoology: one category, two assignments, three grades.
    let category = stage.sgy.seed(GradingCategory {
        id: 0,
        section_id: lms_section.id,
        title: "Homework".into(),
        weight: Some(100.0),
        drop_lowest: 0,
        calculation_type: 1,
    });
    let period: u64 = window.period.as_str().parse().unwrap();
    let due = |d: NaiveDate| Some(format!("{d} 23:59:00"));
    let mut assignments = Vec::new();
    for (title, day) in [
        ("Essay", window.start + chrono::Days::new(10)),
        ("Lab report", window.start + chrono::Days::new(20)),
    ] {
        assignments.push(stage.sgy.seed(Assignment {
            id: 0,
            section_id: lms_section.id,
            title: title.into(),
            description: None,
            due: due(day),
            max_points: 10.0,
            factor: 1.0,
            grading_category: category,
            grading_period: period,
            is_final: false,
        }));
    }
    // No due date: it goes to the last day of its grading period.
    assignments.push(stage.sgy.seed(Assignment {
        id: 0,
        section_id: lms_section.id,
        title: "Quiz".into(),
        description: None,
        due: None,
        max_points: 5.0,
        factor: 1.0,
        grading_category: category,
        grading_period: period,
        is_final: false,
    }));
    // Due in the second marking period.
    let second_period: u64 = second.period.as_str().parse().unwrap();
    assignments.push(stage.sgy.seed(Assignment {
        id: 0,
        section_id: lms_section.id,
        title: "Project".into(),
        description: None,
        due: due(second.start + chrono::Days::new(5)),
        max_points: 20.0,
        factor: 1.0,
        grading_category: category,
        grading_period: second_period,
        is_final: false,
    }));
    let enrollment_of = |student: &PersonKey| {
        let uid = state
            .users
            .iter()
            .find(|u| u.school_uid.as_deref() == Some(student.as_str()))
            .unwrap()
            .id;
        state
            .enrollments
            .iter()
            .find(|e| e.section_id == lms_section.id && e.uid == uid)
            .unwrap()
            .id
    };
    for (student, assignment, points) in [
        (&pupils[0], assignments[0], 8.0),
        (&pupils[0], assignments[1], 9.5),
        (&pupils[1], assignments[0], 6.0),
    ] {
        stage.sgy.seed(Grade {
            enrollment_id: enrollment_of(student),
            assignment_id: assignment,
            grade: Some(points),
            exception: 0,
            comment: String::new(),
            timestamp: 0,
        });
    }

    stage.sgy.seed(Grade {
        enrollment_id: enrollment_of(&pupils[0]),
        assignment_id: assignments[3],
        grade: Some(18.0),
        exception: 0,
        comment: String::new(),
        timestamp: 0,
    });
    // An excused quiz (Schoology exception 1).
    stage.sgy.seed(Grade {
        enrollment_id: enrollment_of(&pupils[1]),
        assignment_id: assignments[2],
        grade: None,
        exception: 1,
        comment: String::new(),
        timestamp: 0,
    });
    let settings = GradeSettings {
        categories: [(category.to_string(), "HW".to_owned())]
            .into_iter()
            .collect(),
        sis_categories: vec![SisCategory {
            code: "HW".into(),
            weight: 100.0,
            drop_lowest: 0,
        }],
        periods: windows.clone(),
        missing: MissingPolicy::AlphaMark("M".into()),
        incomplete_mark: "I".into(),
        excused_exception: "EX".into(),
        rounding: Rounding::HalfUp { decimals: 0 },
        scale: Vec::new(),
        averaging: Averaging::WeightedCategories,
        tolerance: 100.0,
        max_title_len: 30,
    };
    let source = lms(&stage.sgy, true);
    let sink = sis(&stage.esp, stage.esp.password());
    let options = GradeOptions {
        now: stage.now(),
        dry_run: false,
        overwrite: false,
        period: None::<GradingPeriodId>,
    };
    let report = engine
        .grades(
            &source,
            &sink,
            &settings,
            &section,
            &Requester::SystemAdmin,
            options.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        report.status,
        RunStatus::Succeeded,
        "{:#?}",
        report.failures
    );
    assert!(
        report.plan.problems.is_empty(),
        "{:#?}",
        report.plan.problems
    );
    assert_eq!((report.plan.items.len(), report.plan.scores.len()), (4, 5));
    let project = report
        .plan
        .items
        .iter()
        .find(|w| w.item.title == "Project")
        .unwrap();
    assert_eq!(
        project.term, second.term,
        "an item due in the second marking period goes there"
    );
    let quiz = report
        .plan
        .items
        .iter()
        .find(|w| w.item.title == "Quiz")
        .unwrap();
    assert_eq!(
        quiz.item.due,
        Some(window.end),
        "an item without a due date goes to the last day of its period"
    );
    assert!(
        report
            .plan
            .scores
            .iter()
            .any(|w| w.value == rostersync_core::grades::ScoreValue::Exception("EX".into()))
    );
    let site = stage.esp.site_code().to_owned();
    let rows = |table: &str| stage.esp.table(&site, table).map_or(0, |t| t.rows.len());
    assert_eq!(
        rows("MR_GB_ASMT"),
        4,
        "four assignments in the SIS gradebook"
    );
    assert_eq!(rows("MR_GB_STU_SCORE"), 5, "five scores");

    let again = engine
        .grades(
            &source,
            &sink,
            &settings,
            &section,
            &Requester::SystemAdmin,
            options,
        )
        .await
        .unwrap();
    assert!(again.plan.writes_nothing(), "{:#?}", again.plan);
    assert_eq!((rows("MR_GB_ASMT"), rows("MR_GB_STU_SCORE")), (4, 5));

    // Each passback above is one command; the next one starts afresh.
    sink.close().await;

    // Somebody edits a score in eSchoolPLUS by hand: the next passback lists
    // it as a conflict and leaves it alone.
    let edited = stage.esp.edit_table(&site, "MR_GB_STU_SCORE", |table| {
        let student = table
            .columns
            .iter()
            .position(|c| c == "STUDENT_ID")
            .unwrap();
        let score = table
            .columns
            .iter()
            .position(|c| c == "ASMT_SCORE")
            .unwrap();
        let row = table
            .rows
            .iter_mut()
            .find(|row| {
                row[student].trim() == pupils[0].as_str()
                    && row[score].trim().parse::<f64>().ok() == Some(8.0)
            })
            .unwrap();
        row[score] = "3".to_owned();
    });
    assert!(edited);
    let options = GradeOptions {
        now: stage.now(),
        dry_run: false,
        overwrite: false,
        period: None,
    };
    let third = engine
        .grades(
            &source,
            &sink,
            &settings,
            &section,
            &Requester::SystemAdmin,
            options,
        )
        .await
        .unwrap();
    assert_eq!(third.plan.conflicts.len(), 1, "{:#?}", third.plan);
    assert!(third.plan.writes_nothing());
    let kept = stage.esp.table(&site, "MR_GB_STU_SCORE").unwrap();
    let score = kept.columns.iter().position(|c| c == "ASMT_SCORE").unwrap();
    assert!(
        kept.rows.iter().any(|row| row[score].trim() == "3"),
        "the hand-edited score is not overwritten"
    );

    // Another teacher may not pass back this section.
    let stranger = state
        .users
        .iter()
        .find(|u| {
            u.role_id == "1215" && !lms_section_admins(&state, lms_section.id).contains(&u.id)
        })
        .unwrap();
    let refused = engine
        .grades(
            &source,
            &sink,
            &settings,
            &section,
            &Requester::Teacher(stranger.id.to_string().into()),
            GradeOptions {
                now: stage.now(),
                dry_run: false,
                overwrite: false,
                period: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            rostersync_engine::EngineError::NotSectionTeacher { .. }
        ),
        "{refused}"
    );
}

fn lms_section_admins(state: &rostersync_sim::schoology::State, section: u64) -> Vec<u64> {
    state
        .enrollments
        .iter()
        .filter(|e| e.section_id == section && e.admin)
        .map(|e| e.uid)
        .collect()
}
