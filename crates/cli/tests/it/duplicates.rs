//! Masters and slaves (issue 18): a supporter marks a ticket a duplicate of another; the slave
//! waits on hold, is worked on only through its master, gets the master's replies and is solved
//! with it, and leaves it when detached or reopened. One level only, and the master of someone
//! who may not read it stays unknown to them.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, created, snapshot, unique_address};

async fn ticket(f: &Fixture, token: &str, id: i64) -> Value {
    let answer = f.server.get(&format!("/api/v1/tickets/{id}"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body
}

async fn mark(f: &Fixture, token: &str, slave: i64, master: i64) -> crate::common::Answer {
    f.server
        .post(&format!("/api/v1/tickets/{slave}/relations"), token, json!({"kind": "master", "ticket": master}))
        .await
}

fn bodies(articles: &Value) -> Vec<String> {
    articles["items"].as_array().expect("items").iter().filter_map(|a| a["body"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_duplicate_waits_on_hold_hears_its_masters_replies_and_is_solved_with_it() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let (_, bob) = f.server.account(&unique_address("bob"), &[Role::Community]).await;
    let master = f.open(&ann, json!({"title": "Storage down at site A"})).await;
    let slave = f.open(&bob, json!({"title": "Cannot write to storage"})).await;

    let made = mark(&f, &sam, slave, master).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!((made.body["kind"].clone(), made.body["ticket"].clone()), (json!("master"), json!(master)));
    let held = ticket(&f, &sam, slave).await;
    assert_eq!((held["status"].clone(), held["master"].clone()), (json!("on_hold"), json!(master)));
    let from_master = f.server.get(&format!("/api/v1/tickets/{master}/relations"), &sam).await.body;
    assert_eq!(from_master["items"][0]["kind"], "slave", "{from_master}");
    let listed = f.server.get(&format!("/api/v1/tickets?master={master}"), &sam).await.body;
    let numbers: Vec<i64> =
        listed["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect();
    assert_eq!(numbers, [slave], "?master= lists its duplicates");

    // The slave is worked on through its master only; its requester still writes on it.
    let before = snapshot(f.server.store()).await;
    let articles = format!("/api/v1/tickets/{slave}/articles");
    for refused in [
        f.server.post(&articles, &sam, json!({"body": "On the slave", "internal": false})).await,
        f.server.post(&articles, &sam, json!({"body": "A note", "internal": true})).await,
        f.server.patch(&format!("/api/v1/tickets/{slave}"), &sam, json!({"status": "in_progress"})).await,
    ] {
        assert_problem(&refused, StatusCode::FORBIDDEN);
    }
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
    created(f.server.post(&articles, &bob, json!({"body": "Still failing here.", "internal": false})).await);

    // The master's public reply reaches the slave as its own; its requester's words stay on it.
    let reply = json!({"body": "We are restoring the storage.", "internal": false});
    created(f.server.post(&format!("/api/v1/tickets/{master}/articles"), &sam, reply).await);
    let note = json!({"body": "Internal: SECRET-CAUSE", "internal": true});
    created(f.server.post(&format!("/api/v1/tickets/{master}/articles"), &sam, note).await);
    created(f.server.post(&format!("/api/v1/tickets/{master}/articles"), &ann, json!({"body": "Thanks, Ann"})).await);
    let seen_by_bob = bodies(&f.server.get(&format!("{articles}?per_page=100"), &bob).await.body);
    assert_eq!(seen_by_bob, ["Still failing here.", "We are restoring the storage."], "not the note, not Ann's words");

    // Solving the master solves the slave with the same qualifier.
    let solved = f.server.patch(&format!("/api/v1/tickets/{master}"), &sam, json!({"status": "in_progress"})).await;
    assert_eq!(solved.status, StatusCode::OK, "{:?}", solved.body);
    let solve = json!({"status": "solved", "resolution": "workaround"});
    let solved = f.server.patch(&format!("/api/v1/tickets/{master}"), &sam, solve).await;
    assert_eq!(solved.status, StatusCode::OK, "{:?}", solved.body);
    let after = ticket(&f, &bob, slave).await;
    assert_eq!((after["status"].clone(), after["resolution"].clone()), (json!("solved"), json!("workaround")));

    // Its requester reopens it: it leaves its master and is worked on alone.
    let reopened = f.server.patch(&format!("/api/v1/tickets/{slave}"), &bob, json!({"status": "reopened"})).await;
    assert_eq!(reopened.status, StatusCode::OK, "{:?}", reopened.body);
    assert_eq!(ticket(&f, &sam, slave).await["master"], Value::Null);
    let from_master = f.server.get(&format!("/api/v1/tickets/{master}/relations"), &sam).await.body;
    assert_eq!(from_master["items"], json!([]), "detached");
    created(f.server.post(&articles, &sam, json!({"body": "Looking at it again.", "internal": false})).await);
}

#[tokio::test]
async fn duplicates_are_one_level_deep_and_refusals_write_nothing() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, reader) = f.server.account(&unique_address("reader"), &[Role::Community]).await;
    let [a, b, c, d] = [
        f.open(&f.admin, json!({"title": "A"})).await,
        f.open(&f.admin, json!({"title": "B"})).await,
        f.open(&f.admin, json!({"title": "C"})).await,
        f.open(&f.admin, json!({"title": "D"})).await,
    ];
    assert_eq!(mark(&f, &sam, b, a).await.status, StatusCode::CREATED, "b duplicates a");
    let solved = f.open(&f.admin, json!({"title": "Solved"})).await;
    for status in ["in_progress", "solved"] {
        let changed = f.server.patch(&format!("/api/v1/tickets/{solved}"), &sam, json!({"status": status})).await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    }

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (sam.as_str(), c, b, StatusCode::CONFLICT, "a slave of a slave"),
        (sam.as_str(), a, c, StatusCode::CONFLICT, "a master made a slave"),
        (sam.as_str(), b, c, StatusCode::CONFLICT, "a second master"),
        (sam.as_str(), a, b, StatusCode::CONFLICT, "a cycle"),
        (sam.as_str(), solved, d, StatusCode::CONFLICT, "a solved ticket as a duplicate"),
        (sam.as_str(), d, solved, StatusCode::CONFLICT, "a solved master"),
        (sam.as_str(), d, d, StatusCode::UNPROCESSABLE_ENTITY, "itself"),
        (reader.as_str(), d, c, StatusCode::FORBIDDEN, "a community user"),
    ];
    for (token, slave, master, status, what) in refusals {
        let answer = mark(&f, token, slave, master).await;
        assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    let slave_form = json!({"kind": "slave", "ticket": b});
    let answer = f.server.post(&format!("/api/v1/tickets/{c}/relations"), &sam, slave_form).await;
    assert_problem(&answer, StatusCode::CONFLICT);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    // Untied by a supporter, the slave is worked on again.
    let ties = f.server.get(&format!("/api/v1/tickets/{a}/relations"), &sam).await.body;
    let tie = ties["items"][0]["id"].as_i64().expect("a relation");
    let gone = f.server.call(Method::DELETE, &format!("/api/v1/tickets/{a}/relations/{tie}"), Some(&sam), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    let freed = ticket(&f, &sam, b).await;
    assert_eq!((freed["status"].clone(), freed["master"].clone()), (json!("in_progress"), Value::Null));
}

#[tokio::test]
async fn the_master_of_a_duplicate_stays_unknown_to_whoever_may_not_read_it() {
    let f = Fixture::new().await;
    let (_, bob) = f.server.account(&unique_address("bob"), &[Role::Community]).await;
    let secret = f.open(&f.admin, json!({"title": "SECRET-MASTER-7", "privacy": "private"})).await;
    let slave = f.open(&bob, json!({"title": "My storage fails"})).await;
    assert_eq!(mark(&f, &f.admin, slave, secret).await.status, StatusCode::CREATED);

    let seen = ticket(&f, &bob, slave).await;
    assert_eq!((seen["status"].clone(), seen["master"].clone()), (json!("on_hold"), Value::Null));
    let relations = f.server.get(&format!("/api/v1/tickets/{slave}/relations"), &bob).await.body;
    assert_eq!((relations["items"].clone(), relations["hidden"].clone()), (json!([]), json!(1)));
    let history = f.server.get(&format!("/api/v1/tickets/{slave}/history?per_page=100"), &bob).await.body;
    let listed = f.server.get("/api/v1/tickets?per_page=100", &bob).await.body;
    for text in [seen.to_string(), relations.to_string(), history.to_string(), listed.to_string()] {
        assert!(!text.contains("SECRET-MASTER-7") && !text.contains(&format!("#{secret}")), "{text}");
        assert!(!text.contains(&format!("\"master\":{secret}")), "{text}");
    }
    assert_eq!(ticket(&f, &f.admin, slave).await["master"], json!(secret), "staff see it");
}

#[tokio::test]
async fn the_ticket_page_marks_a_duplicate_and_shows_what_its_requester_wrote_on_the_master() {
    let f = Fixture::new().await;
    let email = unique_address("page-sam");
    f.supporter(&email, f.first_line).await;
    let (_, bob) = f.server.account(&unique_address("bob"), &[Role::Community]).await;
    let master = f.open(&f.admin, json!({"title": "Tape robot stuck"})).await;
    let slave = f.open(&bob, json!({"title": "My restore hangs"})).await;
    let session = f.session_of(&email).await;

    let before = snapshot(f.server.store()).await;
    let wrong = session
        .post_form(&format!("/tickets/{slave}/relations"), &[("ticket", &master.to_string()), ("kind", "sibling")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("choose how they are related"), "{}", wrong.html);
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");

    let made = session
        .post_form(&format!("/tickets/{slave}/relations"), &[("ticket", &master.to_string()), ("kind", "master")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let page = session.get(&made.location.expect("where to go")).await.html;
    assert!(
        page.contains(&format!("This ticket is a duplicate of <a href=\"/tickets/{master}\">#{master}</a>")),
        "{page}"
    );
    assert!(!page.contains("id=\"in-body\""), "no reply form on a duplicate for its supporters");

    let words = json!({"body": "It still hangs at 40 %.", "internal": false});
    created(f.server.post(&format!("/api/v1/tickets/{slave}/articles"), &bob, words).await);
    let page = session.get(&format!("/tickets/{master}")).await.html;
    assert!(page.contains("From its duplicates") && page.contains("It still hangs at 40 %."), "{page}");
    assert!(page.contains(&format!("on <a href=\"/tickets/{slave}\">#{slave}</a>")), "marked with its ticket");
    assert!(page.contains("<span class=\"badge\">duplicate</span>"), "the slave is listed as a duplicate");
}

#[tokio::test]
async fn the_qualifier_duplicate_names_the_ticket_duplicated_to_those_who_may_read_it() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, ann) = f.server.account(&unique_address("ann"), &[Role::Community]).await;
    let original = f.open(&f.admin, json!({"title": "Storage down", "privacy": "private"})).await;
    let hidden = f.open(&f.admin, json!({"title": "SECRET-OTHER-UNIT", "privacy": "private"})).await;
    let moved = f.server.patch(&format!("/api/v1/tickets/{hidden}"), &f.admin, json!({"unit": f.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK);
    let copy = f.open(&ann, json!({"title": "Cannot write"})).await;
    let progress = f.server.patch(&format!("/api/v1/tickets/{copy}"), &sam, json!({"status": "in_progress"})).await;
    assert_eq!(progress.status, StatusCode::OK, "{:?}", progress.body);

    let path = format!("/api/v1/tickets/{copy}");
    let unsolve = |of: Value| {
        let body = json!({"status": "unsolved", "resolution": "duplicate", "duplicate_of": of});
        f.server.patch(&path, &sam, body)
    };
    let before = snapshot(f.server.store()).await;
    for (of, why) in [
        (Value::Null, "a duplicate names what it duplicates"),
        (json!(copy), "not itself"),
        (json!(hidden), "a ticket Sam may not read does not exist for him"),
        (json!(999_999), "no such ticket"),
    ] {
        let answer = unsolve(of).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {:?}", answer.body);
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.to_string().contains("duplicate_of"), "{why}: {:?}", answer.body);
    }
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    let done = unsolve(json!(original)).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!((done.body["status"].clone(), done.body["resolution"].clone()), (json!("unsolved"), json!("duplicate")));
    let seen_by_sam = f.server.get(&format!("/api/v1/tickets/{copy}/relations"), &sam).await.body;
    let tie = &seen_by_sam["items"][0];
    assert_eq!(
        (tie["ticket"].clone(), tie["note"].clone()),
        (json!(original), json!(format!("#{copy} duplicates #{original}")))
    );
    // Ann reads her ticket, not the private one it duplicates: she is told only that there is one.
    let seen_by_ann = f.server.get(&format!("/api/v1/tickets/{copy}/relations"), &ann).await.body;
    assert_eq!((seen_by_ann["items"].clone(), seen_by_ann["hidden"].clone()), (json!([]), json!(1)));
    let history = f.server.get(&format!("/api/v1/tickets/{copy}/history"), &ann).await;
    assert!(!history.body.to_string().contains(&format!("#{original}")), "{:?}", history.body);
}
