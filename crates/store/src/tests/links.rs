//! Links: whole-set round trips and replacement, and incremental changes.

use rostersync_core::ids::UserId;
use rostersync_core::model::links::{Link, LinkOrigin, Links};
use rostersync_ports::StateStore;

use super::{sample_links, store};
use crate::{LinkChanges, LinkRemovals};

#[tokio::test]
async fn a_new_store_has_no_links() {
    let store = store();
    assert_eq!(store.links().await.expect("links"), Links::default());
}

#[tokio::test]
async fn every_kind_of_link_round_trips() {
    let store = store();
    let links = sample_links();
    store.save_links(&links).await.expect("save");
    assert_eq!(store.links().await.expect("links"), links);
}

#[tokio::test]
async fn save_links_replaces_the_whole_set() {
    let store = store();
    store.save_links(&sample_links()).await.expect("save");

    let mut smaller = sample_links();
    smaller.users.remove("P2");
    smaller.enrollments.remove(&("S1".into(), "P2".into()));
    smaller.guardian_links.clear();
    smaller.users.insert(
        "P1".into(),
        Link::new(UserId::new("99"), LinkOrigin::Matched),
    );
    store.save_links(&smaller).await.expect("save again");

    assert_eq!(store.links().await.expect("links"), smaller);
}

#[tokio::test]
async fn link_changes_remove_then_upsert_in_one_step() {
    let store = store();
    store.save_links(&sample_links()).await.expect("save");

    let mut changes = LinkChanges::default();
    changes.upsert.users.insert(
        "P4".into(),
        Link::new(UserId::new("14"), LinkOrigin::Created),
    );
    changes
        .upsert
        .enrollments
        .insert(("S1".into(), "P4".into()), LinkOrigin::Created);
    // In both lists: the upsert wins.
    changes.upsert.users.insert(
        "P1".into(),
        Link::new(UserId::new("111"), LinkOrigin::Created),
    );
    changes.remove = LinkRemovals {
        grading_periods: vec!["T1".into()],
        users: vec!["P1".into(), "P2".into(), "missing".into()],
        courses: vec!["C1".into()],
        sections: vec!["S1".into()],
        enrollments: vec![("S1".into(), "P1".into())],
        guardian_links: vec![("P3".into(), "P1".into())],
        withheld_emails: vec!["P2".into()],
    };
    changes
        .upsert
        .withheld_emails
        .insert("P4".into(), "p4@elsewhere.example.org".into());
    assert!(!changes.is_empty());
    store.apply_link_changes(&changes).await.expect("apply");

    let mut expected = Links::default();
    expected.users.insert(
        "P1".into(),
        Link::new(UserId::new("111"), LinkOrigin::Created),
    );
    expected.users.insert(
        "P3".into(),
        Link::new(UserId::new("13"), LinkOrigin::Matched),
    );
    expected.users.insert(
        "P4".into(),
        Link::new(UserId::new("14"), LinkOrigin::Created),
    );
    expected
        .enrollments
        .insert(("S1".into(), "P2".into()), LinkOrigin::UniqueId);
    expected
        .enrollments
        .insert(("S1".into(), "P4".into()), LinkOrigin::Created);
    expected
        .withheld_emails
        .insert("P4".into(), "p4@elsewhere.example.org".into());
    assert_eq!(store.links().await.expect("links"), expected);
}

#[tokio::test]
async fn empty_link_changes_change_nothing() {
    let store = store();
    store.save_links(&sample_links()).await.expect("save");
    let changes = LinkChanges::default();
    assert!(changes.is_empty());
    store.apply_link_changes(&changes).await.expect("apply");
    assert_eq!(store.links().await.expect("links"), sample_links());
}
