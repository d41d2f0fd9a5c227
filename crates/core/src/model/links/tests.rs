//! Tests of link changes and the ledger.

use crate::model::links::{Link, LinkLedger, LinkOrigin, Links};

#[test]
fn a_ledger_saves_only_what_changed_and_replays_to_the_same_links() {
    let mut saved = Links::default();
    saved
        .users
        .insert("S1".into(), Link::new("1".into(), LinkOrigin::Created));
    saved
        .enrollments
        .insert(("X".into(), "S1".into()), LinkOrigin::Created);
    let mut ledger = LinkLedger::new(saved.clone());
    ledger.link_user("S2".into(), Link::new("2".into(), LinkOrigin::Created));
    ledger.own_enrollment(("X".into(), "S2".into()), LinkOrigin::Created);
    ledger.release_enrollment(("X".into(), "S1".into()));
    ledger.keep_enrollment(("X".into(), "S2".into()));
    // Owned, then released, then owned again within one window ends owned.
    ledger.own_guardian_link(("G".into(), "S2".into()), LinkOrigin::Created);
    ledger.release_guardian_link(("G".into(), "S2".into()));
    ledger.own_guardian_link(("G".into(), "S2".into()), LinkOrigin::Matched);
    assert!(ledger.has_changes());

    let changes = ledger.take_changes();
    assert_eq!(
        changes.upsert.users.len(),
        1,
        "the unchanged S1 is not rewritten"
    );
    assert_eq!(changes.remove.enrollments, [("X".into(), "S1".into())]);
    assert!(!ledger.has_changes());

    saved.apply_changes(&changes);
    assert_eq!(&saved, ledger.links());
    assert_eq!(
        saved.guardian_links.get(&("G".into(), "S2".into())),
        Some(&LinkOrigin::Matched)
    );
}

#[test]
fn withheld_emails_are_saved_forgotten_and_replayed() {
    let mut saved = Links::default();
    saved
        .withheld_emails
        .insert("G1".into(), "family@example.org".into());
    let mut ledger = LinkLedger::new(saved.clone());
    ledger.withhold_email("T1".into(), "t1@elsewhere.org".into());
    ledger.forget_withheld_email("G1".into());
    // Forgetting what was never withheld changes nothing.
    ledger.forget_withheld_email("S9".into());
    let changes = ledger.take_changes();
    assert_eq!(changes.remove.withheld_emails, ["G1".into()]);
    assert_eq!(changes.upsert.withheld_emails.len(), 1);
    saved.apply_changes(&changes);
    assert_eq!(&saved, ledger.links());
    assert_eq!(
        saved.withheld_emails.get("T1").map(|e| e.as_str()),
        Some("t1@elsewhere.org")
    );
    assert!(!saved.withheld_emails.contains_key("G1"));
    ledger.forget_withheld_email("S9".into());
    assert!(!ledger.has_changes());
}
