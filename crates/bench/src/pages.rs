//! `bench pages`: the server time of the pages that list and show tickets.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;

use crate::load::{load, setup_category};
use crate::server::OwnServer;

/// Options of the pages benchmark.
#[derive(Args)]
pub struct PagesBench {
    /// Tickets to create before measuring.
    #[arg(long, default_value_t = 10_000)]
    tickets: i64,
    /// Requests per page measured.
    #[arg(long, default_value_t = 50)]
    rounds: usize,
}

/// Runs the pages benchmark.
pub(crate) async fn run(args: PagesBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let server = OwnServer::start(data, database_url).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("an HTTP client")?;
    let category = setup_category(&client, &server.url, &server.token).await?;
    println!("Creating {} tickets", args.tickets);
    let made = load(&client, &server.url, &server.token, category, 4, args.tickets, Duration::from_secs(600)).await?;
    if made.errors > 0 {
        bail!("{} tickets could not be created", made.errors);
    }
    let admin = server.signed_in().await?;
    let last = (args.tickets + 24) / 25;
    let middle = args.tickets / 2;
    let paths = [
        "/".to_owned(),
        "/tickets".to_owned(),
        format!("/tickets?page={last}"),
        "/tickets?q=storage".to_owned(),
        "/tickets?state=open&status=new".to_owned(),
        format!("/tickets/{middle}"),
        "/dashboard".to_owned(),
    ];
    println!("Server time of each page over loopback, {} requests each (median, p90):", args.rounds);
    for (who, client) in [("visitor", &client), ("admin", &admin)] {
        for path in &paths {
            if who == "visitor" && path == "/dashboard" {
                continue;
            }
            let mut times = Vec::with_capacity(args.rounds);
            for _ in 0..args.rounds {
                let t0 = Instant::now();
                let response = client.get(format!("{}{path}", server.url)).send().await?;
                let status = response.status();
                response.bytes().await?;
                if !status.is_success() {
                    bail!("GET {path} as {who} answered {status}");
                }
                times.push(t0.elapsed());
            }
            times.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
            println!("  {who:<7} GET {path:<32} {:>7.2} ms {:>7.2} ms", ms(times[times.len() / 2]), ms(p90));
        }
    }
    Ok(())
}
