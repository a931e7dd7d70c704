//! The scheduler: every timed rule of a ticket (the closing of a solution nobody verified, the
//! reminders of a submitter who is waited for) as a timer stored with the ticket, started and
//! stopped in the transaction of the change of status that calls for it, and fired once at its
//! due moment by whichever node holds the scheduler's lease, in one transaction that removes the
//! timer and makes its change.

use std::time::Duration;

use helpdesk_domain::TicketId;
use helpdesk_domain::history::Change;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::status::{Resolution, Status};
use helpdesk_domain::ticket::Ticket;
use helpdesk_domain::timer::{TimerChange, TimerKind, WaitingStep, timer_changes, waiting_step};
use helpdesk_domain::workflow::{self, TicketPatch};
use helpdesk_store::{Timer, Tx};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::clocks::RulesCache;
use crate::levels::Rules;
use crate::notify::{self, Event, events_of_update};
use crate::{App, AppResult};

/// The lease that lets one node at a time run the scheduler.
const SCHEDULER_LEASE: &str = "scheduler";
/// How long a node holds the lease without renewing it; another node takes over after that.
const LEASE: time::Duration = time::Duration::seconds(30);
/// Timers fired per read of what is due.
const BATCH: i64 = 100;
/// Reads per pass, so that a pass ends even when every timer it reads fails.
const MAX_BATCHES: usize = 50;

