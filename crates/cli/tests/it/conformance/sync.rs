//! The conformance suite for external-mode units: a ticket in such a unit is linked and due by
//! the trigger on every change, however it changed; a link is claimed by one node at a time and
//! stays due when the ticket changed while it was synced; items and nonces are recorded once; one
//! node at a time polls a system.

use helpdesk_domain::connector::{ConnectorKind, ConnectorSettings, SyncState};
use helpdesk_domain::ticket::Privacy;
use helpdesk_domain::unit::Integration;
use helpdesk_domain::{ServiceLevelId, TicketId, UnitId};
use helpdesk_store::{NewUnit, SyncItem};

use super::{at, base, insert, new_ticket};
use crate::common::TestDb;

conformance!(
    a_ticket_in_an_external_unit_is_linked_and_due_on_every_change,
    a_link_is_claimed_once_and_stays_due_when_changed_while_synced,
    sync_items_nonces_and_connectors_are_recorded_once,
);

async fn a_ticket_in_an_external_unit_is_linked_and_due_on_every_change(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let external = NewUnit {
        name: "RT at EUDAT".into(),
        description: String::new(),
        level: 2,
        email: "rt@example.org".into(),
        integration: Integration::External,
        service_level: ServiceLevelId(1),
        alarm_email: String::new(),
    };
    let external = tx.insert_unit(&external, at(0)).await.expect("unit").id;
    tx.commit().await.expect("commit");

    // A ticket in a direct unit has no link; moved to the external unit, it is linked and due.
    let ticket = insert(&b, new_ticket(&b, "Moved later", Privacy::Public), at(1)).await;
    assert!(b.store.external_link(ticket.id).await.expect("read").is_none());
    let mut tx = b.store.begin().await.expect("begin");
    let mut moved = tx.ticket_for_update(ticket.id).await.expect("read").expect("there");
    moved.unit = external;
    moved.updated_at = at(2);
    tx.update_ticket(&moved).await.expect("update");
    tx.commit().await.expect("commit");
    let link = b.store.external_link(ticket.id).await.expect("read").expect("linked");
    assert_eq!((link.link.unit, link.link.state, link.link.due_at), (external, SyncState::Pending, Some(at(2))));
    assert_eq!(link.link.external_id, None);

    // Opened in the external unit: linked at once, in the same transaction.
    let mut direct = new_ticket(&b, "Opened there", Privacy::Public);
    direct.unit = external;
    let opened = insert(&b, direct, at(3)).await;
    let link = b.store.external_link(opened.id).await.expect("read").expect("linked");
    assert_eq!(link.link.pending_since, Some(at(3)));

    // Claimed and brought up to date: in step until the ticket changes again.
    let claimed = b.store.claim_links("node-a", at(4), at(64), 10).await.expect("claim");
    assert_eq!(claimed.iter().map(|c| c.0).collect::<Vec<_>>(), vec![ticket.id, opened.id]);
    for (id, version) in &claimed {
        b.store.finish_link(*id, "node-a", *version, at(5)).await.expect("finish");
    }
    let link = b.store.external_link(ticket.id).await.expect("read").expect("linked");
    assert_eq!((link.link.state, link.link.due_at, link.link.synced_at), (SyncState::InStep, None, Some(at(5))));
    assert!(!b.store.has_due_links(at(6)).await.expect("probe"));
    let mut tx = b.store.begin().await.expect("begin");
    let mut changed = tx.ticket_for_update(ticket.id).await.expect("read").expect("there");
    changed.updated_at = at(7);
    tx.update_ticket(&changed).await.expect("update");
    tx.commit().await.expect("commit");
    let link = b.store.external_link(ticket.id).await.expect("read").expect("linked");
    assert_eq!((link.link.state, link.link.due_at), (SyncState::Pending, Some(at(7))));
    assert!(b.store.has_due_links(at(7)).await.expect("probe"));
}

