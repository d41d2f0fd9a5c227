//! Focused cases: one behaviour each, asserted on the plan's contents.

use crate::entity::{Action, Entity};
use crate::ids::{PersonKey, TermKey, UserId};
use crate::mapping::{DropPolicy, RoleTarget, TermTarget};
use crate::model::links::{Link, LinkOrigin};
use crate::model::lms::LmsEnrollment;
use crate::model::sis::{EnrollmentRole, PersonStatus, SisRole};
use crate::plan::tests::fixture::{World, counts, date, lms_user, skip_reason};
use crate::plan::{EnrollmentAction, PlanSummary, RecordAction, SkipReason, render_json};
use crate::scope::SyncScope;
use crate::threshold::{Limit, Thresholds};

#[test]
fn first_sync_creates_everything_in_dependency_order() {
    let world = World::basic();
    let plan = world.plan(SyncScope::All);
    let c = counts(&plan);
    assert_eq!(c.get("grading_period.create"), Some(&2), "{c:?}");
    assert_eq!(c.get("user.create"), Some(&3));
    assert_eq!(c.get("course.create"), Some(&1));
    assert_eq!(c.get("section.create"), Some(&1));
    assert_eq!(c.get("enrollment.create"), Some(&3));
    let teacher = plan
        .enrollments
        .iter()
        .find(|op| op.person.as_str() == "T1")
        .unwrap();
    assert_eq!(
        teacher.action,
        EnrollmentAction::Enroll {
            role: EnrollmentRole::Teacher
        }
    );
}

#[test]
fn second_plan_after_apply_writes_nothing() {
    let mut world = World::basic();
    world.sync();
    let again = world.plan(SyncScope::All);
    assert!(PlanSummary::of(&again).writes_nothing(), "{:#?}", again);
    assert_eq!(counts(&again).get("user.unchanged"), Some(&3));
    assert_eq!(counts(&again).get("enrollment.unchanged"), Some(&3));
}

#[test]
fn hand_made_enrollment_is_never_dropped() {
    let mut world = World::basic();
    world.sync();
    let section = world.links.sections.values().next().unwrap().id.clone();
    world.lms.users.push(lms_user(
        "777",
        None,
        "Hand",
        "Made",
        Some("hand@example.org"),
    ));
    world.lms.enrollments.push(LmsEnrollment {
        id: "e-hand".into(),
        section,
        user: "777".into(),
        admin: false,
        active: true,
    });
    world.sis.enrollments.retain(|e| e.person.as_str() != "S2");
    let plan = world.plan(SyncScope::All);
    let removes: Vec<_> = plan
        .enrollments
        .iter()
        .filter(|op| op.action.action() == Action::Remove)
        .collect();
    assert_eq!(removes.len(), 1, "{removes:?}");
    assert_eq!(removes[0].person.as_str(), "S2");
}

#[test]
fn drop_policy_keep_never_unenrolls() {
    let mut world = World::basic();
    world.sync();
    world.sis.enrollments.clear();
    world.spec.drop_policy = DropPolicy::Keep;
    let plan = world.plan(SyncScope::All);
    assert!(plan.enrollments.is_empty(), "{:?}", plan.enrollments);
}

#[test]
fn email_used_by_another_account_is_a_conflict() {
    let mut world = World::basic();
    world.lms.users.push(lms_user(
        "555",
        None,
        "Ada",
        "King",
        Some("S1@students.example.org"),
    ));
    let plan = world.plan(SyncScope::Users);
    let reason = skip_reason(&plan, Entity::User, "S1");
    assert_eq!(
        reason,
        &SkipReason::EmailTaken {
            email: "s1@students.example.org".into(),
            by: UserId::new("555")
        }
    );
    assert!(reason.is_conflict());
}

#[test]
fn record_carrying_the_key_is_linked_not_created() {
    let mut world = World::basic();
    world.lms.users.push(lms_user(
        "556",
        Some("S1"),
        "Ada",
        "Lovelace",
        Some("s1@students.example.org"),
    ));
    let plan = world.plan(SyncScope::Users);
    let op = plan
        .users
        .iter()
        .find(|op| op.key.as_str() == "S1")
        .unwrap();
    match &op.action {
        RecordAction::Link { id, changes, .. } => {
            assert_eq!(id.as_str(), "556");
            let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
            assert_eq!(fields, ["graduation_year"]);
        }
        other => panic!("expected a link, got {other:?}"),
    }
}

