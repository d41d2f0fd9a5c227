//! E-mails left off accounts: an e-mail two SIS people share, and one the
//! LMS would not take.

use crate::entity::Entity;
use crate::ids::PersonKey;
use crate::mapping::RoleTarget;
use crate::model::lms::UserFields;
use crate::model::sis::{GuardianLink, PersonStatus, SisRole};
use crate::plan::tests::fixture::{World, notes, user_op};
use crate::plan::{EnrollmentAction, NoteReason, Plan, PlanSummary, RecordAction};
use crate::scope::SyncScope;

const FAMILY: &str = "family@example.org";

/// The basic world with guardians synced as parents in school 101.
fn with_guardians() -> World {
    let mut w = World::basic();
    w.spec.roles.get_mut("101").unwrap().guardian = Some(RoleTarget::Lms("1216".into()));
    w
}

/// Adds a guardian of S1 with `email`.
fn guardian(w: &mut World, key: &str, email: &str) {
    w.person(key, SisRole::Guardian, "Gia", key, "101").email = Some(email.into());
    w.sis.guardian_links.push(GuardianLink {
        guardian: key.into(),
        student: "S1".into(),
    });
}

fn created(plan: &Plan, key: &str) -> UserFields {
    match &user_op(plan, key).action {
        RecordAction::Create { fields } => fields.clone(),
        other => panic!("{key} is not created: {other:?}"),
    }
}

fn notes_of(plan: &Plan, key: &str) -> Vec<NoteReason> {
    notes(plan, Entity::User, key)
}

fn keeps(email: &str, others: &[&str]) -> NoteReason {
    NoteReason::KeepsSharedEmail {
        email: email.into(),
        others: others.iter().map(|k| PersonKey::new(*k)).collect(),
    }
}

fn left_off(email: &str, owner: &str) -> NoteReason {
    NoteReason::SharedEmailWithheld {
        email: email.into(),
        owner: owner.into(),
    }
}

#[test]
fn a_teacher_who_is_also_a_guardian_keeps_the_email_and_still_teaches() {
    let mut w = with_guardians();
    guardian(&mut w, "G1", "t1@example.org");
    let plan = w.plan(SyncScope::All);
    assert!(
        plan.skips.iter().all(|s| s.entity != Entity::User),
        "{:#?}",
        plan.skips
    );
    assert_eq!(
        created(&plan, "T1").email.as_deref(),
        Some("t1@example.org")
    );
    let g1 = created(&plan, "G1");
    assert_eq!(g1.email, None, "the guardian is created without it");
    assert_eq!(g1.username.as_deref(), Some("G1"), "with the key as login");
    assert_eq!(notes_of(&plan, "T1"), [keeps("t1@example.org", &["G1"])]);
    assert_eq!(notes_of(&plan, "G1"), [left_off("t1@example.org", "T1")]);
    assert_eq!(PlanSummary::of(&plan).entity(Entity::User).warnings, 2);
    assert!(plan.enrollments.iter().any(|op| op.person.as_str() == "T1"
        && op.action
            == EnrollmentAction::Enroll {
                role: crate::model::sis::EnrollmentRole::Teacher
            }));

    // Applied, the next plan writes nothing for either, and still warns.
    w.sync();
    let again = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&again).writes_nothing(), "{again:#?}");
    assert_eq!(notes_of(&again, "G1"), [left_off("t1@example.org", "T1")]);
}

#[test]
fn of_two_guardians_the_first_contact_keeps_a_family_email() {
    let mut w = with_guardians();
    guardian(&mut w, "G1", FAMILY);
    guardian(&mut w, "G2", "Family@Example.org ");
    // Without priorities, the smaller key.
    let plan = w.plan(SyncScope::All);
    assert_eq!(created(&plan, "G1").email.as_deref(), Some(FAMILY));
    assert_eq!(created(&plan, "G2").email, None);

    w.sis.contact_priorities.insert("G1".into(), 2);
    w.sis.contact_priorities.insert("G2".into(), 1);
    let plan = w.plan(SyncScope::All);
    assert_eq!(created(&plan, "G1").email, None);
    assert_eq!(
        created(&plan, "G2").email.as_deref(),
        Some("Family@Example.org")
    );
    assert_eq!(notes_of(&plan, "G1"), [left_off(FAMILY, "G2")]);
    assert_eq!(
        notes_of(&plan, "G2"),
        [keeps("Family@Example.org", &["G1"])]
    );

    // A ranked guardian comes before one the SIS does not rank.
    w.sis.contact_priorities.remove("G2");
    let plan = w.plan(SyncScope::All);
    assert_eq!(created(&plan, "G1").email.as_deref(), Some(FAMILY));
}

