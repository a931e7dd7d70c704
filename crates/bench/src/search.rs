//! `bench search`: each kind of search on a seeded database, as a community user and as a
//! supporter.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::{AccountId, CategoryId, TicketId, UnitId};

use crate::seed::seeded_app;

/// Options of the search benchmark.
#[derive(Args)]
pub struct SearchBench {
    /// Searches of each kind, for each person.
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// The seed the database was filled with (it picks the same words).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Runs the search benchmark.
pub(crate) async fn run(args: SearchBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    use helpdesk_app::search::{SearchFilters, SearchSort, StatusFilter};
    let (app, index) = seeded_app(data, database_url).await?;
    index.catch_up().await?;
    let words = crate::seed::vocabulary_of(args.seed);
    // A common word, a rare one (rank 20,000 of 30,000), a common pair, a phrase.
    let common = words.get(15).cloned().unwrap_or_default();
    let second = words.get(16).cloned().unwrap_or_default();
    let rare = words.get(20_000).cloned().unwrap_or_default();
    let community = Actor::person(AccountId(700), vec![Role::Community], vec![], vec![]);
    let supporter = Actor::person(AccountId(1), vec![Role::Community, Role::Supporter], vec![UnitId(1)], vec![]);
    // A ticket number both may read: the newest public ticket with the common word.
    let by_activity =
        app.search(&community, &common, SearchFilters::default(), SearchSort::Activity, Default::default());
    let number = format!("#{}", by_activity.await?.items.first().map(|h| h.id).unwrap_or(TicketId(1)));
    let kinds: Vec<(&str, String, SearchFilters, SearchSort)> = vec![
        ("common word", common.clone(), SearchFilters::default(), SearchSort::Relevance),
        ("rare word", rare.clone(), SearchFilters::default(), SearchSort::Relevance),
        ("two common words", format!("{common} {second}"), SearchFilters::default(), SearchSort::Relevance),
        ("phrase", "\"to the\"".to_owned(), SearchFilters::default(), SearchSort::Relevance),
        ("common word, by activity", common.clone(), SearchFilters::default(), SearchSort::Activity),
        (
            "common word, open, one category",
            common.clone(),
            SearchFilters {
                status: Some(StatusFilter::Open),
                category: Some(CategoryId(1)),
                ..SearchFilters::default()
            },
            SearchSort::Relevance,
        ),
        ("ticket number", number, SearchFilters::default(), SearchSort::Relevance),
    ];
    println!("Search, {} rounds of each kind (p50, p99, max; hits found):", args.rounds);
    for (who, actor) in [("community", &community), ("supporter", &supporter)] {
        for (kind, q, filters, sort) in &kinds {
            let mut times = Vec::with_capacity(args.rounds);
            let mut total = 0;
            for _ in 0..args.rounds {
                let t0 = Instant::now();
                let page = app.search(actor, q, filters.clone(), *sort, Default::default()).await?;
                times.push(t0.elapsed());
                total = page.total;
            }
            times.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
            println!(
                "  {who:<9} {kind:<32} {:>7.2} ms {:>7.2} ms {:>7.2} ms  {total} hits",
                ms(times[times.len() / 2]),
                ms(p99),
                ms(times[times.len() - 1])
            );
        }
    }
    Ok(())
}
