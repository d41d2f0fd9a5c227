//! A first sync writes the sections of the courses it creates inside the
//! course bulk: no `POST courses/{id}/sections` at all, and the LMS holds
//! exactly the roster the plan describes, sections with their grading
//! periods and enrollments included.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::SyncScope;
use rostersync_engine::RunOptions;
use rostersync_ports::{RunStatus, Trigger};
use rostersync_sim::district::{DistrictSize, generate};

use crate::sync_e2e::{assert_same, keyed, stage};

/// A section as an administrator sees it: course, title, room, class
/// periods and the titles of its grading periods.
type SectionView = (String, String, Option<String>, Option<String>, Vec<String>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_sends_no_section_call_for_new_courses_and_holds_the_same_roster() {
    let stage = stage(generate(DistrictSize::Small, 3, 2026)).await;
    let report = stage
        .engine(true)
        .await
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap();
    assert_eq!(
        report.status,
        RunStatus::Succeeded,
        "{:#?}",
        report.failures
    );

    let expected = stage.expected_lms().await;
    let counters = stage.sgy.counters();
    assert_eq!(
        counters.requests_to("POST", "courses/{id}/sections"),
        0,
        "{:#?}",
        counters.requests
    );
    let courses = expected.courses.len() as u64;
    let sections = expected.sections.len() as u64;
    assert!(courses > 50 && sections > courses, "{courses} {sections}");
    assert_eq!(
        counters.requests_to("POST", "courses"),
        courses.div_ceil(50)
    );
    // The sections are read back by their codes, 50 at a time.
    assert_eq!(
        counters.requests_to("GET", "sections"),
        sections.div_ceil(50)
    );

    let own = [stage.sgy.admin_uid(), stage.sgy.non_admin_uid()];
    let state = stage.sgy.state();
    let (actual, duplicates) = keyed(&state, &own);
    assert_eq!(duplicates, 0);
    assert_same(&actual, &stage.expected().await, "the LMS holds the plan");

    let period_title = |id: u64| {
        state
            .grading_periods
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title.clone())
            .unwrap()
    };
    let held: BTreeMap<String, SectionView> = state
        .sections
        .iter()
        .map(|s| {
            let course = state.courses.iter().find(|c| c.id == s.course_id).unwrap();
            let periods: BTreeSet<String> =
                s.grading_periods.iter().map(|p| period_title(*p)).collect();
            let view = (
                course.course_code.clone(),
                s.title.clone(),
                s.location.clone(),
                s.class_periods.clone(),
                periods.into_iter().collect(),
            );
            (s.section_school_code.clone().unwrap(), view)
        })
        .collect();
    let planned: BTreeMap<String, SectionView> = expected
        .sections
        .iter()
        .map(|s| {
            let course = expected.courses.iter().find(|c| c.id == s.course).unwrap();
            let periods: BTreeSet<String> = s
                .fields
                .grading_periods
                .iter()
                .map(|p| {
                    let period = expected.grading_periods.iter().find(|g| g.id == *p);
                    period.unwrap().title.clone()
                })
                .collect();
            let view = (
                course.code.clone(),
                s.fields.title.clone(),
                s.fields.location.clone(),
                s.fields.periods.clone(),
                periods.into_iter().collect(),
            );
            (s.unique_code.clone().unwrap(), view)
        })
        .collect();
    assert_eq!(held.len(), planned.len());
    assert!(held.values().all(|view| !view.4.is_empty()));
    assert_eq!(held, planned);
}
