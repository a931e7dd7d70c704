//! `helpdesk bench seed`: fills a database with a realistic, deterministic data set for the
//! benchmarks: categories with fields, units in three levels, organisations, people, and
//! tickets of 1 to 12 articles whose words follow a Zipf law over a technical vocabulary, 30 %
//! of them private and 5 % with an attachment. Written straight through the store, in large
//! transactions, as an import would be; the search index is built afterwards from the database.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use helpdesk_app::App;
use helpdesk_domain::ServiceLevelId;
use helpdesk_domain::account::Role;
use helpdesk_domain::category::{FieldDef, FieldType};
use helpdesk_domain::history::HistoryEntry;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Channel, Priority, Privacy, SecurityRisk, TicketType};
use helpdesk_domain::unit::Integration;
use helpdesk_domain::workflow::NewTicket;
use helpdesk_server::config;
use helpdesk_store::{NewArticle, NewAttachment, NewCategory, NewUnit, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

/// The words people write in tickets, most common first; the Zipf law gives the first ones most
/// of the text, and invented words make the long tail of rare ones (host names, codes, typos).
const HEAD: &[&str] = &[
    "the",
    "to",
    "a",
    "is",
    "and",
    "of",
    "in",
    "not",
    "on",
    "for",
    "it",
    "we",
    "job",
    "error",
    "with",
    "after",
    "storage",
    "site",
    "user",
    "from",
    "cannot",
    "since",
    "fails",
    "jobs",
    "certificate",
    "transfer",
    "file",
    "files",
    "queue",
    "node",
    "nodes",
    "service",
    "grid",
    "cluster",
    "login",
    "access",
    "proxy",
    "voms",
    "ce",
    "se",
    "dcache",
    "xrootd",
    "cvmfs",
    "htcondor",
    "slurm",
    "argus",
    "bdii",
    "ftp",
    "gridftp",
    "webdav",
    "token",
    "tokens",
    "oidc",
    "iam",
    "quota",
    "disk",
    "tape",
    "timeout",
    "network",
    "firewall",
    "ipv6",
    "downtime",
    "upgrade",
    "release",
    "version",
    "kernel",
    "memory",
    "cpu",
    "pilot",
    "payload",
    "accounting",
    "apel",
    "monitoring",
    "alarm",
    "ticket",
    "please",
    "check",
    "again",
    "still",
    "failing",
    "broken",
    "slow",
    "ssl",
    "handshake",
    "expired",
    "crl",
    "ca",
    "vo",
    "member",
    "registration",
    "portal",
    "database",
    "mysql",
    "postgres",
    "backup",
    "restore",
    "mount",
    "nfs",
    "ceph",
    "lustre",
    "gpfs",
    "permission",
    "denied",
    "connection",
    "refused",
    "reset",
    "dns",
    "route",
    "packet",
    "loss",
    "bandwidth",
    "latency",
    "checksum",
    "mismatch",
    "replica",
    "catalogue",
    "rucio",
    "fts",
    "srm",
    "endpoint",
    "configuration",
    "puppet",
    "ansible",
    "container",
    "singularity",
    "apptainer",
    "docker",
    "image",
    "python",
    "library",
    "compile",
    "segfault",
    "crash",
    "log",
    "logs",
    "attached",
    "output",
    "below",
    "here",
    "thanks",
    "regards",
    "urgent",
];

/// The vocabulary: the head, then invented words, ranked.
fn vocabulary(rng: &mut StdRng, size: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "ri", "to", "mes", "lan", "qu", "ex", "or", "ven", "dal", "sir", "po", "nu", "gra", "fel", "tic", "on",
        "ar", "zu", "bek", "mor", "pli", "sta", "vex", "del", "hy", "co", "tra", "nix", "ul",
    ];
    let mut words: Vec<String> = HEAD.iter().map(|w| (*w).to_owned()).collect();
    let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
    while words.len() < size {
        let parts = rng.random_range(2..=4);
        let mut word: String = (0..parts).map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())]).collect();
        if rng.random_bool(0.1) {
            word.push_str(&rng.random_range(1..999).to_string());
        }
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// The vocabulary a seed draws from, most common first (the search benchmark picks its words
/// from it).
pub fn vocabulary_of(seed: u64) -> Vec<String> {
    vocabulary(&mut StdRng::seed_from_u64(seed), 30_000)
}

/// Draws words by a Zipf law (exponent 1) over a ranked vocabulary.
struct Zipf {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(words: Vec<String>) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Zipf { words, cumulative }
    }

    fn word(&self, rng: &mut StdRng) -> &str {
        let last = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random_range(0.0..last);
        let i = self.cumulative.partition_point(|c| *c < x).min(self.words.len() - 1);
        &self.words[i]
    }

    fn text(&self, rng: &mut StdRng, words: usize) -> String {
        let mut text = String::with_capacity(words * 7);
        for i in 0..words {
            if i > 0 {
                text.push(if rng.random_bool(0.08) { '\n' } else { ' ' });
            }
            text.push_str(self.word(rng));
        }
        text
    }
}