/// Starts and stops the timers of `after` for its change from `before` (none: it is new), and
/// keeps its service-level clocks in step, in the transaction `tx` of that change. `answered`:
/// the change is a response of the unit the ticket was with (see [`crate::clocks::keep_clocks`]).
pub(crate) async fn keep_timers(
    tx: &mut dyn Tx,
    before: Option<&Ticket>,
    after: &Ticket,
    answered: bool,
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> AppResult<()> {
    for change in timer_changes(before.map(|t| t.status), after.status) {
        match change {
            TimerChange::Start(kind) => {
                let due = due(&rules.get(tx, after.unit).await, kind, now);
                tx.set_timer(after.id, kind, due, 0).await?;
            }
            TimerChange::Stop(kind) => tx.clear_timer(after.id, kind).await?,
        }
    }
    crate::clocks::keep_clocks(tx, before, after, answered, rules, now).await
}

/// Sets the reminder date `date` of ticket `id` (it waits or is on hold), in the transaction of
/// the change that asks for it: at the first working moment of that date (UTC) in the unit's
/// calendar.
pub(crate) async fn set_reminder_date(
    tx: &mut dyn Tx,
    ticket: &Ticket,
    date: time::Date,
    rules: &mut RulesCache,
) -> AppResult<()> {
    let r = rules.get(tx, ticket.unit).await;
    let due = r.after_working(date.midnight().assume_utc(), 0);
    tx.set_timer(ticket.id, TimerKind::ReminderDate, due, 0).await?;
    Ok(())
}

/// When `kind`, started at `from`, falls due under `rules`.
fn due(rules: &Rules, kind: TimerKind, from: OffsetDateTime) -> OffsetDateTime {
    let after = match kind {
        TimerKind::AutoClose => rules.lifecycle.auto_close,
        TimerKind::WaitingReminder => rules.lifecycle.waiting_reminder,
        // A clock's timer is set by its clock, a reminder date by hand: never by status alone.
        TimerKind::ResponseClock | TimerKind::ResolutionClock | TimerKind::ReminderDate => return from,
    };
    rules.due(from, after)
}

impl App {
    /// One pass of the scheduler as node `node`: if it holds (or takes) the lease, fires every
    /// timer due now, the longest overdue first, including those that fell due while no node ran.
    /// Returns how many it fired.
    pub async fn run_timers(&self, node: &str) -> AppResult<usize> {
        let now = self.now();
        // Asking the readers first spares an idle node a write (and on SQLite a sync to disk)
        // every tick: the lease is taken only when there is something to fire.
        if self.store.due_timers(now, 1).await?.is_empty()
            || !self.store.claim_lease(SCHEDULER_LEASE, node, now, now + LEASE).await?
        {
            return Ok(0);
        }
        let mut fired = 0;
        for _ in 0..MAX_BATCHES {
            let due = self.store.due_timers(now, BATCH).await?;
            let read = due.len();
            for timer in due {
                match self.fire(timer).await {
                    Ok(true) => fired += 1,
                    Ok(false) => {}
                    Err(e) => {
                        let ticket = timer.ticket.get();
                        tracing::error!(ticket, kind = %timer.kind, error = %e, "a timer could not fire");
                    }
                }
            }
            if read < BATCH as usize {
                break;
            }
        }
        Ok(fired)
    }

    /// The timers waiting on ticket `id` (for the tests and the coming clocks' view).
    pub async fn timers_of(&self, id: TicketId) -> AppResult<Vec<Timer>> {
        Ok(self.store.timers_of(id).await?)
    }

    /// Fires `timer`: removes it as it was read and makes its change, in one transaction; false
    /// when another scheduler fired it first or a change moved it.
    async fn fire(&self, timer: Timer) -> AppResult<bool> {
        let now = self.now();
        self.write(move |mut tx| async move {
            if !tx.take_timer(&timer).await? {
                return Ok(false);
            }
            if let Some(clock) = timer.kind.clock() {
                crate::clocks::step(&mut *tx, &timer, clock, now).await?;
                tx.commit().await?;
                return Ok(true);
            }
            // A ticket that moved on since (reopened, answered) is left as it is: its change
            // stopped the timer, and this one only lost the race to see it gone.
            let ticket = match tx.ticket_for_update(timer.ticket).await? {
                Some(ticket) if timer.kind.runs_in(ticket.status) => ticket,
                _ => {
                    tx.commit().await?;
                    return Ok(true);
                }
            };
            let give_up = TicketPatch {
                status: Some(Status::Unsolved),
                resolution: Some(Resolution::NoReply),
                ..TicketPatch::default()
            };
            let patch = match timer.kind {
                TimerKind::AutoClose => TicketPatch { status: Some(Status::Closed), ..TicketPatch::default() },
                // Taken by their clocks above.
                TimerKind::ResponseClock | TimerKind::ResolutionClock => {
                    tx.commit().await?;
                    return Ok(true);
                }
                TimerKind::ReminderDate => {
                    let date = timer.due_at.date().to_string();
                    let change = Change::new("remind_at", &date, serde_json::Value::Null);
                    crate::tickets::record(&mut *tx, None, ticket.id, vec![change], now).await?;
                    let event = Event::ReminderDate { ticket: ticket.id, date };
                    notify::queue(&mut *tx, vec![event], None, &[], now).await?;
                    tx.commit().await?;
                    return Ok(true);
                }
                TimerKind::WaitingReminder => {
                    // Only the reminders need the level; closing does not.
                    let rules = Rules::of(&mut *tx, ticket.unit).await;
                    let sent = u8::try_from(timer.stage).unwrap_or(u8::MAX);
                    match waiting_step(sent, rules.lifecycle.auto_unsolved_after_reminders) {
                        WaitingStep::Remind(n) => {
                            let change = Change::new("reminder", serde_json::Value::Null, n);
                            crate::tickets::record(&mut *tx, None, ticket.id, vec![change], now).await?;
                            let due = due(&rules, TimerKind::WaitingReminder, now);
                            tx.set_timer(ticket.id, TimerKind::WaitingReminder, due, i64::from(n)).await?;
                            let of = rules.lifecycle.auto_unsolved_after_reminders;
                            let event = Event::WaitingReminder { ticket: ticket.id, reminder: n, of };
                            notify::queue(&mut *tx, vec![event], None, &[], now).await?;
                            tx.commit().await?;
                            return Ok(true);
                        }
                        WaitingStep::GiveUp => give_up,
                    }
                }
            };
            if let Ok((mut next, changes)) = workflow::update(&Actor::system(), &ticket, &patch)
                && !changes.is_empty()
            {
                next.updated_at = now;
                tx.update_ticket(&next).await?;
                crate::tickets::record(&mut *tx, None, ticket.id, changes, now).await?;
                keep_timers(&mut *tx, Some(&ticket), &next, false, &mut RulesCache::default(), now).await?;
                notify::queue(&mut *tx, events_of_update(&ticket, &next), None, &[], now).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }
}

/// The scheduler of one node: a pass every `tick` while it runs.
pub struct Scheduler {
    app: App,
    node: String,
    tick: Duration,
}

impl Scheduler {
    /// The scheduler of `node` over `app`, passing every `tick` (a timer fires within one tick
    /// of its moment on the node that holds the lease).
    pub fn new(app: App, node: String, tick: Duration) -> Scheduler {
        Scheduler { app, node, tick }
    }

    /// Passes until `stop` is cancelled; a pass under way finishes first.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            if let Err(e) = self.app.run_timers(&self.node).await {
                tracing::error!(error = %e, "the scheduler could not read what is due");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.tick) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}
