//! The `helpdesk` binary: serving, and administering without a browser.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{ServeProcess, TestDb, run_helpdesk, snapshot};

fn args<'a>(base: &'a [&'a str], db: &'a [String]) -> Vec<&'a str> {
    base.iter().copied().chain(db.iter().map(String::as_str)).collect()
}

#[tokio::test]
async fn serve_migrates_a_fresh_database_and_says_how_to_make_the_first_admin() {
    let db = TestDb::under_test().await;
    let server = ServeProcess::start(&db.cli_args());
    assert!(server.banner[0].starts_with("Helpdesk "), "{:?}", server.banner);
    let banner = server.banner.join("\n");
    assert!(banner.contains("helpdesk admin create-user --email"), "{banner}");
    assert!(banner.contains("--role admin"), "{banner}");
    let client = reqwest::Client::new();
    for path in ["/healthz", "/readyz"] {
        let response = client.get(format!("{}{path}", server.url)).send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    // The home page says the same to whoever opens it first, with this installation's data.
    let home = || async { client.get(&server.url).send().await.expect("answer").text().await.expect("a page") };
    let page = home().await;
    assert!(page.contains("this installation has no account yet"), "{page}");
    let set_password = banner.lines().find(|l| l.contains("admin set-password")).expect("the hint").trim();
    assert!(page.contains(set_password), "{set_password} on the page: {page}");
    assert!(set_password.contains("--data") || set_password.contains("--database-url"), "{set_password}");
    // Gone once an account exists.
    let made = run_helpdesk(&args(
        &["admin", "create-user", "--email", "first@example.org", "--name", "First"],
        &db.cli_args(),
    ));
    assert!(made.ok, "{}", made.stderr);
    assert!(!home().await.contains("no account yet"));
}

#[tokio::test]
async fn admin_commands_make_an_admin_whose_token_opens_the_api() {
    let db = TestDb::under_test().await;
    let db_args = db.cli_args();
    let created = run_helpdesk(&args(
        &["admin", "create-user", "--email", "Root@Example.org", "--name", "Root", "--role", "admin"],
        &db_args,
    ));
    assert!(created.ok, "{}", created.stderr);
    assert!(created.stdout.contains("root@example.org") && created.stdout.contains("admin"), "{}", created.stdout);
    let token = run_helpdesk(&args(&["admin", "create-token", "--email", "root@example.org"], &db_args));
    assert!(token.ok, "{}", token.stderr);
    let token = token.stdout.trim().to_owned();
    assert!(token.starts_with("hd_") && token.len() > 60, "{token}");
    assert!(!token.contains(' '), "only the token goes to standard output, so TOKEN=$(...) works");

    let server = ServeProcess::start(&db_args);
    assert!(!server.banner.join("\n").contains("create-user"), "no hint once an account exists");
    let client = reqwest::Client::new();
    let unit = client
        .post(format!("{}/api/v1/units", server.url))
        .bearer_auth(&token)
        .json(&json!({"name": "1st line", "level": 1, "email": "l1@example.org"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(unit.status(), StatusCode::CREATED);
    // The store keeps only the token's hash.
    let store = db.open().await;
    assert_eq!(store.account_by_token(&token).await.expect("lookup"), None);
    assert!(store.account_by_token(&helpdesk_app::accounts::token_hash(&token)).await.expect("lookup").is_some());
}

#[tokio::test]
async fn admin_commands_refuse_bad_input_and_write_nothing() {
    let db = TestDb::under_test().await;
    let db_args = db.cli_args();
    assert!(run_helpdesk(&args(&["admin", "create-user", "--email", "a@example.org", "--name", "A"], &db_args)).ok);
    let store = db.open().await;
    let before = snapshot(&store).await;
    // (arguments, exit code, what stderr must say)
    let table: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["admin", "create-user", "--email", "A@example.org", "--name", "Again"], 1, "already exists"),
        (vec!["admin", "create-user", "--email", "not-an-address", "--name", "X"], 1, "--email"),
        (vec!["admin", "create-user", "--email", "b@example.org", "--name", " "], 1, "--name"),
        (vec!["admin", "create-user", "--email", "b@example.org", "--name", "B", "--role", "wizard"], 2, "wizard"),
        (vec!["admin", "create-token", "--email", "nobody@example.org"], 1, "no account"),
        (vec!["admin", "create-user", "--email", "c@example.org"], 2, "--name"),
    ];
    for (argv, code, says) in table {
        let out = run_helpdesk(&args(&argv, &db_args));
        assert_eq!(out.code, Some(code), "{argv:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{argv:?} says {says}: {}", out.stderr);
        assert_eq!(snapshot(&store).await, before, "{argv:?} wrote nothing");
    }
}

#[tokio::test]
async fn a_bad_database_url_or_config_file_is_a_clear_error() {
    let out = run_helpdesk(&["migrate", "--database-url", "mysql://u:secret@h/db"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("postgres://") && !out.stderr.contains("secret"), "{}", out.stderr);
    let out = run_helpdesk(&["migrate", "--config", "/nonexistent/helpdesk.toml"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("/nonexistent/helpdesk.toml"), "{}", out.stderr);
    // An IMAP mailbox without its user: refused before anything starts, the password unshown.
    let dir = tempfile::tempdir().expect("dir");
    let out = crate::common::helpdesk()
        .args(["migrate", "--data", dir.path().to_str().expect("utf-8")])
        .env("HELPDESK_IMAP_HOST", "imap.example.org")
        .env("HELPDESK_IMAP_PASSWORD", "imap-secret")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("imap_host needs imap_user and imap_password") && !stderr.contains("imap-secret"),
        "{stderr}"
    );
    assert!(!dir.path().join("helpdesk.db").exists(), "nothing was written");
}

#[tokio::test]
async fn every_configuration_variable_is_read_and_a_bad_value_is_refused_by_its_name() {
    let table = [
        ("HELPDESK_WORKER", "maybe", "HELPDESK_WORKER"),
        ("HELPDESK_TRUSTED_PROXIES", "10.0.0.1, proxy.example.org", "HELPDESK_TRUSTED_PROXIES: 'proxy.example.org'"),
        ("HELPDESK_MAX_CONNECTIONS", "many", "HELPDESK_MAX_CONNECTIONS"),
        ("HELPDESK_TIME_ZONE", "Mars/Olympus", "time_zone (HELPDESK_TIME_ZONE): 'Mars/Olympus' is not a time zone"),
        (
            "HELPDESK_MONITORING_ADDRESS",
            "monitoring team",
            "monitoring_address (HELPDESK_MONITORING_ADDRESS): 'monitoring team' is not an e-mail address",
        ),
    ];
    for (name, value, says) in table {
        let dir = tempfile::tempdir().expect("dir");
        let out = crate::common::helpdesk()
            .args(["migrate", "--data", dir.path().to_str().expect("utf-8")])
            .env(name, value)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name} says {says}: {stderr}");
        assert!(!dir.path().join("helpdesk.db").exists(), "{name}: nothing was written");
    }
    // Good values are taken.
    let dir = tempfile::tempdir().expect("dir");
    let out = crate::common::helpdesk()
        .args(["migrate", "--data", dir.path().to_str().expect("utf-8")])
        .env("HELPDESK_WORKER", "false")
        .env("HELPDESK_TRUSTED_PROXIES", "10.0.0.1, ::1")
        .env("HELPDESK_CLIENT_DN_HEADER", "X-Client-DN")
        .env("HELPDESK_TIME_ZONE", "Europe/Berlin")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_configuration_file_and_environment_are_layered_under_the_flags() {
    let db = TestDb::new(helpdesk_store::Engine::Sqlite).await;
    let dir = tempfile::tempdir().expect("dir");
    let from_file = dir.path().join("from-file");
    let config = dir.path().join("helpdesk.toml");
    std::fs::write(&config, format!("data = \"{}\"\n", from_file.display())).expect("write");
    let out = run_helpdesk(&["migrate", "--config", config.to_str().expect("utf-8")]);
    assert!(out.ok, "{}", out.stderr);
    assert!(from_file.join("helpdesk.db").exists(), "the file's data directory is used");
    // A flag wins over the file.
    let flag = dir.path().join("from-flag");
    let out = run_helpdesk(&[
        "migrate",
        "--config",
        config.to_str().expect("utf-8"),
        "--data",
        flag.to_str().expect("utf-8"),
    ]);
    assert!(out.ok && flag.join("helpdesk.db").exists(), "{}", out.stderr);
    // The environment wins over the file.
    let env_dir = dir.path().join("from-env");
    let out = crate::common::helpdesk()
        .args(["migrate", "--config", config.to_str().expect("utf-8")])
        .env("HELPDESK_DATA", &env_dir)
        .output()
        .expect("runs");
    assert!(out.status.success() && env_dir.join("helpdesk.db").exists());
    drop(db);
}

#[tokio::test]
async fn reindex_rebuilds_the_search_index_and_says_plainly_when_a_server_holds_it() {
    let db = TestDb::under_test().await;
    let args = db.cli_args();
    let with = |command: &str| [vec![command.to_owned()], args.clone()].concat();
    let out = crate::common::helpdesk().args(with("reindex")).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("Indexed 0 tickets"), "{stdout}");
    let server = ServeProcess::start(&args);
    let out = crate::common::helpdesk().args(with("reindex")).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another Helpdesk process holds it"), "{stderr}");
    drop(server);
}

#[tokio::test]
async fn without_a_mail_server_each_mail_is_kept_in_the_outbox_with_a_text_whose_links_can_be_copied() {
    let db = TestDb::under_test().await;
    let args = db.cli_args();
    let server = ServeProcess::start(&args);
    let data = std::path::PathBuf::from(&args[args.iter().position(|a| a == "--data").expect("--data") + 1]);
    let client = reqwest::Client::new();
    let email = "newcomer-with-a-rather-long-address@a-long-domain-name.example.org";
    let answer = client
        .post(format!("{}/api/v1/auth/register", server.url))
        .json(&serde_json::json!({"email": email, "name": "Newcomer", "password": "a long enough password"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let outbox = data.join("outbox");
    let text =
        crate::common::eventually("the confirmation in the outbox", std::time::Duration::from_secs(20), || async {
            let entries = std::fs::read_dir(&outbox).ok()?;
            let txt = entries.filter_map(Result::ok).find(|e| e.path().extension().is_some_and(|x| x == "txt"))?;
            std::fs::read_to_string(txt.path()).ok()
        })
        .await;
    assert!(text.contains(&format!("To: {email}")), "{text}");
    let link = text.lines().find(|l| l.contains("/verify?token=")).expect("the link, on one line");
    let link = &link[link.find("http").expect("an address")..];
    let token = link.split("token=").nth(1).expect("a token").trim();
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)), "{link}");
    // The link as copied works.
    let confirmed = client.get(link.trim()).send().await.expect("an answer");
    assert_eq!(confirmed.status(), StatusCode::OK);
}

#[tokio::test]
async fn teams_sync_makes_a_file_the_teams_members_says_who_came_and_went_and_refuses_a_bad_file_whole() {
    let db = TestDb::under_test().await;
    let db_args = db.cli_args();
    let made =
        run_helpdesk(&args(&["teams", "create", "--name", "atlas", "--email", "atlas-ops@example.org"], &db_args));
    assert!(made.ok, "{}", made.stderr);
    let dir = tempfile::tempdir().expect("dir");
    let list = dir.path().join("atlas.txt");
    let path = list.to_string_lossy().into_owned();
    let sync = |extra: &[&str]| {
        let mut base = vec!["teams", "sync", "--team", "ATLAS", "--from", path.as_str()];
        base.extend_from_slice(extra);
        run_helpdesk(&args(&base, &db_args))
    };
    std::fs::write(&list, "# atlas operators\nann@example.org\n/DC=ch/DC=cern/CN=Bob Op\n").expect("write");
    let first = sync(&[]);
    assert!(first.ok, "{}", first.stderr);
    assert!(
        first.stdout.contains("+ ann@example.org") && first.stdout.contains("2 members added, 0 removed"),
        "{}",
        first.stdout
    );
    let again = sync(&[]);
    assert!(again.stdout.contains("0 members added, 0 removed"), "idempotent: {}", again.stdout);

    std::fs::write(&list, "ann@example.org\n").expect("write");
    let alarmers = sync(&["--alarmers"]);
    assert!(alarmers.stdout.contains("1 alarmers added, 0 removed"), "{}", alarmers.stdout);

    let store = db.open().await;
    let before = snapshot(&store).await;
    std::fs::write(&list, "ann@example.org\nnobody at all\n").expect("write");
    let bad = sync(&[]);
    assert!(!bad.ok && bad.stderr.contains("line 2"), "{}", bad.stderr);
    let unknown = run_helpdesk(&args(&["teams", "sync", "--team", "cms", "--from", path.as_str()], &db_args));
    assert!(!unknown.ok && unknown.stderr.contains("no team named 'cms'"), "{}", unknown.stderr);
    assert_eq!(snapshot(&store).await, before, "a refused sync writes nothing");
    std::fs::write(&list, "ann@example.org\n").expect("write");
    let shrink = sync(&[]);
    assert!(
        shrink.stdout.contains("- /DC=ch/DC=cern/CN=Bob Op") && shrink.stdout.contains("0 members added, 1 removed"),
        "{}",
        shrink.stdout
    );
}
