//! The sync runner: sends each due ticket's changes to the other side, and polls the systems
//! that cannot call back. One per node; links are claimed with a lease, so several nodes share
//! the work and a crashed node's links are taken up again when its lease runs out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use helpdesk_domain::connector::ConnectorKind;
use helpdesk_domain::unit::Integration;
use helpdesk_domain::{TicketId, UnitId};
use helpdesk_store::{ConnectorRecord, LinkRecord, SyncItem};
use tokio_util::sync::CancellationToken;

use super::{ARTICLE, EventChange, ExternalSystem, Receipt};
use crate::worker::RetryPolicy;
use crate::{App, AppError, AppResult};

/// How long past its next poll a node keeps following a system before another may take over.
const POLL_LEASE_SLACK: Duration = Duration::from_secs(10);
/// Pages read in one poll at most; a longer reading goes on at the next.
const MAX_PAGES_PER_POLL: usize = 100;

/// Why the other side does not hold the `field` value `sent`, when it says it holds `held`
/// instead and `holds` finds that this is not ours there.
fn not_held(field: &str, sent: Option<&str>, held: Option<&str>, holds: impl FnOnce() -> bool) -> Option<String> {
    match (sent, held) {
        (Some(sent), Some(held)) if sent != held && !holds() => Some(format!("{field} '{sent}' (it holds '{held}')")),
        _ => None,
    }
}

/// How often a connector's system is asked for its changes.
fn poll_interval(record: &ConnectorRecord) -> Duration {
    Duration::from_secs(u64::from(record.settings.poll_seconds.max(1)))
}

/// A unit's connector and the client of its system, or why there is none.
type Reached = Result<(ConnectorRecord, std::sync::Arc<dyn ExternalSystem>), String>;

/// Runs the sync of external-mode units on this node.
pub struct SyncRunner {
    app: App,
    name: String,
    lease: Duration,
    batch: i64,
    concurrency: usize,
    tick: Duration,
    retry: RetryPolicy,
}

impl SyncRunner {
    /// A runner named `name` in the links' locks.
    pub fn new(app: App, name: impl Into<String>) -> SyncRunner {
        SyncRunner {
            app,
            name: name.into(),
            lease: Duration::from_secs(120),
            // One batch is sent at once, so that no lease runs out while a link waits its turn.
            batch: 8,
            concurrency: 8,
            tick: Duration::from_millis(200),
            // An outage of hours delays the sync by at most a minute once the other side is back;
            // a link is never given up: it stays failing, in view, until it goes through.
            retry: RetryPolicy {
                first_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(60),
                max_attempts: i64::MAX,
            },
        }
    }

