//! The OpenAPI document is generated from the code and describes what is served.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TICKET_KEYS, TestServer, run_helpdesk};

#[tokio::test]
async fn the_document_describes_every_operation_and_shape() {
    let server = TestServer::start().await;
    let response = server.client.get(format!("{}/api/v1/openapi.json", server.url)).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let operations = [
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets", "post"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}", "patch"),
        ("/api/v1/tickets/{id}/articles", "get"),
        ("/api/v1/tickets/{id}/articles", "post"),
        ("/api/v1/tickets/{id}/history", "get"),
        ("/api/v1/tickets/{id}/attachments", "get"),
        ("/api/v1/tickets/{id}/attachments/{attachment}", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories", "post"),
        ("/api/v1/categories/{id}", "get"),
        ("/api/v1/categories/{id}", "patch"),
        ("/api/v1/units", "get"),
        ("/api/v1/units", "post"),
        ("/api/v1/units/{id}", "get"),
        ("/api/v1/units/{id}", "patch"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/tokens", "get"),
        ("/api/v1/me/tokens", "post"),
        ("/api/v1/me/tokens/{id}", "delete"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/me/certificates", "get"),
        ("/api/v1/me/certificates", "post"),
        ("/api/v1/me/certificates/{id}", "delete"),
        ("/api/v1/organisations", "get"),
        ("/api/v1/organisations", "post"),
        ("/api/v1/organisations/{id}", "get"),
        ("/api/v1/organisations/{id}", "patch"),
        ("/api/v1/organisations/{id}/domains", "post"),
        ("/api/v1/organisations/{id}/domains/{domain}", "delete"),
        ("/api/v1/organisations/{id}/partners", "post"),
        ("/api/v1/organisations/{id}/partners/{account}", "delete"),
        ("/api/v1/organisations/{id}/contracts", "post"),
        ("/api/v1/organisations/{id}/contracts/{contract}", "patch"),
        ("/api/v1/organisations/{id}/members", "get"),
        ("/api/v1/organisations/{id}/members", "post"),
        ("/api/v1/organisations/{id}/members/{account}", "delete"),
        ("/api/v1/units/{id}/members", "get"),
        ("/api/v1/units/{id}/members", "post"),
        ("/api/v1/units/{id}/members/{account}", "delete"),
        ("/api/v1/units/{id}/join-requests", "get"),
        ("/api/v1/units/{id}/join-requests", "post"),
        ("/api/v1/units/{id}/join-requests/{request}/approve", "post"),
        ("/api/v1/units/{id}/join-requests/{request}/refuse", "post"),
    ];
    for (path, method) in operations {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is described");
        assert!(op["responses"]["401"].is_object(), "{method} {path} says it needs a token");
    }
    // A mail gateway may give the envelope's recipient with a message.
    let inbound = &doc["paths"]["/api/v1/mail/inbound"]["post"]["parameters"];
    let recipient = inbound.as_array().and_then(|p| p.iter().find(|p| p["name"] == "recipient"));
    assert!(recipient.is_some_and(|p| p["in"] == "query" && p["required"] != true), "{inbound:?}");
    // Signing in needs no token.
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/verify",
        "/api/v1/auth/verify/resend",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "POST {path} is described");
    }
    assert!(doc["paths"]["/api/v1/auth/providers"]["get"].is_object());
    let ticket = &doc["components"]["schemas"]["Ticket"];
    let required: Vec<&str> =
        ticket["required"].as_array().expect("required").iter().filter_map(Value::as_str).collect();
    for key in TICKET_KEYS {
        assert!(required.contains(key), "a ticket always carries {key}");
    }
    let statuses = &doc["components"]["schemas"]["Status"]["enum"];
    assert_eq!(statuses.as_array().map(|s| s.len()), Some(10));
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for reference in references(&doc) {
        let name = reference.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "{reference} is defined");
    }
    let problem = &doc["paths"]["/api/v1/tickets"]["post"]["responses"]["422"]["content"]["application/problem+json"];
    assert!(problem.is_object(), "errors are described as application/problem+json");
    let printed = run_helpdesk(&["openapi"]);
    assert!(printed.ok);
    assert_eq!(
        serde_json::from_str::<Value>(&printed.stdout).expect("json"),
        doc,
        "the CLI prints the served document"
    );
}

/// Every `$ref` in the document.
fn references(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("$ref", Value::String(r)) => vec![r.clone()],
                _ => references(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(references).collect(),
        _ => vec![],
    }
}
