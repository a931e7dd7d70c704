//! The Zammad-compatible face, driven by `zammad-py` (Zammad's Python client, from PyPI) against
//! a real `helpdesk serve`, and its refusals.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Answer, Fixture, Node, TestServer, assert_problem, created, peer_not_run, snapshot};

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
        peer_not_run("the zammad-py scenario", "HELPDESK_TEST_ZAMMAD_PY (a Python with zammad_py; see .ci/run)");
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

/// A group (unit) "Storage" of `server` with a category routed to it, as the face needs to
/// create tickets there.
async fn storage_group(server: &TestServer, admin: &str) -> i64 {
    let unit = json!({"name": "Storage", "level": 2, "email": "storage@example.org"});
    let unit = created(server.post("/api/v1/units", admin, unit).await);
    created(server.post("/api/v1/categories", admin, json!({"name": "Storage problems", "default_unit": unit})).await);
    unit
}

/// Calls the face at `path` (under `/zammad/api/v1/`) as Zammad's clients do.
async fn face(server: &TestServer, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
    server.call(method, &format!("/zammad/api/v1/{path}"), Some(token), body).await
}

/// Opens a ticket in the Storage group through the face; returns its id.
async fn face_ticket(server: &TestServer, token: &str, title: &str) -> i64 {
    let body = json!({"title": title, "group": "Storage", "article": {"body": format!("About {title}.")}});
    let answer = face(server, Method::POST, "tickets", token, Some(body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    answer.body["id"].as_i64().expect("an id")
}

/// The ids of a list the face answered.
fn listed(answer: &Answer) -> Vec<i64> {
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body.as_array().expect("a list").iter().filter_map(|t| t["id"].as_i64()).collect()
}

/// Asserts a refusal in Zammad's shape: the status, and `error` (the same as `error_human`)
/// saying `says`.
fn assert_zammad_error(answer: &Answer, status: StatusCode, says: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert!(answer.content_type.starts_with("application/json"), "JSON: {}", answer.content_type);
    let error = answer.body["error"].as_str().unwrap_or_default();
    assert!(error.contains(says), "says '{says}': {:?}", answer.body);
    assert_eq!(answer.body["error_human"], answer.body["error"], "{:?}", answer.body);
}

#[tokio::test]
async fn the_zammad_face_pages_tickets_by_id_as_zammad_does_and_sorts_the_whole_list() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    storage_group(&server, &admin).await;
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(face_ticket(&server, &admin, &format!("Tape {n}")).await);
    }
    let page = |query: &'static str| {
        let (server, admin) = (&server, &admin);
        async move { listed(&face(server, Method::GET, query, admin, None).await) }
    };
    // Zammad's GET tickets pages in id order: a ticket made while a client pages through comes
    // on the last page, and every ticket is seen once.
    assert_eq!(page("tickets?page=1&per_page=2").await, made[0..2]);
    let late = face_ticket(&server, &admin, "Tape late").await;
    assert_eq!(page("tickets?page=2&per_page=2").await, made[2..4]);
    assert_eq!(page("tickets?page=3&per_page=2").await, vec![made[4], late]);
    assert_eq!(page("tickets?page=4&per_page=2").await, Vec::<i64>::new());
    // sort_by and order_by sort the whole list, which is then paged (not one page in itself).
    assert_eq!(page("tickets?page=1&per_page=2&order_by=desc").await, vec![late, made[4]]);
    assert_eq!(page("tickets?page=2&per_page=2&sort_by=id&order_by=desc").await, vec![made[3], made[2]]);
    let path = format!("tickets/{}", made[1]);
    let touched = face(&server, Method::PUT, &path, &admin, Some(json!({"priority": "3 high"}))).await;
    assert_eq!(touched.status, StatusCode::OK, "{:?}", touched.body);
    // A title changes as in Zammad (and a blank one is refused, as in Zammad).
    let renamed = face(&server, Method::PUT, &path, &admin, Some(json!({"title": "Tape 1 (renamed)"}))).await;
    assert_eq!((renamed.status, renamed.body["title"].clone()), (StatusCode::OK, json!("Tape 1 (renamed)")));
    let blank = face(&server, Method::PUT, &path, &admin, Some(json!({"title": " "}))).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", blank.body);
    assert_eq!(page("tickets?per_page=1&sort_by=updated_at&order_by=desc").await, vec![made[1]]);
    assert_eq!(page("tickets?per_page=2&sort_by=created_at&order_by=asc").await, made[0..2]);

    // Search sorts as Zammad's does: by updated_at, newest first, unless asked otherwise.
    server.search.catch_up().await.expect("the index catches up");
    assert_eq!(page("tickets/search?query=*&per_page=1").await, vec![made[1]]);
    assert_eq!(page("tickets/search?query=tape&per_page=1").await, vec![made[1]]);
    assert_eq!(page("tickets/search?query=tape&per_page=2&page=2&sort_by=id&order_by=asc").await, made[2..4]);
    assert_eq!(page("tickets/search?query=tape&per_page=1&sort_by=updated_at&order_by=asc").await, vec![made[0]]);
    assert_eq!(page("tickets/search?query=tape&per_page=2&sort_by=number&order_by=desc").await, vec![late, made[4]]);

    // What Helpdesk cannot sort by, and an order that is neither asc nor desc, are refused.
    let table = [
        ("tickets?sort_by=title", "sort_by"),
        ("tickets/search?query=tape&sort_by=state_id", "sort_by"),
        ("tickets?order_by=sideways", "order_by"),
    ];
    for (path, says) in table {
        assert_zammad_error(
            &face(&server, Method::GET, path, &admin, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            says,
        );
    }
}