/// What a seed wrote, and the ids the benchmarks act with.
pub struct Seeded {
    /// Tickets written.
    pub tickets: i64,
    /// The first unit of the 1st level, which `supporter` belongs to.
    pub unit: i64,
    /// A category routed to `unit`.
    pub category: i64,
    /// The e-mail address of a member of `unit`.
    pub supporter: String,
    /// The e-mail address of a community user who belongs to no unit.
    pub community: String,
}

/// Fills `store` with `tickets` tickets and what they need, from `seed`; reports progress.
/// With `export`, also writes each ticket as a JSON line that `bench/rt-load.pl` loads into
/// Request Tracker, so both systems hold the same text.
pub async fn seed(
    store: &dyn Store,
    tickets: i64,
    seed: u64,
    mut export: Option<&mut dyn std::io::Write>,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let epoch =
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(OffsetDateTime::UNIX_EPOCH) - Duration::days(3 * 365);
    let zipf = Zipf::new(vocabulary(&mut rng, 30_000));

    // Units in three levels, categories with their fields, organisations, people.
    let mut tx = store.begin().await?;
    let mut units = Vec::new();
    for i in 0..60 {
        let level = match i {
            0..=9 => 1,
            10..=39 => 2,
            _ => 3,
        };
        let unit = NewUnit {
            name: format!("Unit {i:02} (level {level})"),
            description: zipf.text(&mut rng, 12),
            level,
            email: format!("unit-{i:02}@units.example.org"),
            integration: Integration::Direct,
            service_level: ServiceLevelId(1),
            alarm_email: String::new(),
        };
        units.push(tx.insert_unit(&unit, epoch).await?.id);
    }
    let mut categories = Vec::new();
    for i in 0..20 {
        let fields = vec![
            FieldDef {
                key: "site".into(),
                label: "Site".into(),
                field_type: FieldType::Text,
                choices: None,
                required: false,
            },
            FieldDef {
                key: "os".into(),
                label: "Operating system".into(),
                field_type: FieldType::Choice,
                choices: Some(vec!["EL9".into(), "Ubuntu 24.04".into(), "Debian 13".into()]),
                required: false,
            },
        ];
        let category = NewCategory {
            name: format!("Category {i:02}"),
            description: zipf.text(&mut rng, 10),
            default_unit: units[i % 10],
            fields,
        };
        categories.push(tx.insert_category(&category, epoch).await?.id);
    }
    let mut organisations = Vec::new();
    for i in 0..2_000 {
        organisations.push(tx.insert_organisation(&format!("Organisation {i:04}"), epoch).await?);
    }
    tx.commit().await?;
    let mut people = Vec::with_capacity(50_000);
    for chunk in 0..50 {
        let mut tx = store.begin().await?;
        for i in chunk * 1_000..(chunk + 1) * 1_000 {
            let account =
                tx.insert_account(&person_email(i), &format!("Person {i:05}"), &[Role::Community], epoch).await?;
            people.push(account.id);
        }
        tx.commit().await?;
    }
    let people_index: std::collections::HashMap<_, _> = people.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    // Supporters: the first 600 people, ten to a unit. The two the benchmarks act as have
    // confirmed their address, so they may sign in.
    let mut tx = store.begin().await?;
    tx.mark_email_verified(people[0], epoch).await?;
    tx.mark_email_verified(people[1_000], epoch).await?;
    for (i, unit) in units.iter().enumerate() {
        for person in &people[i * 10..i * 10 + 10] {
            tx.set_unit_member(*unit, *person, false, epoch).await?;
        }
    }
    tx.commit().await?;
    eprintln!("  catalogue, 2,000 organisations and 50,000 people in {:.1} s", started.elapsed().as_secs_f64());

    let statuses = [
        (Status::New, 8),
        (Status::Assigned, 6),
        (Status::InProgress, 10),
        (Status::WaitingForReply, 6),
        (Status::OnHold, 3),
        (Status::Reopened, 2),
        (Status::Solved, 25),
        (Status::Verified, 20),
        (Status::Closed, 20),
    ];
    let weight: i32 = statuses.iter().map(|(_, w)| w).sum();
    let step = (3 * 365 * 86_400 * 1_000) / tickets.max(1);
    let mut written = 0;
    let per_tx = 1_000;
    while written < tickets {
        let mut tx = store.begin().await?;
        for n in written..(written + per_tx).min(tickets) {
            let at = epoch + Duration::milliseconds(n * step);
            let submitter = people[rng.random_range(600..people.len())];
            let category = rng.random_range(0..categories.len());
            let mut pick = rng.random_range(0..weight);
            let status = statuses
                .iter()
                .find(|(_, w)| {
                    pick -= w;
                    pick < 0
                })
                .map(|(s, _)| *s)
                .unwrap_or(Status::New);
            let unit = if rng.random_bool(0.6) { units[category % 10] } else { units[rng.random_range(10..60)] };
            let mut fields = Map::new();
            fields.insert("site".into(), Value::String(format!("SITE-{}", rng.random_range(1..400))));
            fields.insert("os".into(), json!(["EL9", "Ubuntu 24.04", "Debian 13"][rng.random_range(0..3)]));
            let priority = [Priority::Low, Priority::Medium, Priority::Medium, Priority::High, Priority::Top]
                [rng.random_range(0..5)];
            let title_words = rng.random_range(3..10);
            let ticket = NewTicket {
                title: zipf.text(&mut rng, title_words).replace('\n', " "),
                description: {
                    let words = rng.random_range(20..120);
                    zipf.text(&mut rng, words)
                },
                ticket_type: if rng.random_bool(0.7) { TicketType::Incident } else { TicketType::ServiceRequest },
                category: categories[category],
                unit,
                status,
                priority,
                suggested_priority: priority,
                privacy: if rng.random_bool(0.3) { Privacy::Private } else { Privacy::Public },
                fields,
                affected_users: rng.random_range(0..50),
                service_degraded: rng.random_bool(0.2),
                security_risk: SecurityRisk::default(),
                submitter,
                on_behalf_of: None,
                organisation: rng.random_bool(0.5).then(|| organisations[rng.random_range(0..organisations.len())]),
                copy_to: Vec::new(),
                link_url: None,
                kind: helpdesk_domain::team::TicketKind::User,
                team: None,
            };
            let history: [HistoryEntry; 0] = [];
            let stored = tx.insert_ticket(&ticket, &history, at).await?;
            let mut articles = vec![json!({"body": ticket.description, "internal": false})];
            // 1 to 12 articles, 5 on average: the opening is the description, so 0 to 11 more.
            let replies = (rng.random_range(0..=8) + rng.random_range(0..=3)).min(11);
            for r in 0..replies {
                let internal = rng.random_bool(0.2);
                let author = if r % 2 == 0 { Some(people[rng.random_range(0..600)]) } else { Some(submitter) };
                let words = rng.random_range(10..80);
                let article = NewArticle {
                    ticket: stored.id,
                    author,
                    body: zipf.text(&mut rng, words),
                    internal,
                    channel: Channel::Web,
                    at: at + Duration::minutes(i64::from(r) * 30 + 5),
                    external_author: None,
                };
                tx.insert_article(&article).await?;
                articles.push(json!({"body": article.body, "internal": internal}));
            }
            if let Some(out) = export.as_mut() {
                let line = json!({
                    "n": stored.id,
                    "subject": ticket.title,
                    "requestor": person_email(people_index[&submitter]),
                    "status": rt_status(status),
                    "articles": articles,
                });
                writeln!(out, "{line}").context("writing the export")?;
            }
            if rng.random_bool(0.05) {
                let data = zipf.text(&mut rng, 200).into_bytes();
                let attachment = NewAttachment {
                    ticket: stored.id,
                    article: None,
                    filename: format!("log-{}.txt", stored.id),
                    content_type: "text/plain".into(),
                    sha256: hex_sha256(&data),
                    uploaded_by: Some(submitter),
                    internal: false,
                    data,
                    at,
                };
                tx.insert_attachment(&attachment).await?;
            }
        }
        tx.commit().await.context("a batch of tickets")?;
        written = (written + per_tx).min(tickets);
        let rate = written as f64 / started.elapsed().as_secs_f64().max(0.001);
        eprint!("\r  {written} of {tickets} tickets ({:.0} tickets/s)", rate);
    }
    eprintln!();
    Ok(Seeded {
        tickets: written,
        unit: (units[0]).get(),
        category: (categories[0]).get(),
        supporter: person_email(0),
        community: person_email(1_000),
    })
}