#[test]
fn record_carrying_a_key_linked_elsewhere_is_a_conflict() {
    let mut world = World::basic();
    world
        .lms
        .users
        .push(lms_user("557", Some("S1"), "Ada", "Lovelace", None));
    world.links.users.insert(
        PersonKey::new("OTHER"),
        Link::new("557".into(), LinkOrigin::Matched),
    );
    let plan = world.plan(SyncScope::Users);
    assert_eq!(
        skip_reason(&plan, Entity::User, "S1"),
        &SkipReason::UniqueIdClaimed { id: "557".into() }
    );
}

#[test]
fn link_to_a_vanished_record_is_reported_not_recreated() {
    let mut world = World::basic();
    world.links.users.insert(
        PersonKey::new("S1"),
        Link::new("404".into(), LinkOrigin::Created),
    );
    let plan = world.plan(SyncScope::Users);
    assert_eq!(
        skip_reason(&plan, Entity::User, "S1"),
        &SkipReason::StaleLink { id: "404".into() }
    );
    assert!(!plan.users.iter().any(|op| op.key.as_str() == "S1"));
}

#[test]
fn duplicate_sis_keys_skip_every_copy() {
    let mut world = World::basic();
    world.student("S1", "Ada", "Byron", "101");
    let plan = world.plan(SyncScope::All);
    assert_eq!(
        skip_reason(&plan, Entity::User, "S1"),
        &SkipReason::DuplicateKey { count: 2 }
    );
    assert!(!plan.users.iter().any(|op| op.key.as_str() == "S1"));
    assert!(plan.enrollments.iter().all(|op| op.person.as_str() != "S1"));
}

#[test]
fn withdrawn_student_is_not_created_and_loses_enrollments_but_keeps_account() {
    let mut world = World::basic();
    world.student("S3", "Wendy", "Withdrawn", "101").status = PersonStatus::Withdrawn;
    world.enroll("101-ALG1-01", "S3");
    let plan = world.plan(SyncScope::All);
    assert_eq!(
        skip_reason(&plan, Entity::User, "S3"),
        &SkipReason::NotActive {
            status: PersonStatus::Withdrawn
        }
    );

    let mut world = World::basic();
    world.sync();
    let s2 = world
        .sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S2")
        .unwrap();
    s2.status = PersonStatus::Withdrawn;
    let plan = world.plan(SyncScope::All);
    assert!(
        plan.users.is_empty(),
        "an unchanged withdrawn account is left as is: {:?}",
        plan.users
    );
    let drop = plan
        .enrollments
        .iter()
        .find(|op| op.person.as_str() == "S2")
        .unwrap();
    assert!(matches!(drop.action, EnrollmentAction::Unenroll { .. }));
}

#[test]
fn an_unset_role_is_a_skip_that_says_which_command_sets_it() {
    let mut world = World::basic();
    world.person("T9", SisRole::Teacher, "Tess", "Teach", "101");
    world.spec.roles.get_mut("101").unwrap().teacher = None;
    let plan = world.plan(SyncScope::Users);
    let reason = skip_reason(&plan, Entity::User, "T9");
    assert_eq!(
        reason,
        &SkipReason::RoleUnset {
            role: SisRole::Teacher,
            school: "101".into(),
            building: "9001".into(),
        }
    );
    let words = reason.to_string();
    assert!(
        words.contains("sets no role for teachers")
            && words.contains("rostersync roles set 101 teacher"),
        "{words}"
    );
}

#[test]
fn a_period_title_names_the_school_year_once() {
    let mut world = World::basic();
    let term = world
        .sis
        .terms
        .iter_mut()
        .find(|t| t.key.as_str() == "101-S1")
        .unwrap();
    term.title = "2025-26 Semester 1".into();
    let plan = world.plan(SyncScope::Sections);
    let titles: Vec<&str> = plan
        .grading_periods
        .iter()
        .map(|op| op.title.as_str())
        .collect();
    assert!(
        titles.contains(&"Lincoln High 2025-26 Semester 1"),
        "{titles:?}"
    );
    assert!(titles.contains(&"Adams Middle S1 2025-26"), "{titles:?}");
}

