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

#[tokio::test]
async fn service_levels_start_as_ggus_has_them_and_admins_add_their_own() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account("rita@example.org", &[Role::Community]).await;
    let levels = f.server.get("/api/v1/service-levels", &reader).await;
    assert_eq!(levels.status, StatusCode::OK);
    let advanced = levels.body.as_array().expect("a list").iter().find(|l| l["name"] == "Advanced").expect("Advanced");
    assert_eq!(advanced["targets"]["top"], json!({"response": "4h", "resolution": "16h"}));
    assert_eq!(advanced["targets"]["medium"], json!({"response": "1d", "resolution": "4d"}));
    assert_eq!(
        (
            advanced["waiting_reminder"].clone(),
            advanced["auto_unsolved_after_reminders"].clone(),
            advanced["auto_close"].clone()
        ),
        (json!("5d"), json!(2), json!("10d"))
    );
    let names: Vec<&str> = levels.body.as_array().into_iter().flatten().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, ["Base", "Medium", "Advanced"]);

    let targets = json!({"low": {"response": "5d"}, "medium": {"response": "2d"}, "high": {"response": "8h", "resolution": "2d"},
        "top": {"response": "90m", "resolution": "12h"}});
    let id = created(
        f.server
            .post("/api/v1/service-levels", &f.admin, json!({"name": " Tier-1 ", "calendar": 2, "targets": targets}))
            .await,
    );
    let level = f.server.get(&format!("/api/v1/service-levels/{id}"), &reader).await.body;
    assert_eq!(
        (
            level["name"].clone(),
            level["calendar"].clone(),
            level["targets"]["low"].clone(),
            level["auto_close"].clone()
        ),
        (json!("Tier-1"), json!(2), json!({"response": "5d", "resolution": "20d"}), json!("10d")),
        "a resolution not given is four times the response; the lifecycle is GGUS's"
    );
    let changed = f.server.patch(&format!("/api/v1/service-levels/{id}"), &f.admin, json!({"auto_close": "3d"})).await;
    assert_eq!((changed.status, changed.body["auto_close"].clone()), (StatusCode::OK, json!("3d")));
    assert_eq!(changed.body["targets"]["top"], json!({"response": "90m", "resolution": "12h"}));

    let before = snapshot(f.server.store()).await;
    let refusals = [
        (
            json!({"name": "X", "calendar": 1, "targets": {"low": {"response": "5x"}, "medium": {"response": "1d"}, "high": {"response": "1d"}, "top": {"response": "1d"}}}),
            "targets.low.response",
        ),
        (
            json!({"name": "X", "calendar": 1, "targets": {"low": {"response": "5d", "resolution": "2d"}, "medium": {"response": "1d"}, "high": {"response": "1d"}, "top": {"response": "1d"}}}),
            "targets.low.resolution",
        ),
        (json!({"name": "X", "calendar": 99, "targets": targets}), "calendar"),
        (json!({"name": "X", "calendar": 1, "targets": targets, "auto_close": "0d"}), "auto_close"),
    ];
    for (body, field) in refusals {
        let answer = f.server.post("/api/v1/service-levels", &f.admin, body).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> =
            answer.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&field), "{fields:?} should name {field}");
    }
    let answer = f
        .server
        .post("/api/v1/service-levels", &f.admin, json!({"name": "base", "calendar": 1, "targets": targets}))
        .await;
    assert_problem(&answer, StatusCode::CONFLICT);
    let answer = f
        .server
        .post("/api/v1/service-levels", &reader, json!({"name": "Mine", "calendar": 1, "targets": targets}))
        .await;
    assert_problem(&answer, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals wrote nothing");
}

#[tokio::test]
async fn every_unit_has_a_service_level_base_unless_an_admin_chooses_another() {
    let f = Fixture::new().await;
    let unit = f.server.get(&format!("/api/v1/units/{}", f.first_line), &f.admin).await.body;
    assert_eq!(unit["service_level"], json!(1), "Base, for a unit made without one");
    let made = created(
        f.server
            .post(
                "/api/v1/units",
                &f.admin,
                json!({"name": "Tier-1 sites", "level": 3, "email": "t1@example.org", "service_level": 3}),
            )
            .await,
    );
    assert_eq!(f.server.get(&format!("/api/v1/units/{made}"), &f.admin).await.body["service_level"], json!(3));
    let changed = f.server.patch(&format!("/api/v1/units/{made}"), &f.admin, json!({"service_level": 2})).await;
    assert_eq!((changed.status, changed.body["service_level"].clone()), (StatusCode::OK, json!(2)));

    let before = snapshot(f.server.store()).await;
    let answer = f.server.patch(&format!("/api/v1/units/{made}"), &f.admin, json!({"service_level": 99})).await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["errors"][0]["field"], json!("service_level"));
    let answer = f
        .server
        .post(
            "/api/v1/units",
            &f.admin,
            json!({"name": "Nowhere", "level": 2, "email": "n@example.org", "service_level": 99}),
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals wrote nothing");
}

#[tokio::test]
async fn the_default_calendar_takes_the_configured_time_zone_until_an_admin_edits_it() {
    let f = Fixture::new().await;
    let zone_of = |id: i64| {
        let (server, admin) = (&f.server, f.admin.clone());
        async move { server.get(&format!("/api/v1/calendars/{id}"), &admin).await.body["time_zone"].clone() }
    };
    let app = &f.server.app;
    assert!(app.adopt_default_time_zone("Europe/Berlin").await.expect("adopted"));
    assert_eq!((zone_of(1).await, zone_of(2).await), (json!("Europe/Berlin"), json!("UTC")), "only Default follows");
    assert!(!app.adopt_default_time_zone("Europe/Berlin").await.expect("the same"), "nothing to change");
    let refused = app.adopt_default_time_zone("Mars/Olympus").await;
    assert!(matches!(refused, Err(helpdesk_app::AppError::Invalid(_))), "{refused:?}");
    assert_eq!(zone_of(1).await, "Europe/Berlin", "a zone that does not exist changes nothing");
    assert!(app.adopt_default_time_zone("Asia/Tokyo").await.expect("adopted"), "it follows the key");

    let edited = f.server.patch("/api/v1/calendars/1", &f.admin, json!({"time_zone": "Europe/Paris"})).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert!(!app.adopt_default_time_zone("Europe/Berlin").await.expect("kept"));
    assert_eq!(zone_of(1).await, "Europe/Paris", "an admin's choice stands");
}
