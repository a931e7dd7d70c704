//! The Zammad-compatible face, driven by `zammad-py` (Zammad's Python client, from PyPI) against
//! a real `helpdesk serve`, and its refusals.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Node, created, say_not_run};

/// A Python with `zammad_py` installed (`.ci/run` makes one).
fn zammad_python() -> Option<String> {
    std::env::var("HELPDESK_TEST_ZAMMAD_PY").ok().filter(|p| !p.is_empty())
}

async fn storage_unit(node: &Node) -> i64 {
    let unit = node
        .call(
            Method::POST,
            "/api/v1/units",
            Some(json!({"name": "Storage", "level": 2, "email": "storage@example.org"})),
        )
        .await;
    let unit = created(unit);
    created(
        node.call(Method::POST, "/api/v1/categories", Some(json!({"name": "Storage problems", "default_unit": unit})))
            .await,
    );
    unit
}

#[tokio::test(flavor = "multi_thread")]
async fn zammad_py_works_against_the_zammad_face_unchanged() {
    let Some(python) = zammad_python() else {
        say_not_run("the zammad-py scenario", "HELPDESK_TEST_ZAMMAD_PY (a Python with zammad_py; see .ci/run)");
        return;
    };
    let node = Node::start().await;
    let unit = storage_unit(&node).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/zammad/client.py");
    let mut command = std::process::Command::new(&python);
    command
        .arg(script)
        .env("ZAMMAD_URL", format!("{}/zammad/api/v1/", node.url))
        .env("ZAMMAD_TOKEN", &node.admin)
        .env("ADMIN_EMAIL", "admin@example.org");
    let out = tokio::task::spawn_blocking(move || command.output()).await.expect("joined").expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "zammad-py: {stderr}");
    let made: Value = serde_json::from_slice(&out.stdout).expect("the script's summary");

    // What zammad-py did is Helpdesk's own: the ticket, its customer, its articles, its status.
    let ticket = made["ticket"].as_i64().expect("a ticket");
    let shown = node.get_ok(&format!("/api/v1/tickets/{ticket}")).await.expect("the ticket");
    assert_eq!(shown["unit"], unit);
    assert_eq!(shown["status"], "solved");
    assert_eq!(shown["priority"], "high");
    assert_eq!(shown["on_behalf_of"], made["user"]);
    let articles = node.get_ok(&format!("/api/v1/tickets/{ticket}/articles")).await.expect("articles");
    let bodies: Vec<&str> =
        articles["items"].as_array().into_iter().flatten().filter_map(|a| a["body"].as_str()).collect();
    assert!(
        bodies.contains(&"We are adding disks.") && bodies.contains(&"Disks ordered from the vendor."),
        "{bodies:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_zammad_face_refuses_in_zammads_shape_and_writes_nothing() {
    let node = Node::start().await;
    storage_unit(&node).await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}/zammad/api/v1/{path}", node.url);
    let token = format!("Token token={}", node.admin);
    let before = node.get_ok("/api/v1/tickets").await.expect("tickets")["total"].clone();
    type Case<'a> = (Method, &'a str, Option<&'a str>, Value, StatusCode, &'a str);
    let table: Vec<Case> = vec![
        (Method::GET, "users/me", None, Value::Null, StatusCode::UNAUTHORIZED, "Token token="),
        (Method::GET, "users/me", Some("Token token=hd_not_a_token"), Value::Null, StatusCode::UNAUTHORIZED, "token"),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "No group", "article": {"body": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs a group",
        ),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "x", "group": "Nowhere", "article": {"body": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no group 'Nowhere'",
        ),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "x", "group": "Storage", "priority": "9 panic", "article": {"body": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no priority",
        ),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "", "group": "Storage", "article": {"body": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "x", "group": "Storage", "article": {"body": "x",
                "attachments": [{"filename": "a.txt", "data": "not base64!", "mime-type": "text/plain"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "'a.txt' is not base64",
        ),
        (
            Method::POST,
            "tickets",
            Some(&token),
            json!({"title": "x", "group": "Storage", "article": {"body": "x",
                "attachments": [{"filename": "empty.txt", "data": "", "mime-type": "text/plain"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "'empty.txt' is empty",
        ),
        (Method::GET, "ticket_attachment/999/0/1", Some(&token), Value::Null, StatusCode::NOT_FOUND, "no ticket #999"),
        (Method::GET, "tickets/999", Some(&token), Value::Null, StatusCode::NOT_FOUND, "no ticket #999"),
        (Method::DELETE, "groups/1", Some(&token), Value::Null, StatusCode::FORBIDDEN, "nothing is deleted"),
    ];
    for (method, path, auth, body, status, says) in table {
        let mut request = client.request(method.clone(), url(path));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("an answer");
        assert_eq!(answer.status(), status, "{method} {path} {body}");
        let error: Value = answer.json().await.expect("Zammad's error shape is JSON");
        let text = error["error"].as_str().unwrap_or_default();
        assert!(text.contains(says), "{method} {path} says '{says}': {error}");
        assert_eq!(error["error_human"], error["error"]);
    }
    assert_eq!(node.get_ok("/api/v1/tickets").await.expect("tickets")["total"], before, "nothing was opened");
}
