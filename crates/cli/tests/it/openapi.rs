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

/// Every answer a read gives is one the document lists for it: each GET of the document is
/// called as a community user and as an admin, on things that exist.
#[tokio::test]
async fn every_status_a_read_answers_is_documented() {
    let f = crate::common::Fixture::new().await;
    let (_, community) = f.server.account("carl@example.org", &[helpdesk_domain::account::Role::Community]).await;
    let ticket = f.open(&f.admin, serde_json::json!({})).await;
    let doc = f.server.get_json("/api/v1/openapi.json").await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut undocumented = Vec::new();
    for (path, operations) in paths {
        let Some(responses) = operations["get"]["responses"].as_object() else { continue };
        let concrete = path
            .replace("{id}", &ticket.to_string())
            .replace("{attachment}", "1")
            .replace("{unit}", &f.first_line.to_string());
        for token in [&community, &f.admin] {
            let answer = f.server.get(&concrete, token).await;
            if !responses.contains_key(answer.status.as_str()) {
                undocumented.push(format!("GET {path} answered {} ({})", answer.status, answer.body));
            }
        }
    }
    assert!(undocumented.is_empty(), "answers the document does not list:\n{}", undocumented.join("\n"));
}

#[tokio::test]
async fn history_values_and_bytes_are_described_as_what_they_are() {
    let server = TestServer::start().await;
    let doc = server.get_json("/api/v1/openapi.json").await;
    let entry = &doc["components"]["schemas"]["HistoryEntry"]["properties"];
    for side in ["old", "new"] {
        let types: Vec<&str> =
            entry[side]["type"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        assert_eq!(types, ["string", "integer", "null"], "{side}: {}", entry[side]);
    }
    // Bytes are binary strings, not lists of numbers; a file is served in one of the safe types.
    let binary = &doc["components"]["schemas"]["Binary"];
    assert_eq!((&binary["type"], &binary["format"]), (&serde_json::json!("string"), &serde_json::json!("binary")));
    let raw = &doc["paths"]["/api/v1/mail/inbound"]["post"]["requestBody"]["content"]["message/rfc822"]["schema"];
    assert_eq!(raw["$ref"], "#/components/schemas/RawMessage");
    // A mail handed in is answered with its id and status (a schema of the sync's took its name).
    let kept =
        &doc["paths"]["/api/v1/mail/inbound"]["post"]["responses"]["202"]["content"]["application/json"]["schema"];
    let name = kept["$ref"].as_str().unwrap_or_default().trim_start_matches("#/components/schemas/");
    let properties = &doc["components"]["schemas"][name]["properties"];
    assert!(properties["id"].is_object() && properties["status"].is_object(), "{name}: {properties}");
    let file = doc["paths"]["/api/v1/tickets/{id}/attachments/{attachment}"]["get"]["responses"]["200"]["content"]
        .as_object()
        .expect("content");
    let mut served: Vec<&str> = file.keys().map(String::as_str).collect();
    served.sort();
    let mut safe = helpdesk_domain::attachment::SAFE_CONTENT_TYPES.to_vec();
    safe.push(helpdesk_domain::attachment::DEFAULT_CONTENT_TYPE);
    safe.sort();
    assert_eq!(served, safe, "the document names every type a file is served as");
}

/// The rules the server checks on text are the ones the document states: every pattern is one
/// of the domain's, every name is a line, every domain a domain name, and only granted roles
/// are offered.
#[tokio::test]
async fn the_document_states_the_rules_the_server_checks() {
    use helpdesk_domain::listing::{OWNER_PATTERN, UNITS_PATTERN};
    use helpdesk_domain::organisation::DOMAIN_PATTERN;
    use helpdesk_domain::relation::NOTE_PATTERN;
    use helpdesk_domain::validation::{LINE_PATTERN, TEXT_PATTERN};
    let server = TestServer::start().await;
    let doc = server.get_json("/api/v1/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    let lines = [
        ("CreateUnit", "name"),
        ("UpdateUnit", "name"),
        ("CreateCategory", "name"),
        ("UpdateCategory", "name"),
        ("CreateCalendar", "name"),
        ("UpdateCalendar", "name"),
        ("CreateServiceLevel", "name"),
        ("UpdateServiceLevel", "name"),
        ("FieldDef", "label"),
        ("CreateTicket", "title"),
        ("UpdateTicket", "title"),
        ("CreateOrganisation", "name"),
        ("UpdateOrganisation", "name"),
        ("CreateContract", "plan"),
        ("UpdateContract", "plan"),
        ("CreateToken", "name"),
        ("UpdateMe", "name"),
        ("Register", "name"),
        ("CreateAccount", "name"),
    ];
    for (schema, property) in lines {
        let p = &schemas[schema]["properties"][property];
        assert_eq!(p["pattern"], LINE_PATTERN, "{schema}.{property}: {p}");
        assert!(p["maxLength"].as_u64().is_some_and(|n| n > 0) && p["minLength"] == 1, "{schema}.{property}: {p}");
    }
    assert_eq!(schemas["EscalateTicket"]["properties"]["reason"]["pattern"], TEXT_PATTERN, "a reason is not blank");
    assert_eq!(schemas["CreateRelation"]["properties"]["note"]["pattern"], NOTE_PATTERN, "a note's lines");
    assert_eq!(schemas["AddDomain"]["properties"]["domain"]["pattern"], DOMAIN_PATTERN);
    assert_eq!(schemas["DomainName"]["pattern"], DOMAIN_PATTERN);
    let path = &doc["paths"]["/api/v1/organisations/{id}/domains/{domain}"]["delete"]["parameters"][1]["schema"];
    assert_eq!(path["pattern"], DOMAIN_PATTERN);
    let mut patterns = Vec::new();
    collect_patterns(&doc, &mut patterns);
    let search = doc["paths"]["/api/v1/search"]["get"]["parameters"].as_array().expect("parameters");
    let status = search.iter().find(|p| p["name"] == "status").expect("status")["schema"]["pattern"].clone();
    let offered: Vec<&str> = status
        .as_str()
        .and_then(|p| p.strip_prefix("^(")?.strip_suffix(")?$"))
        .map(|names| names.split('|').collect())
        .unwrap_or_default();
    for name in helpdesk_domain::status::Status::ALL.iter().map(|s| s.as_str()).chain(["open"]) {
        assert!(offered.contains(&name), "{name} in {status}");
    }
    for pattern in patterns {
        assert!(
            [LINE_PATTERN, DOMAIN_PATTERN, TEXT_PATTERN, NOTE_PATTERN, OWNER_PATTERN, UNITS_PATTERN]
                .contains(&pattern.as_str())
                || pattern == status
                || pattern == "^(relevance|activity)?$",
            "a pattern the server does not check: {pattern}"
        );
    }
    let granted: Vec<String> = helpdesk_domain::account::Role::ALL
        .iter()
        .filter(|r| r.is_grantable())
        .map(|r| r.as_str().to_owned())
        .collect();
    let offered: Vec<String> = serde_json::from_value(schemas["GrantedRole"]["enum"].clone()).expect("an enum");
    assert_eq!(offered, granted);
}

fn collect_patterns(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("pattern", Value::String(p)) => found.push(p.clone()),
                    _ => collect_patterns(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, found)),
        _ => {}
    }
}
