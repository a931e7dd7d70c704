//! Parents and children (issue 18): one request split among units. The parent waits on hold
//! while a child is open, hears each child's solution in its conversation, and goes on when the
//! last one is solved; one level only.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, created, snapshot, unique_address};

async fn status_of(f: &Fixture, id: i64) -> Value {
    let answer = f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body["status"].clone()
}

async fn adopt(f: &Fixture, token: &str, parent: i64, child: i64) -> crate::common::Answer {
    f.server
        .post(&format!("/api/v1/tickets/{parent}/relations"), token, json!({"kind": "child", "ticket": child}))
        .await
}

async fn set(f: &Fixture, token: &str, id: i64, body: Value) {
    let changed = f.server.patch(&format!("/api/v1/tickets/{id}"), token, body).await;
    assert_eq!(changed.status, StatusCode::OK, "#{id}: {:?}", changed.body);
}

#[tokio::test]
async fn a_request_split_among_two_units_waits_for_both_parts_and_hears_their_solutions() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, stu) = f.supporter(&unique_address("stu"), f.second_line).await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let parent = f.open(&ann, json!({"title": "New project space"})).await;
    let accounts = f.open(&f.admin, json!({"title": "Accounts for the project", "privacy": "private"})).await;
    let storage = f.open(&f.admin, json!({"title": "SECRET-STORAGE-CHILD", "privacy": "private"})).await;
    set(&f, &f.admin, storage, json!({"unit": f.second_line})).await;

    let made = adopt(&f, &sam, parent, accounts).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["kind"], "child");
    assert_eq!(status_of(&f, parent).await, "on_hold", "the parent waits for its part");
    // A private part of another unit is not Sam's to read, so not his to tie.
    assert_problem(&adopt(&f, &sam, parent, storage).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(adopt(&f, &f.admin, parent, storage).await.status, StatusCode::CREATED, "staff work on both");
    let listed = f.server.get(&format!("/api/v1/tickets?parent={parent}&order=oldest"), &f.admin).await.body;
    let numbers: Vec<i64> =
        listed["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect();
    assert_eq!(numbers, [accounts, storage], "?parent= lists its parts");

    // The storage part is solved: its solution joins the parent's conversation; the parent waits.
    set(&f, &stu, storage, json!({"status": "in_progress"})).await;
    let answer = json!({"body": "A 10 TB space is ready.", "internal": false});
    created(f.server.post(&format!("/api/v1/tickets/{storage}/articles"), &stu, answer).await);
    set(&f, &stu, storage, json!({"status": "solved", "resolution": "fixed"})).await;
    assert_eq!(status_of(&f, parent).await, "on_hold", "one part is still open");
    let conversation = f.server.get(&format!("/api/v1/tickets/{parent}/articles?per_page=100"), &ann).await.body;
    let items = conversation["items"].as_array().expect("items");
    let solution = items.iter().find(|a| a["channel"] == "system").expect("the part's solution");
    let text = solution["body"].as_str().unwrap_or_default();
    assert!(
        text.contains("handled by Storage, is solved (fixed)") && text.contains("A 10 TB space is ready."),
        "{text}"
    );
    assert!(!conversation.to_string().contains("SECRET-STORAGE-CHILD"), "the part's title stays its own");

    // The last part solved, the parent goes on; a part reopened puts it back on hold.
    set(&f, &sam, accounts, json!({"status": "in_progress"})).await;
    set(&f, &sam, accounts, json!({"status": "solved", "resolution": "fixed"})).await;
    assert_eq!(status_of(&f, parent).await, "in_progress");
    set(&f, &f.admin, accounts, json!({"status": "reopened"})).await;
    assert_eq!(status_of(&f, parent).await, "on_hold", "waiting for the reopened part");

    // Untied, the reopened part no longer holds the parent back.
    let ties = f.server.get(&format!("/api/v1/tickets/{parent}/relations"), &f.admin).await.body;
    let tie = ties["items"].as_array().expect("items").iter().find(|r| r["ticket"] == accounts).expect("the tie")["id"]
        .as_i64()
        .expect("an id");
    let gone =
        f.server.call(Method::DELETE, &format!("/api/v1/tickets/{parent}/relations/{tie}"), Some(&sam), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert_eq!(status_of(&f, parent).await, "in_progress");
}

#[tokio::test]
async fn children_are_one_level_deep_and_refusals_write_nothing() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let [p, c, x, y] = [
        f.open(&f.admin, json!({"title": "P"})).await,
        f.open(&f.admin, json!({"title": "C"})).await,
        f.open(&f.admin, json!({"title": "X"})).await,
        f.open(&f.admin, json!({"title": "Y"})).await,
    ];
    assert_eq!(adopt(&f, &sam, p, c).await.status, StatusCode::CREATED);
    let solved = f.open(&f.admin, json!({"title": "Solved"})).await;
    set(&f, &sam, solved, json!({"status": "in_progress"})).await;
    set(&f, &sam, solved, json!({"status": "solved"})).await;

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (c, x, StatusCode::CONFLICT, "a child made a parent"),
        (x, p, StatusCode::CONFLICT, "a parent made a child"),
        (y, c, StatusCode::CONFLICT, "a second parent"),
        (c, p, StatusCode::CONFLICT, "a cycle"),
        (solved, y, StatusCode::CONFLICT, "a solved parent"),
        (y, y, StatusCode::UNPROCESSABLE_ENTITY, "itself"),
    ];
    for (parent, child, status, what) in refusals {
        let answer = adopt(&f, &sam, parent, child).await;
        assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}

async fn open_part(f: &Fixture, token: &str, parent: i64, unit: i64, title: &str) -> crate::common::Answer {
    let body = json!({"title": title, "description": "Please see the parent request.", "unit": unit});
    f.server.post(&format!("/api/v1/tickets/{parent}/children"), token, body).await
}

#[tokio::test]
async fn a_supporter_opens_two_parts_of_a_request_for_two_units_from_the_parent() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, stu) = f.supporter(&unique_address("stu"), f.second_line).await;
    let (ann_account, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let parent = f.open(&ann, json!({"title": "New project space"})).await;
    set(&f, &f.admin, parent, json!({"privacy": "private"})).await;

    let storage = open_part(&f, &sam, parent, f.second_line, "Storage for the project").await;
    assert_eq!(storage.status, StatusCode::CREATED, "{:?}", storage.body);
    let accounts = open_part(&f, &sam, parent, f.first_line, "Accounts for the project").await;
    assert_eq!(accounts.status, StatusCode::CREATED, "{:?}", accounts.body);
    let part = &storage.body;
    assert_eq!(part["unit"], f.second_line, "the part goes to the unit chosen");
    assert_eq!(part["status"], "new");
    assert_eq!(part["submitter"], ann_account.id.get(), "the parent's requester is the part's");
    assert_eq!(part["privacy"], "private", "as private as the whole request");
    assert_eq!(status_of(&f, parent).await, "on_hold", "the parent waits for its parts");
    let (storage, accounts) = (part["id"].as_i64().expect("an id"), accounts.body["id"].as_i64().expect("an id"));
    let listed = f.server.get(&format!("/api/v1/tickets?parent={parent}&order=oldest"), &f.admin).await.body;
    let numbers: Vec<i64> =
        listed["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect();
    assert_eq!(numbers, [storage, accounts], "?parent= lists both parts");
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{storage}"), &ann).await.status, StatusCode::OK);
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{storage}"), &stu).await.status, StatusCode::OK);

    // Both parts solved, the parent goes on.
    for (token, id) in [(&stu, storage), (&sam, accounts)] {
        set(&f, token, id, json!({"status": "in_progress"})).await;
        set(&f, token, id, json!({"status": "solved", "resolution": "fixed"})).await;
    }
    assert_eq!(status_of(&f, parent).await, "in_progress");
}

#[tokio::test]
async fn opening_a_part_is_refused_with_why_and_writes_nothing() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let parent = f.open(&ann, json!({"title": "Parent"})).await;
    let part = open_part(&f, &sam, parent, f.first_line, "A part").await;
    assert_eq!(part.status, StatusCode::CREATED, "{:?}", part.body);
    let part = part.body["id"].as_i64().expect("an id");
    let solved = f.open(&f.admin, json!({"title": "Solved"})).await;
    set(&f, &sam, solved, json!({"status": "in_progress"})).await;
    set(&f, &sam, solved, json!({"status": "solved"})).await;
    let hidden = f.open(&f.admin, json!({"title": "Hidden", "privacy": "private"})).await;
    set(&f, &f.admin, hidden, json!({"unit": f.second_line})).await;

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (&sam, part, f.second_line, "A part of a part", StatusCode::CONFLICT),
        (&ann, part, f.second_line, "The requester splits it", StatusCode::FORBIDDEN),
        (&sam, solved, f.second_line, "A part of a solved ticket", StatusCode::CONFLICT),
        (&sam, hidden, f.first_line, "Another unit's private ticket", StatusCode::NOT_FOUND),
        (&sam, 999_999, f.first_line, "No such ticket", StatusCode::NOT_FOUND),
        (&sam, parent, 999_999, "No such unit", StatusCode::UNPROCESSABLE_ENTITY),
        (&sam, parent, f.second_line, " ", StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (token, id, unit, title, status) in refusals {
        let answer = open_part(&f, token, id, unit, title).await;
        assert_eq!(answer.status, status, "{title}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}