fn person_email(i: usize) -> String {
    format!("person{i:05}@people.example.org")
}

/// The Request Tracker status closest to a Helpdesk one.
fn rt_status(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::Assigned | Status::InProgress | Status::Reopened => "open",
        Status::WaitingForReply | Status::OnHold => "stalled",
        _ => "resolved",
    }
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Options of the seed.
#[derive(Args)]
pub struct SeedBench {
    /// Tickets to write.
    #[arg(long, default_value_t = 10_000)]
    tickets: i64,
    /// The seed of the random data: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write every ticket as a JSON line to this file, for `bench/rt-load.pl` to load the
    /// same tickets into Request Tracker.
    #[arg(long)]
    export_rt: Option<PathBuf>,
}

/// The database and search index a seed or search benchmark works on.
pub(crate) async fn seeded_app(
    data: &Option<PathBuf>,
    database_url: Option<&str>,
) -> anyhow::Result<(App, helpdesk_search::SearchIndex)> {
    let dir = data.clone().unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
    let location = config::location(database_url, &dir)?;
    let store = helpdesk_store::open(&location).await.with_context(|| config::describe(&location))?;
    let index = helpdesk_search::SearchIndex::open(&dir.join("search-index"), store.clone())?;
    Ok((App::new(store).with_search(Arc::new(index.clone())), index))
}

