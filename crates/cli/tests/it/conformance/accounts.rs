//! The accounts part of the store conformance suite: lists and search, names for display,
//! granted roles, disabling, renaming, notification preferences, linked identities.

use std::collections::HashMap;
use std::sync::Arc;

use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Notification, Role};
use helpdesk_domain::paging::PageRequest;
use helpdesk_store::Store;

use super::at;
use crate::common::TestDb;

conformance!(
    accounts_are_listed_by_name_and_searched_literally,
    account_names_come_from_one_lookup,
    roles_names_and_disabling_are_written_and_rolled_back,
    notification_preferences_default_to_all_and_are_replaced,
    linked_identities_keep_the_address_they_came_with,
);

/// Accounts with these names (and addresses made from them), in this order; their ids.
async fn accounts(store: &Arc<dyn Store>, people: &[(&str, &str)]) -> Vec<AccountId> {
    let mut tx = store.begin().await.expect("begin");
    let mut ids = vec![];
    for (i, (name, email)) in people.iter().enumerate() {
        let seconds = i64::try_from(i).expect("a few");
        ids.push(tx.insert_account(email, name, &[Role::Community], at(seconds)).await.expect("account").id);
    }
    tx.commit().await.expect("commit");
    ids
}

fn page(page: i64, per_page: i64) -> PageRequest {
    PageRequest::new(Some(page), Some(per_page)).expect("a page")
}

async fn names(store: &Arc<dyn Store>, text: Option<&str>) -> Vec<String> {
    let found = store.accounts(text, page(1, 100)).await.expect("accounts");
    assert_eq!(found.total, i64::try_from(found.items.len()).expect("few"), "{text:?}: the total counts the matches");
    found.items.into_iter().map(|a| a.name).collect()
}

async fn accounts_are_listed_by_name_and_searched_literally(db: TestDb) {
    let store = db.open().await;
    accounts(
        &store,
        &[
            ("bob", "bob@example.org"),
            ("Ann Lee", "ann@example.org"),
            ("carl_50%", "carl@example.org"),
            ("carlx50y", "carl.x@example.org"),
            ("Dora", "dora@ann-corp.example.org"),
            ("back\\slash", "bs@example.org"),
            ("Bob", "bob2@example.org"),
        ],
    )
    .await;
    assert_eq!(
        names(&store, None).await,
        ["Ann Lee", "back\\slash", "bob", "Bob", "carl_50%", "carlx50y", "Dora"],
        "by name ignoring case, then by id"
    );
    assert_eq!(names(&store, Some("ANN")).await, ["Ann Lee", "Dora"], "name or address, any case");
    assert_eq!(names(&store, Some("l_5")).await, ["carl_50%"], "_ is a character, not a wildcard");
    assert_eq!(names(&store, Some("50%")).await, ["carl_50%"], "% is a character, not a wildcard");
    assert_eq!(names(&store, Some("k\\s")).await, ["back\\slash"], "\\ is a character, not an escape");
    assert_eq!(names(&store, Some("nobody")).await, Vec::<String>::new());

    let second = store.accounts(None, page(2, 3)).await.expect("accounts");
    assert_eq!((second.total, second.page, second.per_page), (7, 2, 3));
    assert_eq!(second.items.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Bob", "carl_50%", "carlx50y"]);
    let filtered = store.accounts(Some("carl"), page(2, 1)).await.expect("accounts");
    assert_eq!((filtered.total, filtered.items.len()), (2, 1));
    assert_eq!(filtered.items[0].name, "carlx50y");
    assert_eq!(filtered.items[0].roles, vec![Role::Community], "with the granted roles");
}

async fn account_names_come_from_one_lookup(db: TestDb) {
    let store = db.open().await;
    let ids = accounts(&store, &[("Ann", "ann@example.org"), ("Bob", "bob@example.org")]).await;
    let found = store.account_names(&[ids[1], ids[0], ids[1], AccountId(999_999)]).await.expect("names");
    let expected: HashMap<AccountId, String> = [(ids[0], "Ann".to_owned()), (ids[1], "Bob".to_owned())].into();
    assert_eq!(found, expected, "each once; an unknown id is left out");
    assert!(store.account_names(&[]).await.expect("names").is_empty());
    let many: Vec<AccountId> = (1..=1200).map(AccountId).collect();
    assert_eq!(store.account_names(&many).await.expect("names"), expected, "a list longer than one IN list");
}

async fn roles_names_and_disabling_are_written_and_rolled_back(db: TestDb) {
    let store = db.open().await;
    let ids = accounts(&store, &[("Ann", "ann@example.org")]).await;
    let ann = ids[0];

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_granted_roles(ann, &[Role::Staff, Role::Admin]).await.expect("roles"));
    assert!(tx.rename_account(ann, "Ann Lee").await.expect("rename"));
    assert!(tx.set_account_disabled(ann, true).await.expect("disable"));
    drop(tx);
    let unchanged = store.account(ann).await.expect("read").expect("ann");
    assert_eq!(
        (unchanged.name.as_str(), unchanged.roles.clone(), unchanged.disabled),
        ("Ann", vec![Role::Community], false)
    );

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_granted_roles(ann, &[Role::Staff, Role::Admin]).await.expect("roles"));
    assert!(tx.rename_account(ann, "Ann Lee").await.expect("rename"));
    assert!(tx.set_account_disabled(ann, true).await.expect("disable"));
    assert!(!tx.set_granted_roles(AccountId(999_999), &[Role::Admin]).await.expect("roles"), "no such account");
    assert!(!tx.rename_account(AccountId(999_999), "X").await.expect("rename"));
    assert!(!tx.set_account_disabled(AccountId(999_999), true).await.expect("disable"));
    tx.commit().await.expect("commit");
    let changed = store.account(ann).await.expect("read").expect("ann");
    assert_eq!(
        (changed.name.as_str(), changed.roles, changed.disabled),
        ("Ann Lee", vec![Role::Staff, Role::Admin], true)
    );

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_granted_roles(ann, &[Role::Partner]).await.expect("roles"));
    assert!(tx.set_account_disabled(ann, false).await.expect("enable"));
    tx.commit().await.expect("commit");
    let again = store.account(ann).await.expect("read").expect("ann");
    assert_eq!((again.roles, again.disabled), (vec![Role::Partner], false), "roles are replaced, not added");
    let counts = store.row_counts().await.expect("counts");
    assert!(counts.contains(&("account_roles", 1)), "{counts:?}");
}

