//! Editing what was written at opening (issue 18): the requesters' side while the ticket is not
//! solved, its supporters until it is verified; each change in the history with both values;
//! refusals write nothing.

use helpdesk_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, created, snapshot, unique_address};

async fn history(f: &Fixture, token: &str, id: i64) -> Vec<Value> {
    let answer = f.server.get(&format!("/api/v1/tickets/{id}/history?per_page=100"), token).await;
    answer.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn the_requester_edits_while_open_the_supporter_until_verified_and_the_history_keeps_both_values() {
    let f = Fixture::new().await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, stranger) = f.server.account(&unique_address("stranger"), &[Role::Community]).await;
    let id = f.open(&ann, json!({"title": "Login fails", "description": "Since today."})).await;
    let path = format!("/api/v1/tickets/{id}");

    let edit = json!({
        "title": " Login fails after the upgrade ",
        "description": "Since the upgrade to 4.5.",
        "link_url": "https://bugs.example.org/1234",
        "copy_to": ["Colleague@Example.org"],
    });
    let edited = f.server.patch(&path, &ann, edit).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(
        (edited.body["title"].clone(), edited.body["description"].clone(), edited.body["link_url"].clone()),
        (
            json!("Login fails after the upgrade"),
            json!("Since the upgrade to 4.5."),
            json!("https://bugs.example.org/1234")
        )
    );
    assert_eq!(edited.body["copy_to"], json!(["colleague@example.org"]));
    let seen_by_ann = history(&f, &ann, id).await;
    let title = seen_by_ann.iter().find(|e| e["field"] == "title").expect("the title's change");
    assert_eq!(
        (title["old"].clone(), title["new"].clone()),
        (json!("Login fails"), json!("Login fails after the upgrade"))
    );
    assert!(seen_by_ann.iter().any(|e| e["field"] == "description" && e["old"] == "Since today."));
    assert!(!seen_by_ann.iter().any(|e| e["field"] == "copy_to"), "the addresses' change is for supporters");
    assert!(history(&f, &sam, id).await.iter().any(|e| e["field"] == "copy_to"));
    f.server.search.catch_up().await.expect("the index catches up");
    let found = f.server.get("/api/v1/search?q=upgrade", &sam).await;
    assert_eq!(found.body["total"], 1, "the new title is searchable: {:?}", found.body);

    // Refusals: a stranger; a blank title; the requester once it is solved; anyone once verified.
    let before = snapshot(f.server.store()).await;
    assert_problem(&f.server.patch(&path, &stranger, json!({"title": "Mine now"})).await, StatusCode::FORBIDDEN);
    assert_problem(&f.server.patch(&path, &sam, json!({"title": "   "})).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(
        &f.server.patch(&path, &ann, json!({"link_url": "ftp://x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
    assert_eq!(f.server.patch(&path, &sam, json!({"status": "in_progress"})).await.status, StatusCode::OK);
    assert_eq!(f.server.patch(&path, &sam, json!({"status": "solved"})).await.status, StatusCode::OK);
    let before = snapshot(f.server.store()).await;
    assert_problem(&f.server.patch(&path, &ann, json!({"title": "Still failing"})).await, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before);
    let by_supporter =
        f.server.patch(&path, &sam, json!({"title": "Login failed after the upgrade", "link_url": null})).await;
    assert_eq!(by_supporter.status, StatusCode::OK, "{:?}", by_supporter.body);
    assert_eq!(by_supporter.body["link_url"], Value::Null, "null takes the link away");
    assert_eq!(f.server.patch(&path, &ann, json!({"status": "verified"})).await.status, StatusCode::OK);
    let before = snapshot(f.server.store()).await;
    assert_problem(&f.server.patch(&path, &f.admin, json!({"title": "Too late"})).await, StatusCode::CONFLICT);
    assert_eq!(snapshot(f.server.store()).await, before, "a verified ticket is not edited");
}

#[tokio::test]
async fn the_ticket_page_edits_the_title_and_says_why_it_refuses() {
    let f = Fixture::new().await;
    let email = unique_address("page-ann");
    let (_, ann) = f.server.account(&email, &[Role::Community]).await;
    let id = f.open(&ann, json!({"title": "Printer jammed"})).await;
    let session = f.session_of(&email).await;
    let page = session.get(&format!("/tickets/{id}")).await.html;
    assert!(page.contains(&format!("action=\"/tickets/{id}/edit\"")), "the requester is offered the form");

    let fields =
        |title: &'static str| vec![("title", title), ("description", "It jams."), ("link_url", ""), ("copy_to", "")];
    let before = snapshot(f.server.store()).await;
    let refused = session.post_form(&format!("/tickets/{id}/edit"), &fields("  ")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("must not be empty") && refused.html.contains("<details class=\"edit\" open>"));
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");
    let saved = session.post_form(&format!("/tickets/{id}/edit"), &fields("Printer jammed on floor 2")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let page = session.get(&saved.location.expect("where to go")).await.html;
    assert!(
        page.contains("<h1>#") && page.contains("Printer jammed on floor 2") && page.contains("The ticket is changed.")
    );
}

#[tokio::test]
async fn a_new_category_checks_its_fields_again_and_routes_a_ticket_nobody_took_to_its_unit() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let storage = json!({"name": "Storage", "default_unit": f.second_line,
        "fields": [{"key": "volume", "label": "Volume", "type": "text", "required": true}]});
    let storage = created(f.server.post("/api/v1/categories", &f.admin, storage).await);
    let untaken = f.open(&ann, json!({})).await;
    let taken = f.open(&ann, json!({})).await;
    let path = |id: i64| format!("/api/v1/tickets/{id}");
    let taken_now = f.server.patch(&path(taken), &sam, json!({"status": "in_progress"})).await;
    assert_eq!(taken_now.status, StatusCode::OK, "{:?}", taken_now.body);

    let stranger = f.server.account(&unique_address("eve"), &[Role::Community]).await.1;
    let before = snapshot(f.server.store()).await;
    for (body, field) in [
        (json!({"category": storage}), "fields.volume"),
        (json!({"category": storage, "fields": {"volume": ""}}), "fields.volume"),
        (json!({"category": 999_999}), "category"),
        (json!({"fields": {"version": "4.5", "nonsense": 1}}), "fields"),
    ] {
        let answer = f.server.patch(&path(untaken), &ann, body.clone()).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.to_string().contains(field), "{body}: {field} in {:?}", answer.body);
    }
    let refused =
        f.server.patch(&path(untaken), &stranger, json!({"category": storage, "fields": {"volume": "v1"}})).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    let moved = f.server.patch(&path(untaken), &ann, json!({"category": storage, "fields": {"volume": "/data"}})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["category"], storage);
    assert_eq!(moved.body["unit"], f.second_line, "nobody had taken it: it goes to the category's unit");
    assert_eq!(moved.body["fields"], json!({"volume": "/data"}));
    let fields: Vec<Value> = history(&f, &f.admin, untaken).await;
    let changed: Vec<&str> = fields.iter().filter_map(|h| h["field"].as_str()).collect();
    for field in ["category", "unit", "fields"] {
        assert!(changed.contains(&field), "{field} in the history: {changed:?}");
    }

    let stays =
        f.server.patch(&path(taken), &sam, json!({"category": storage, "fields": {"volume": "/scratch"}})).await;
    assert_eq!(stays.status, StatusCode::OK, "{:?}", stays.body);
    assert_eq!(stays.body["unit"], f.first_line, "a ticket being worked on stays with its unit");
}
