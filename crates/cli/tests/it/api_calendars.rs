//! Working-hour calendars through the API: made and changed by admins, read by everyone signed
//! in, and the due moment a calendar gives.

use helpdesk_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, created, snapshot};

fn split_week() -> Value {
    let day = json!(["09:00-12:30", "13:30-17:00"]);
    json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day})
}

#[tokio::test]
async fn admins_make_calendars_that_everyone_reads_and_that_give_due_moments() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account("rita@example.org", &[Role::Community]).await;
    let listed = f.server.get("/api/v1/calendars", &reader).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<&str> = listed.body.as_array().expect("a list").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["Default", "24x7"], "the default and the 24x7 calendar exist from the start");
    assert_eq!(listed.body[0]["week"]["mon"], json!(["09:00-17:00"]));
    assert_eq!((listed.body[0]["week"]["sat"].clone(), listed.body[0]["time_zone"].clone()), (json!([]), json!("UTC")));

    let body = json!({"name": " Berlin office ", "time_zone": "Europe/Berlin", "week": split_week(),
        "holidays": ["2026-12-26", "2026-12-25", "2026-12-25"]});
    let id = created(f.server.post("/api/v1/calendars", &f.admin, body).await);
    let calendar = f.server.get(&format!("/api/v1/calendars/{id}"), &reader).await.body;
    assert_eq!(
        (calendar["name"].clone(), calendar["holidays"].clone(), calendar["week"]["wed"].clone()),
        (json!("Berlin office"), json!(["2026-12-25", "2026-12-26"]), json!(["09:00-12:30", "13:30-17:00"]))
    );

    // Thursday 24 December 16:00 in Berlin, two working hours: one that day, none over the
    // holidays and the weekend, one on Monday from 09:00.
    let due = |from: &str, after: &str| {
        let path = format!("/api/v1/calendars/{id}/due?from={}&after={after}", from.replace('+', "%2B"));
        let server = &f.server;
        let reader = reader.clone();
        async move { server.get(&path, &reader).await }
    };
    let answer = due("2026-12-24T16:00:00+01:00", "2h").await;
    assert_eq!((answer.status, answer.body["due"].clone()), (StatusCode::OK, json!("2026-12-28T09:00:00Z")));
    let answer = due("2026-12-04T15:00:00Z", "1d").await;
    assert_eq!(answer.body["due"], json!("2026-12-07T15:00:00Z"), "Friday 16:00 + 1d is Monday 16:00 in Berlin");

    let changed =
        f.server.patch(&format!("/api/v1/calendars/{id}"), &f.admin, json!({"holidays": [], "name": "Berlin"})).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!((changed.body["name"].clone(), changed.body["holidays"].clone()), (json!("Berlin"), json!([])));
    assert_eq!(changed.body["time_zone"], json!("Europe/Berlin"), "what the change does not name stays");
    let answer = due("2026-12-24T16:00:00+01:00", "2h").await;
    assert_eq!(answer.body["due"], json!("2026-12-25T09:00:00Z"), "without the holiday, Friday the 25th works");
}

#[tokio::test]
async fn calendars_that_cannot_be_read_are_refused_by_field_and_write_nothing() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account("rita@example.org", &[Role::Community]).await;
    let week = split_week();
    let cases: &[(&str, Value, StatusCode, &str)] = &[
        (
            "an unknown zone",
            json!({"name": "A", "time_zone": "Mars/Olympus", "week": week}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "time_zone",
        ),
        (
            "an interval that ends first",
            json!({"name": "A", "week": {"mon": ["17:00-09:00"]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "week.mon",
        ),
        (
            "overlapping intervals",
            json!({"name": "A", "week": {"tue": ["09:00-12:00", "11:00-13:00"]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "week.tue",
        ),
        ("a week without working time", json!({"name": "A", "week": {}}), StatusCode::UNPROCESSABLE_ENTITY, "week"),
        ("a blank name", json!({"name": "  ", "week": week}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        ("a name taken", json!({"name": "default", "week": week}), StatusCode::CONFLICT, ""),
    ];
    for (what, body, status, field) in cases {
        let before = snapshot(f.server.store()).await;
        let answer = f.server.post("/api/v1/calendars", &f.admin, body.clone()).await;
        assert_problem(&answer, *status);
        if !field.is_empty() {
            let fields: Vec<&str> =
                answer.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.contains(field), "{what}: {fields:?} should name {field}");
        }
        assert_eq!(snapshot(f.server.store()).await, before, "{what} wrote nothing");
    }
    let before = snapshot(f.server.store()).await;
    let answer = f.server.post("/api/v1/calendars", &reader, json!({"name": "Mine", "week": week})).await;
    assert_problem(&answer, StatusCode::FORBIDDEN);
    let answer = f.server.patch("/api/v1/calendars/1", &reader, json!({"name": "Mine"})).await;
    assert_problem(&answer, StatusCode::FORBIDDEN);
    let answer = f.server.patch("/api/v1/calendars/1", &f.admin, json!({"week": {"sun": []}})).await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(f.server.store()).await, before, "refused changes wrote nothing");
    for (query, field) in [("from=2026-12-24T16:00:00Z&after=5x", "after"), ("from=yesterday&after=4h", "from")] {
        let answer = f.server.get(&format!("/api/v1/calendars/1/due?{query}"), &reader).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.body["errors"][0]["field"], json!(field), "{query}");
    }
    assert_problem(
        &f.server.get("/api/v1/calendars/99/due?from=2026-12-24T16:00:00Z&after=4h", &reader).await,
        StatusCode::NOT_FOUND,
    );
}
