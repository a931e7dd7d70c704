//! `helpdesk bench run`: drives a running server over HTTP with concurrent clients through the
//! mix of what people do (open, reply, change status, read a ticket, list a queue, search) and
//! prints per operation throughput, p50, p99, max and errors, with the server's peak private
//! memory and the size of its database. The same mix runs against Request Tracker 5 (its
//! REST 2.0 and its pages) for `bench/rt-compare`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Value, json};

use crate::seed::{PERSONAS_FILE, Personas};
use crate::session::{http_client, page_session, rt_session};

/// Options of the HTTP mix.
#[derive(Args)]
pub struct RunBench {
    /// The running server to drive, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// What runs at --url: Helpdesk, or Request Tracker 5 (for bench/rt-compare).
    #[arg(long, value_enum, default_value_t = Target::Helpdesk)]
    target: Target,
    /// The accounts to act as, written by `bench seed` [default: DATA/bench-personas.json].
    #[arg(long)]
    personas: Option<PathBuf>,
    /// Concurrent clients (1 to 64).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    clients: u16,
    /// How long to run, in seconds (1 to 3600).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// The server's process id: its memory (with its child processes') is sampled during the run.
    #[arg(long)]
    pid: Option<u32>,
    /// A file or directory that holds the server's database; its size is printed (repeatable).
    #[arg(long = "size-of")]
    size_of: Vec<PathBuf>,
    /// Also write the figures to this file as JSON (bench/rt-compare reads it).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run only this operation instead of the mix (searches: both people); repeatable.
    #[arg(long, value_enum)]
    only: Vec<Only>,
    /// The password of Request Tracker's root account (--target rt).
    #[arg(long, default_value = "password")]
    rt_password: String,
}

/// The system at --url.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Helpdesk: the JSON API for writes and search, the pages for reading.
    Helpdesk,
    /// Request Tracker 5: REST 2.0 for writes and search, its web pages for reading.
    Rt,
}

/// An operation to run alone, to measure its own throughput.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    /// Open a ticket.
    Open,
    /// Reply publicly to a ticket the client opened.
    Reply,
    /// Move a ticket the client opened between two statuses.
    Status,
    /// Read a ticket's page.
    TicketPage,
    /// List the open tickets of a unit.
    Queue,
    /// Search for a rare word.
    SearchRare,
    /// Search for a common word.
    SearchCommon,
    /// Search for a phrase of two common words.
    SearchPhrase,
    /// Search for a common word among open tickets (and, in Helpdesk, one category).
    SearchFiltered,
}

impl Only {
    fn covers(self, op: Op) -> bool {
        matches!(
            (self, op),
            (Only::Open, Op::Open)
                | (Only::Reply, Op::Reply)
                | (Only::Status, Op::Status)
                | (Only::TicketPage, Op::TicketPage)
                | (Only::Queue, Op::Queue)
                | (Only::SearchRare, Op::Search(Kind::Rare, _))
                | (Only::SearchCommon, Op::Search(Kind::Common, _))
                | (Only::SearchPhrase, Op::Search(Kind::Phrase, _))
                | (Only::SearchFiltered, Op::Search(Kind::Filtered, _))
        )
    }
}

/// Who searches.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Community,
    Supporter,
}

/// The kinds of search.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Rare,
    Common,
    Phrase,
    Filtered,
}

/// One operation of the mix.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Open,
    Reply,
    Status,
    TicketPage,
    Queue,
    Search(Kind, Who),
}

impl Op {
    fn name(self) -> String {
        let kind = |k| match k {
            Kind::Rare => "rare word",
            Kind::Common => "common word",
            Kind::Phrase => "phrase",
            Kind::Filtered => "word + open + category",
        };
        match self {
            Op::Open => "open a ticket".into(),
            Op::Reply => "reply".into(),
            Op::Status => "change status".into(),
            Op::TicketPage => "ticket page".into(),
            Op::Queue => "unit queue page".into(),
            Op::Search(k, Who::Community) => format!("search {} (community)", kind(k)),
            Op::Search(k, Who::Supporter) => format!("search {} (supporter)", kind(k)),
        }
    }
}

