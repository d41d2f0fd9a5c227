//! Two stores (as two processes would) on one file: the lock is atomic
//! across connections, and state written by one is seen by the other.

use chrono::Duration;
use rostersync_core::ids::UserId;
use rostersync_core::model::links::{Link, LinkOrigin, Links};
use rostersync_core::scope::SyncScope;
use rostersync_ports::StateStore;
use rostersync_store::SqliteStore;

use super::{at, temp_store_path};

#[tokio::test]
async fn a_second_store_respects_the_first_stores_lease_until_it_expires() {
    let (_dir, path) = temp_store_path();
    let first = SqliteStore::open(&path).expect("first");
    let second = SqliteStore::open(&path).expect("second");
    let now = at("2026-11-28T10:00:00Z");
    let lease = Duration::minutes(10);

    assert!(
        first
            .try_lock(SyncScope::Sections, "process-1/run-7", now, lease)
            .await
            .expect("lock")
            .taken()
            .is_some()
    );
    for scope in [SyncScope::Sections, SyncScope::All] {
        assert_eq!(
            second
                .try_lock(scope, "process-2/run-8", now, lease)
                .await
                .expect("lock")
                .taken(),
            None,
            "{scope}"
        );
    }
    let blocker = second
        .lock_blocker(SyncScope::All, "process-2/run-8", now)
        .await
        .expect("blocker")
        .expect("blocked");
    assert_eq!(blocker.holder, "process-1/run-7");

    assert!(
        second
            .try_lock(SyncScope::Users, "process-2/run-8", now, lease)
            .await
            .expect("lock")
            .taken()
            .is_some(),
        "a scope that does not overlap is free"
    );

    let expired = at("2026-11-28T10:10:00Z");
    let taken = second
        .try_lock(SyncScope::Sections, "process-2/run-9", expired, lease)
        .await
        .expect("lock")
        .taken()
        .expect("an expired lease can be taken over");
    assert_eq!(taken.expires_at, at("2026-11-28T10:20:00Z"));
    assert_eq!(
        first
            .try_lock(SyncScope::Sections, "process-1/run-7", expired, lease)
            .await
            .expect("lock")
            .taken(),
        None
    );
}

#[tokio::test]
async fn racing_stores_take_one_lock_between_them() {
    let (_dir, path) = temp_store_path();
    let stores: Vec<SqliteStore> = (0..6)
        .map(|_| SqliteStore::open(&path).expect("open"))
        .collect();
    let now = at("2026-11-28T10:00:00Z");
    let tasks: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(index, store)| {
            // Alternate scopes that all overlap All.
            let scope = if index % 2 == 0 {
                SyncScope::All
            } else {
                SyncScope::Courses
            };
            tokio::spawn(async move {
                store
                    .try_lock(scope, &format!("holder-{index}"), now, Duration::minutes(5))
                    .await
            })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        if task.await.expect("task").expect("lock").is_taken() {
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
}

#[tokio::test]
async fn links_saved_by_one_store_are_read_by_the_other() {
    let (_dir, path) = temp_store_path();
    let first = SqliteStore::open(&path).expect("first");
    let second = SqliteStore::open(&path).expect("second");
    let mut links = Links::default();
    links.users.insert(
        "P1".into(),
        Link::new(UserId::new("11"), LinkOrigin::Created),
    );
    first.save_links(&links).await.expect("save");
    assert_eq!(second.links().await.expect("links"), links);
}