#[test]
fn do_not_sync_role_and_unmapped_school_are_skips_with_reasons() {
    let mut world = World::basic();
    world.person("G1", SisRole::Guardian, "Gus", "Guardian", "101");
    world.student("S9", "Nina", "Night", "103");
    let plan = world.plan(SyncScope::Users);
    assert_eq!(
        skip_reason(&plan, Entity::User, "G1"),
        &SkipReason::RoleNotSynced {
            role: SisRole::Guardian,
            school: "101".into()
        }
    );
    assert_eq!(
        skip_reason(&plan, Entity::User, "S9"),
        &SkipReason::SchoolUnmapped {
            school: "103".into()
        }
    );
}

#[test]
fn renamed_person_gets_a_field_level_update_and_missing_email_is_not_cleared() {
    let mut world = World::basic();
    world.sync();
    let s1 = world
        .sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S1")
        .unwrap();
    s1.name.last = "King-Lovelace".into();
    s1.email = None;
    let plan = world.plan(SyncScope::Users);
    assert_eq!(plan.users.len(), 1);
    let changes = plan.users[0].action.changes();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].field, "last");
    assert_eq!(changes[0].old.as_deref(), Some("Lovelace"));
    assert_eq!(changes[0].new.as_deref(), Some("King-Lovelace"));
    assert_eq!(
        plan.users[0].action.fields().email.as_deref(),
        Some("s1@students.example.org")
    );
}

#[test]
fn co_teachers_are_section_admins() {
    let mut world = World::basic();
    world.teacher("T2", "Katherine", "Johnson", "101");
    world.sis.sections[0].co_teachers.push("T2".into());
    let plan = world.plan(SyncScope::All);
    let t2 = plan
        .enrollments
        .iter()
        .find(|op| op.person.as_str() == "T2")
        .unwrap();
    assert_eq!(
        t2.action,
        EnrollmentAction::Enroll {
            role: EnrollmentRole::Teacher
        }
    );
}

#[test]
fn cross_listed_sections_merge_into_the_lowest_key_when_asked() {
    let mut world = World::basic();
    world.course("101-MTH", "101", "Math Lab");
    world
        .section("101-MTH-01", "101-MTH", "101", Some("T1"))
        .cross_list_group = Some("X1".into());
    world.sis.sections[0].cross_list_group = Some("X1".into());
    world.student("S3", "Mary", "Jackson", "101");
    world.enroll("101-MTH-01", "S3");
    world.spec.options.merge_cross_listed = true;
    let plan = world.plan(SyncScope::All);
    assert_eq!(
        skip_reason(&plan, Entity::Section, "101-MTH-01"),
        &SkipReason::MergedInto {
            section: "101-ALG1-01".into()
        }
    );
    let s3 = plan
        .enrollments
        .iter()
        .find(|op| op.person.as_str() == "S3")
        .unwrap();
    assert_eq!(s3.section.as_str(), "101-ALG1-01");
    world.spec.options.merge_cross_listed = false;
    let plan = world.plan(SyncScope::All);
    assert_eq!(plan.sections.len(), 2);
}

#[test]
fn student_moving_school_mid_year_changes_building_and_enrollments() {
    let mut world = World::basic();
    world.course("102-SCI", "102", "Science");
    world.section("102-SCI-01", "102-SCI", "102", None);
    world.sync();
    world.today = date(2026, 1, 20);
    let s1 = world
        .sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S1")
        .unwrap();
    s1.primary_school = "102".into();
    world
        .sis
        .enrollments
        .iter_mut()
        .find(|e| e.person.as_str() == "S1")
        .unwrap()
        .end = Some(date(2026, 1, 15));
    world.enroll("102-SCI-01", "S1").begin = Some(date(2026, 1, 16));
    let plan = world.plan(SyncScope::All);
    let change = &plan
        .users
        .iter()
        .find(|op| op.key.as_str() == "S1")
        .unwrap()
        .action
        .changes()[0];
    assert_eq!(
        (change.field.as_str(), change.new.as_deref()),
        ("building", Some("9002"))
    );
    let s1_ops: Vec<_> = plan
        .enrollments
        .iter()
        .filter(|op| op.person.as_str() == "S1")
        .map(|op| (op.section.as_str(), op.action.action()))
        .collect();
    assert_eq!(
        s1_ops,
        [
            ("101-ALG1-01", Action::Remove),
            ("102-SCI-01", Action::Create)
        ]
    );
}

