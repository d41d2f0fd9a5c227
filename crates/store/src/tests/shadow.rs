//! The shadow of the LMS: kept with its plan, the landed writes saved in the
//! same transaction as their links, and all of it replaced at once.

use rostersync_core::entity::Entity;
use rostersync_core::ids::PersonKey;
use rostersync_core::model::links::{LandedWrite, Link, LinkChanges, LinkOrigin};
use rostersync_ports::{KeptShadow, StateStore};

use super::store;

fn landed(key: &str, id: &str) -> LandedWrite {
    LandedWrite {
        entity: Entity::User,
        key: key.to_owned(),
        id: Some(id.to_owned()),
    }
}

#[tokio::test]
async fn landed_writes_are_kept_with_their_links_and_forgotten_with_the_next_shadow() {
    let store = store();
    assert_eq!(StateStore::shadow(&store).await.expect("read"), None);
    store
        .keep_shadow(Some("{\"base\":1}"), Some("{\"plan\":1}"))
        .await
        .expect("begin");
    let mut changes = LinkChanges::default();
    changes.upsert.users.insert(
        PersonKey::new("S1"),
        Link::new("u1".into(), LinkOrigin::Created),
    );
    changes.landed = vec![landed("S1", "u1"), landed("S2", "u2")];
    StateStore::apply_link_changes(&store, &changes)
        .await
        .expect("save");
    let kept = StateStore::shadow(&store).await.expect("read");
    assert_eq!(
        kept,
        Some(KeptShadow {
            shadow: Some("{\"base\":1}".to_owned()),
            plan: Some("{\"plan\":1}".to_owned()),
            landed: vec![landed("S1", "u1"), landed("S2", "u2")],
        })
    );
    let links = StateStore::links(&store).await.expect("links");
    assert!(links.users.contains_key(&PersonKey::new("S1")));
    // Keeping the carried shadow drops the plan and the landed writes.
    store
        .keep_shadow(Some("{\"base\":2}"), None)
        .await
        .expect("keep");
    let kept = StateStore::shadow(&store).await.expect("read");
    assert_eq!(
        kept,
        Some(KeptShadow {
            shadow: Some("{\"base\":2}".to_owned()),
            plan: None,
            landed: Vec::new(),
        })
    );
    store.keep_shadow(None, None).await.expect("drop");
    assert_eq!(StateStore::shadow(&store).await.expect("read"), None);
}
