//! `helpdesk bench`: programs that print figures (never timing assertions in tests). Each
//! benchmark starts the shipped binary's `serve` as a server of its own, or drives a running one.

#![warn(missing_docs)]

mod api;
mod load;
mod mail;
mod notify;
mod pages;
mod run;
mod search;
mod seed;
mod server;
mod session;
mod sync;

use std::path::PathBuf;

use clap::Subcommand;

/// What to measure.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Create tickets through the HTTP API with concurrent clients; print tickets/s and latency.
    Api(api::ApiBench),
    /// Fill a fresh database with tickets, then time the pages that list and show them.
    Pages(pages::PagesBench),
    /// Hand in messages through POST /api/v1/mail/inbound; print messages accepted and
    /// processed per second, and notification mails delivered per second.
    Mail(mail::MailBench),
    /// Fill an empty database with a realistic, deterministic data set and build its search
    /// index (the database of --data or --database-url).
    Seed(seed::SeedBench),
    /// Time the kinds of search on a seeded database, as a community user and as a supporter.
    Search(search::SearchBench),
    /// Drive a running server over HTTP with the mix of what people do (on a database filled
    /// by `bench seed`); print per operation throughput, p50, p99, max and errors.
    Run(run::RunBench),
    /// Time how fast replies travel to another Helpdesk (and RT, with --rt) and back, and how
    /// fast 1,000 tickets escalated at once reach the other Helpdesk, none lost or doubled.
    Sync(sync::SyncBench),
    /// Open tickets at a steady rate and time how soon each one's notifications reach the mail
    /// server (the benchmark is that server).
    Notify(notify::NotifyBench),
}

/// Runs a benchmark.
pub async fn run(command: BenchCommand, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    match command {
        BenchCommand::Api(args) => api::run(args, data, database_url).await,
        BenchCommand::Pages(args) => pages::run(args, data, database_url).await,
        BenchCommand::Mail(args) => mail::run(args, data, database_url).await,
        BenchCommand::Seed(args) => seed::run(args, data, database_url).await,
        BenchCommand::Search(args) => search::run(args, data, database_url).await,
        BenchCommand::Run(args) => run::run(args, data).await,
        BenchCommand::Notify(args) => notify::run(args, data, database_url).await,
        BenchCommand::Sync(args) => sync::run(args).await,
    }
}
