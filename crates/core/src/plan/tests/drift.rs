//! The drift check: hand edits in the LMS found against the shadow, and what
//! the plan does about them under each rule.

use crate::drift::{DriftKind, DriftRule, ReadTypes, compare, hold_reported};
use crate::entity::Entity;
use crate::plan::tests::fixture::{World, counts};
use crate::scope::SyncScope;

/// A synced basic world and its shadow (the LMS as rostersync left it).
fn synced() -> (World, crate::LmsSnapshot) {
    let mut w = World::basic();
    w.sync();
    let shadow = w.lms.clone();
    (w, shadow)
}

#[test]
fn an_untouched_lms_has_no_drift() {
    let (w, shadow) = synced();
    assert_eq!(
        compare(&shadow, &w.lms, &w.links, &w.spec.drift, ReadTypes::ALL),
        vec![]
    );
}

#[test]
fn hand_edits_deletions_and_enrollment_changes_are_found() {
    let (mut w, shadow) = synced();
    // A teacher renamed the course, an admin deleted the section's S2
    // enrollment, and added a hand-made account to the section.
    w.lms.courses[0].fields.title = "Algebra One".to_owned();
    let section = w.lms.sections[0].id.clone();
    let s2 = w
        .links
        .users
        .get(&crate::ids::PersonKey::new("S2"))
        .map(|l| l.id.clone());
    w.lms.enrollments.retain(|e| Some(&e.user) != s2.as_ref());
    let mut extra = w.lms.enrollments[0].clone();
    extra.id = "e-hand".into();
    extra.user = "u-hand".into();
    extra.section = section;
    w.lms.enrollments.push(extra);
    let drift = compare(&shadow, &w.lms, &w.links, &w.spec.drift, ReadTypes::ALL);
    let found: Vec<(Entity, &str, &str)> = drift
        .iter()
        .map(|d| {
            let kind = match &d.kind {
                DriftKind::Edited { .. } => "edited",
                DriftKind::Deleted => "deleted",
                DriftKind::EnrollmentRemoved => "removed",
                DriftKind::EnrollmentAdded => "added",
            };
            (d.entity, d.key.as_str(), kind)
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (Entity::Course, "101-ALG1", "edited"),
            (Entity::Enrollment, "101-ALG1-01/S2", "removed"),
            (Entity::Enrollment, "101-ALG1-01/u-hand", "added"),
        ]
    );
    assert_eq!(
        drift[0].to_string(),
        "edited in the LMS by hand: title \"Algebra I\" → \"Algebra One\"; the SIS value is restored"
    );
    // Restore (the default): the plan puts the title back and re-enrolls S2,
    // and leaves the hand-made enrollment alone.
    let plan = w.plan(SyncScope::All);
    let counts = counts(&plan);
    assert_eq!(counts.get("course.update"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("enrollment.create"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("enrollment.remove"), None, "{counts:?}");
}

#[test]
fn the_report_rule_leaves_what_was_edited_as_found() {
    let (mut w, shadow) = synced();
    w.spec.drift.courses = DriftRule::Report;
    w.spec.drift.enrollments = DriftRule::Report;
    w.lms.courses[0].fields.title = "Algebra One".to_owned();
    let s2 = w
        .links
        .users
        .get(&crate::ids::PersonKey::new("S2"))
        .map(|l| l.id.clone());
    w.lms.enrollments.retain(|e| Some(&e.user) != s2.as_ref());
    let drift = compare(&shadow, &w.lms, &w.links, &w.spec.drift, ReadTypes::ALL);
    assert!(
        drift.iter().all(|d| d.rule == DriftRule::Report),
        "{drift:?}"
    );
    assert!(
        drift[0]
            .to_string()
            .ends_with("left as found (drift policy \"report\")")
    );
    let mut planned = w.lms.clone();
    assert_eq!(hold_reported(&drift, &shadow, &mut planned, &w.links), 2);
    w.lms = planned;
    let plan = w.plan(SyncScope::All);
    assert!(
        crate::plan::PlanSummary::of(&plan).writes_nothing(),
        "{plan:#?}"
    );
}
