//! The server a benchmark starts for itself: the shipped binary's `serve`, in a process of its
//! own (so that the load generator and the server do not share a core's scheduler, and the
//! figures are those of what ships), stopped when dropped.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use helpdesk_app::App;
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use helpdesk_server::config;

/// The password of the benchmark's admin, who signs in to the pages.
const BENCH_PASSWORD: &str = "bench password, not a secret";

/// A server started for the benchmark, stopped when dropped.
pub(crate) struct OwnServer {
    child: Child,
    pub(crate) url: String,
    pub(crate) token: String,
    email: String,
    temp: Option<PathBuf>,
    pub(crate) location: helpdesk_store::Location,
    pub(crate) data_dir: PathBuf,
}

impl OwnServer {
    /// The database file, when the server runs on SQLite.
    pub(crate) fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.location {
            helpdesk_store::Location::SqliteFile(path) => Some(path.clone()),
            helpdesk_store::Location::Postgres(_) => None,
        }
    }

    /// A server on a fresh database (the one of `data` or `database_url` when given).
    pub(crate) async fn start(data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<OwnServer> {
        OwnServer::start_with(data, database_url, &[]).await
    }

    /// A server started with `extra` arguments to `serve`.
    pub(crate) async fn start_with(
        data: &Option<PathBuf>,
        database_url: Option<&str>,
        extra: &[String],
    ) -> anyhow::Result<OwnServer> {
        let temp = match (data, database_url) {
            (None, None) => Some(std::env::temp_dir().join(format!("helpdesk-bench-{}", std::process::id()))),
            _ => None,
        };
        let data_dir = temp.clone().or_else(|| data.clone()).unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
        let location = config::location(database_url, &data_dir)?;
        println!("Starting a server on {}", config::describe(&location));
        let app = App::new(helpdesk_store::open(&location).await?);
        let location = location.clone();
        let email = format!("bench-{}@example.org", std::process::id());
        app.create_account(&Actor::system(), &email, "Bench admin", &[Role::Admin]).await?;
        let token = app.create_token(&Actor::system(), &email, "bench").await?.secret;
        app.set_password(&Actor::system(), &email, BENCH_PASSWORD).await?;
        app.store().close().await;

        let exe = std::env::current_exe().context("cannot find the helpdesk binary")?;
        let mut command = Command::new(exe);
        // Port 0: the server binds a free port itself and names it in its first line, so no
        // other process can take the port between its choice and its use.
        command.arg("serve").arg("--listen").arg("127.0.0.1:0").arg("--data").arg(&data_dir);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        command.args(extra);
        let mut child =
            command.env("HELPDESK_LOG", "warn").stdout(Stdio::piped()).spawn().context("cannot start the server")?;
        let stdout = child.stdout.take().context("the server's output")?;
        let url = tokio::task::spawn_blocking(move || listening_url(stdout)).await.context("reading the server")?;
        let mut server = OwnServer { child, url: String::new(), token, email, temp, location, data_dir };
        server.url = url?;
        server.wait_ready().await?;
        Ok(server)
    }

    /// A client signed in to the pages as the benchmark's admin.
    pub(crate) async fn signed_in(&self) -> anyhow::Result<reqwest::Client> {
        crate::session::page_session(&self.url, &self.email, BENCH_PASSWORD).await
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.url)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server did not become ready within 30 s")
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.temp {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The address in the first line `serve` prints ("Helpdesk 0.1.0 listening on http://..."); the
/// rest of its output is read and dropped so that it never blocks on a full pipe.
fn listening_url(stdout: std::process::ChildStdout) -> anyhow::Result<String> {
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().context("the server stopped before it listened")?.context("reading the server")?;
    let url = first.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned);
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    url.with_context(|| format!("the server did not say where it listens: {first:?}"))
}