    /// Sends and polls until `stop` is cancelled (finishing the round under way).
    pub async fn run(self, stop: CancellationToken) {
        self.resume_peers().await;
        let mut next_poll: HashMap<UnitId, Instant> = HashMap::new();
        let mut next_look = Instant::now();
        let mut commits = self.app.commits();
        loop {
            let pushed = match self.push_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "sync could not claim links");
                    0
                }
            };
            if let Err(e) = self.poll_due(&mut next_poll, &mut next_look).await {
                tracing::error!(error = %e, "sync could not poll");
            }
            if stop.is_cancelled() {
                return;
            }
            if pushed == 0 {
                // Woken by a commit on this node; changes made on other nodes wait for the tick.
                tokio::select! {
                    _ = tokio::time::sleep(self.tick) => {}
                    _ = commits.changed() => {}
                    () = stop.cancelled() => return,
                }
            }
        }
    }

    /// Asks every other Helpdesk to send at once what it held back while this node was down
    /// (the node that follows it may be another, or this one once its lease from before a crash
    /// runs out).
    async fn resume_peers(&self) {
        let Ok(records) = self.app.store.connectors().await else { return };
        for record in records.iter().filter(|r| r.settings.enabled && r.settings.kind == ConnectorKind::Helpdesk) {
            match self.app.system_of(record) {
                Ok(system) => {
                    if let Err(e) = system.resume().await {
                        tracing::info!(unit = record.unit.get(), error = %e, "the other Helpdesk could not be asked to resume");
                    }
                }
                Err(e) => tracing::warn!(unit = record.unit.get(), error = %e, "connector unusable"),
            }
        }
    }

    /// Claims the due links and sends their changes; returns how many it took.
    pub async fn push_once(&self) -> AppResult<usize> {
        let store = &self.app.store;
        let now = self.app.now();
        if !store.has_due_links(now).await? {
            return Ok(0);
        }
        let claimed = store.claim_links(&self.name, now, now + self.lease, self.batch).await?;
        let mut systems: HashMap<UnitId, Reached> = HashMap::new();
        for chunk in claimed.chunks(self.concurrency) {
            let mut work = Vec::with_capacity(chunk.len());
            for (ticket, version) in chunk {
                let link = store.external_link(*ticket).await?;
                let unit = link.as_ref().map(|l| l.link.unit).unwrap_or(UnitId(0));
                if let std::collections::hash_map::Entry::Vacant(slot) = systems.entry(unit) {
                    slot.insert(self.system(unit).await);
                }
                let system = systems.get(&unit).cloned().unwrap_or_else(|| Err("no connector".into()));
                work.push(async move {
                    let outcome = match (link, system) {
                        (None, _) => Ok(()),
                        (Some(_), Err(e)) => Err(e),
                        (Some(link), Ok((record, system))) => self.sync_ticket(&record, &*system, link).await,
                    };
                    (*ticket, *version, outcome)
                });
            }
            for (ticket, version, outcome) in futures::future::join_all(work).await {
                let now = self.app.now();
                match outcome {
                    Ok(()) => store.finish_link(ticket, &self.name, version, now).await?,
                    Err(error) => {
                        let attempts = store.external_link(ticket).await?.map(|l| l.link.attempts).unwrap_or(0) + 1;
                        let delay = self.retry.delay_after(attempts).unwrap_or(self.retry.max_delay);
                        tracing::warn!(ticket = ticket.get(), attempts, %error, "sync failed; will retry");
                        store.fail_link(ticket, &self.name, &error, now + delay).await?;
                    }
                }
            }
        }
        Ok(claimed.len())
    }

    async fn system(&self, unit: UnitId) -> Reached {
        let record = match self.app.store.connector(unit).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(format!("unit {unit} has no connector; an admin sets one up in the unit's page")),
            Err(e) => return Err(e.to_string()),
        };
        if !record.settings.enabled {
            return Err("the connector is paused".into());
        }
        let system = self.app.system_of(&record).map_err(|e| e.to_string())?;
        Ok((record, system))
    }

    /// Brings the other side up to date with one ticket: creates it there if need be, then
    /// sends the articles it lacks, the status and the priority. Each step is recorded as soon
    /// as it is done, so a retry resumes where the last attempt stopped. What the other side
    /// says it holds afterwards is recorded as held there; a status or priority it did not take
    /// leaves the ticket not in step (failing, tried again), rather than taken for delivered.
    async fn sync_ticket(
        &self,
        record: &ConnectorRecord,
        system: &dyn ExternalSystem,
        link: LinkRecord,
    ) -> Result<(), String> {
        let app = &self.app;
        let id = link.link.ticket;
        let ticket = app.store.ticket(id).await.map_err(|e| e.to_string())?.ok_or("the ticket is gone")?;
        let unit_now = app.store.unit(ticket.unit).await.map_err(|e| e.to_string())?;
        if ticket.unit != link.link.unit || unit_now.is_none_or(|u| u.integration != Integration::External) {
            // Moved out of the external unit, or the unit works here again: the copy there stays
            // as it is.
            return Ok(());
        }
        let unit = record.unit;
        // A polled system is followed from before its first ticket is made there, so that
        // nothing done to that ticket is ever behind the cursor.
        if link.link.external_id.is_none() && record.settings.kind.is_polled() {
            let fresh = app.store.connector(unit).await.map_err(|e| e.to_string())?;
            if let Some(fresh) = fresh.filter(|r| r.cursor.is_none()) {
                if !self.lease_poll(&fresh).await.map_err(|e| e.to_string())? {
                    return Err("waiting for the node that follows the other side to look at it first".into());
                }
                self.poll(&fresh).await.map_err(|e| e.to_string())?;
            }
        }
        let owed = app.owed(record, &link, &ticket).await.map_err(|e| e.to_string())?;
        let mapping = record.settings.mapping();
        let mut not_taken = Vec::new();
        let remote = match (link.link.external_id.clone(), owed.create) {
            (Some(remote), _) => remote,
            (None, None) => return Err("the ticket has no copy there and nothing to make one".into()),
            (None, Some(created)) => {
                let status = match &created.change {
                    EventChange::TicketCreated(t) => (t.status.clone(), t.priority.clone()),
                    _ => (None, None),
                };
                let created = app.with_files(created).await.map_err(|e| e.to_string())?;
                let reply = system.send(None, &created).await?;
                if reply.id.is_empty() {
                    return Err("the other side did not say which ticket it made".into());
                }
                let (remote_id, url, now) = (reply.id.clone(), reply.url.clone().unwrap_or_default(), app.now());
                let (sent_status, sent_priority) = status;
                let s = reply.status.clone().or(sent_status.clone());
                let p = reply.priority.clone().or(sent_priority.clone());
                not_taken.extend(not_held("status", sent_status.as_deref(), s.as_deref(), || {
                    mapping.holds_status(s.as_deref(), ticket.status)
                }));
                not_taken.extend(not_held("priority", sent_priority.as_deref(), p.as_deref(), || {
                    mapping.holds_priority(p.as_deref(), ticket.priority)
                }));
                app.write(move |mut tx| async move {
                    tx.set_external(id, unit, &remote_id, &url, now).await?;
                    tx.set_remote_state(id, s.as_deref(), p.as_deref(), None).await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
                .map_err(|e| e.to_string())?;
                reply.id
            }
        };
        for (article, event) in owed.articles {
            let event = app.with_files(event).await.map_err(|e| e.to_string())?;
            let reply = system.send(Some(&remote), &event).await?;
            let item = SyncItem {
                kind: ARTICLE.into(),
                local_ref: article.to_string(),
                remote_ref: if reply.id.is_empty() { format!("sent-{article}") } else { reply.id },
                inbound: false,
            };
            let now = app.now();
            app.write(move |mut tx| async move {
                if !tx.insert_sync_item(id, unit, &item, now).await? {
                    // The other side gave an id it gave before (a generic receiver may): ours
                    // stands for it, so that the article is not sent again.
                    let own = SyncItem { remote_ref: format!("sent-{}", item.local_ref), ..item };
                    tx.insert_sync_item(id, unit, &own, now).await?;
                }
                tx.commit().await?;
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        if let Some((value, event)) = owed.status {
            let held = system.send(Some(&remote), &event).await?.status.unwrap_or_else(|| value.clone());
            self.remember(id, Some(held.clone()), None).await?;
            let holds = || mapping.holds_status(Some(&held), ticket.status);
            not_taken.extend(not_held("status", Some(&value), Some(&held), holds));
        }
        if let Some((value, event)) = owed.priority {
            let held = system.send(Some(&remote), &event).await?.priority.unwrap_or_else(|| value.clone());
            self.remember(id, None, Some(held.clone())).await?;
            let holds = || mapping.holds_priority(Some(&held), ticket.priority);
            not_taken.extend(not_held("priority", Some(&value), Some(&held), holds));
        }
        if !not_taken.is_empty() {
            return Err(format!("the other side did not take {}", not_taken.join(", nor ")));
        }
        Ok(())
    }

    async fn remember(&self, id: TicketId, status: Option<String>, priority: Option<String>) -> Result<(), String> {
        self.app
            .write(move |mut tx| async move {
                tx.set_remote_state(id, status.as_deref(), priority.as_deref(), None).await?;
                tx.commit().await?;
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// Asks the other sides for their changes, each at its own interval (the first time at
    /// once: after this node was down); the connectors themselves are read at most once a second.
    async fn poll_due(&self, next_poll: &mut HashMap<UnitId, Instant>, next_look: &mut Instant) -> AppResult<()> {
        let now = Instant::now();
        if now < *next_look {
            return Ok(());
        }
        *next_look = now + Duration::from_secs(1);
        for record in self.app.store.connectors().await? {
            if !record.settings.enabled || !record.settings.kind.is_pulled() {
                continue;
            }
            if next_poll.get(&record.unit).is_some_and(|at| *at > now) {
                continue;
            }
            next_poll.insert(record.unit, now + poll_interval(&record));
            self.poll(&record).await?;
        }
        Ok(())
    }

    /// Holds, or renews, this node's lease on following `record`'s system: one node follows
    /// each; another takes over when the holder's lease runs out.
    async fn lease_poll(&self, record: &ConnectorRecord) -> AppResult<bool> {
        let at = self.app.now();
        let until = at + poll_interval(record) + POLL_LEASE_SLACK;
        Ok(self.app.store.claim_poll(record.unit, &self.name, at, until).await?)
    }

    /// Reads and applies what changed on one system since its cursor, page by page while this
    /// node holds the lease; tells the system what its changes made (another Helpdesk then holds
    /// them as delivered). Returns how many changes were applied.
    pub async fn poll(&self, record: &ConnectorRecord) -> AppResult<usize> {
        let system = self.app.system_of(record)?;
        let mut cursor = record.cursor.clone();
        let mut applied = 0;
        for _ in 0..MAX_PAGES_PER_POLL {
            if !self.lease_poll(record).await? {
                break;
            }
            let pulled = match system.pull(cursor.as_deref()).await {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(error) => {
                    self.set_cursor(record.unit, None, Some(error.to_string())).await?;
                    break;
                }
            };
            let mut receipts = Vec::new();
            for e in &pulled.events {
                match self.app.apply_remote(record, &e.event, e.by_us).await {
                    Ok(made) => {
                        applied += 1;
                        receipts.extend(Receipt::of(&e.event, made.as_ref()).filter(|_| !e.by_us));
                    }
                    // The store failing stops the poll before the cursor moves: nothing is lost.
                    Err(err @ (AppError::Store(_) | AppError::Internal(_))) => return Err(err),
                    Err(err) => {
                        tracing::warn!(unit = record.unit.get(), remote = %e.event.ticket, error = %err, "a change of the other side was not taken")
                    }
                }
            }
            for chunk in receipts.chunks(super::held::MAX_RECEIPTS) {
                if let Err(e) = system.received(chunk).await {
                    // It serves them again, and applying them again changes nothing; asked to
                    // send at once, it learns by its push that they are here.
                    tracing::info!(unit = record.unit.get(), error = %e, "the other side could not be told what its changes made");
                    if let Err(e) = system.resume().await {
                        tracing::info!(unit = record.unit.get(), error = %e, "nor asked to send at once");
                    }
                    break;
                }
            }
            self.set_cursor(record.unit, Some(pulled.cursor.clone()), None).await?;
            cursor = Some(pulled.cursor);
            if !pulled.more {
                break;
            }
        }
        Ok(applied)
    }

    async fn set_cursor(&self, unit: UnitId, cursor: Option<String>, error: Option<String>) -> AppResult<()> {
        let now = self.app.now();
        self.app
            .write(move |mut tx| async move {
                tx.set_cursor(unit, cursor.as_deref(), error.as_deref(), now).await?;
                tx.commit().await?;
                Ok(())
            })
            .await
    }
}