#[tokio::test]
async fn a_tickets_description_is_an_article_of_its_own_that_can_be_fetched_by_its_id() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (_, stranger) = server.account("stranger@example.org", &[]).await;
    storage_group(&server, &admin).await;
    let log = b"slot 4: stuck\n";
    let body = json!({"title": "Robot arm", "group": "Storage", "privacy": "private", "article": {"body": "The arm is stuck.",
        "attachments": [{"filename": "arm.log", "data": STANDARD.encode(log), "mime-type": "text/plain"}]}});
    let first = face(&server, Method::POST, "tickets", &admin, Some(body)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let first = first.body["id"].as_i64().expect("an id");
    let second = face_ticket(&server, &admin, "Tape library").await;
    let reply = json!({"ticket_id": first, "body": "Looking into it."});
    assert_eq!(face(&server, Method::POST, "ticket_articles", &admin, Some(reply)).await.status, StatusCode::CREATED);

    // Each ticket's description is its first article, with an id of its own: no two tickets'
    // descriptions share one, and none is any reply's.
    let articles = |ticket: i64| {
        let (server, admin) = (&server, &admin);
        async move { face(server, Method::GET, &format!("ticket_articles/by_ticket/{ticket}"), admin, None).await.body }
    };
    let of_first = articles(first).await;
    let of_second = articles(second).await;
    let description = of_first[0].clone();
    assert_eq!(description["body"], "The arm is stuck.");
    let id = description["id"].as_i64().expect("an id");
    assert_ne!(id, 0);
    assert_ne!(id, of_second[0]["id"].as_i64().expect("an id"), "each description has its own id");
    assert_ne!(id, of_first[1]["id"].as_i64().expect("an id"), "and it is no reply's");
    // It is fetched by that id, like any article, and its file downloads under it.
    let fetched = face(&server, Method::GET, &format!("ticket_articles/{id}"), &admin, None).await;
    assert_eq!(fetched.status, StatusCode::OK, "{:?}", fetched.body);
    assert_eq!(
        (fetched.body["body"].clone(), fetched.body["ticket_id"].clone()),
        (json!("The arm is stuck."), json!(first))
    );
    assert_eq!(fetched.body, description, "the same article as listed");
    let file = description["attachments"][0]["id"].as_i64().expect("the description's file");
    let download = server
        .client
        .get(format!("{}/zammad/api/v1/ticket_attachment/{first}/{id}/{file}", server.url))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("an answer");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.expect("the bytes").as_ref(), log);
    // Someone who may not read the ticket does not find its description either.
    let hidden = face(&server, Method::GET, &format!("ticket_articles/{id}"), &stranger, None).await;
    assert_zammad_error(&hidden, StatusCode::NOT_FOUND, "no");
    assert_zammad_error(
        &face(&server, Method::GET, "ticket_articles/0", &admin, None).await,
        StatusCode::NOT_FOUND,
        "no",
    );
}

