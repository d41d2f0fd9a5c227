//! Data prep over an LMS that already has the district's records without
//! SIS keys, and creating the grading period of one term.

use std::sync::Arc;

use rostersync_core::SyncScope;
use rostersync_core::mapping::TermTarget;
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::model::lms::LmsUser;
use rostersync_core::prep::OutcomeKind;
use rostersync_engine::RunOptions;
use rostersync_engine::fakes::{FakeLms, MemStore};
use rostersync_ports::{LmsTarget, RunStatus, StateStore, Trigger};

use crate::support::{World, has_duplicates, keyed};

/// A district synced once, then copied into a new LMS as if filled by hand:
/// its accounts without SIS keys and edited by `edit`, with a new store and
/// an engine over them.
async fn filled_by_hand(
    edit: impl Fn(&mut LmsUser),
) -> (
    chrono::DateTime<chrono::Utc>,
    Arc<FakeLms>,
    Arc<MemStore>,
    rostersync_engine::Engine,
) {
    let synced = World::tiny();
    let now = synced.now();
    if let Err(error) = synced
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
    {
        panic!("the first sync failed: {error}");
    }
    let mut by_hand = synced.lms.snapshot_all();
    for user in &mut by_hand.users {
        user.unique_id = None;
        edit(user);
    }
    let lms = Arc::new(FakeLms::with_admin(by_hand));
    let store = Arc::new(MemStore::new());
    let engine = World::engine_over(&synced.mapping, &synced.sis, &lms, &store);
    (now, lms, store, engine)
}

#[tokio::test]
async fn accepted_matches_write_the_key_and_link_so_nothing_is_created_twice() {
    // An LMS that was filled by hand: the records exist, without SIS keys.
    let (now, lms, store, engine) = filled_by_hand(|_| {}).await;
    let users_before = lms.snapshot_all().users.len();
    let report = engine.prep_report(now).await.unwrap();
    let counts = report.counts();
    assert!(counts.users.matched > 0, "{counts:?}");
    assert_eq!(lms.batches(), 0, "making the report writes nothing");

    let applied = engine.prep_apply(&report, now).await.unwrap();
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    assert!(applied.linked >= counts.users.matched);
    let links = store.links().await.unwrap();
    assert_eq!(
        links
            .users
            .values()
            .filter(|l| l.origin == LinkOrigin::Matched)
            .count() as u64,
        counts.users.matched
    );
    // The keys are now in the LMS unique field.
    let held = lms.snapshot_all();
    let keyed_users = held.users.iter().filter(|u| u.unique_id.is_some()).count() as u64;
    assert_eq!(keyed_users, counts.users.matched);
    let runs = engine.runs(1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(
        runs[0]
            .summary
            .count(rostersync_core::Entity::User, rostersync_core::Action::Link),
        counts.users.matched
    );

    // A sync afterwards creates no second account for a matched person.
    let sync = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert!(
        sync.summary.entity(rostersync_core::Entity::User).create
            <= counts.users.get(OutcomeKind::Unmatched)
    );
    let after = keyed(&lms.snapshot_all());
    assert!(!has_duplicates(&after.users));
    for entry in report
        .users
        .iter()
        .filter(|e| e.outcome.kind() == OutcomeKind::Matched)
    {
        assert_eq!(
            after.users.iter().filter(|key| **key == entry.key).count(),
            1,
            "{}",
            entry.key
        );
    }
    assert_eq!(lms.snapshot_all().users.len(), users_before);
}

#[tokio::test]
async fn creating_a_terms_grading_period_maps_it_once() {
    let world = World::tiny();
    let now = world.now();
    let term = world
        .district
        .mapping
        .terms
        .iter()
        .find(|(_, target)| **target == TermTarget::Create)
        .map(|(term, _)| term.clone())
        .unwrap();
    let periods_before = world.lms.directory().await.unwrap().grading_periods.len();
    let id = world
        .engine
        .create_grading_period(&term, now)
        .await
        .unwrap();
    let directory = world.lms.directory().await.unwrap();
    assert_eq!(directory.grading_periods.len(), periods_before + 1);
    let created = directory
        .grading_periods
        .iter()
        .find(|p| p.id == id)
        .unwrap();
    let sis_term = world
        .district
        .sis
        .terms
        .iter()
        .find(|t| t.key == term)
        .unwrap();
    assert_eq!((created.start, created.end), (sis_term.start, sis_term.end));
    assert!(
        created.title.contains(sis_term.title.trim()),
        "{}",
        created.title
    );
    let links = world.store.links().await.unwrap();
    assert_eq!(links.grading_periods.get(&term).map(|l| &l.id), Some(&id));

    // Again: the same period, nothing new.
    let again = world
        .engine
        .create_grading_period(&term, now)
        .await
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(
        world.lms.directory().await.unwrap().grading_periods.len(),
        periods_before + 1
    );

    // A sync does not create it a second time.
    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    let titles = keyed(&world.lms.snapshot_all()).grading_periods;
    assert!(!has_duplicates(&titles));
}

#[tokio::test]
async fn the_first_updates_of_records_prep_linked_do_not_trip_the_update_threshold() {
    // Filled by hand: no SIS keys, and every account's first name differs
    // from the SIS (found by e-mail), so each linked account needs its
    // first update.
    let (now, _lms, store, engine) = filled_by_hand(|user| {
        user.fields.first = format!("{} (typed)", user.fields.first).into();
    })
    .await;
    let report = engine.prep_report(now).await.unwrap();
    let matched = report.counts().users.matched;
    assert!(matched >= 10, "enough to pass the floor: {matched}");
    assert!(
        engine
            .prep_apply(&report, now)
            .await
            .unwrap()
            .failures
            .is_empty()
    );
    let pending = store
        .setting("first_updates_pending")
        .await
        .unwrap()
        .unwrap();
    assert!(pending.contains("\"user\":["), "{pending}");

    // Every linked account is updated (all of the managed ones, far above
    // the 50 % limit), and the run is not stopped.
    let first = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::Succeeded, "{:?}", first.breaches);
    let updated = first.summary.entity(rostersync_core::Entity::User).update;
    assert!(updated >= matched, "{updated} of {matched}");
    assert!(first.breaches.is_empty());
    // They are settled: a later mass update counts again.
    assert_eq!(
        store
            .setting("first_updates_pending")
            .await
            .unwrap()
            .as_deref(),
        Some("{}")
    );
}