/// The mix, with weights: mostly reading and searching, as at a help desk.
const MIX: &[(Op, u32)] = &[
    (Op::Open, 8),
    (Op::Reply, 8),
    (Op::Status, 4),
    (Op::TicketPage, 20),
    (Op::Queue, 10),
    (Op::Search(Kind::Rare, Who::Community), 6),
    (Op::Search(Kind::Common, Who::Community), 6),
    (Op::Search(Kind::Phrase, Who::Community), 6),
    (Op::Search(Kind::Filtered, Who::Community), 6),
    (Op::Search(Kind::Rare, Who::Supporter), 6),
    (Op::Search(Kind::Common, Who::Supporter), 6),
    (Op::Search(Kind::Phrase, Who::Supporter), 6),
    (Op::Search(Kind::Filtered, Who::Supporter), 6),
];

/// The HTTP clients of a run, signed in as the personas.
struct Clients {
    target: Target,
    url: String,
    personas: Personas,
    /// Plain client for the API (bearer tokens) or, for RT, signed in as root.
    api: reqwest::Client,
    /// Pages signed in as the admin (Helpdesk) or root (RT).
    admin_pages: reqwest::Client,
    /// Pages signed in as the supporter (Helpdesk) or root (RT).
    supporter_pages: reqwest::Client,
    words: Vec<String>,
    /// The operations run, with their weights.
    mix: Vec<(Op, u32)>,
}

/// A ticket a client opened, and the status it moves it to next.
struct Mine {
    id: i64,
    flip: bool,
}

