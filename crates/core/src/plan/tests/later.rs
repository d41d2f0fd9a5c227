//! Enrollments that begin later: not created before their first day, a note
//! until then; one the LMS already has is kept, never dropped.

use crate::entity::{Action, Entity};
use crate::model::sis::EnrollmentRole;
use crate::plan::tests::fixture::{World, date, enrollment_ops, notes};
use crate::plan::{EnrollmentAction, NoteReason, PlanSummary};
use crate::scope::SyncScope;

/// The basic world plus a second section of school 102 that S1 joins on
/// 2026-01-11, leaving 101-ALG1-01 the day before.
fn mover() -> World {
    let mut w = World::basic();
    w.teacher("T2", "Alan", "Kay", "102");
    w.course("102-GEO", "102", "Geometry");
    w.section("102-GEO-01", "102-GEO", "102", Some("T2"));
    w.enroll("102-GEO-01", "S1").begin = Some(date(2026, 1, 11));
    w
}

#[test]
fn an_enrollment_that_begins_later_is_not_created_and_is_a_note() {
    let w = mover();
    let plan = w.plan(SyncScope::All);
    let ops = enrollment_ops(&plan, "S1");
    assert_eq!(
        ops,
        [(
            "101-ALG1-01",
            &EnrollmentAction::Enroll {
                role: EnrollmentRole::Student
            }
        )]
    );
    let found = notes(&plan, Entity::Enrollment, "102-GEO-01/S1");
    assert_eq!(
        found,
        [NoteReason::BeginsLater {
            begin: date(2026, 1, 11)
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "begins 2026-01-11; enrolled on that day, not before"
    );
    // The section itself is created: its teacher and its future students need it.
    assert!(
        plan.sections
            .iter()
            .any(|op| op.key.as_str() == "102-GEO-01")
    );
}

#[test]
fn a_student_moving_schools_is_never_in_both_sections_at_once() {
    let mut w = mover();
    w.sync();
    // The SIS ends the old enrollment the day before the new one begins.
    w.today = date(2026, 1, 10);
    w.sis
        .enrollments
        .iter_mut()
        .find(|e| e.person.as_str() == "S1" && e.section.as_str() == "101-ALG1-01")
        .unwrap()
        .end = Some(date(2026, 1, 10));
    let plan = w.sync();
    assert!(enrollment_ops(&plan, "S1").is_empty(), "{plan:#?}");
    assert_eq!(notes(&plan, Entity::Enrollment, "102-GEO-01/S1").len(), 1);
    w.today = date(2026, 1, 11);
    let plan = w.sync();
    let ops = enrollment_ops(&plan, "S1");
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(ops.contains(&(
        "102-GEO-01",
        &EnrollmentAction::Enroll {
            role: EnrollmentRole::Student
        }
    )));
    assert!(
        ops.iter()
            .any(|(section, action)| *section == "101-ALG1-01"
                && action.action() == Action::Remove)
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    assert!(PlanSummary::of(&w.plan(SyncScope::All)).writes_nothing());
}

#[test]
fn an_lms_enrollment_that_begins_later_in_the_sis_is_kept_not_dropped() {
    let mut w = World::basic();
    w.sync();
    // The SIS now says S2 begins later (re-dated): the enrollment stays.
    w.sis
        .enrollments
        .iter_mut()
        .find(|e| e.person.as_str() == "S2")
        .unwrap()
        .begin = Some(date(2027, 1, 11));
    let plan = w.plan(SyncScope::All);
    assert!(enrollment_ops(&plan, "S2").is_empty(), "{plan:#?}");
    assert!(notes(&plan, Entity::Enrollment, "101-ALG1-01/S2").is_empty());
    assert_eq!(
        plan.unchanged.get(&Entity::Enrollment),
        Some(&3),
        "S2's counts as unchanged"
    );
    // Not owned (made by hand): adopted, not dropped.
    w.links.enrollments.clear();
    let plan = w.plan(SyncScope::All);
    assert!(matches!(
        enrollment_ops(&plan, "S2")[..],
        [(_, EnrollmentAction::Adopt { .. })]
    ));
}

#[test]
fn a_teacher_row_that_begins_later_holds_the_section_teacher_back() {
    let mut w = World::basic();
    // T2 is named co-teacher, and the SIS dates the assignment.
    w.teacher("T2", "Jean", "Sammet", "101");
    w.sis.sections[0].co_teachers.push("T2".into());
    let row = w.enroll("101-ALG1-01", "T2");
    row.role = EnrollmentRole::Teacher;
    row.begin = Some(date(2027, 1, 11));
    let plan = w.plan(SyncScope::All);
    assert!(enrollment_ops(&plan, "T2").is_empty(), "{plan:#?}");
    assert_eq!(
        notes(&plan, Entity::Enrollment, "101-ALG1-01/T2"),
        [NoteReason::BeginsLater {
            begin: date(2027, 1, 11)
        }]
    );
    // The primary teacher, named without a dated row, is enrolled now.
    assert_eq!(
        enrollment_ops(&plan, "T1"),
        [(
            "101-ALG1-01",
            &EnrollmentAction::Enroll {
                role: EnrollmentRole::Teacher
            }
        )]
    );
}

#[test]
fn a_current_row_wins_over_one_that_begins_later() {
    let mut w = World::basic();
    w.enroll("101-ALG1-01", "S1").begin = Some(date(2027, 1, 11));
    let plan = w.plan(SyncScope::All);
    assert_eq!(enrollment_ops(&plan, "S1").len(), 1);
    assert!(notes(&plan, Entity::Enrollment, "101-ALG1-01/S1").is_empty());
}
