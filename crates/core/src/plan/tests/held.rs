//! Records held, not created, while data prep finds their match ambiguous;
//! and synced normally once the administrator links one.

use crate::entity::Entity;
use crate::model::links::{Link, LinkOrigin};
use crate::model::lms::{CourseFields, LmsCourse, LmsSection, SectionFields};
use crate::plan::tests::fixture::{World, lms_user, skip_reason, user_op};
use crate::plan::{Plan, RecordAction, SkipReason};
use crate::prep::{MatchMethod, MatchOutcome, match_records};
use crate::scope::SyncScope;

/// What data prep reports for a user, course or section key.
fn prep_kind(w: &World, entity: Entity, key: &str) -> &'static str {
    let report = match_records(&w.sis, &w.lms, &w.links, &w.mapping());
    let kind = |entries: Vec<(String, &'static str)>| {
        entries
            .into_iter()
            .find(|(k, _)| k == key)
            .map_or("absent", |(_, kind)| kind)
    };
    fn kinds<Id>(entries: &[crate::prep::MatchEntry<Id>]) -> Vec<(String, &'static str)> {
        entries
            .iter()
            .map(|e| (e.key.clone(), e.outcome.kind().as_str()))
            .collect()
    }
    match entity {
        Entity::User => kind(kinds(&report.users)),
        Entity::Course => kind(kinds(&report.courses)),
        _ => kind(kinds(&report.sections)),
    }
}

fn creates(plan: &Plan, entity: Entity, key: &str) -> bool {
    match entity {
        Entity::User => plan
            .users
            .iter()
            .any(|op| op.key.as_str() == key && matches!(op.action, RecordAction::Create { .. })),
        Entity::Course => plan
            .courses
            .iter()
            .any(|op| op.key.as_str() == key && matches!(op.action, RecordAction::Create { .. })),
        _ => plan
            .sections
            .iter()
            .any(|op| op.key.as_str() == key && matches!(op.action, RecordAction::Create { .. })),
    }
}

#[test]
fn a_person_two_accounts_fit_is_held_until_one_is_linked() {
    let mut w = World::basic();
    // Two hand-made accounts named like S1, neither with S1's e-mail.
    w.lms
        .users
        .push(lms_user("802", None, "Ada", "Lovelace", None));
    w.lms
        .users
        .push(lms_user("801", None, "ada", "LOVELACE", None));
    let plan = w.plan(SyncScope::All);
    let reason = skip_reason(&plan, Entity::User, "S1");
    assert_eq!(
        reason,
        &SkipReason::AmbiguousMatch {
            how: MatchMethod::Name,
            candidates: vec!["801".into(), "802".into()],
            more: false,
        }
    );
    assert!(reason.is_conflict());
    assert_eq!(
        reason.to_string(),
        "ambiguous match: resolve it in data prep (LMS records 801, 802 fit by name; it is not created until one is linked)"
    );
    assert!(!creates(&plan, Entity::User, "S1"));
    // The prep report calls it ambiguous too.
    assert_eq!(prep_kind(&w, Entity::User, "S1"), "ambiguous");
    // Its enrollment waits with it; the others sync.
    assert_eq!(
        skip_reason(&plan, Entity::Enrollment, "101-ALG1-01/S1"),
        &SkipReason::PersonNotSynced {
            person: "S1".into()
        }
    );
    assert!(creates(&plan, Entity::User, "S2"));

    // The administrator links one: S1 syncs, no third account.
    w.links
        .users
        .insert("S1".into(), Link::new("801".into(), LinkOrigin::Matched));
    let plan = w.sync();
    let op = user_op(&plan, "S1");
    assert!(
        matches!(&op.action, RecordAction::Update { id, .. } if id.as_str() == "801"),
        "{op:?}"
    );
    assert!(!plan.skips.iter().any(|s| s.key.contains("S1")));
    assert_eq!(w.lms.users.len(), 2 + 2, "S2 and T1 created, S1 not");
}