#[tokio::test]
async fn staff_and_supporters_read_the_organisations_they_may_see_and_only_admins_change_them() {
    let f = Fixture::new().await;
    let server = &f.server;
    let unit = f.second_line;
    // Acme has a ticket in the unit; Globex has none.
    let acme = created(
        server.post("/api/v1/organisations", &f.admin, json!({"name": "Acme", "domains": ["acme.example.org"]})).await,
    );
    let globex = created(
        server
            .post("/api/v1/organisations", &f.admin, json!({"name": "Globex", "domains": ["globex.example.org"]}))
            .await,
    );
    let contract = json!({"plan": "Gold", "starts_on": "2020-01-01", "ends_on": null, "includes": "24/7"});
    created(server.post(&format!("/api/v1/organisations/{acme}/contracts"), &f.admin, contract).await);
    let (_, named) = server.account("nora@acme.example.org", &[]).await;
    let ticket = f.open(&named, json!({"privacy": "private"})).await;
    assert_eq!(
        server.patch(&format!("/api/v1/tickets/{ticket}"), &f.admin, json!({"unit": unit})).await.status,
        StatusCode::OK
    );
    let (_, staff) = server.account("steve@example.org", &[Role::Staff]).await;
    let (supporter, supporter_token) = server.account("sue@example.org", &[]).await;
    let joined =
        server.post(&format!("/api/v1/units/{unit}/members"), &f.admin, json!({"account": supporter.id})).await;
    assert_eq!(joined.status, StatusCode::OK, "{:?}", joined.body);
    let (_, nobody) = server.account("nobody@example.org", &[]).await;

    // Zammad lets agents read organizations: staff read every one, a supporter those whose
    // tickets the unit works, a named user their own.
    let names = |answer: Answer| -> Vec<String> {
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer.body.as_array().expect("a list").iter().filter_map(|o| o["name"].as_str().map(str::to_owned)).collect()
    };
    assert_eq!(names(face(server, Method::GET, "organizations", &staff, None).await), ["Acme", "Globex"]);
    assert_eq!(names(face(server, Method::GET, "organizations", &supporter_token, None).await), ["Acme"]);
    assert_eq!(names(face(server, Method::GET, "organizations", &named, None).await), ["Acme"]);
    assert_eq!(names(face(server, Method::GET, "organizations/search?query=glob", &staff, None).await), ["Globex"]);
    let one = face(server, Method::GET, &format!("organizations/{globex}"), &staff, None).await;
    assert_eq!((one.status, one.body["name"].clone()), (StatusCode::OK, json!("Globex")));
    let hidden = face(server, Method::GET, &format!("organizations/{globex}"), &supporter_token, None).await;
    assert_zammad_error(&hidden, StatusCode::NOT_FOUND, "no organisation");
    // The same through Helpdesk's API; contracts are for admins and the organisation's own people.
    let page = server.get("/api/v1/organisations", &supporter_token).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["total"], 1);
    assert_eq!(page.body["items"][0]["contracts"], json!([]), "{:?}", page.body);
    assert_eq!(page.body["items"][0]["supported"], true);
    let own = server.get(&format!("/api/v1/organisations/{acme}"), &named).await;
    assert_eq!(own.body["contracts"].as_array().map(Vec::len), Some(1), "{:?}", own.body);
    assert_eq!(server.get("/api/v1/organisations", &staff).await.body["total"], 2);
    assert_problem(&server.get("/api/v1/organisations", &nobody).await, StatusCode::FORBIDDEN);

    // Reading is all: only admins create or change organisations.
    let before = snapshot(server.store()).await;
    let made = face(server, Method::POST, "organizations", &staff, Some(json!({"name": "Initech"}))).await;
    assert_zammad_error(&made, StatusCode::FORBIDDEN, "only admins");
    let renamed = server.patch(&format!("/api/v1/organisations/{acme}"), &staff, json!({"name": "Acme 2"})).await;
    assert_problem(&renamed, StatusCode::FORBIDDEN);
    let members = server.get(&format!("/api/v1/organisations/{acme}/members"), &staff).await;
    assert_problem(&members, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(server.store()).await, before, "nothing was written");
}

