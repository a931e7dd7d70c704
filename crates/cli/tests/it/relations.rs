//! Cross references between tickets (issue 18): made by the ticket's supporters, read the same
//! from both ends, and of a ticket a person may not read only the count is shown.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, snapshot, unique_address};

async fn relations(f: &Fixture, token: &str, id: i64) -> Value {
    let answer = f.server.get(&format!("/api/v1/tickets/{id}/relations"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body
}

fn related_numbers(relations: &Value) -> Vec<i64> {
    relations["items"].as_array().expect("items").iter().filter_map(|r| r["ticket"].as_i64()).collect()
}

#[tokio::test]
async fn a_supporter_relates_two_tickets_and_both_ends_read_it_until_it_is_removed() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let a = f.open(&f.admin, json!({"title": "Storage down at site A"})).await;
    let b = f.open(&f.admin, json!({"title": "Storage down at site B"})).await;
    let path = format!("/api/v1/tickets/{a}/relations");

    let made = f.server.post(&path, &sam, json!({"kind": "reference", "ticket": b, "note": " Same outage "})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(
        (made.body["kind"].clone(), made.body["ticket"].clone(), made.body["title"].clone(), made.body["note"].clone()),
        (json!("reference"), json!(b), json!("Storage down at site B"), json!("Same outage"))
    );
    assert_eq!(related_numbers(&relations(&f, &sam, a).await), [b]);
    let from_b = relations(&f, &sam, b).await;
    assert_eq!((related_numbers(&from_b), from_b["hidden"].clone()), (vec![a], json!(0)), "the same from the far end");
    for end in [a, b] {
        let history = f.server.get(&format!("/api/v1/tickets/{end}/history?per_page=100"), &sam).await.body;
        let entries = history["items"].as_array().expect("items");
        assert!(entries.iter().any(|e| e["field"] == "relation" && e["new"] == "reference"), "#{end}: {history}");
    }

    // The same pair again, from either end, is a conflict; nothing is written.
    let before = snapshot(f.server.store()).await;
    let again =
        f.server.post(&format!("/api/v1/tickets/{b}/relations"), &sam, json!({"kind": "reference", "ticket": a})).await;
    assert_problem(&again, StatusCode::CONFLICT);
    assert_eq!(snapshot(f.server.store()).await, before);

    let id = made.body["id"].as_i64().expect("an id");
    let gone = f.server.call(Method::DELETE, &format!("{path}/{id}"), Some(&sam), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert!(related_numbers(&relations(&f, &sam, a).await).is_empty());
    assert!(related_numbers(&relations(&f, &sam, b).await).is_empty());
    let before = snapshot(f.server.store()).await;
    assert_problem(
        &f.server.call(Method::DELETE, &format!("{path}/{id}"), Some(&sam), None).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");
}

#[tokio::test]
async fn refusals_write_nothing_and_a_ticket_one_may_not_read_is_only_counted() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let (_, reader) = f.server.account(&unique_address("reader"), &[Role::Community]).await;
    let public = f.open(&f.admin, json!({"title": "Login fails"})).await;
    let secret = f.open(&f.admin, json!({"title": "SECRET-TITLE-42", "privacy": "private"})).await;
    let other = f.open(&f.admin, json!({"title": "Login slow"})).await;
    let path = format!("/api/v1/tickets/{public}/relations");

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (reader.as_str(), json!({"kind": "reference", "ticket": other}), StatusCode::FORBIDDEN),
        (sam.as_str(), json!({"kind": "reference", "ticket": public}), StatusCode::UNPROCESSABLE_ENTITY),
        (sam.as_str(), json!({"kind": "reference", "ticket": 999_999}), StatusCode::UNPROCESSABLE_ENTITY),
        (sam.as_str(), json!({"kind": "duplicate", "ticket": other}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            sam.as_str(),
            json!({"kind": "reference", "ticket": other, "note": "bell\u{7}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (sam.as_str(), json!({"kind": "reference", "ticket": other, "extra": 1}), StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (token, body, status) in refusals {
        let answer = f.server.post(&path, token, body.clone()).await;
        assert_problem(&answer, status);
        assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
    }
    let anonymous = f.server.call(Method::POST, &path, None, Some(json!({"kind": "reference", "ticket": other}))).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    // Staff relate the public ticket to a private one: its readers see that much, no more.
    let made = f.server.post(&path, &f.admin, json!({"kind": "reference", "ticket": secret})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let seen = relations(&f, &reader, public).await;
    assert_eq!((seen["items"].clone(), seen["hidden"].clone()), (json!([]), json!(1)));
    let text = seen.to_string();
    assert!(!text.contains("SECRET-TITLE-42") && !text.contains(&format!(":{secret}")), "{text}");
    let by_staff = relations(&f, &f.admin, public).await;
    assert_eq!((related_numbers(&by_staff), by_staff["hidden"].clone()), (vec![secret], json!(0)));
    // Its number is not the reader's to learn from the page either.
    let email = unique_address("page-reader");
    f.server.account(&email, &[Role::Community]).await;
    let session = f.session_of(&email).await;
    let page = session.get(&format!("/tickets/{public}")).await.html;
    assert!(page.contains("1 related ticket you cannot see."), "the count is shown");
    assert!(!page.contains("SECRET-TITLE-42") && !page.contains(&format!("/tickets/{secret}\"")));
    assert!(!page.contains(&format!("/tickets/{public}/relations\"")), "a reader is not offered the form");
}

#[tokio::test]
async fn the_ticket_page_relates_and_unrelates_and_says_why_it_refuses() {
    let f = Fixture::new().await;
    let email = unique_address("page-sam");
    f.supporter(&email, f.first_line).await;
    let a = f.open(&f.admin, json!({"title": "Tape robot stuck"})).await;
    let b = f.open(&f.admin, json!({"title": "Tape robot stuck again"})).await;
    let session = f.session_of(&email).await;

    let before = snapshot(f.server.store()).await;
    let wrong = session.post_form(&format!("/tickets/{a}/relations"), &[("ticket", "999999"), ("note", "")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("there is no ticket #999999 you may read"), "{}", wrong.html);
    let nonsense = session.post_form(&format!("/tickets/{a}/relations"), &[("ticket", "soon"), ("note", "")]).await;
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nonsense.html.contains("give a ticket"), "{}", nonsense.html);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    let made = session
        .post_form(&format!("/tickets/{a}/relations"), &[("ticket", &format!("#{b}")), ("note", "Same robot")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let page = session.get(&made.location.expect("where to go")).await.html;
    assert!(
        page.contains("The tickets are related.")
            && page.contains(&format!("/tickets/{b}\""))
            && page.contains("Same robot")
    );
    let id = relations(&f, &f.admin, a).await["items"][0]["id"].as_i64().expect("an id");
    let removed = session.post_form(&format!("/tickets/{a}/relations/{id}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.html);
    let page = session.get(&removed.location.expect("where to go")).await.html;
    assert!(page.contains("The relation is removed.") && !page.contains(&format!("/tickets/{b}\"")));
}

#[tokio::test]
async fn the_requester_relates_up_to_five_web_pages_shown_by_their_host() {
    let f = Fixture::new().await;
    let email = unique_address("link-ann");
    let (_, ann) = f.server.account(&email, &[Role::Community]).await;
    let (_, stranger) = f.server.account(&unique_address("stranger"), &[Role::Community]).await;
    let id = f.open(&ann, json!({})).await;
    let path = format!("/api/v1/tickets/{id}/links");

    let made = f.server.post(&path, &ann, json!({"url": " https://Bugs.Example.org/issue/12 "})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(
        (made.body["url"].clone(), made.body["host"].clone()),
        (json!("https://Bugs.Example.org/issue/12"), json!("bugs.example.org"))
    );
    let seen = relations(&f, &stranger, id).await;
    assert_eq!(seen["links"][0]["host"], "bugs.example.org", "whoever reads the ticket sees its links");
    let history = f.server.get(&format!("/api/v1/tickets/{id}/history?per_page=100"), &ann).await.body;
    assert!(history["items"].as_array().expect("items").iter().any(|e| e["field"] == "link"), "{history}");

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (ann.as_str(), json!({"url": "https://Bugs.Example.org/issue/12"}), StatusCode::CONFLICT),
        (ann.as_str(), json!({"url": "javascript:alert(1)"}), StatusCode::UNPROCESSABLE_ENTITY),
        (stranger.as_str(), json!({"url": "https://example.org/mine"}), StatusCode::FORBIDDEN),
    ];
    for (token, body, status) in refusals {
        let answer = f.server.post(&path, token, body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
    for n in 2..=5 {
        let more = f.server.post(&path, &ann, json!({"url": format!("https://docs.example.org/{n}")})).await;
        assert_eq!(more.status, StatusCode::CREATED, "{:?}", more.body);
    }
    let before = snapshot(f.server.store()).await;
    assert_problem(
        &f.server.post(&path, &ann, json!({"url": "https://six.example.org/"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(snapshot(f.server.store()).await, before, "a sixth link is refused");

    let first = made.body["id"].as_i64().expect("an id");
    let gone = f.server.call(Method::DELETE, &format!("{path}/{first}"), Some(&ann), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert_eq!(relations(&f, &ann, id).await["links"].as_array().map(Vec::len), Some(4));

    // On the page: the links by their host, and the form to add one.
    let session = f.session_of(&email).await;
    // Ids are not consecutive on PostgreSQL (a refused insert spends one): take one that is.
    let second = relations(&f, &ann, id).await["links"][0]["id"].as_i64().expect("an id");
    let removed = session.post_form(&format!("/tickets/{id}/links/{second}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.html);
    let added = session.post_form(&format!("/tickets/{id}/links"), &[("url", "https://wiki.example.org/Tapes")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let page = session.get(&added.location.expect("where to go")).await.html;
    assert!(page.contains("The link is added.") && page.contains(">wiki.example.org</a>"), "{page}");
    let refused = session.post_form(&format!("/tickets/{id}/links"), &[("url", "ftp://files.example.org/")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("must be a web address starting with http:// or https://"));
}