/// Runs the mix.
pub async fn run(args: RunBench, data: &Option<PathBuf>) -> anyhow::Result<()> {
    let path = args.personas.clone().unwrap_or_else(|| {
        data.clone().unwrap_or_else(|| PathBuf::from(helpdesk_server::config::DEFAULT_DATA_DIR)).join(PERSONAS_FILE)
    });
    let personas = Personas::load(&path)?;
    let url = args.url.trim_end_matches('/').to_owned();
    let mix: Vec<(Op, u32)> =
        MIX.iter().copied().filter(|(op, _)| args.only.is_empty() || args.only.iter().any(|o| o.covers(*op))).collect();
    let clients = Arc::new(Clients::sign_in(args.target, url, personas, &args.rt_password, mix).await?);
    let name = match args.target {
        Target::Helpdesk => "Helpdesk",
        Target::Rt => "Request Tracker",
    };
    println!(
        "Driving {name} at {} with {} clients for {} s ({} seeded tickets)",
        clients.url, args.clients, args.seconds, clients.personas.tickets
    );

    let stop = Arc::new(AtomicBool::new(false));
    let memory = args.pid.map(|pid| tokio::spawn(sample_memory(pid, stop.clone())));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = (0..args.clients)
        .map(|n| {
            let clients = clients.clone();
            tokio::spawn(async move { clients.drive(u64::from(n), deadline).await })
        })
        .collect();
    let mut figures: HashMap<Op, Figures> = HashMap::new();
    for task in futures::future::join_all(tasks).await {
        for (op, f) in task.context("a client task failed")? {
            figures.entry(op).or_default().merge(f);
        }
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peak = match memory {
        Some(task) => Some(task.await.context("the memory sampler failed")?),
        None => None,
    };
    let sizes: Vec<(String, u64)> = args.size_of.iter().map(|p| (p.display().to_string(), size_of(p))).collect();
    report(&args, name, elapsed, &mut figures, peak, &sizes)
}

impl Clients {
    async fn sign_in(
        target: Target,
        url: String,
        personas: Personas,
        rt_password: &str,
        mix: Vec<(Op, u32)>,
    ) -> anyhow::Result<Clients> {
        let words = crate::seed::vocabulary_of(personas.seed);
        let (api, admin_pages, supporter_pages) = match target {
            Target::Helpdesk => {
                let api = http_client(false)?;
                let admin = page_session(&url, &personas.admin.email, &personas.password).await?;
                let supporter = page_session(&url, &personas.supporter.email, &personas.password).await?;
                (api, admin, supporter)
            }
            Target::Rt => {
                let root = rt_session(&url, "root", rt_password).await?;
                (root.clone(), root.clone(), root)
            }
        };
        Ok(Clients { target, url, personas, api, admin_pages, supporter_pages, words, mix })
    }

    /// One client's loop: picks operations by weight until the deadline.
    async fn drive(&self, n: u64, deadline: Instant) -> HashMap<Op, Figures> {
        let mut rng = StdRng::seed_from_u64(n * 7_919 + 17);
        let total: u32 = self.mix.iter().map(|(_, w)| w).sum();
        let mut mine: Vec<Mine> = Vec::new();
        let mut figures: HashMap<Op, Figures> = HashMap::new();
        while Instant::now() < deadline {
            let mut op = pick(&self.mix, rng.random_range(0..total));
            if matches!(op, Op::Reply | Op::Status) && mine.is_empty() {
                op = Op::Open;
            }
            let t0 = Instant::now();
            let result = self.perform(op, &mut rng, &mut mine).await;
            let f = figures.entry(op).or_default();
            match result {
                Ok(()) => f.latencies.push(t0.elapsed()),
                Err(e) => {
                    f.errors += 1;
                    f.first_error.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
        figures
    }

    async fn perform(&self, op: Op, rng: &mut StdRng, mine: &mut Vec<Mine>) -> anyhow::Result<()> {
        match op {
            Op::Open => {
                let id = self.open(rng).await?;
                mine.push(Mine { id, flip: false });
                Ok(())
            }
            Op::Reply => {
                let ticket = mine[rng.random_range(0..mine.len())].id;
                let body = self.text(rng, 30);
                self.reply(ticket, &body).await
            }
            Op::Status => {
                let i = rng.random_range(0..mine.len());
                let flip = mine[i].flip;
                mine[i].flip = !flip;
                self.status(mine[i].id, flip).await
            }
            Op::TicketPage => {
                let id = rng.random_range(1..=self.personas.tickets.max(1));
                match self.target {
                    Target::Helpdesk => self.page(&self.admin_pages, &format!("/tickets/{id}")).await,
                    Target::Rt => {
                        // RT 5 shows the page, then its browser script fetches the history.
                        self.page(&self.admin_pages, &format!("/Ticket/Display.html?id={id}")).await?;
                        self.page(&self.admin_pages, &format!("/Helpers/TicketHistory?id={id}")).await
                    }
                }
            }
            Op::Queue => {
                let path = match self.target {
                    Target::Helpdesk => "/queue".to_owned(),
                    Target::Rt => format!(
                        "/Search/Results.html?Format=&Order=DESC&OrderBy=LastUpdated&Rows=25&Page=1&Query={}",
                        url_encode("Queue = 'General' AND Status = '__Active__'")
                    ),
                };
                self.page(&self.supporter_pages, &path).await
            }
            Op::Search(kind, who) => {
                let words = &self.words;
                let (q, filtered) = match kind {
                    Kind::Rare => (words[rng.random_range(15_000..words.len())].clone(), false),
                    Kind::Common => (words[rng.random_range(10..40)].clone(), false),
                    Kind::Phrase => {
                        let (a, b) = (rng.random_range(0..10), rng.random_range(0..10));
                        (format!("{} {}", words[a], words[b]), false)
                    }
                    Kind::Filtered => (words[rng.random_range(10..40)].clone(), true),
                };
                self.search(who, kind, &q, filtered).await
            }
        }
    }

    fn text(&self, rng: &mut StdRng, words: usize) -> String {
        (0..words).map(|_| self.words[rng.random_range(0..3_000)].as_str()).collect::<Vec<_>>().join(" ")
    }

    async fn open(&self, rng: &mut StdRng) -> anyhow::Result<i64> {
        let title = self.text(rng, 6);
        let description = self.text(rng, 60);
        let created = match self.target {
            Target::Helpdesk => {
                let body = json!({
                    "title": title, "description": description, "category": self.personas.category,
                    "type": "incident", "privacy": "public", "affected_users": 3, "service_degraded": false,
                    "fields": {}
                });
                let r = self.api.post(self.at("/api/v1/tickets")).bearer_auth(&self.personas.community.token);
                expect(r.json(&body), 201).await?
            }
            Target::Rt => {
                let body = json!({
                    "Queue": "General", "Subject": title, "Requestor": self.personas.community.email,
                    "Content": description, "ContentType": "text/plain"
                });
                expect(self.api.post(self.at("/REST/2.0/ticket")).json(&body), 201).await?
            }
        };
        // Helpdesk answers a number, RT a string.
        let id = &created["id"];
        id.as_i64().or_else(|| id.as_str().and_then(|s| s.parse().ok())).context("the new ticket has no id")
    }

    async fn reply(&self, ticket: i64, body: &str) -> anyhow::Result<()> {
        let request = match self.target {
            Target::Helpdesk => self
                .api
                .post(self.at(&format!("/api/v1/tickets/{ticket}/articles")))
                .bearer_auth(&self.personas.supporter.token)
                .json(&json!({"body": body, "internal": false})),
            Target::Rt => self
                .api
                .post(self.at(&format!("/REST/2.0/ticket/{ticket}/correspond")))
                .json(&json!({"Content": body, "ContentType": "text/plain"})),
        };
        expect(request, 201).await.map(drop)
    }

    async fn status(&self, ticket: i64, flip: bool) -> anyhow::Result<()> {
        let request = match self.target {
            Target::Helpdesk => self
                .api
                .patch(self.at(&format!("/api/v1/tickets/{ticket}")))
                .bearer_auth(&self.personas.supporter.token)
                .json(&json!({"status": if flip { "on_hold" } else { "in_progress" }})),
            Target::Rt => self
                .api
                .put(self.at(&format!("/REST/2.0/ticket/{ticket}")))
                .json(&json!({"Status": if flip { "stalled" } else { "open" }})),
        };
        expect(request, 200).await.map(drop)
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> anyhow::Result<()> {
        // RT's client names RT's address as the referer, without which RT asks to confirm.
        let response = client.get(self.at(path)).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status != 200 {
            bail!("GET {path} answered {status}");
        }
        if self.target == Target::Rt && body.windows(27).any(|w| w == b"Possible cross-site request") {
            bail!("RT asked to confirm GET {path} as a possible forgery");
        }
        Ok(())
    }

    async fn search(&self, who: Who, kind: Kind, q: &str, filtered: bool) -> anyhow::Result<()> {
        match self.target {
            Target::Helpdesk => {
                let q = if kind == Kind::Phrase { format!("\"{q}\"") } else { q.to_owned() };
                let token = match who {
                    Who::Community => &self.personas.community.token,
                    Who::Supporter => &self.personas.supporter.token,
                };
                let mut query = vec![("q", q)];
                if filtered {
                    query.push(("status", "open".to_owned()));
                    query.push(("category", self.personas.category.to_string()));
                }
                let request = self.api.get(self.at("/api/v1/search")).bearer_auth(token).query(&query);
                expect(request, 200).await.map(drop)
            }
            Target::Rt => {
                // RT knows no community users; root searches for both, over its full text.
                let mut ticket_sql = format!("Content LIKE '{q}'");
                if filtered {
                    ticket_sql.push_str(" AND Status = 'open'");
                }
                let request = self.api.get(self.at("/REST/2.0/tickets")).query(&[("query", ticket_sql)]);
                expect(request, 200).await.map(drop)
            }
        }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// The operation at `point` of the mix's total weight.
fn pick(mix: &[(Op, u32)], mut point: u32) -> Op {
    for (op, weight) in mix {
        if point < *weight {
            return *op;
        }
        point -= weight;
    }
    Op::TicketPage
}

/// Sends a request and reads the answer, which must have `status`.
async fn expect(request: reqwest::RequestBuilder, status: u16) -> anyhow::Result<Value> {
    let response = request.send().await?;
    let got = response.status();
    let body = response.bytes().await?;
    if got.as_u16() != status {
        bail!("answered {got}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    }
    Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, helpdesk_server::config::NOT_UNRESERVED).to_string()
}

/// The latencies and errors of one operation.
#[derive(Default)]
struct Figures {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

impl Figures {
    fn merge(&mut self, other: Figures) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (self.latencies.len() as f64 - 1.0)).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)].as_secs_f64() * 1000.0
    }
}

/// The peak memory of a process and its children.
#[derive(Default, Clone, Copy, Serialize)]
struct Peak {
    rss_anon_kib: u64,
    rss_kib: u64,
}

/// Samples /proc every 200 ms until `stop`, and returns the peaks of the summed RssAnon and VmRSS.
async fn sample_memory(pid: u32, stop: Arc<AtomicBool>) -> Peak {
    let mut peak = Peak::default();
    loop {
        let mut now = Peak::default();
        for p in std::iter::once(pid).chain(children_of(pid)) {
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
            now.rss_anon_kib += status_kib(&status, "RssAnon:");
            now.rss_kib += status_kib(&status, "VmRSS:");
        }
        peak.rss_anon_kib = peak.rss_anon_kib.max(now.rss_anon_kib);
        peak.rss_kib = peak.rss_kib.max(now.rss_kib);
        if stop.load(Ordering::Relaxed) {
            return peak;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|p| {
            // The parent is the 4th field of /proc/PID/stat, after the parenthesised name.
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
            after.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok()) == Some(pid)
        })
        .collect()
}

fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The bytes of a file, or of every file under a directory.
fn size_of(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            std::fs::read_dir(path).map(|d| d.filter_map(Result::ok).map(|e| size_of(&e.path())).sum()).unwrap_or(0)
        }
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

fn report(
    args: &RunBench,
    name: &str,
    elapsed: Duration,
    figures: &mut HashMap<Op, Figures>,
    peak: Option<Peak>,
    sizes: &[(String, u64)],
) -> anyhow::Result<()> {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{:<42} {:>8} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "operation", "done", "per s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (op, _) in MIX {
        let Some(f) = figures.get_mut(op) else { continue };
        f.latencies.sort();
        let done = f.latencies.len();
        let row = json!({
            "op": op.name(), "done": done, "per_s": done as f64 / seconds,
            "p50_ms": f.percentile(50.0), "p99_ms": f.percentile(99.0), "max_ms": f.percentile(100.0),
            "errors": f.errors,
        });
        println!(
            "{:<42} {:>8} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            op.name(),
            done,
            done as f64 / seconds,
            f.percentile(50.0),
            f.percentile(99.0),
            f.percentile(100.0),
            f.errors
        );
        if let Some(e) = &f.first_error {
            errors.push(format!("{}: {e}", op.name()));
        }
        rows.push(row);
    }
    for e in &errors {
        println!("first error of {e}");
    }
    let broken: Vec<String> = figures.iter().filter(|(_, f)| f.latencies.is_empty()).map(|(op, _)| op.name()).collect();
    if let Some(peak) = peak {
        println!(
            "server peak private memory (RssAnon) {:.1} MiB; peak RSS with mapped files {:.1} MiB",
            peak.rss_anon_kib as f64 / 1024.0,
            peak.rss_kib as f64 / 1024.0
        );
    }
    for (path, bytes) in sizes {
        println!("size of {path}: {:.1} MiB", *bytes as f64 / 1_048_576.0);
    }
    if let Some(path) = &args.json {
        let document = json!({
            "target": name, "clients": args.clients, "seconds": seconds, "operations": rows,
            "peak": peak, "sizes": sizes.iter().map(|(p, b)| json!({"path": p, "bytes": b})).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&document)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !broken.is_empty() {
        bail!("no request succeeded for: {}", broken.join(", "));
    }
    Ok(())
}