#[tokio::test]
async fn a_partner_learns_nothing_of_the_accounts_outside_the_organisations_it_serves() {
    let f = Fixture::new().await;
    let server = &f.server;
    let group = json!({"name": "Storage problems", "default_unit": f.second_line});
    created(server.post("/api/v1/categories", &f.admin, group).await);
    let org = created(
        server
            .post("/api/v1/organisations", &f.admin, json!({"name": "Served", "domains": ["served.example.org"]}))
            .await,
    );
    let (partner, partner_token) = server.account("pat@partner.example.org", &[Role::Partner]).await;
    let serve =
        server.post(&format!("/api/v1/organisations/{org}/partners"), &f.admin, json!({"account": partner.id})).await;
    assert_eq!(serve.body["partners"], json!([partner.id]), "{:?}", serve.body);
    server.account("c1@served.example.org", &[]).await;
    let (outsider, _) = server.account("c2@elsewhere.example.org", &[]).await;
    let (_, staff) = server.account("steve@example.org", &[Role::Staff]).await;

    // A customer of the organisations it serves: the ticket is opened for them.
    let ticket = |customer: &str| json!({"title": "Quota", "group": "Storage", "customer": customer, "article": {"body": "Full."}});
    let ok = face(server, Method::POST, "tickets", &partner_token, Some(ticket("c1@served.example.org"))).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    // An account outside them, and an address with no account, are refused alike.
    let before = snapshot(server.store()).await;
    let outside = face(server, Method::POST, "tickets", &partner_token, Some(ticket("c2@elsewhere.example.org"))).await;
    let unknown = face(server, Method::POST, "tickets", &partner_token, Some(ticket("c3@nowhere.example.org"))).await;
    assert_zammad_error(&outside, StatusCode::FORBIDDEN, "organisations they serve");
    assert_eq!((unknown.status, &unknown.body), (outside.status, &outside.body), "the same answer for both");
    // The same through Helpdesk's API, by account id: one that exists outside, and none.
    let by_id = |id: i64| f.ticket(json!({"on_behalf_of": id}));
    let outside = server.post("/api/v1/tickets", &partner_token, by_id(outsider.id.get())).await;
    let unknown = server.post("/api/v1/tickets", &partner_token, by_id(99_999)).await;
    assert_problem(&outside, StatusCode::FORBIDDEN);
    assert_eq!((unknown.status, &unknown.body["detail"]), (outside.status, &outside.body["detail"]));
    assert_eq!(snapshot(server.store()).await, before, "nothing was written");
    // Staff, who may open tickets for anyone, are told when there is no such account.
    let nobody = face(server, Method::POST, "tickets", &staff, Some(ticket("c3@nowhere.example.org"))).await;
    assert_zammad_error(&nobody, StatusCode::UNPROCESSABLE_ENTITY, "no active account");
}

#[tokio::test]
async fn unreadable_input_is_refused_in_zammads_shape_in_words_a_person_understands() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    storage_group(&server, &admin).await;
    let ticket = face_ticket(&server, &admin, "Quota").await;
    let before = snapshot(server.store()).await;
    let raw = |method: Method, path: &str, body: &str| {
        let server = &server;
        let (path, body, admin) = (format!("/zammad/api/v1/{path}"), body.as_bytes().to_vec(), admin.clone());
        async move { server.call_raw(method, &path, Some(&admin), Some("application/json"), body).await }
    };
    let table = [
        (Method::POST, "tickets".to_owned(), r#"{"title": "x", "group": "Storage""#, "not complete JSON"),
        (Method::POST, "tickets".to_owned(), "title=x", "not valid JSON"),
        (
            Method::POST,
            "ticket_articles".to_owned(),
            r#"{"ticket_id": "first", "body": "x"}"#,
            "ticket_id: must be a whole number",
        ),
        (Method::POST, "ticket_articles".to_owned(), r#"{"body": "x"}"#, "ticket_id: is required"),
        (
            Method::POST,
            "ticket_articles".to_owned(),
            &format!(r#"{{"ticket_id": {ticket}, "internal": "yes"}}"#),
            "internal: must be true or false",
        ),
        (
            Method::PUT,
            format!("tickets/{ticket}"),
            r#"{"privacy": "secret"}"#,
            "privacy: 'secret' is not one of public or private",
        ),
        (Method::PUT, format!("tickets/{ticket}"), r#"["state", "closed"]"#, "must be an object"),
    ];
    for (method, path, body, says) in table {
        let answer = raw(method.clone(), &path, body).await;
        assert_zammad_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, says);
        let text = answer.body["error"].as_str().unwrap_or_default();
        for rust in ["i64", "bool", "struct", "deserialize", "variant", "invalid type"] {
            assert!(!text.contains(rust), "{method} {path} {body}: no Rust words: {text}");
        }
        assert_eq!(snapshot(server.store()).await, before, "{body} wrote nothing");
    }
    // A query that cannot be read is refused in the same shape; an address that names no
    // number finds nothing, as Zammad's does.
    let table = [
        ("tickets?page=second", StatusCode::UNPROCESSABLE_ENTITY, "page: must be a whole number, not 'second'"),
        ("tickets?per_page=many", StatusCode::UNPROCESSABLE_ENTITY, "per_page: must be a whole number"),
        ("tickets/first", StatusCode::NOT_FOUND, "'first' is not a number"),
        ("ticket_articles/by_ticket/x", StatusCode::NOT_FOUND, "'x' is not a number"),
    ];
    for (path, status, says) in table {
        assert_zammad_error(&face(&server, Method::GET, path, &admin, None).await, status, says);
    }
}
