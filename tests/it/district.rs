//! A generated district through the planning core: the first sync creates
//! what it should, a second writes nothing, and a next-day mutation yields
//! exactly its adds, drops, renames and moves.

use std::collections::BTreeSet;

use chrono::Days;
use rostersync_core::PlanSummary;
use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::sis::PersonStatus;
use rostersync_core::plan::{EnrollmentAction, RecordAction};
use rostersync_sim::district::DistrictSize;
use rostersync_tests::SyncedDistrict;

#[test]
fn first_sync_provisions_the_district_and_a_second_writes_nothing() {
    let mut world = SyncedDistrict::new(DistrictSize::Small, 7);
    let today = world.district.as_of;
    let first = world.sync(today);
    let summary = PlanSummary::of(&first);
    let users = summary.entity(Entity::User);
    let distinct_people: BTreeSet<&str> = world
        .district
        .sis
        .people
        .iter()
        .map(|p| p.key.as_str())
        .collect();
    assert_eq!(
        users.create + users.skipped,
        distinct_people.len() as u64,
        "every person is created or skipped with a reason"
    );
    assert_eq!(world.lms.users.len() as u64, users.create);
    assert!(
        first
            .skips
            .iter()
            .all(|skip| !skip.reason.to_string().is_empty())
    );
    // The deliberate mess is reported, not silently dropped.
    assert!(
        first
            .skips
            .iter()
            .any(|s| s.entity == Entity::User && s.reason.is_conflict()),
        "duplicate key"
    );
    assert!(
        first
            .skips
            .iter()
            .any(|s| s.entity == Entity::User && s.reason.to_string().contains("last name"))
    );
    let withdrawn: Vec<&str> = world
        .district
        .sis
        .people
        .iter()
        .filter(|p| p.status == PersonStatus::Withdrawn)
        .map(|p| p.key.as_str())
        .collect();
    assert!(!withdrawn.is_empty());
    assert!(
        first
            .users
            .iter()
            .all(|op| !withdrawn.contains(&op.key.as_str())),
        "withdrawn students are not created"
    );
    assert_eq!(
        world.lms.sections.len() as u64,
        summary.entity(Entity::Section).create
    );
    assert!(summary.entity(Entity::Enrollment).create > 0);

    let second = world.plan(today);
    assert!(
        PlanSummary::of(&second).writes_nothing(),
        "{:#?}",
        PlanSummary::of(&second)
    );
}

#[test]
fn next_day_mutation_produces_exactly_its_changes() {
    let mut world = SyncedDistrict::new(DistrictSize::Small, 11);
    let today = world.district.as_of;
    world.sync(today);
    let synced_people: BTreeSet<String> =
        world.links.users.keys().map(ToString::to_string).collect();
    let owned_enrollments: BTreeSet<(String, String)> = world
        .links
        .enrollments
        .keys()
        .map(|(s, p)| (s.to_string(), p.to_string()))
        .collect();

    let next = today.checked_add_days(Days::new(1)).unwrap();
    let changes = world.district.advance(3, next);
    let plan = world.plan(next);

    let created: BTreeSet<String> = plan
        .users
        .iter()
        .filter(|op| matches!(op.action, RecordAction::Create { .. }))
        .map(|op| op.key.to_string())
        .collect();
    let expected_created: BTreeSet<String> = changes
        .added_people
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(created, expected_created);

    let updated: BTreeSet<String> = plan
        .users
        .iter()
        .filter(|op| matches!(op.action, RecordAction::Update { .. }))
        .map(|op| op.key.to_string())
        .collect();
    let expected_updated: BTreeSet<String> = changes
        .renamed
        .iter()
        .map(|r| r.person.to_string())
        .chain(changes.moved.iter().map(|m| m.student.to_string()))
        .chain(
            changes
                .guardian_school_changes
                .iter()
                .map(|g| g.person.to_string()),
        )
        .chain(changes.email_changes.iter().map(|e| e.person.to_string()))
        .filter(|key| synced_people.contains(key))
        .collect();
    assert_eq!(updated, expected_updated);
    for rename in &changes.renamed {
        if let Some(op) = plan.users.iter().find(|op| op.key == rename.person) {
            let fields: Vec<&str> = op
                .action
                .changes()
                .iter()
                .map(|c| c.field.as_str())
                .collect();
            assert_eq!(fields, ["last"], "{}", rename.person);
        }
    }

    let enrolled: BTreeSet<(String, String)> = plan
        .enrollments
        .iter()
        .filter(|op| matches!(op.action, EnrollmentAction::Enroll { .. }))
        .map(|op| (op.section.to_string(), op.person.to_string()))
        .collect();
    // Teachers come with their sections, not as enrollment rows.
    let new_section_teachers = world
        .district
        .sis
        .sections
        .iter()
        .filter(|s| changes.added_sections.contains(&s.key))
        .flat_map(|s| {
            s.teachers()
                .map(move |t| (s.key.to_string(), t.to_string()))
        });
    let expected_enrolled: BTreeSet<(String, String)> = changes
        .added_enrollments
        .iter()
        .map(|e| (e.section.to_string(), e.person.to_string()))
        .chain(new_section_teachers)
        .collect();
    assert_eq!(enrolled, expected_enrolled);

    let dropped: BTreeSet<(String, String)> = plan
        .enrollments
        .iter()
        .filter(|op| op.action.action() == Action::Remove)
        .map(|op| (op.section.to_string(), op.person.to_string()))
        .collect();
    let expected_dropped: BTreeSet<(String, String)> = changes
        .dropped_enrollments()
        .iter()
        .map(|e| (e.section.to_string(), e.person.to_string()))
        .filter(|pair| owned_enrollments.contains(pair))
        .collect();
    assert_eq!(dropped, expected_dropped);
    assert!(
        !expected_dropped.is_empty()
            && !expected_enrolled.is_empty()
            && !expected_updated.is_empty()
    );

    let sections_created = plan
        .sections
        .iter()
        .filter(|op| matches!(op.action, RecordAction::Create { .. }))
        .count();
    assert_eq!(sections_created, changes.added_sections.len());
}