async fn notification_preferences_default_to_all_and_are_replaced(db: TestDb) {
    let store = db.open().await;
    let ids = accounts(&store, &[("Ann", "ann@example.org"), ("Bob", "bob@example.org")]).await;
    let (ann, bob) = (ids[0], ids[1]);
    assert_eq!(store.wanted_notifications(ann).await.expect("wanted"), Notification::ALL, "everything by default");
    for kind in Notification::ALL {
        assert!(store.wants_notification(ann, *kind).await.expect("wants"), "{kind}");
    }

    let mut tx = store.begin().await.expect("begin");
    let wanted = [Notification::JoinRequest, Notification::Assigned];
    assert!(tx.set_wanted_notifications(ann, &wanted).await.expect("set"));
    drop(tx);
    assert_eq!(store.wanted_notifications(ann).await.expect("wanted"), Notification::ALL, "rolled back");

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_wanted_notifications(ann, &wanted).await.expect("set"));
    assert!(!tx.set_wanted_notifications(AccountId(999_999), &[]).await.expect("set"), "no such account");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.wanted_notifications(ann).await.expect("wanted"),
        [Notification::Assigned, Notification::JoinRequest],
        "in the kinds' order"
    );
    assert!(store.wants_notification(ann, Notification::Assigned).await.expect("wants"));
    assert!(!store.wants_notification(ann, Notification::PublicReply).await.expect("wants"));
    assert_eq!(store.wanted_notifications(bob).await.expect("wanted"), Notification::ALL, "nobody else's");

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_wanted_notifications(ann, &[]).await.expect("set"));
    tx.commit().await.expect("commit");
    assert!(store.wanted_notifications(ann).await.expect("wanted").is_empty());
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.set_wanted_notifications(ann, Notification::ALL).await.expect("set"));
    tx.commit().await.expect("commit");
    assert_eq!(store.wanted_notifications(ann).await.expect("wanted"), Notification::ALL);
    let counts = store.row_counts().await.expect("counts");
    assert!(counts.contains(&("notification_optouts", 0)), "wanting everything stores nothing: {counts:?}");
}

async fn linked_identities_keep_the_address_they_came_with(db: TestDb) {
    let store = db.open().await;
    let ids = accounts(&store, &[("Ann", "ann@example.org"), ("Bob", "bob@example.org")]).await;
    let (ann, bob) = (ids[0], ids[1]);
    assert!(store.identities(ann).await.expect("identities").is_empty());
    let mut tx = store.begin().await.expect("begin");
    tx.link_identity("keycloak", "k-1", None, ann, at(20)).await.expect("link");
    tx.link_identity("egi", "e-1", Some("ann@egi.example.org"), ann, at(10)).await.expect("link");
    tx.link_identity("egi", "e-2", Some("bob@egi.example.org"), bob, at(5)).await.expect("link");
    tx.commit().await.expect("commit");
    let linked = store.identities(ann).await.expect("identities");
    let seen: Vec<(&str, &str, Option<&str>, time::OffsetDateTime)> =
        linked.iter().map(|i| (i.provider.as_str(), i.subject.as_str(), i.email.as_deref(), i.linked_at)).collect();
    assert_eq!(
        seen,
        [("egi", "e-1", Some("ann@egi.example.org"), at(10)), ("keycloak", "k-1", None, at(20))],
        "oldest first, only ann's"
    );
}
