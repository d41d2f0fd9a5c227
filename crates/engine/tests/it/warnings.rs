//! Warnings: records written with something left out, and the plan's notes,
//! are kept as `warning` outcomes, counted, and an e-mail the LMS would not
//! take is not sent again.

// Test set-up code outside `#[test]` functions: a failure here is a broken test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use rostersync_core::SyncScope;
use rostersync_core::Text;
use rostersync_core::entity::Entity;
use rostersync_core::ids::PersonKey;
use rostersync_core::model::sis::{Person, SisRole};
use rostersync_engine::{RunOptions, RunReport};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, StateStore, Trigger};

use crate::support::{World, keyed};

/// The first person of `role` who has an e-mail.
fn first_with_email(world: &World, role: SisRole) -> Person {
    world
        .district
        .sis
        .people
        .iter()
        .find(|p| p.role == role && p.email.is_some())
        .cloned()
        .unwrap()
}

/// The e-mail of the LMS account carrying `key`.
fn lms_email(world: &World, key: &str) -> Option<String> {
    world
        .lms
        .snapshot_all()
        .users
        .iter()
        .find(|u| u.unique_id.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("no account for {key}"))
        .fields
        .email
        .as_deref()
        .map(str::to_owned)
}

async fn warnings_of(world: &World, run: Option<i64>, key: &str) -> Vec<String> {
    assert!(run.is_some(), "a sync is recorded");
    world
        .store
        .outcomes(&OutcomeFilter {
            run,
            status: Some(OutcomeStatus::Warning),
            entity: Some(Entity::User),
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.key == key)
        .map(|o| o.reason.unwrap_or_default())
        .collect()
}

/// The e-mails the store says the LMS withheld, by person.
async fn withheld(world: &World) -> BTreeMap<PersonKey, Text> {
    world.store.links().await.unwrap().withheld_emails
}

/// Gives `key` the e-mail `email` in the SIS.
fn set_email(world: &World, key: &str, email: &str) {
    let mut read = world.sis.read();
    let person = read
        .snapshot
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == key)
        .unwrap();
    person.email = Some(email.into());
    world.sis.set(read);
}

/// A sync of everything, `minutes` after the district's noon.
async fn run(world: &World, minutes: i64) -> RunReport {
    world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(world.now() + chrono::Duration::minutes(minutes)),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn an_email_held_elsewhere_is_left_off_once_and_not_sent_again() {
    let world = World::tiny();
    let teacher = first_with_email(&world, SisRole::Teacher);
    let key = teacher.key.to_string();
    let email = teacher.email.as_deref().unwrap().to_owned();
    world.lms.hold_email_elsewhere(&email);

    let first = run(&world, 0).await;
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    let warned: Vec<_> = first.warnings.iter().filter(|w| w.key == key).collect();
    assert_eq!(warned.len(), 1, "{:#?}", first.warnings);
    assert!(warned[0].reason.as_deref().unwrap_or("").contains(&email));
    assert_eq!(first.summary.entity(Entity::User).warnings, 1);
    assert_eq!(lms_email(&world, &key), None);
    let stored = warnings_of(&world, first.run, &key).await;
    assert_eq!(stored.len(), 1, "the warning is kept with the run");
    let runs = world.engine.runs(1).await.unwrap();
    assert_eq!(runs[0].summary.entity(Entity::User).warnings, 1);
    assert_eq!(
        withheld(&world).await.get(key.as_str()).map(|e| e.as_str()),
        Some(email.as_str())
    );

    // The next run writes nothing at all, and says why the e-mail is missing.
    world.lms.reset_counts();
    let second = run(&world, 5).await;
    assert!(second.summary.writes_nothing(), "{:#?}", second.summary);
    assert_eq!(world.lms.batches(), 0);
    assert_eq!(world.lms.writes(), 0);
    let stored = warnings_of(&world, second.run, &key).await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].contains(&email), "{stored:?}");

    // A new SIS address is tried, lands, and the withheld one is forgotten.
    set_email(&world, &key, "new.address@staff.example.org");
    let third = run(&world, 10).await;
    assert!(third.failures.is_empty(), "{:#?}", third.failures);
    assert_eq!(
        lms_email(&world, &key).as_deref(),
        Some("new.address@staff.example.org")
    );
    assert!(withheld(&world).await.is_empty());
}

#[tokio::test]
async fn a_teacher_sharing_an_email_with_a_guardian_keeps_it_and_both_are_warned() {
    let world = World::tiny();
    let teacher = first_with_email(&world, SisRole::Teacher);
    let guardian = first_with_email(&world, SisRole::Guardian);
    let email = teacher.email.as_deref().unwrap().to_owned();
    set_email(&world, guardian.key.as_str(), &email);

    let report = run(&world, 0).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(lms_email(&world, teacher.key.as_str()), Some(email.clone()));
    assert_eq!(lms_email(&world, guardian.key.as_str()), None);
    for key in [teacher.key.as_str(), guardian.key.as_str()] {
        let stored = warnings_of(&world, report.run, key).await;
        assert_eq!(stored.len(), 1, "{key}");
        assert!(stored[0].contains(&email), "{stored:?}");
    }
    assert_eq!(report.summary.entity(Entity::User).warnings, 2);
    let teaches = keyed(&world.lms.snapshot_all())
        .enrollments
        .iter()
        .filter(|(_, person, admin)| *person == teacher.key.as_str() && *admin)
        .count();
    assert!(teaches > 0, "the teacher still teaches their sections");
}
