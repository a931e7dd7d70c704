//! `bench api`: tickets created through the HTTP API by concurrent clients.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::load::{load, setup_category};
use crate::server::OwnServer;

/// Options of the API benchmark.
#[derive(Args)]
pub struct ApiBench {
    /// A running server to measure; without it, one is started on a fresh database
    /// (SQLite in a temporary directory, or the --database-url given).
    #[arg(long, requires = "token")]
    url: Option<String>,
    /// An admin's API token for --url.
    #[arg(long)]
    token: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Tickets to create in the measured run (the run also stops after --seconds).
    #[arg(long, default_value_t = 20_000)]
    requests: i64,
    /// Longest measured run, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Tickets created before measuring, to warm caches and connections.
    #[arg(long, default_value_t = 500)]
    warmup: i64,
}

/// Runs the API benchmark.
pub(crate) async fn run(args: ApiBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let (url, token, server) = match (&args.url, &args.token) {
        (Some(url), Some(token)) => (url.trim_end_matches('/').to_owned(), token.clone(), None),
        _ => {
            let server = OwnServer::start(data, database_url).await?;
            (server.url.clone(), server.token.clone(), Some(server))
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")?;
    let category = setup_category(&client, &url, &token).await?;
    println!("Creating tickets at {url}/api/v1/tickets with {} clients", args.clients);
    load(&client, &url, &token, category, args.clients, args.warmup, Duration::from_secs(args.seconds)).await?;
    let wal = server.as_ref().and_then(OwnServer::sqlite_file).map(WalWatch::start);
    let report =
        load(&client, &url, &token, category, args.clients, args.requests, Duration::from_secs(args.seconds)).await?;
    report.print(args.clients);
    if let Some(wal) = wal {
        wal.print();
    }
    drop(server);
    Ok(())
}

/// Follows the size of an SQLite database's write-ahead log during a run.
struct WalWatch {
    db: PathBuf,
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl WalWatch {
    /// Looks at the log beside `db` every 50 ms until printed.
    fn start(db: PathBuf) -> WalWatch {
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (wal, seen) = (wal_of(&db), peak.clone());
        let task = tokio::spawn(async move {
            loop {
                let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                seen.fetch_max(size, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        WalWatch { db, peak, task }
    }

    fn print(self) {
        self.task.abort();
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let size = |path: &std::path::Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        println!(
            "SQLite write-ahead log: peak {:.1} MiB during the run, {:.1} MiB at its end (database {:.1} MiB)",
            mib(self.peak.load(std::sync::atomic::Ordering::Relaxed)),
            mib(size(&wal_of(&self.db))),
            mib(size(&self.db))
        );
    }
}

/// The write-ahead log of an SQLite database file.
fn wal_of(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}
