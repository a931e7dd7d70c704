//! `helpdesk bench notify`: how soon a new ticket's notifications leave while tickets keep
//! coming at a steady rate. The benchmark is the mail server itself (a small SMTP sink on a
//! thread of its own), so it sees each mail arrive, and opens tickets at a fixed rate however
//! fast the server answers (an open loop: a server that falls behind shows as a growing delay).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::load::{setup_category, ticket_body};
use crate::server::OwnServer;

/// Options of the notification benchmark.
#[derive(Args)]
pub struct NotifyBench {
    /// New tickets per second.
    #[arg(long, default_value_t = 500)]
    rate: u32,
    /// How long tickets keep coming, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// How long to wait after the last ticket for its mails, in seconds.
    #[arg(long, default_value_t = 60)]
    drain: u64,
    /// Every this many tickets, one search for the ticket at a set time after its commit (the
    /// times of PROBE_DELAYS in turn), to see how soon a change is searchable; 0 for none.
    #[arg(long, default_value_t = 25)]
    search_every: u64,
}

/// When, after a ticket's commit, a probe searches for it once. A search that meets changes the
/// index does not hold yet wakes the index's follower itself, so each probe searches once only.
const PROBE_DELAYS: [Duration; 6] = [
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(150),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(750),
];

/// What the probes found: (delay after the commit, found).
type Probes = Arc<Mutex<Vec<(Duration, bool)>>>;

/// Searches once, `delay` after `at`, for ticket `id` by its title's words; whether it was found.
async fn probe(
    client: reqwest::Client,
    url: String,
    token: String,
    id: i64,
    i: i64,
    at: Instant,
    delay: Duration,
) -> Option<bool> {
    tokio::time::sleep_until((at + delay).into()).await;
    let query = format!("\"report {i}\"");
    let answer = client
        .get(format!("{url}/api/v1/search"))
        .query(&[("q", query.as_str()), ("per_page", "10")])
        .bearer_auth(&token)
        .send()
        .await
        .ok()?;
    let page: serde_json::Value = answer.error_for_status().ok()?.json().await.ok()?;
    Some(page["items"].as_array()?.iter().any(|hit| hit["id"].as_i64() == Some(id)))
}

/// When each ticket's mails arrived at the sink: (first, last, how many).
type Arrivals = Arc<Mutex<HashMap<i64, (Instant, Instant, u32)>>>;