#[test]
fn teacher_in_two_buildings_gets_an_additional_building() {
    let mut world = World::basic();
    world.sis.people[0].other_schools.push("102".into());
    let plan = world.plan(SyncScope::Users);
    let t1 = plan
        .users
        .iter()
        .find(|op| op.key.as_str() == "T1")
        .unwrap();
    assert_eq!(t1.action.fields().other_buildings, ["9002".into()]);
}

#[test]
fn out_of_scope_object_types_are_not_planned() {
    let world = World::basic();
    let plan = world.plan(SyncScope::Users);
    assert!(plan.courses.is_empty() && plan.sections.is_empty() && plan.enrollments.is_empty());
    let plan = world.plan(SyncScope::Sections);
    assert_eq!(
        skip_reason(&plan, Entity::Section, "101-ALG1-01"),
        &SkipReason::CourseNotSynced {
            course: "101-ALG1".into()
        }
    );
}

/// The basic world, synced, with S1's enrollment no longer owned: as if an
/// administrator had enrolled S1 by hand before rostersync came.
fn synced_with_s1_enrolled_by_hand() -> World {
    let mut world = World::basic();
    world.sync();
    world
        .links
        .enrollments
        .retain(|(_, person), _| person.as_str() != "S1");
    world
}

#[test]
fn role_change_and_adoption_of_existing_enrollments() {
    let mut world = synced_with_s1_enrolled_by_hand();
    world
        .sis
        .enrollments
        .iter_mut()
        .find(|e| e.person.as_str() == "S2")
        .unwrap()
        .role = EnrollmentRole::Teacher;
    let plan = world.plan(SyncScope::All);
    let by_person = |p: &str| {
        plan.enrollments
            .iter()
            .find(|op| op.person.as_str() == p)
            .unwrap()
            .action
            .clone()
    };
    assert!(matches!(by_person("S1"), EnrollmentAction::Adopt { .. }));
    assert!(matches!(
        by_person("S2"),
        EnrollmentAction::ChangeRole {
            from: EnrollmentRole::Student,
            to: EnrollmentRole::Teacher,
            ..
        }
    ));
}

#[test]
fn of_two_lms_enrollments_for_one_pair_the_smallest_id_is_adopted_whatever_the_order() {
    let world = synced_with_s1_enrolled_by_hand();
    let user = world
        .lms
        .users
        .iter()
        .find(|u| u.unique_id.as_deref() == Some("S1"))
        .unwrap()
        .id
        .clone();
    let original = world
        .lms
        .enrollments
        .iter()
        .find(|e| e.user == user)
        .unwrap()
        .clone();
    let twin = |id: &str| crate::model::lms::LmsEnrollment {
        id: id.into(),
        ..original.clone()
    };
    for order in [["0001", "zzzz"], ["zzzz", "0001"]] {
        let mut world = world.clone();
        world.lms.enrollments.extend(order.map(twin));
        world.lms.enrollments.rotate_right(1);
        let plan = world.plan(SyncScope::All);
        let adopted: Vec<_> = plan
            .enrollments
            .iter()
            .filter(|op| op.person.as_str() == "S1")
            .map(|op| op.action.clone())
            .collect();
        assert_eq!(
            adopted,
            [EnrollmentAction::Adopt { id: "0001".into() }],
            "{order:?}"
        );
    }
}