#[test]
fn one_account_that_fits_is_no_hold_and_out_of_prep_scope_is_none() {
    let mut w = World::basic();
    w.lms
        .users
        .push(lms_user("801", None, "Ada", "Lovelace", None));
    // One candidate is data prep's match to accept, not a reason to hold.
    let plan = w.plan(SyncScope::Users);
    assert!(creates(&plan, Entity::User, "S1"));
    assert_eq!(prep_kind(&w, Entity::User, "S1"), "matched");
    // Data prep considers people by their primary school: someone whose
    // primary school is not mapped is not in its report, so not held.
    w.lms
        .users
        .push(lms_user("803", None, "Olga", "Other", None));
    w.lms
        .users
        .push(lms_user("804", None, "Olga", "Other", None));
    w.student("S9", "Olga", "Other", "103")
        .other_schools
        .push("101".into());
    let plan = w.plan(SyncScope::Users);
    assert!(creates(&plan, Entity::User, "S9"));
    assert_eq!(prep_kind(&w, Entity::User, "S9"), "absent");
}

#[test]
fn a_course_two_lms_courses_fit_is_held_and_its_sections_wait() {
    let mut w = World::basic();
    for id in ["c2", "c1"] {
        w.lms.courses.push(LmsCourse {
            id: id.into(),
            code: format!("HAND-{id}"),
            fields: CourseFields {
                title: "Algebra I".into(),
                building: "9001".into(),
                department: None,
                subject: None,
                grade_low: None,
                grade_high: None,
            },
        });
    }
    let plan = w.plan(SyncScope::All);
    assert_eq!(
        skip_reason(&plan, Entity::Course, "101-ALG1"),
        &SkipReason::AmbiguousMatch {
            how: MatchMethod::Title,
            candidates: vec!["c1".into(), "c2".into()],
            more: false,
        }
    );
    assert_eq!(prep_kind(&w, Entity::Course, "101-ALG1"), "ambiguous");
    assert_eq!(
        skip_reason(&plan, Entity::Section, "101-ALG1-01"),
        &SkipReason::CourseNotSynced {
            course: "101-ALG1".into()
        }
    );
    w.links.courses.insert(
        "101-ALG1".into(),
        Link::new("c1".into(), LinkOrigin::Matched),
    );
    let plan = w.plan(SyncScope::All);
    assert!(!plan.skips.iter().any(|s| s.entity == Entity::Course));
    assert!(creates(&plan, Entity::Section, "101-ALG1-01"));
}

#[test]
fn a_section_two_lms_sections_of_its_course_fit_is_held() {
    let mut w = World::basic();
    w.sync();
    w.section("101-ALG1-02", "101-ALG1", "101", Some("T1"));
    w.enroll("101-ALG1-02", "S1");
    let course = w.links.courses["101-ALG1"].id.clone();
    for id in ["s9", "s8"] {
        w.lms.sections.push(LmsSection {
            id: id.into(),
            course: course.clone(),
            unique_code: None,
            fields: SectionFields {
                title: "101-ALG1 101-ALG1-02".into(),
                code: format!("hand-{id}"),
                ..SectionFields::default()
            },
        });
    }
    let plan = w.plan(SyncScope::All);
    let reason = skip_reason(&plan, Entity::Section, "101-ALG1-02");
    assert!(
        matches!(reason, SkipReason::AmbiguousMatch { how: MatchMethod::Title, candidates, .. } if candidates == &["s8", "s9"]),
        "{reason:?}"
    );
    assert_eq!(prep_kind(&w, Entity::Section, "101-ALG1-02"), "ambiguous");
    let report = match_records(&w.sis, &w.lms, &w.links, &w.mapping());
    assert!(report.sections.iter().any(|e| e.key == "101-ALG1-02"
        && matches!(&e.outcome, MatchOutcome::Ambiguous { candidates, .. } if candidates.len() == 2)));
    assert!(!creates(&plan, Entity::Section, "101-ALG1-02"));
}