/// Runs the benchmark on a fresh server of its own (SQLite in a temporary directory, or the
/// PostgreSQL database given).
pub async fn run(args: NotifyBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    anyhow::ensure!(args.rate > 0 && args.rate <= 5_000, "--rate must be between 1 and 5,000");
    anyhow::ensure!(args.seconds <= 600 && args.drain <= 600, "--seconds and --drain are at most 600");
    let arrivals: Arrivals = Arc::default();
    let sink = std::net::TcpListener::bind("127.0.0.1:0").context("a port for the SMTP sink")?;
    let smtp = format!("smtp://{}", sink.local_addr()?);
    let seen = arrivals.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        if let Ok(runtime) = runtime {
            runtime.block_on(serve_sink(sink, seen));
        }
    });
    let extra = ["--smtp-url".to_owned(), smtp, "--mail-from".to_owned(), "Helpdesk <hd@bench.example.org>".into()];
    let server = OwnServer::start_with(data, database_url, &extra).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("an HTTP client")?;
    let category = setup_category(&client, &server.url, &server.token).await?;
    println!(
        "Opening {} tickets a second for {} s; every notification goes to this benchmark's SMTP sink",
        args.rate, args.seconds
    );

    let opened: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let probes: Probes = Arc::default();
    let mut errors = 0u64;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / args.rate);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = u64::from(args.rate) * args.seconds;
    let mut in_flight = tokio::task::JoinSet::new();
    for i in 0..total {
        tick.tick().await;
        let (client, opened, probes) = (client.clone(), opened.clone(), probes.clone());
        let (url, token) = (server.url.clone(), server.token.clone());
        let probe_after = (args.search_every > 0 && i % args.search_every == 0)
            .then(|| PROBE_DELAYS[(i / args.search_every) as usize % PROBE_DELAYS.len()]);
        in_flight.spawn(async move {
            let endpoint = format!("{url}/api/v1/tickets");
            let answer = client.post(&endpoint).bearer_auth(&token).json(&ticket_body(category, i as i64)).send().await;
            // The ticket is committed before the answer leaves: its answer's arrival bounds the
            // commit from above, so the delays below are, if anything, too short by a round trip.
            let at = Instant::now();
            let made: serde_json::Value = answer.ok()?.error_for_status().ok()?.json().await.ok()?;
            let id = made["id"].as_i64()?;
            opened.lock().ok()?.insert(id, at);
            if let Some(delay) = probe_after {
                let found = probe(client, url, token, id, i as i64, at, delay).await?;
                probes.lock().ok()?.push((delay, found));
            }
            Some(())
        });
        while let Some(done) = in_flight.try_join_next() {
            errors += u64::from(!matches!(done, Ok(Some(()))));
        }
    }
    while let Some(done) = in_flight.join_next().await {
        errors += u64::from(!matches!(done, Ok(Some(()))));
    }
    let sent_for = started.elapsed();
    let opened: HashMap<i64, Instant> = opened.lock().map(|o| o.clone()).unwrap_or_default();
    println!(
        "opened {} tickets in {:.1} s ({:.0} a second), {errors} refused or failed",
        opened.len(),
        sent_for.as_secs_f64(),
        opened.len() as f64 / sent_for.as_secs_f64()
    );
    // The mails of the last tickets may still be on their way.
    let drain_until = Instant::now() + Duration::from_secs(args.drain);
    let mut last_count = 0;
    let mut quiet_since = Instant::now();
    while Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let count = arrivals.lock().map(|a| a.len()).unwrap_or(0);
        if count >= opened.len() && count == last_count && quiet_since.elapsed() > Duration::from_secs(2) {
            break;
        }
        if count != last_count {
            last_count = count;
            quiet_since = Instant::now();
        }
    }
    let arrivals = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let mut first = Vec::new();
    let mut last = Vec::new();
    let mut mails = 0u64;
    for (ticket, at) in &opened {
        if let Some((f, l, n)) = arrivals.get(ticket) {
            first.push(f.saturating_duration_since(*at));
            last.push(l.saturating_duration_since(*at));
            mails += u64::from(*n);
        }
    }
    first.sort();
    last.sort();
    let missing = opened.len() - last.len();
    println!("{mails} mails for {} tickets; no mail at all for {missing}", last.len());
    for (what, delays) in [("first mail", &first), ("last mail", &last)] {
        let within = delays.iter().filter(|d| **d <= Duration::from_secs(1)).count();
        println!(
            "from a ticket's commit to its {what}: p50 {} ms, p99 {} ms, max {} ms; within 1 s: {:.1} %",
            percentile(delays, 0.5).as_millis(),
            percentile(delays, 0.99).as_millis(),
            delays.last().copied().unwrap_or_default().as_millis(),
            100.0 * within as f64 / opened.len().max(1) as f64
        );
    }
    let probes = probes.lock().map(|p| p.clone()).unwrap_or_default();
    if !probes.is_empty() {
        let found: Vec<String> = PROBE_DELAYS
            .iter()
            .map(|delay| {
                let at: Vec<bool> = probes.iter().filter(|(d, _)| d == delay).map(|(_, f)| *f).collect();
                let hits = at.iter().filter(|f| **f).count();
                format!("{} ms {hits}/{}", delay.as_millis(), at.len())
            })
            .collect();
        println!("searchable (found by one search) at a time after its commit: {}", found.join(", "));
    }
    drop(server);
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A mail server that takes every message and notes when each ticket's mail came, by the ticket
/// number in its subject. It speaks just enough SMTP for Helpdesk's client.
async fn serve_sink(listener: std::net::TcpListener, arrivals: Arrivals) {
    let Ok(()) = listener.set_nonblocking(true) else { return };
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    while let Ok((stream, _)) = listener.accept().await {
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            let _ = session(stream, arrivals).await;
        });
    }
}

async fn session(stream: tokio::net::TcpStream, arrivals: Arrivals) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 bench sink\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 bench sink\r\n",
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let ticket = read_message(&mut lines).await?;
                if let Some(ticket) = ticket {
                    let now = Instant::now();
                    if let Ok(mut seen) = arrivals.lock() {
                        let entry = seen.entry(ticket).or_insert((now, now, 0));
                        entry.1 = now;
                        entry.2 += 1;
                    }
                }
                b"250 accepted\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(answer).await?;
    }
}

/// Reads a message up to its lone dot; the ticket number in its subject (`[... #N]`), if any.
async fn read_message<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> std::io::Result<Option<i64>> {
    let mut ticket = None;
    let mut in_head = true;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 || line == ".\r\n" {
            return Ok(ticket);
        }
        if line == "\r\n" {
            in_head = false;
        }
        if in_head && ticket.is_none() && line.to_ascii_lowercase().starts_with("subject:") {
            ticket = line
                .split_once('#')
                .and_then(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok());
        }
    }
}
