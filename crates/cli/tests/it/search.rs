//! Search over HTTP, on the engine under test: what each person finds is what they may read,
//! counts included, right after a ticket is made private or moved to another unit; the query
//! language; filters; refusals; a change found once indexed while a transaction holds the log back.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use helpdesk_store::Engine;

use crate::common::{Fixture, assert_problem, created, engine_under_test, unique_address};

/// The numbers found by `token` for `q` (and extra parameters), and the total, once the index
/// has taken in every change (as the server's follower does within a second).
async fn found(f: &Fixture, token: Option<&str>, query: &str) -> (Vec<i64>, i64, Value) {
    f.server.search.catch_up().await.expect("the index catches up");
    found_before_catch_up(f, token, query).await
}

/// The same, without waiting for the index: what a search sees right after a change.
async fn found_before_catch_up(f: &Fixture, token: Option<&str>, query: &str) -> (Vec<i64>, i64, Value) {
    let path = format!("/api/v1/search?{query}");
    let answer = f.server.call(Method::GET, &path, token, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {:?}", answer.body);
    let ids = answer.body["items"].as_array().into_iter().flatten().filter_map(|h| h["id"].as_i64()).collect();
    let total = answer.body["total"].as_i64().expect("a total");
    (ids, total, answer.body)
}

async fn person(f: &Fixture, name: &str, unit: Option<i64>) -> (i64, String) {
    let (account, token) = f.server.account(&unique_address(name), &[Role::Community]).await;
    if let Some(unit) = unit {
        let added =
            f.server.post(&format!("/api/v1/units/{unit}/members"), &f.admin, json!({"account": account.id})).await;
        assert!(added.status.is_success(), "{:?}", added.body);
    }
    (account.id.get(), token)
}

#[tokio::test]
async fn each_person_finds_only_what_they_may_read() {
    let f = Fixture::new().await;
    let (_, alice) = person(&f, "alice", None).await;
    let (_, bob) = person(&f, "bob", None).await;
    let (_, first) = person(&f, "first-line", Some(f.first_line)).await;
    let (_, storage) = person(&f, "storage", Some(f.second_line)).await;

    let public = f
        .open(&alice, json!({"title": "Tape library offline", "description": "The robotic arm jammed at slot 12."}))
        .await;
    let private = f
        .open(
            &storage,
            json!({"title": "Tape migration plan", "description": "Move the cartridges.", "privacy": "private"}),
        )
        .await;
    let note = json!({"body": "Firmware of the tape robot: SECRETWORD build", "internal": true});
    created(f.server.post(&format!("/api/v1/tickets/{public}/articles"), &first, note).await);
    let reply = json!({"body": "We replaced the gripper.", "internal": false});
    created(f.server.post(&format!("/api/v1/tickets/{public}/articles"), &first, reply).await);

    // Private tickets: not a hit, not counted, for whoever may not read them.
    assert_eq!(found(&f, Some(&bob), "q=tape").await.0, vec![public]);
    assert_eq!(found(&f, Some(&bob), "q=tape").await.1, 1);
    let visitor = f.server.call(Method::GET, "/api/v1/search?q=tape", None, None).await;
    assert_problem(&visitor, StatusCode::UNAUTHORIZED);
    let (mut ids, total, _) = found(&f, Some(&first), "q=tape").await;
    ids.sort();
    assert_eq!((ids, total), (vec![public, private], 2), "the unit's supporter reads both");

    // Internal notes: found only by those who may read them, and only they see the snippet.
    assert_eq!(found(&f, Some(&alice), "q=SECRETWORD").await.1, 0);
    assert_eq!(found(&f, Some(&storage), "q=SECRETWORD").await.1, 0, "a supporter of another unit");
    let (ids, _, body) = found(&f, Some(&first), "q=secretword").await;
    assert_eq!(ids, vec![public]);
    assert!(body["items"][0]["snippet"].as_str().is_some_and(|s| s.contains("<b>SECRETWORD</b>")), "{body}");
    assert_eq!(found(&f, Some(&f.admin), "q=SECRETWORD").await.0, vec![public]);
    let (_, _, body) = found(&f, Some(&alice), "q=gripper").await;
    assert_eq!(body["items"][0]["id"], public, "public replies are searched");
    assert!(!body.to_string().contains("SECRETWORD"), "no note in a snippet: {body}");

    // Made private: at once out of reach of those who may not read it, before the index has
    // taken the change in (a changed ticket is left out until then) and after.
    let patched = f.server.patch(&format!("/api/v1/tickets/{public}"), &first, json!({"privacy": "private"})).await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(found_before_catch_up(&f, Some(&bob), "q=tape").await.1, 0);
    assert_eq!(found(&f, Some(&bob), "q=tape").await.1, 0);
    assert_eq!(found(&f, Some(&alice), "q=tape").await.0, vec![public], "its submitter still reads it");

    // Moved to another unit: the old unit's supporter no longer finds it.
    let moved = f.server.patch(&format!("/api/v1/tickets/{private}"), &f.admin, json!({"unit": f.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(found_before_catch_up(&f, Some(&first), "q=migration").await.1, 0);
    assert_eq!(found(&f, Some(&first), "q=migration").await.1, 0);
    assert_eq!(found(&f, Some(&storage), "q=migration").await.0, vec![private]);
}

#[tokio::test]
async fn words_phrases_exclusions_numbers_and_filters() {
    let f = Fixture::new().await;
    let (_, alice) = person(&f, "searcher", None).await;
    let quota =
        f.open(&alice, json!({"title": "Disk quota exceeded", "description": "My home directory is full."})).await;
    let login =
        f.open(&alice, json!({"title": "Login fails", "description": "The home page says: quota unknown."})).await;
    let closed = f.open(&alice, json!({"title": "Old quota question", "description": "Answered long ago."})).await;
    let close = f.server.patch(&format!("/api/v1/tickets/{closed}"), &f.admin, json!({"status": "solved"})).await;
    assert_eq!(close.status, StatusCode::OK, "{:?}", close.body);

    let ids = |q: &str| {
        let f = &f;
        let alice = alice.clone();
        let q = q.to_owned();
        async move {
            let mut ids = found(f, Some(&alice), &q).await.0;
            ids.sort();
            ids
        }
    };
    assert_eq!(ids("q=quota").await, vec![quota, login, closed]);
    assert_eq!(ids("q=quota+home").await, vec![quota, login], "every word must match");
    assert_eq!(ids("q=%22home+directory%22").await, vec![quota], "a phrase");
    assert_eq!(ids("q=%22directory+home%22").await, Vec::<i64>::new(), "in its order");
    assert_eq!(ids("q=%22my+home+directory%22").await, vec![quota], "a phrase of three words");
    assert_eq!(ids("q=%22page+says+quota%22").await, vec![login], "punctuation does not part words");
    assert_eq!(ids("q=%22exceeded+my%22").await, Vec::<i64>::new(), "the title and the text are not one phrase");
    assert_eq!(ids("q=%22home+full%22").await, Vec::<i64>::new(), "words apart are not a phrase");
    let (_, _, body) = found(&f, Some(&alice), "q=%22home+directory%22").await;
    let snippet = body["items"][0]["snippet"].as_str().unwrap_or_default().to_owned();
    assert!(snippet.contains("<b>home</b> <b>directory</b>"), "the phrase is highlighted: {snippet}");
    assert_eq!(ids("q=quota+-login").await, vec![quota, closed], "a word left out");
    assert_eq!(ids(&format!("q=%23{login}")).await, vec![login], "a ticket number");
    assert_eq!(ids("q=quota&status=open").await, vec![quota, login]);
    assert_eq!(ids("q=quota&status=closed").await, vec![closed]);
    assert_eq!(
        ids(&format!("q=quota&category={}&unit={}", f.category, f.first_line)).await,
        vec![quota, login, closed]
    );
    assert_eq!(ids(&format!("q=quota&unit={}", f.second_line)).await, Vec::<i64>::new());
    assert_eq!(ids("status=closed").await, vec![closed], "filters alone");
    assert_eq!(ids("q=quota&from=2000-01-01&to=2999-01-01").await, vec![quota, login, closed]);
    assert_eq!(ids("q=quota&to=2000-01-01").await, Vec::<i64>::new());
    let (ordered, _, _) = found(&f, Some(&alice), "q=quota&sort=activity").await;
    assert_eq!(ordered.first(), Some(&closed), "newest activity first: {ordered:?}");
    let (_, total, body) = found(&f, Some(&alice), "q=quota&per_page=1&page=2").await;
    assert_eq!((total, body["items"].as_array().map(Vec::len)), (3, Some(1)), "{body}");
    let (_, _, body) = found(&f, Some(&alice), "q=exceeded").await;
    let hit = &body["items"][0];
    assert_eq!((hit["title"].as_str(), hit["status"].as_str()), (Some("Disk quota exceeded"), Some("new")), "{hit}");
}

#[tokio::test]
async fn bad_searches_are_refused_and_write_nothing() {
    let f = Fixture::new().await;
    let (_, alice) = person(&f, "refused", None).await;
    let before = f.server.store().row_counts().await.expect("counts");
    let long = "w".repeat(501);
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    for (query, status) in [
        ("status=bogus".to_owned(), invalid),
        ("sort=oldest".to_owned(), invalid),
        ("from=yesterday".to_owned(), invalid),
        ("from=2026-02-01&to=2026-01-01".to_owned(), invalid),
        (format!("q={long}"), invalid),
        ("page=0".to_owned(), invalid),
        ("per_page=1000".to_owned(), invalid),
        ("unit=first".to_owned(), StatusCode::BAD_REQUEST),
        ("colour=red".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let answer = f.server.call(Method::GET, &format!("/api/v1/search?{query}"), Some(&alice), None).await;
        assert_problem(&answer, status);
    }
    assert_eq!(f.server.store().row_counts().await.expect("counts"), before, "nothing was written");
}

#[tokio::test]
async fn a_change_is_found_once_indexed_while_an_older_transaction_stays_open() {
    let f = Fixture::new().await;
    if engine_under_test() != Engine::Postgres {
        // SQLite has one writer: no transaction can stay open beside another's commit.
        return;
    }
    let (_, alice) = person(&f, "patient", None).await;
    // An open transaction anywhere holds the log's cursor back (PostgreSQL's xmin): what commits
    // after it is read past the cursor, and must count as indexed once it is.
    let mut open = f.server.app.store().begin().await.expect("begin");
    open.insert_organisation("Holds the cursor back", time::OffsetDateTime::now_utc()).await.expect("a write");
    let ticket = f.open(&alice, json!({"title": "Cryostat pressure alarm", "description": "It beeps."})).await;
    assert_eq!(found(&f, Some(&alice), "q=cryostat").await.0, vec![ticket], "found once indexed");
    assert_eq!(found_before_catch_up(&f, Some(&alice), "q=cryostat").await.0, vec![ticket], "and after");
    drop(open); // rolled back
}
