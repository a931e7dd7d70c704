//! Units and categories through the API.

use helpdesk_domain::account::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Fixture, created};

#[tokio::test]
async fn admins_create_and_change_units_that_everyone_reads() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account("rita@example.org", &[Role::Community]).await;
    let id = created(f.server.post("/api/v1/units", &f.admin, json!({"name": " Grid operations ", "level": 3, "email": "ops@grid.example.org", "description": "Sites", "integration": "redirect"})).await);
    let unit = f.server.get(&format!("/api/v1/units/{id}"), &reader).await.body;
    assert_eq!(
        (unit["name"].clone(), unit["level"].clone(), unit["integration"].clone()),
        (json!("Grid operations"), json!(3), json!("redirect"))
    );
    let changed = f
        .server
        .patch(&format!("/api/v1/units/{id}"), &f.admin, json!({"level": 2, "email": "grid-ops@example.org"}))
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!((changed.body["level"].clone(), changed.body["name"].clone()), (json!(2), json!("Grid operations")));
    let list = f.server.get("/api/v1/units?per_page=2", &reader).await.body;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"].as_array().map(|a| a.len()), Some(2));
    assert_eq!(list["items"][0]["name"], "1st line", "by name");
}

#[tokio::test]
async fn admins_create_and_change_categories_with_their_fields() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account("rita@example.org", &[Role::Community]).await;
    let category = f.server.get(&format!("/api/v1/categories/{}", f.category), &reader).await.body;
    assert_eq!(category["fields"].as_array().map(|a| a.len()), Some(4));
    assert_eq!(category["fields"][1]["choices"], json!(["Ubuntu", "RHEL"]));
    // A category routed to the 2nd level sends its new tickets there.
    let storage = created(
        f.server.post("/api/v1/categories", &f.admin, json!({"name": "Storage", "default_unit": f.second_line})).await,
    );
    let ticket = f.server.post("/api/v1/tickets", &reader, json!({"title": "Quota", "description": "Full", "category": storage, "type": "service_request", "privacy": "public"})).await;
    assert_eq!(ticket.body["unit"], f.second_line);
    // Changing the fields applies to new tickets; old ones keep their values.
    let old = f.open(&reader, json!({})).await;
    let changed = f
        .server
        .patch(
            &format!("/api/v1/categories/{}", f.category),
            &f.admin,
            json!({"fields": [{"key": "release", "label": "Release", "type": "text", "required": true}]}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{old}"), &reader).await.body["fields"]["version"], "4.5");
    let new = f.server.post("/api/v1/tickets", &reader, f.ticket(json!({"fields": {"release": "2026.1"}}))).await;
    assert_eq!(new.status, StatusCode::CREATED, "{:?}", new.body);
    assert_eq!(f.server.get("/api/v1/categories", &reader).await.body["total"], 2);
}

/// JSON Schema counts `2.0` an integer, and so does the API: every integer field takes a
/// number with a zero fraction, as the OpenAPI document says.
#[tokio::test]
async fn integers_may_be_written_with_a_zero_fraction() {
    let f = Fixture::new().await;
    let id = created(
        f.server
            .post("/api/v1/units", &f.admin, json!({"name": "Grid", "level": 2.0, "email": "grid@example.org"}))
            .await,
    );
    assert_eq!(f.server.get(&format!("/api/v1/units/{id}"), &f.admin).await.body["level"], json!(2));
    let ticket = f.open(&f.admin, json!({"category": f.category as f64, "affected_users": 60.0})).await;
    let moved = f.server.patch(&format!("/api/v1/tickets/{ticket}"), &f.admin, json!({"unit": id as f64})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!((moved.body["unit"].clone(), moved.body["priority"].clone()), (json!(id), json!("high")));
}