async fn a_link_is_claimed_once_and_stays_due_when_changed_while_synced(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let mut unit = tx.unit(b.other_unit).await.expect("read").expect("there");
    unit.integration = Integration::External;
    tx.update_unit(&unit).await.expect("update");
    tx.commit().await.expect("commit");
    let mut t = new_ticket(&b, "Contended", Privacy::Public);
    t.unit = b.other_unit;
    let ticket = insert(&b, t, at(1)).await;
    // Held back from the other side once pending long enough (it may pull it then).
    let held = |before: i64, after: i64| b.store.held_links(b.other_unit, at(before), TicketId(after), 10);
    assert!(held(0, 0).await.expect("held").is_empty(), "pending for a moment only");
    assert_eq!(held(1, 0).await.expect("held"), vec![ticket.id]);
    assert!(held(1, ticket.id.get()).await.expect("held").is_empty(), "past the page's end");
    assert!(b.store.held_links(b.unit, at(9), TicketId(0), 10).await.expect("held").is_empty(), "another unit's");

    let first = b.store.claim_links("node-a", at(2), at(62), 10).await.expect("claim");
    assert_eq!(first.len(), 1);
    assert!(b.store.claim_links("node-b", at(3), at(63), 10).await.expect("claim").is_empty(), "held by node-a");
    // The ticket changes while node-a sends it: node-a's finish leaves it due.
    let mut tx = b.store.begin().await.expect("begin");
    let mut changed = tx.ticket_for_update(ticket.id).await.expect("read").expect("there");
    changed.updated_at = at(4);
    tx.update_ticket(&changed).await.expect("update");
    tx.commit().await.expect("commit");
    b.store.finish_link(ticket.id, "node-b", first[0].1, at(5)).await.expect("not node-b's: no effect");
    b.store.finish_link(ticket.id, "node-a", first[0].1, at(5)).await.expect("finish");
    let link = b.store.external_link(ticket.id).await.expect("read").expect("linked");
    assert_eq!((link.link.state, link.link.due_at), (SyncState::Pending, Some(at(5))));

    // A failure backs off and shows; a lease that runs out lets another node take it.
    let again = b.store.claim_links("node-b", at(6), at(66), 10).await.expect("claim");
    b.store.fail_link(ticket.id, "node-b", "cannot connect to RT", at(30)).await.expect("fail");
    let link = b.store.external_link(ticket.id).await.expect("read").expect("linked");
    assert_eq!(link.link.state, SyncState::Failing);
    assert_eq!((link.link.attempts, link.link.last_error.as_deref()), (1, Some("cannot connect to RT")));
    assert!(b.store.claim_links("node-a", at(29), at(89), 10).await.expect("claim").is_empty(), "backing off");
    assert_eq!(held(0, 0).await.expect("held"), vec![ticket.id], "failing: held at once");
    let mut tx = b.store.begin().await.expect("begin");
    assert_eq!(tx.retry_links(None, Some(ticket.id), at(10)).await.expect("retry"), 1);
    tx.commit().await.expect("commit");
    let taken = b.store.claim_links("node-a", at(11), at(12), 10).await.expect("claim");
    assert_eq!(taken.len(), 1, "retried by hand");
    let stolen = b.store.claim_links("node-b", at(13), at(73), 10).await.expect("claim");
    assert_eq!(stolen.len(), 1, "node-a's lease ran out");
    assert!(again[0].1 <= stolen[0].1);
    b.store.finish_link(ticket.id, "node-b", stolen[0].1, at(14)).await.expect("finish");
    assert!(held(60, 0).await.expect("held").is_empty(), "in step: nothing held");
}

async fn sync_items_nonces_and_connectors_are_recorded_once(db: TestDb) {
    let b = base(&db).await;
    let ticket = insert(&b, new_ticket(&b, "Items", Privacy::Public), at(1)).await;
    let item = |local: &str, remote: &str| SyncItem {
        kind: "article".into(),
        local_ref: local.into(),
        remote_ref: remote.into(),
        inbound: true,
    };
    let mut tx = b.store.begin().await.expect("begin");
    assert!(tx.insert_sync_item(ticket.id, b.unit, &item("1", "r1"), at(2)).await.expect("insert"));
    assert!(!tx.insert_sync_item(ticket.id, b.unit, &item("1", "r1"), at(2)).await.expect("again"));
    assert!(tx.use_nonce("n1", at(2), at(0)).await.expect("nonce"));
    assert!(!tx.use_nonce("n1", at(3), at(0)).await.expect("replay"));
    let settings = ConnectorSettings {
        kind: ConnectorKind::Rt,
        url: "http://127.0.0.1:9280".into(),
        queue: "General".into(),
        mapping: None,
        fields: vec![],
        internal_notes: true,
        poll_seconds: 5,
        enabled: true,
    };
    tx.put_connector(b.unit, &settings, Some(b"sealed"), at(2)).await.expect("put");
    tx.put_connector(b.unit, &settings, None, at(3)).await.expect("put without credentials keeps them");
    tx.set_cursor(b.unit, Some("42"), None, at(4)).await.expect("cursor");
    tx.set_cursor(b.unit, None, Some("RT is down"), at(5)).await.expect("a failed poll keeps the cursor");
    tx.commit().await.expect("commit");
    let items = b.store.sync_items(ticket.id, b.unit).await.expect("items");
    assert_eq!(items, vec![item("1", "r1")]);
    let stored = b.store.connector(b.unit).await.expect("read").expect("stored");
    assert_eq!(stored.settings, settings);
    assert_eq!(stored.sealed_credentials.as_deref(), Some(&b"sealed"[..]));
    assert_eq!((stored.cursor.as_deref(), stored.poll_error.as_deref()), (Some("42"), Some("RT is down")));
    // One node follows the system at a time: it renews its lease; another takes over once it runs out.
    let claim = |node: &'static str, now: i64| b.store.claim_poll(b.unit, node, at(now), at(now + 35));
    assert!(claim("node-a", 10).await.expect("claim"), "free");
    assert!(!claim("node-b", 11).await.expect("claim"), "node-a follows it");
    assert!(claim("node-a", 15).await.expect("claim"), "node-a renews");
    assert!(!claim("node-b", 49).await.expect("claim"), "still node-a's");
    assert!(claim("node-b", 51).await.expect("claim"), "node-a's lease ran out");
    assert!(!b.store.claim_poll(UnitId(999), "node-a", at(60), at(95)).await.expect("claim"), "no such connector");
    // An old nonce is forgotten after the window.
    let mut tx = b.store.begin().await.expect("begin");
    assert!(tx.use_nonce("n2", at(1000), at(900)).await.expect("prunes n1"));
    assert!(tx.use_nonce("n1", at(1000), at(900)).await.expect("n1 forgotten"));
    tx.commit().await.expect("commit");
}