/// Runs the seed: fills an empty database and builds its search index.
pub(crate) async fn run(args: SeedBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let (app, index) = seeded_app(data, database_url).await?;
    let counts = app.store().row_counts().await?;
    if counts.iter().any(|(table, n)| *table == "tickets" && *n > 0) {
        bail!("bench seed fills an empty database; this one has tickets (use a new --data directory)");
    }
    println!("Seeding {} tickets (seed {})", args.tickets, args.seed);
    let started = Instant::now();
    let mut export = match &args.export_rt {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };
    let sink = export.as_mut().map(|w| w as &mut dyn std::io::Write);
    let seeded = seed(app.store().as_ref(), args.tickets, args.seed, sink).await?;
    if let Some(mut w) = export {
        std::io::Write::flush(&mut w).context("writing the export")?;
    }
    let personas = Personas::create(&app, &seeded, args.seed).await?;
    let personas_file = data.clone().unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR)).join(PERSONAS_FILE);
    personas.save(&personas_file)?;
    let loaded = started.elapsed();
    let indexing = Instant::now();
    let progress = |done: usize, total: usize| eprint!("\r  indexed {done} of {total} tickets");
    let indexed = index.rebuild(&progress).await?;
    eprintln!();
    let counts = app.store().row_counts().await?;
    let count = |name: &str| counts.iter().find(|(t, _)| *t == name).map(|(_, n)| *n).unwrap_or(0);
    println!(
        "wrote {} tickets, {} articles, {} attachments, {} accounts in {:.1} s ({:.0} tickets/s)",
        seeded.tickets,
        count("articles"),
        count("attachments"),
        count("accounts"),
        loaded.as_secs_f64(),
        seeded.tickets as f64 / loaded.as_secs_f64().max(0.001)
    );
    println!("indexed {indexed} tickets in {:.1} s", indexing.elapsed().as_secs_f64());
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    println!("the accounts `bench run` acts as: {}", personas_file.display());
    app.store().close().await;
    Ok(())
}

/// The file `bench seed` writes next to the database: who `bench run` acts as.
pub const PERSONAS_FILE: &str = "bench-personas.json";

/// An account `bench run` acts as.
#[derive(Serialize, Deserialize)]
pub struct Persona {
    pub(crate) email: String,
    pub(crate) token: String,
}

/// The accounts and ids of a seeded database that `bench run` needs.
#[derive(Serialize, Deserialize)]
pub struct Personas {
    pub(crate) tickets: i64,
    pub(crate) seed: u64,
    pub(crate) password: String,
    pub(crate) admin: Persona,
    pub(crate) supporter: Persona,
    pub(crate) community: Persona,
    pub(crate) unit: i64,
    pub(crate) category: i64,
}

impl Personas {
    /// Gives the seeded supporter and community user a password and a token, and adds an admin.
    pub async fn create(app: &App, seeded: &Seeded, seed: u64) -> anyhow::Result<Personas> {
        let system = Actor::system();
        let mut rng = rand::rng();
        let password: String = (0..24).map(|_| rng.sample(rand::distr::Alphanumeric) as char).collect();
        let admin_email = "bench-admin@example.org";
        app.create_account(&system, admin_email, "Bench admin", &[Role::Admin]).await?;
        let persona = async |email: &str| -> anyhow::Result<Persona> {
            app.set_password(&system, email, &password).await?;
            let token = app.create_token(&system, email, "bench run").await?.secret;
            Ok(Persona { email: email.to_owned(), token })
        };
        let admin = persona(admin_email).await?;
        let supporter = persona(&seeded.supporter).await?;
        let community = persona(&seeded.community).await?;
        Ok(Personas {
            tickets: seeded.tickets,
            seed,
            password,
            admin,
            supporter,
            community,
            unit: seeded.unit,
            category: seeded.category,
        })
    }

    /// Writes the file, readable by its owner only: it holds passwords and tokens.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(serde_json::to_string_pretty(self)?.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub(crate) fn load(path: &Path) -> anyhow::Result<Personas> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} (run `helpdesk bench seed` first)", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a personas file", path.display()))
    }
}