#[test]
fn an_lms_account_claimed_by_a_link_and_by_another_key_counts_for_the_linked_person() {
    let mut world = World::basic();
    world.sync();
    // S2's account now also carries S1's key in its unique field, and S1 has
    // lost its link and its own account's key: two people claim one account.
    let account_of = |world: &World, key: &str| world.links.users[&PersonKey::new(key)].id.clone();
    let (s1, s2) = (account_of(&world, "S1"), account_of(&world, "S2"));
    world.links.users.remove(&PersonKey::new("S1"));
    for user in &mut world.lms.users {
        if user.id == s1 {
            user.unique_id = None;
        } else if user.id == s2 {
            user.unique_id = Some("S1".into());
        }
    }
    let plan = world.plan(SyncScope::All);
    // The account's enrollment is S2's, by its link: nothing to enroll for S2.
    let for_s2: Vec<_> = plan
        .enrollments
        .iter()
        .filter(|op| op.person.as_str() == "S2")
        .collect();
    assert!(for_s2.is_empty(), "{for_s2:?}");
}

#[test]
fn grading_period_title_taken_is_reported() {
    let mut world = World::basic();
    world
        .lms
        .grading_periods
        .push(crate::model::lms::LmsGradingPeriod {
            id: "502".into(),
            title: "Lincoln High S1 2025-26".into(),
            start: date(2025, 8, 15),
            end: date(2026, 1, 10),
        });
    let plan = world.plan(SyncScope::All);
    assert!(matches!(
        skip_reason(&plan, Entity::GradingPeriod, "101-S1"),
        SkipReason::PeriodTitleTaken { .. }
    ));
    // The section still syncs with the term that is mapped.
    assert_eq!(plan.sections.len(), 1);
}

#[test]
fn terms_titled_alike_create_periods_with_distinct_titles() {
    let mut world = World::basic();
    let mut twin = world.sis.terms[0].clone();
    twin.key = TermKey::new(format!("{}-B", twin.key.as_str()));
    world.sis.terms.push(twin.clone());
    world
        .spec
        .terms
        .insert(twin.key.clone(), TermTarget::Create);
    let plan = world.plan(SyncScope::All);
    let titles: Vec<&str> = plan
        .grading_periods
        .iter()
        .map(|op| op.title.as_str())
        .collect();
    let unique: std::collections::BTreeSet<&str> = titles.iter().copied().collect();
    assert_eq!(unique.len(), titles.len(), "{titles:?}");
    assert!(
        titles
            .iter()
            .any(|t| t.ends_with(&format!("({})", twin.key.as_str()))),
        "{titles:?}"
    );
}

#[test]
fn role_map_change_to_do_not_sync_drops_enrollments_and_trips_the_threshold() {
    let mut world = World::basic();
    world.sync();
    world.spec.roles.get_mut("101").unwrap().student = Some(RoleTarget::DoNotSync);
    let plan = world.plan(SyncScope::All);
    let summary = PlanSummary::of(&plan);
    assert_eq!(summary.count(Entity::Enrollment, Action::Remove), 2);
    let existing = [(Entity::Enrollment, world.links.enrollments.len() as u64)]
        .into_iter()
        .collect();
    // Two records are below the default floor of a share limit.
    assert!(Thresholds::default().check(&summary, &existing).is_empty());
    let from_one = Thresholds::none().with(
        Entity::Enrollment,
        Action::Remove,
        Limit {
            max_percent: Some(20.0),
            min_count: Some(1),
            ..Limit::default()
        },
    );
    let breaches = from_one.check(&summary, &existing);
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert_eq!(
        breaches[0].to_string(),
        "would remove 2 enrollment(s) of 3 managed (66.7 %), above the limit of 20 %"
    );
    let none = Thresholds::none().with(
        Entity::Enrollment,
        Action::Remove,
        Limit {
            max_count: Some(5),
            ..Limit::default()
        },
    );
    assert!(none.check(&summary, &existing).is_empty());
}

#[test]
fn json_rendering_round_trips() {
    let world = World::basic();
    let plan = world.plan(SyncScope::All);
    let json = render_json(&plan).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let back: crate::plan::Plan = serde_json::from_value(value["plan"].clone()).unwrap();
    assert_eq!(back, plan);
    assert_eq!(value["summary"]["user"]["create"], 3);
}
