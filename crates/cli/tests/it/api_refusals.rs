//! Bad input gets a clear answer and changes nothing: each refusal, its status, its
//! problem+json body, and the proof that no table gained or lost a row and no ticket changed.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, snapshot};

/// Who sends a request.
#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    WrongToken,
    Malformed,
    Admin,
    Community,
}

/// What the body is.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    who: Who,
    body: Body,
    status: StatusCode,
    field: Option<&'static str>,
}

fn case(
    what: &'static str,
    method: Method,
    path: impl Into<String>,
    who: Who,
    body: Body,
    status: StatusCode,
    field: Option<&'static str>,
) -> Case {
    Case { what, method, path: path.into(), who, body, status, field }
}

#[tokio::test]
async fn every_refusal_is_a_problem_and_writes_nothing() {
    let f = Fixture::new().await;
    let (_, community) = f.server.account("carl@example.org", &[Role::Community]).await;
    let id = f.open(&f.admin, json!({})).await;
    let ticket = format!("/api/v1/tickets/{id}");
    let articles = format!("{ticket}/articles");
    let unit = format!("/api/v1/units/{}", f.first_line);
    let category = format!("/api/v1/categories/{}", f.category);
    let good = f.ticket(json!({}));
    let with = |changes: Value| Body::Json(f.ticket(changes));
    let with_fields = |fields: Value| Body::Json(f.ticket(json!({"fields": fields})));
    use Method as M;
    use StatusCode as S;
    use Who::*;
    let cases = vec![
        case(
            "malformed JSON",
            M::POST,
            "/api/v1/tickets",
            Admin,
            Body::Raw("application/json", b"{\"title\": ".to_vec()),
            S::BAD_REQUEST,
            None,
        ),
        case(
            "not JSON at all",
            M::POST,
            "/api/v1/tickets",
            Admin,
            Body::Raw("text/plain", b"hello".to_vec()),
            S::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        case(
            "an unknown key",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"colour": "red"})),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "a missing key",
            M::POST,
            "/api/v1/tickets",
            Admin,
            Body::Json(json!({"title": "x"})),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "a wrong type",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"type": "complaint"})),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "an empty title",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"title": "   "})),
            S::UNPROCESSABLE_ENTITY,
            Some("title"),
        ),
        case(
            "a title over 200 characters",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"title": "é".repeat(201)})),
            S::UNPROCESSABLE_ENTITY,
            Some("title"),
        ),
        case(
            "an empty description",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"description": ""})),
            S::UNPROCESSABLE_ENTITY,
            Some("description"),
        ),
        case(
            "a body over 1 MiB",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"description": "x".repeat(1024 * 1024 + 1)})),
            S::PAYLOAD_TOO_LARGE,
            None,
        ),
        case(
            "an unknown category",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"category": 9999})),
            S::UNPROCESSABLE_ENTITY,
            Some("category"),
        ),
        case(
            "a missing required field",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with_fields(json!({"version": "4.5", "bits_64": true})),
            S::UNPROCESSABLE_ENTITY,
            Some("fields.os"),
        ),
        case(
            "a field of the wrong type",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with_fields(json!({"version": "4.5", "os": "Ubuntu", "bits_64": true, "ram_gb": "lots"})),
            S::UNPROCESSABLE_ENTITY,
            Some("fields.ram_gb"),
        ),
        case(
            "a choice not offered",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with_fields(json!({"version": "4.5", "os": "Windows", "bits_64": true})),
            S::UNPROCESSABLE_ENTITY,
            Some("fields.os"),
        ),
        case(
            "an unconfirmed confirmation",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with_fields(json!({"version": "4.5", "os": "Ubuntu", "bits_64": false})),
            S::UNPROCESSABLE_ENTITY,
            Some("fields.bits_64"),
        ),
        case(
            "a copy to something that is not an address",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"copy_to": ["ann@example.org", "not-an-address"]})),
            S::UNPROCESSABLE_ENTITY,
            Some("copy_to[1]"),
        ),
        case(
            "a javascript: link",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"link_url": "javascript:alert(document.cookie)"})),
            S::UNPROCESSABLE_ENTITY,
            Some("link_url"),
        ),
        case(
            "negative users",
            M::POST,
            "/api/v1/tickets",
            Admin,
            with(json!({"affected_users": -1})),
            S::UNPROCESSABLE_ENTITY,
            Some("affected_users"),
        ),
        case("no token", M::POST, "/api/v1/tickets", Nobody, Body::Json(good.clone()), S::UNAUTHORIZED, None),
        case("a wrong token", M::POST, "/api/v1/tickets", WrongToken, Body::Json(good.clone()), S::UNAUTHORIZED, None),
        case("not a bearer header", M::GET, "/api/v1/tickets", Malformed, Body::None, S::UNAUTHORIZED, None),
        case(
            "a private ticket by a community user",
            M::POST,
            "/api/v1/tickets",
            Community,
            with(json!({"privacy": "private"})),
            S::FORBIDDEN,
            None,
        ),
        case(
            "an illegal transition",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"status": "reopened"})),
            S::CONFLICT,
            None,
        ),
        case(
            "a status only the system sets",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"status": "closed"})),
            S::CONFLICT,
            None,
        ),
        case(
            "an unknown status",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"status": "done"})),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "an unknown unit",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"unit": 9999})),
            S::UNPROCESSABLE_ENTITY,
            Some("unit"),
        ),
        case(
            "a reason without a priority",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"priority_reason": "because"})),
            S::UNPROCESSABLE_ENTITY,
            Some("priority_reason"),
        ),
        case(
            "a qualifier that does not fit",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"status": "solved", "resolution": "duplicate"})),
            S::UNPROCESSABLE_ENTITY,
            Some("resolution"),
        ),
        case(
            "an unknown key in a patch",
            M::PATCH,
            ticket.clone(),
            Admin,
            Body::Json(json!({"colour": "red"})),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "a community user changing status",
            M::PATCH,
            ticket.clone(),
            Community,
            Body::Json(json!({"status": "on_hold"})),
            S::FORBIDDEN,
            None,
        ),
        case("a ticket that does not exist", M::GET, "/api/v1/tickets/424242", Admin, Body::None, S::NOT_FOUND, None),
        case(
            "a patch of a ticket that does not exist",
            M::PATCH,
            "/api/v1/tickets/424242",
            Admin,
            Body::Json(json!({"status": "solved"})),
            S::NOT_FOUND,
            None,
        ),
        case(
            "a ticket number that is not a number",
            M::GET,
            "/api/v1/tickets/abc",
            Admin,
            Body::None,
            S::BAD_REQUEST,
            None,
        ),
        case(
            "an empty reply",
            M::POST,
            articles.clone(),
            Admin,
            Body::Json(json!({"body": " "})),
            S::UNPROCESSABLE_ENTITY,
            Some("body"),
        ),
        case(
            "a reply to no ticket",
            M::POST,
            "/api/v1/tickets/424242/articles",
            Admin,
            Body::Json(json!({"body": "hi"})),
            S::NOT_FOUND,
            None,
        ),
        case(
            "an internal note by a community user",
            M::POST,
            articles.clone(),
            Community,
            Body::Json(json!({"body": "hi", "internal": true})),
            S::FORBIDDEN,
            None,
        ),
        case("a page of 0", M::GET, "/api/v1/tickets?page=0", Admin, Body::None, S::UNPROCESSABLE_ENTITY, Some("page")),
        case(
            "too many per page",
            M::GET,
            "/api/v1/tickets?per_page=1000",
            Admin,
            Body::None,
            S::UNPROCESSABLE_ENTITY,
            Some("per_page"),
        ),
        case(
            "an unknown filter value",
            M::GET,
            "/api/v1/tickets?priority=urgent",
            Admin,
            Body::None,
            S::BAD_REQUEST,
            None,
        ),
        case("an unknown filter", M::GET, "/api/v1/tickets?stauts=new", Admin, Body::None, S::BAD_REQUEST, None),
        case(
            "a unit by a non-admin",
            M::POST,
            "/api/v1/units",
            Community,
            Body::Json(json!({"name": "Mine", "level": 1, "email": "m@example.org"})),
            S::FORBIDDEN,
            None,
        ),
        case(
            "a unit at level 4",
            M::POST,
            "/api/v1/units",
            Admin,
            Body::Json(json!({"name": "Deep", "level": 4, "email": "d@example.org"})),
            S::UNPROCESSABLE_ENTITY,
            Some("level"),
        ),
        case(
            "a unit without an address",
            M::POST,
            "/api/v1/units",
            Admin,
            Body::Json(json!({"name": "Mute", "level": 2, "email": "nobody"})),
            S::UNPROCESSABLE_ENTITY,
            Some("email"),
        ),
        case(
            "a unit name taken (in another case)",
            M::POST,
            "/api/v1/units",
            Admin,
            Body::Json(json!({"name": "1ST LINE", "level": 1, "email": "x@example.org"})),
            S::CONFLICT,
            None,
        ),
        case(
            "a unit patch by a non-admin",
            M::PATCH,
            unit.clone(),
            Community,
            Body::Json(json!({"level": 2})),
            S::FORBIDDEN,
            None,
        ),
        case(
            "a unit patch with a bad level",
            M::PATCH,
            unit.clone(),
            Admin,
            Body::Json(json!({"level": 0})),
            S::UNPROCESSABLE_ENTITY,
            Some("level"),
        ),
        case("a unit that does not exist", M::GET, "/api/v1/units/9999", Admin, Body::None, S::NOT_FOUND, None),
        case(
            "a category for no unit",
            M::POST,
            "/api/v1/categories",
            Admin,
            Body::Json(json!({"name": "Orphans", "default_unit": 9999})),
            S::UNPROCESSABLE_ENTITY,
            Some("default_unit"),
        ),
        case(
            "a category with a choice field without choices",
            M::POST,
            "/api/v1/categories",
            Admin,
            Body::Json(
                json!({"name": "Odd", "default_unit": f.first_line, "fields": [{"key": "os", "label": "OS", "type": "choice"}]}),
            ),
            S::UNPROCESSABLE_ENTITY,
            Some("fields[0].choices"),
        ),
        case(
            "a category field of an unknown type",
            M::POST,
            "/api/v1/categories",
            Admin,
            Body::Json(
                json!({"name": "Odd", "default_unit": f.first_line, "fields": [{"key": "d", "label": "D", "type": "date"}]}),
            ),
            S::UNPROCESSABLE_ENTITY,
            None,
        ),
        case(
            "a category by a non-admin",
            M::POST,
            "/api/v1/categories",
            Community,
            Body::Json(json!({"name": "Mine", "default_unit": f.first_line})),
            S::FORBIDDEN,
            None,
        ),
        case(
            "a category name taken",
            M::POST,
            "/api/v1/categories",
            Admin,
            Body::Json(json!({"name": "installation", "default_unit": f.first_line})),
            S::CONFLICT,
            None,
        ),
        case(
            "a category patch to no unit",
            M::PATCH,
            category.clone(),
            Admin,
            Body::Json(json!({"default_unit": 9999})),
            S::UNPROCESSABLE_ENTITY,
            Some("default_unit"),
        ),
        case(
            "a category that does not exist",
            M::PATCH,
            "/api/v1/categories/9999",
            Admin,
            Body::Json(json!({"name": "X"})),
            S::NOT_FOUND,
            None,
        ),
        case("an address that does not exist", M::GET, "/api/v1/nothing", Admin, Body::None, S::NOT_FOUND, None),
        case(
            "a method an address does not take",
            M::DELETE,
            ticket.clone(),
            Admin,
            Body::None,
            S::METHOD_NOT_ALLOWED,
            None,
        ),
    ];

    let tickets_before = f.server.get("/api/v1/tickets?per_page=100", &f.admin).await.body;
    let catalog_before =
        (f.server.get("/api/v1/units", &f.admin).await.body, f.server.get("/api/v1/categories", &f.admin).await.body);
    let rows_before = snapshot(f.server.store()).await;
    for c in cases {
        let token = match c.who {
            Who::Nobody => None,
            Who::WrongToken => Some("hd_0000000000000000000000000000000000000000000000000000000000000000".to_owned()),
            Who::Malformed => Some("Basic dXNlcjpwYXNz".to_owned()),
            Who::Admin => Some(f.admin.clone()),
            Who::Community => Some(community.clone()),
        };
        let answer = match (c.who, c.body) {
            (Who::Malformed, _) => {
                let response = f
                    .server
                    .client
                    .get(format!("{}{}", f.server.url, c.path))
                    .header("authorization", "Basic dXNlcjpwYXNz")
                    .send()
                    .await
                    .expect("answer");
                let status = response.status();
                let content_type =
                    response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                crate::common::Answer { status, body, content_type, location: None }
            }
            (_, Body::None) => f.server.call(c.method, &c.path, token.as_deref(), None).await,
            (_, Body::Json(v)) => f.server.call(c.method, &c.path, token.as_deref(), Some(v)).await,
            (_, Body::Raw(ct, bytes)) => f.server.call_raw(c.method, &c.path, token.as_deref(), Some(ct), bytes).await,
        };
        assert_eq!(answer.status, c.status, "{}: {:?}", c.what, answer.body);
        assert_problem(&answer, c.status);
        if let Some(field) = c.field {
            let fields: Vec<&str> = answer.body["errors"]
                .as_array()
                .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(fields.contains(&field), "{}: names {field}: {:?}", c.what, answer.body);
        }
        assert_eq!(snapshot(f.server.store()).await, rows_before, "{} wrote nothing", c.what);
    }
    assert_eq!(f.server.get("/api/v1/tickets?per_page=100", &f.admin).await.body, tickets_before, "no ticket changed");
    let catalog_after =
        (f.server.get("/api/v1/units", &f.admin).await.body, f.server.get("/api/v1/categories", &f.admin).await.body);
    assert_eq!(catalog_after, catalog_before, "no unit or category changed");
}