#[test]
fn staff_come_before_students_before_guardians_whatever_the_order() {
    let mut w = with_guardians();
    w.sis.people.retain(|p| p.key.as_str() != "T1");
    guardian(&mut w, "G1", "shared@example.org");
    w.sis.contact_priorities.insert("G1".into(), 1);
    w.student("S3", "Sam", "Shared", "101").email = Some("shared@example.org".into());
    w.teacher("T1", "Grace", "Hopper", "101").email = Some("SHARED@example.org".into());
    let plan = w.plan(SyncScope::All);
    assert_eq!(
        created(&plan, "T1").email.as_deref(),
        Some("SHARED@example.org")
    );
    assert_eq!(created(&plan, "S3").email, None);
    assert_eq!(created(&plan, "G1").email, None);
    assert_eq!(
        notes_of(&plan, "T1"),
        [keeps("SHARED@example.org", &["S3", "G1"])]
    );
    for seed in 0..24_usize {
        let mut shuffled = w.clone();
        let len = shuffled.sis.people.len();
        shuffled.sis.people.rotate_left(seed % len);
        if seed % 2 == 1 {
            shuffled.sis.people.reverse();
        }
        assert_eq!(shuffled.plan(SyncScope::All), plan, "order {seed}");
    }
}

#[test]
fn an_account_that_has_the_email_keeps_it_and_nothing_moves() {
    let mut w = with_guardians();
    w.sis.people.retain(|p| p.key.as_str() != "T1");
    guardian(&mut w, "G1", "t1@example.org");
    w.sync();
    // The teacher arrives later with the guardian's address.
    w.teacher("T1", "Grace", "Hopper", "101");
    let plan = w.plan(SyncScope::All);
    let t1 = created(&plan, "T1");
    assert_eq!(t1.email, None);
    assert_eq!(t1.username.as_deref(), Some("T1"));
    assert!(
        !plan.users.iter().any(|op| op.key.as_str() == "G1"),
        "the guardian's account keeps its address: {:#?}",
        plan.users
    );
    assert_eq!(notes_of(&plan, "G1"), [keeps("t1@example.org", &["T1"])]);
}

#[test]
fn who_cannot_have_an_account_takes_no_email_from_someone_who_can() {
    let mut w = with_guardians();
    guardian(&mut w, "G1", "t1@example.org");
    w.sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "T1")
        .unwrap()
        .status = PersonStatus::Inactive;
    let plan = w.plan(SyncScope::All);
    assert_eq!(
        created(&plan, "G1").email.as_deref(),
        Some("t1@example.org")
    );
}

#[test]
fn an_email_the_lms_withheld_is_not_sent_again_until_the_sis_changes_it() {
    let mut w = World::basic();
    w.sync();
    // S1's account was written without its address, which the LMS holds elsewhere.
    let s1 = w
        .lms
        .users
        .iter_mut()
        .find(|u| u.unique_id.as_deref() == Some("S1"))
        .unwrap();
    s1.fields.email = None;
    s1.fields.username = Some("S1".into());
    w.links
        .withheld_emails
        .insert("S1".into(), "S1@Students.example.org".into());
    let plan = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&plan).writes_nothing(), "{plan:#?}");
    assert_eq!(
        notes_of(&plan, "S1"),
        [NoteReason::EmailHeldElsewhere {
            email: "s1@students.example.org".into()
        }]
    );

    // A new SIS address is tried.
    w.sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S1")
        .unwrap()
        .email = Some("ada@students.example.org".into());
    let plan = w.plan(SyncScope::All);
    let changes = user_op(&plan, "S1").action.changes();
    assert!(
        changes
            .iter()
            .any(|c| c.field == "email" && c.new.as_deref() == Some("ada@students.example.org")),
        "{changes:?}"
    );
    assert!(notes_of(&plan, "S1").is_empty());
}

#[test]
fn a_new_account_whose_email_was_withheld_is_created_with_its_key_as_login() {
    let mut w = World::basic();
    w.links
        .withheld_emails
        .insert("S1".into(), "s1@students.example.org".into());
    let plan = w.plan(SyncScope::All);
    let s1 = created(&plan, "S1");
    assert_eq!(s1.email, None);
    assert_eq!(s1.username.as_deref(), Some("S1"));
}
