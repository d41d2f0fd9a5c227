//! Enrollments whose SIS rows all ended: not created, and a note says so
//! with the last day; one rostersync manages is dropped as before; one the
//! LMS has that rostersync did not make is left alone, with the note.

use crate::entity::{Action, Entity};
use crate::mapping::DropPolicy;
use crate::model::sis::EnrollmentRole;
use crate::plan::tests::fixture::{World, date, enrollment_ops, notes};
use crate::plan::{EnrollmentAction, NoteReason, PlanSummary};
use crate::scope::SyncScope;

/// Ends every SIS row of `person` on `end`.
fn end_rows(w: &mut World, person: &str, end: chrono::NaiveDate) {
    for row in w
        .sis
        .enrollments
        .iter_mut()
        .filter(|e| e.person.as_str() == person)
    {
        row.end = Some(end);
    }
}

const STUDENT: EnrollmentAction = EnrollmentAction::Enroll {
    role: EnrollmentRole::Student,
};

#[test]
fn an_ended_enrollment_the_lms_lacks_is_not_created_and_is_a_note_with_its_last_day() {
    let mut w = World::basic();
    end_rows(&mut w, "S2", date(2025, 9, 12));
    // An earlier ended row of the same pair: the latest last day is told.
    w.enroll("101-ALG1-01", "S2").end = Some(date(2025, 8, 30));
    let plan = w.plan(SyncScope::All);
    assert!(enrollment_ops(&plan, "S2").is_empty(), "{plan:#?}");
    let found = notes(&plan, Entity::Enrollment, "101-ALG1-01/S2");
    assert_eq!(
        found,
        [NoteReason::Ended {
            end: date(2025, 9, 12),
            left_alone: false,
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "the enrollment ended on 2025-09-12 (its last day in the SIS); it is not created"
    );
    assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
    assert!(plan.skips.is_empty(), "{:?}", plan.skips);
    // The note stays while the SIS has the rows; applying writes nothing for it.
    w.sync();
    let plan = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&plan).writes_nothing());
    assert_eq!(notes(&plan, Entity::Enrollment, "101-ALG1-01/S2"), found);
}

#[test]
fn an_ended_row_beside_a_current_one_of_the_pair_is_enrolled_without_a_note() {
    let mut w = World::basic();
    w.enroll("101-ALG1-01", "S1").end = Some(date(2025, 9, 1));
    let plan = w.plan(SyncScope::All);
    assert_eq!(enrollment_ops(&plan, "S1"), [("101-ALG1-01", &STUDENT)]);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn a_row_that_begins_later_wins_over_one_that_ended() {
    let mut w = World::basic();
    end_rows(&mut w, "S1", date(2025, 9, 1));
    w.enroll("101-ALG1-01", "S1").begin = Some(date(2026, 1, 11));
    let plan = w.plan(SyncScope::All);
    assert!(enrollment_ops(&plan, "S1").is_empty(), "{plan:#?}");
    assert_eq!(
        notes(&plan, Entity::Enrollment, "101-ALG1-01/S1"),
        [NoteReason::BeginsLater {
            begin: date(2026, 1, 11)
        }]
    );
}

#[test]
fn an_ended_enrollment_rostersync_manages_is_dropped_without_a_note() {
    let mut w = World::basic();
    w.sync();
    end_rows(&mut w, "S2", date(2025, 9, 30));
    let plan = w.plan(SyncScope::All);
    let ops = enrollment_ops(&plan, "S2");
    assert!(
        matches!(
            ops[..],
            [(
                "101-ALG1-01",
                EnrollmentAction::Unenroll {
                    role: EnrollmentRole::Student,
                    ..
                }
            )]
        ),
        "{ops:?}"
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    // Dropped, it is an enrollment the LMS lacks: from then on, the note.
    w.sync();
    let plan = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&plan).writes_nothing());
    assert_eq!(
        notes(&plan, Entity::Enrollment, "101-ALG1-01/S2"),
        [NoteReason::Ended {
            end: date(2025, 9, 30),
            left_alone: false,
        }]
    );
}

#[test]
fn an_ended_enrollment_kept_by_the_drop_policy_has_no_note() {
    let mut w = World::basic();
    w.spec.drop_policy = DropPolicy::Keep;
    w.sync();
    end_rows(&mut w, "S2", date(2025, 9, 30));
    let plan = w.plan(SyncScope::All);
    assert!(enrollment_ops(&plan, "S2").is_empty(), "{plan:#?}");
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn an_ended_enrollment_rostersync_did_not_make_is_left_alone_with_a_note() {
    let mut w = World::basic();
    w.sync();
    // Made by hand: the LMS has it, the links do not.
    w.links.enrollments.clear();
    end_rows(&mut w, "S2", date(2025, 9, 30));
    let plan = w.plan(SyncScope::All);
    assert!(
        !plan
            .enrollments
            .iter()
            .any(|op| op.action.action() == Action::Remove),
        "{plan:#?}"
    );
    let found = notes(&plan, Entity::Enrollment, "101-ALG1-01/S2");
    assert_eq!(
        found,
        [NoteReason::Ended {
            end: date(2025, 9, 30),
            left_alone: true,
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "the enrollment ended on 2025-09-30 (its last day in the SIS); the LMS enrollment, not made by rostersync, is left alone; remove it in the LMS if it should go"
    );
}

#[test]
fn the_section_teacher_with_an_ended_row_is_still_the_teacher() {
    let mut w = World::basic();
    let row = w.enroll("101-ALG1-01", "T1");
    row.role = EnrollmentRole::Teacher;
    row.end = Some(date(2025, 9, 1));
    let plan = w.plan(SyncScope::All);
    assert_eq!(
        enrollment_ops(&plan, "T1"),
        [(
            "101-ALG1-01",
            &EnrollmentAction::Enroll {
                role: EnrollmentRole::Teacher
            }
        )]
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn an_ended_enrollment_of_a_person_not_synced_is_a_note_not_a_skip() {
    let mut w = World::basic();
    // School 103 is not mapped: S3 is skipped, and so would be a current row.
    w.student("S3", "Kurt", "Goedel", "103");
    w.enroll("101-ALG1-01", "S3").end = Some(date(2025, 9, 1));
    let plan = w.plan(SyncScope::All);
    assert!(
        !plan
            .skips
            .iter()
            .any(|s| s.entity == Entity::Enrollment && s.key == "101-ALG1-01/S3"),
        "{:?}",
        plan.skips
    );
    assert_eq!(
        notes(&plan, Entity::Enrollment, "101-ALG1-01/S3"),
        [NoteReason::Ended {
            end: date(2025, 9, 1),
            left_alone: false,
        }]
    );
}