#[tokio::test]
async fn an_unauthenticated_answer_says_how_to_authenticate() {
    let f = Fixture::new().await;
    let response = f.server.client.get(format!("{}/api/v1/tickets", f.server.url)).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    let body: Value = response.json().await.expect("json");
    assert!(body["detail"].as_str().expect("detail").contains("Authorization: Bearer"));
}

/// Words that name Rust's types or serde's insides, which no answer may show a person.
const RUST_WORDS: &[&str] =
    &["i64", "i16", "u32", "u64", "invalid type", "expected", "Cannot parse", "deserialize", "`"];

/// What, method, path, body, the answer's status, the field it names, words it says.
type Unreadable = (&'static str, Method, String, Option<Value>, StatusCode, &'static str, &'static str);

#[tokio::test]
async fn unreadable_input_is_refused_in_words_naming_the_field_and_writes_nothing() {
    let f = Fixture::new().await;
    let id = f.open(&f.admin, json!({})).await;
    let ticket = format!("/api/v1/tickets/{id}");
    use Method as M;
    use StatusCode as S;
    let table: Vec<Unreadable> = vec![
        (
            "a ticket number that is not one",
            M::GET,
            "/api/v1/tickets/abc".into(),
            None,
            S::BAD_REQUEST,
            "id",
            "must be a whole number, not 'abc'",
        ),
        (
            "a page that is not a number",
            M::GET,
            "/api/v1/tickets?page=two".into(),
            None,
            S::BAD_REQUEST,
            "page",
            "must be a whole number",
        ),
        (
            "a priority not offered",
            M::GET,
            "/api/v1/tickets?priority=urgent".into(),
            None,
            S::BAD_REQUEST,
            "priority",
            "'urgent' is not one of low, medium, high or top",
        ),
        (
            "a filter that does not exist",
            M::GET,
            "/api/v1/tickets?stauts=new".into(),
            None,
            S::BAD_REQUEST,
            "stauts",
            "is not a field here",
        ),
        (
            "users that are not a number",
            M::POST,
            "/api/v1/tickets".into(),
            Some(f.ticket(json!({"affected_users": "many"}))),
            S::UNPROCESSABLE_ENTITY,
            "affected_users",
            "must be a whole number, not \"many\"",
        ),
        (
            "a unit with a fraction",
            M::PATCH,
            ticket.clone(),
            Some(json!({"unit": 1.5})),
            S::UNPROCESSABLE_ENTITY,
            "unit",
            "must be a whole number, not 1.5",
        ),
        (
            "a level out of range",
            M::POST,
            "/api/v1/units".into(),
            Some(json!({"name": "Deep", "level": 70000, "email": "d@example.org"})),
            S::UNPROCESSABLE_ENTITY,
            "level",
            "must be a whole number from -32768 to 32767",
        ),
        (
            "a list for an object",
            M::POST,
            "/api/v1/sync/retry".into(),
            Some(json!([null, null])),
            S::UNPROCESSABLE_ENTITY,
            "body",
            "must be an object, not a list",
        ),
        (
            "a list for a nested object",
            M::POST,
            "/api/v1/categories".into(),
            Some(json!({"name": "Listed", "default_unit": f.first_line, "fields": [["os", "OS", "text"]]})),
            S::UNPROCESSABLE_ENTITY,
            "fields[0]",
            "must be an object, not a list",
        ),
        (
            "a missing field",
            M::POST,
            "/api/v1/tickets".into(),
            Some(json!({"title": "x"})),
            S::UNPROCESSABLE_ENTITY,
            "description",
            "is required",
        ),
        (
            "an unknown field",
            M::PATCH,
            ticket.clone(),
            Some(json!({"colour": "red"})),
            S::UNPROCESSABLE_ENTITY,
            "colour",
            "is not a field here",
        ),
        (
            "a field type not offered",
            M::POST,
            "/api/v1/categories".into(),
            Some(
                json!({"name": "Odd", "default_unit": f.first_line, "fields": [{"key": "d", "label": "D", "type": "date"}]}),
            ),
            S::UNPROCESSABLE_ENTITY,
            "fields[0].type",
            "'date' is not one of",
        ),
    ];
    let rows_before = snapshot(f.server.store()).await;
    for (what, method, path, body, status, field, words) in table {
        let answer = f.server.call(method, &path, Some(&f.admin), body).await;
        assert_problem(&answer, status);
        let detail = answer.body["detail"].as_str().unwrap_or_default();
        for rust in RUST_WORDS {
            assert!(!detail.contains(rust), "{what}: the detail says {rust:?}: {detail}");
        }
        let errors = answer.body["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{what}: one field is named: {:?}", answer.body);
        assert_eq!(errors[0]["field"], field, "{what}: {:?}", answer.body);
        let message = errors[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{what}: {message:?} says {words:?}");
        assert_eq!(detail, format!("{field}: {message}"), "{what}");
        assert_eq!(snapshot(f.server.store()).await, rows_before, "{what} wrote nothing");
    }
    let broken = f
        .server
        .call_raw(M::POST, "/api/v1/tickets", Some(&f.admin), Some("application/json"), b"{\"title\": ".to_vec())
        .await;
    assert_problem(&broken, S::BAD_REQUEST);
    assert_eq!(broken.body["detail"], "the body is not complete JSON: it ends too soon (line 1, column 10)");
}
