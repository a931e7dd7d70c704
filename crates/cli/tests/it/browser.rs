//! The web pages in a real browser: Debian's Chromium driven by Playwright (../shared/peers/browser)
//! against a real `helpdesk serve` on loopback, sending its mail to the capture SMTP server. The
//! scenarios are in `tests/browser/scenarios.mjs`; this test prepares the installation they start
//! from (units, a category with its own fields, an organisation with a contract, the people), runs
//! them, and fails when one of them fails. Screenshots of each main page go to
//! `target/screenshots/<engine>/` (the paths are printed).

use helpdesk_app::App;
use helpdesk_app::catalog::{CategoryInput, UnitInput};
use helpdesk_domain::AccountId;
use helpdesk_domain::account::Role;
use helpdesk_domain::category::{FieldDef, FieldType};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::unit::Integration;
use helpdesk_store::NewContract;
use serde_json::json;

use crate::common::{ServeProcess, TestDb, engine_under_test, mail_peer, peer_not_run, unique_address};

const PASSWORD: &str = "a long browser password";

/// The browser peer's directory (its `browser.mjs` launches Chromium), if the tests were given one.
fn browser_peer() -> Option<String> {
    let dir = std::env::var("HELPDESK_TEST_BROWSER").ok().filter(|v| !v.is_empty());
    if dir.is_none() {
        peer_not_run("the browser tests", "HELPDESK_TEST_BROWSER=<../shared/peers/browser, after its start.sh>");
    }
    dir
}

/// Units, a category with its own fields, an organisation with a running contract, and people.
async fn prepare(db: &TestDb, tag: &str) -> serde_json::Value {
    let app = App::new(db.open().await);
    let system = Actor::system();
    let first = app
        .create_unit(
            &system,
            UnitInput {
                name: format!("First line {tag}"),
                description: "Triage and first answers".into(),
                level: 1,
                email: "first-line@example.org".into(),
                integration: Integration::Direct,
                service_level: None,
                alarm_email: String::new(),
            },
        )
        .await
        .expect("a unit");
    let second = app
        .create_unit(
            &system,
            UnitInput {
                name: format!("Storage experts {tag}"),
                description: "Second line for storage".into(),
                level: 2,
                email: "storage@example.org".into(),
                integration: Integration::Direct,
                service_level: None,
                alarm_email: String::new(),
            },
        )
        .await
        .expect("a unit");
    let category = app
        .create_category(
            &system,
            CategoryInput {
                name: format!("Data transfer {tag}"),
                description: "Moving data between sites".into(),
                default_unit: first.id,
                fields: vec![
                    FieldDef {
                        key: "version".into(),
                        label: "Product version".into(),
                        field_type: FieldType::Text,
                        choices: None,
                        required: true,
                    },
                    FieldDef {
                        key: "os".into(),
                        label: "Operating system".into(),
                        field_type: FieldType::Choice,
                        choices: Some(vec!["Linux".into(), "Windows".into(), "macOS".into()]),
                        required: false,
                    },
                ],
            },
        )
        .await
        .expect("a category");
    let domain = format!("{tag}.example.com");
    let org = app.create_organisation(&system, &format!("Acme {tag}"), vec![domain.clone()]).await.expect("an org");
    let today = time::OffsetDateTime::now_utc().date();
    let contract = NewContract { plan: "Gold".into(), starts_on: today, ends_on: None, includes: "24/7".into() };
    app.add_contract(&system, org.id, contract).await.expect("a contract");
    let mut people = serde_json::Map::new();
    for (who, email, roles) in [
        ("supporter", unique_address("supporter"), vec![Role::Community]),
        ("manager", unique_address("manager"), vec![Role::Community]),
        ("candidate", unique_address("candidate"), vec![Role::Community]),
        ("named", format!("named.{}@{domain}", std::process::id()), vec![Role::Community]),
        ("admin", unique_address("admin"), vec![Role::Admin]),
    ] {
        let account = app.create_account(&system, &email, &format!("The {who}"), &roles).await.expect("an account");
        app.set_password(&system, &email, PASSWORD).await.expect("a password");
        people.insert(who.into(), json!({"email": email, "name": format!("The {who}"), "id": account.id}));
    }
    let id = |who: &str| people[who]["id"].as_i64().expect("an id");
    app.set_unit_member(&system, first.id, AccountId(id("supporter")), false).await.expect("a member");
    app.set_unit_member(&system, first.id, AccountId(id("manager")), true).await.expect("a manager");
    json!({
        "password": PASSWORD,
        "people": people,
        "unit": {"id": first.id, "name": first.name},
        "second_unit": {"id": second.id, "name": second.name},
        "category": {"id": category.id, "name": category.name},
        "organisation": org.name,
    })
}

#[tokio::test]
async fn people_work_tickets_through_the_pages_in_a_real_browser() {
    let (Some(peer_dir), Some(mail)) = (browser_peer(), mail_peer()) else { return };
    let engine = match engine_under_test() {
        helpdesk_store::Engine::Sqlite => "sqlite",
        helpdesk_store::Engine::Postgres => "postgres",
    };
    let db = TestDb::under_test().await;
    let tag = format!("b{}", std::process::id());
    let mut fixture = prepare(&db, &tag).await;
    let mut args = db.cli_args();
    args.extend(["--smtp-url".to_owned(), mail.url.clone()]);
    let server = ServeProcess::start(&args);
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shots = manifest.join("../../target/screenshots").join(engine);
    std::fs::create_dir_all(&shots).expect("the screenshot folder");
    fixture["base_url"] = json!(server.url);
    fixture["maildir"] = json!(mail.maildir.display().to_string());
    fixture["screenshots"] = json!(shots.display().to_string());
    fixture["peer"] = json!(peer_dir);
    let fixture_file = tempfile::NamedTempFile::new().expect("a fixture file");
    std::fs::write(fixture_file.path(), fixture.to_string()).expect("the fixture is written");
    let script = manifest.join("tests/browser/scenarios.mjs");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(fixture_file.path())
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit())
            .status()
    })
    .await
    .expect("the browser run ends")
    .expect("node runs");
    drop(server);
    assert!(output.success(), "a browser scenario failed (see its output above)");
}
