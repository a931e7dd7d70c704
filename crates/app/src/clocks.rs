//! The service-level clocks of tickets: started, met, paused, resumed and re-targeted in the
//! transaction of the change that calls for it; their steps (the warning at 75 %, the breach at
//! 100 %, escalation at 150 % and 200 %) taken once each by the scheduler through a timer per
//! clock; the requester's escalation; and the clocks as the API shows them.

use std::collections::HashMap;

use helpdesk_domain::clock::{
    ClockChange, ClockFacts, ClockKind, ClockRun, ClockSpan, ClockState, ClockStep, ClockView, SlaDetail,
    TOP_ESCALATION, TicketSla, clock_changes, next_step, pauses,
};
use helpdesk_domain::history::Change;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::ticket::Ticket;
use helpdesk_domain::{TicketId, UnitId};
use helpdesk_store::{Clock, ClockPause, ClockScope, Timer, Tx};
use time::OffsetDateTime;

use crate::levels::Rules;
use crate::notify::{self, Event};
use crate::{App, AppError, AppResult};

/// The longest reason a requester may give for an escalation.
pub const MAX_REASON_CHARS: usize = 2_000;

/// The rules of the units a change touches, each read once.
#[derive(Default)]
pub(crate) struct RulesCache(HashMap<UnitId, Rules>);

impl RulesCache {
    /// A cache that already holds `unit`'s rules (read before the transaction).
    pub(crate) fn with(unit: UnitId, rules: Rules) -> RulesCache {
        RulesCache(HashMap::from([(unit, rules)]))
    }

    /// `unit`'s rules, read in `tx` the first time.
    pub(crate) async fn get(&mut self, tx: &mut dyn Tx, unit: UnitId) -> Rules {
        if let Some(rules) = self.0.get(&unit) {
            return rules.clone();
        }
        let rules = Rules::of(tx, unit).await;
        self.0.insert(unit, rules.clone());
        rules
    }
}

fn facts(ticket: &Ticket) -> ClockFacts {
    ClockFacts { status: ticket.status, unit: ticket.unit, priority: ticket.priority }
}

/// Keeps `after`'s clocks in step with its change from `before` (none: it is new), in the
/// transaction `tx` of that change. `answered`: the change is a public reply by a member of the
/// unit the ticket was with, or a change of status by one that counts as a response.
pub(crate) async fn keep_clocks(
    tx: &mut dyn Tx,
    before: Option<&Ticket>,
    after: &Ticket,
    answered: bool,
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> AppResult<()> {
    let changes = clock_changes(before.map(facts), facts(after), answered);
    if changes.is_empty() {
        return Ok(());
    }
    let mut open = if before.is_some() { tx.open_clocks(after.id).await? } else { Vec::new() };
    for change in changes {
        match change {
            ClockChange::Start(kind) => {
                let clock = start(tx, after, kind, rules, now).await?;
                open.push(clock);
            }
            ClockChange::Meet(kind) | ClockChange::Restart(kind) => {
                if let Some(i) = open.iter().position(|c| c.kind == kind) {
                    let mut clock = open.remove(i);
                    if clock.running_since.is_some() {
                        let r = rules.get(tx, clock.unit).await;
                        stand_still(&mut clock, &r, now);
                    } else {
                        tx.end_pause(clock.id, now).await?;
                    }
                    if matches!(change, ClockChange::Meet(_)) {
                        clock.moments.met_at = Some(now);
                    }
                    clock.moments.ended_at = Some(now);
                    tx.save_clock(&clock).await?;
                }
                if matches!(change, ClockChange::Restart(_)) {
                    let clock = start(tx, after, kind, rules, now).await?;
                    open.push(clock);
                }
            }
            ClockChange::Pause => {
                for clock in open.iter_mut().filter(|c| c.running_since.is_some()) {
                    let r = rules.get(tx, clock.unit).await;
                    stand_still(clock, &r, now);
                    tx.start_pause(clock.id, now).await?;
                    tx.save_clock(clock).await?;
                }
            }
            ClockChange::Resume => {
                for clock in open.iter_mut().filter(|c| c.running_since.is_none()) {
                    let r = rules.get(tx, clock.unit).await;
                    clock.running_since = Some(now);
                    plan(clock, &r);
                    tx.end_pause(clock.id, now).await?;
                    tx.save_clock(clock).await?;
                }
            }
            ClockChange::Retarget(kind) => {
                if let Some(clock) = open.iter_mut().find(|c| c.kind == kind) {
                    let r = rules.get(tx, after.unit).await;
                    clock.unit = after.unit;
                    retarget(clock, &r, after);
                    tx.save_clock(clock).await?;
                }
            }
        }
    }
    Ok(())
}

/// Takes anew the times of every running clock of `scope`, whose level, level's times or calendar
/// changed, in the transaction `tx` of that change: counted from each clock's start, with the
/// time it used kept (as a change of priority does).
pub(crate) async fn retarget_under(tx: &mut dyn Tx, scope: ClockScope) -> AppResult<()> {
    let mut rules = RulesCache::default();
    for mut clock in tx.open_clocks_under(scope).await? {
        let Some(ticket) = tx.ticket_for_update(clock.ticket).await? else { continue };
        let r = rules.get(tx, clock.unit).await;
        retarget(&mut clock, &r, &ticket);
        tx.save_clock(&clock).await?;
    }
    Ok(())
}

/// `clock` measured against `rules`' time for `ticket`'s priority, from its start.
fn retarget(clock: &mut Clock, rules: &Rules, ticket: &Ticket) {
    let target = target(rules, clock.kind, ticket);
    clock.budget_secs = budget(rules, clock.started_at, target);
    clock.target = target.to_string();
    if clock.running_since.is_some() {
        plan(clock, rules);
    }
}

/// The level's time for `kind` at `ticket`'s priority.
fn target(rules: &Rules, kind: ClockKind, ticket: &Ticket) -> helpdesk_domain::calendar::WorkingDuration {
    let targets = rules.targets.of(ticket.priority);
    match kind {
        ClockKind::Response => targets.response,
        ClockKind::Resolution => targets.resolution,
    }
}

/// `target` in working seconds, counted from `from` (a day is as long as the calendar's days).
fn budget(rules: &Rules, from: OffsetDateTime, target: helpdesk_domain::calendar::WorkingDuration) -> i64 {
    rules.working_secs(from, rules.due(from, target))
}

/// `ticket`'s clock `kind` for its unit, starting now (standing still, when its status pauses
/// clocks), not yet stored.
fn new_clock(ticket: &Ticket, kind: ClockKind, rules: &Rules, now: OffsetDateTime) -> Clock {
    clock_of(ticket.id, facts(ticket), kind, rules, now)
}

/// The clock `kind` of the ticket `id` as `facts` has it, starting now, not yet stored.
fn clock_of(id: TicketId, facts: ClockFacts, kind: ClockKind, rules: &Rules, now: OffsetDateTime) -> Clock {
    let targets = rules.targets.of(facts.priority);
    let target = match kind {
        ClockKind::Response => targets.response,
        ClockKind::Resolution => targets.resolution,
    };
    let running = !pauses(facts.status);
    let mut clock = Clock {
        id: 0,
        ticket: id,
        kind,
        unit: facts.unit,
        target: target.to_string(),
        budget_secs: budget(rules, now, target),
        used_secs: 0,
        started_at: now,
        running_since: running.then_some(now),
        moments: Default::default(),
        escalation: 0,
    };
    if running {
        plan(&mut clock, rules);
    }
    clock
}

/// The clocks a ticket opened as `facts` says starts now, to store with it; none when it opens
/// finished or standing still (then [`keep_clocks`] starts them after it is stored).
pub(crate) fn opening_clocks(facts: ClockFacts, rules: &Rules, now: OffsetDateTime) -> Vec<Clock> {
    if facts.status.is_terminal() || pauses(facts.status) {
        return Vec::new();
    }
    [ClockKind::Response, ClockKind::Resolution]
        .into_iter()
        .map(|kind| clock_of(TicketId(0), facts, kind, rules, now))
        .collect()
}

/// Starts and stores `ticket`'s clock `kind` for its unit now.
async fn start(
    tx: &mut dyn Tx,
    ticket: &Ticket,
    kind: ClockKind,
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> AppResult<Clock> {
    let r = rules.get(tx, ticket.unit).await;
    let mut clock = new_clock(ticket, kind, &r, now);
    clock.id = tx.insert_clock(&clock).await?;
    if clock.running_since.is_none() {
        tx.start_pause(clock.id, now).await?;
    }
    Ok(clock)
}

/// Stops a running clock now: its working time so far is added to what it used, and it has no
/// due moment nor next step while it stands still.
fn stand_still(clock: &mut Clock, rules: &Rules, now: OffsetDateTime) {
    if let Some(since) = clock.running_since.take() {
        clock.used_secs += rules.working_secs(since, now);
    }
    clock.moments.due_at = None;
    clock.moments.next_at = None;
}

/// The moment a running clock reaches `percent` of its time.
fn moment(clock: &Clock, rules: &Rules, percent: i64) -> Option<OffsetDateTime> {
    let since = clock.running_since?;
    Some(rules.after_working(since, clock.budget_secs * percent / 100 - clock.used_secs))
}

/// A running clock's due moment, and when its next step falls due.
fn plan(clock: &mut Clock, rules: &Rules) {
    clock.moments.due_at = moment(clock, rules, 100);
    clock.moments.next_at = next_step(clock.moments.steps).and_then(|(_, percent)| moment(clock, rules, percent));
}

/// Takes the next step of the clock `timer` stands for, in the transaction that took the timer:
/// each step once, even when several schedulers read the timer or it fell due while no node ran.
pub(crate) async fn step(tx: &mut dyn Tx, timer: &Timer, kind: ClockKind, now: OffsetDateTime) -> AppResult<()> {
    let open = tx.open_clocks(timer.ticket).await?;
    // The ticket escalates, not each clock: a step either clock already took is not taken again.
    let reached = open.iter().map(|c| c.escalation).max().unwrap_or(0);
    let Some(mut clock) = open.into_iter().find(|c| c.kind == kind) else {
        return Ok(());
    };
    let Some((step, _)) = next_step(clock.moments.steps) else { return Ok(()) };
    if clock.running_since.is_none() || clock.moments.steps != timer.stage {
        return Ok(());
    }
    let rules = Rules::of(tx, clock.unit).await;
    let mut events = Vec::new();
    let mut changes = Vec::new();
    match step {
        ClockStep::Warning => {
            // After downtime the breach may be due too: then the breach says it all.
            if let Some(due) = clock.moments.due_at.filter(|due| *due > now) {
                events.push(Event::SlaWarning { ticket: clock.ticket, clock: kind, due });
            }
        }
        ClockStep::Breach => {
            // Its true due moment, even when recorded late.
            clock.moments.breached_at = Some(timer.due_at);
            let reason = format!("due {}", rfc3339(timer.due_at));
            changes.push(Change::new("sla_breach", serde_json::Value::Null, kind.as_str()).because(Some(reason)));
            events.push(Event::SlaBreached { ticket: clock.ticket, clock: kind, due: timer.due_at });
        }
        ClockStep::Escalate(_) => {}
    }
    if let Some(to) = step.escalation().map(i64::from)
        && clock.escalation < to
    {
        clock.escalation = to;
        if reached < to {
            changes.push(Change::new("escalation", reached, to));
            // Step 1 is the breach, whose notice says so.
            if step != ClockStep::Breach {
                let step = u8::try_from(to).unwrap_or(TOP_ESCALATION);
                events.push(Event::Escalated { ticket: clock.ticket, step, reason: String::new() });
            }
        }
    }
    clock.moments.steps += 1;
    plan(&mut clock, &rules);
    tx.save_clock(&clock).await?;
    if !changes.is_empty() {
        crate::tickets::record(tx, None, clock.ticket, changes, now).await?;
    }
    notify::queue(tx, events, None, &[], now).await?;
    Ok(())
}

/// The API's view of a new ticket's `clocks`, on the level named `level`.
pub(crate) fn new_ticket_sla(level: String, clocks: &[Clock], now: OffsetDateTime) -> Option<TicketSla> {
    let clocks: Vec<&Clock> = clocks.iter().collect();
    (!clocks.is_empty()).then(|| sla_of(level, &clocks, now))
}

/// The API's view of a ticket's latest clocks.
fn sla_of(level: String, clocks: &[&Clock], now: OffsetDateTime) -> TicketSla {
    let view = |kind: ClockKind| {
        clocks.iter().filter(|c| c.kind == kind).max_by_key(|c| c.id).map(|c| ClockView {
            due: c.moments.due_at,
            met_at: c.moments.met_at,
            state: c.moments.state(now),
        })
    };
    let escalation_step = clocks.iter().map(|c| c.escalation).max().unwrap_or(0);
    TicketSla {
        level,
        response: view(ClockKind::Response),
        resolution: view(ClockKind::Resolution),
        escalation_step: u8::try_from(escalation_step).unwrap_or(TOP_ESCALATION),
    }
}

impl App {
    /// `tickets` with their clocks as the API shows them (two reads for a page, whatever its
    /// length).
    pub(crate) async fn with_sla(&self, mut tickets: Vec<Ticket>) -> AppResult<Vec<Ticket>> {
        let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
        let clocks = self.store.latest_clocks(&ids).await?;
        let mut levels: HashMap<UnitId, String> = HashMap::new();
        let now = self.now();
        for ticket in &mut tickets {
            let mine: Vec<&Clock> = clocks.iter().filter(|c| c.ticket == ticket.id).collect();
            if mine.is_empty() {
                continue;
            }
            let level = match levels.get(&ticket.unit) {
                Some(level) => level.clone(),
                None => {
                    let level = self.level_name(ticket.unit).await?;
                    levels.insert(ticket.unit, level.clone());
                    level
                }
            };
            ticket.sla = Some(sla_of(level, &mine, now));
        }
        Ok(tickets)
    }

    /// One ticket with its clocks as the API shows them.
    pub(crate) async fn with_sla_one(&self, ticket: Ticket) -> AppResult<Ticket> {
        let id = ticket.id;
        self.with_sla(vec![ticket]).await?.pop().ok_or_else(|| AppError::Internal(format!("ticket #{id} went missing")))
    }

    /// The name of `unit`'s level, from the rules remembered for opening tickets: a ticket's
    /// read costs no read of its unit and level.
    async fn level_name(&self, unit: UnitId) -> AppResult<String> {
        Ok(self.rules.get(self.store.as_ref(), unit).await?.map(|r| r.level).unwrap_or_default())
    }

    /// Every run of a ticket's clocks with the spans it ran, if `actor` may read the ticket.
    pub async fn sla_detail(&self, actor: &Actor, id: TicketId) -> AppResult<SlaDetail> {
        let ticket = self.ticket(actor, id).await?;
        let clocks = self.store.clocks_of(id).await?;
        let pauses = self.store.clock_pauses(id).await?;
        let now = self.now();
        let mut rules: HashMap<UnitId, Rules> = HashMap::new();
        let mut runs = Vec::new();
        for clock in &clocks {
            let used = match clock.running_since {
                Some(since) => {
                    let r = match rules.get(&clock.unit) {
                        Some(r) => r.clone(),
                        None => {
                            let unit = self.store.unit(clock.unit).await?;
                            let r = match unit {
                                Some(unit) => Rules::read(self.store.as_ref(), &unit).await,
                                None => continue,
                            };
                            rules.insert(clock.unit, r.clone());
                            r
                        }
                    };
                    clock.used_secs + r.working_secs(since, now)
                }
                None => clock.used_secs,
            };
            runs.push(ClockRun {
                kind: clock.kind,
                unit: clock.unit,
                target: clock.target.clone(),
                target_seconds: clock.budget_secs,
                used_seconds: used,
                started_at: clock.started_at,
                due: clock.moments.due_at,
                met_at: clock.moments.met_at,
                breached_at: clock.moments.breached_at,
                ended_at: clock.moments.ended_at,
                state: clock.moments.state(now),
                escalation_step: u8::try_from(clock.escalation).unwrap_or(TOP_ESCALATION),
                segments: spans(clock, pauses.iter().filter(|p| p.clock == clock.id)),
            });
        }
        let latest: Vec<&Clock> = clocks.iter().collect();
        let level = self.level_name(ticket.unit).await?;
        let sla = sla_of(level, &latest, now);
        Ok(SlaDetail { sla, clocks: runs })
    }

    /// The requester's side escalates ticket `id` one step, giving `reason`: allowed once the
    /// response time has passed unmet (GGUS's escalation button), up to step 3.
    pub async fn escalate(&self, actor: &Actor, id: TicketId, reason: &str) -> AppResult<Ticket> {
        if helpdesk_domain::validation::is_blank(reason) {
            return Err(AppError::invalid("reason", "say why the ticket must be escalated"));
        }
        let reason = reason.trim().to_owned();
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::invalid("reason", format!("at most {MAX_REASON_CHARS} characters")));
        }
        let now = self.now();
        let actor = actor.clone();
        let ticket = self
            .write(move |mut tx| async move {
                let ticket = crate::tickets::readable_for_update(&mut *tx, &actor, id).await?;
                check_ticket(&actor, TicketAction::Escalate, &TicketFacts::from(&ticket))?;
                if ticket.status.is_terminal() {
                    return Err(conflict(format!("ticket #{id} is {}: there is nothing to escalate", ticket.status)));
                }
                let open = tx.open_clocks(id).await?;
                let open_steps = open.iter().map(|c| c.escalation).max().unwrap_or(0);
                let Some(mut clock) = open.into_iter().find(|c| c.kind == ClockKind::Response) else {
                    return Err(conflict(format!("ticket #{id} has been answered: it cannot be escalated")));
                };
                if clock.moments.state(now) != ClockState::Breached {
                    let when = match clock.moments.due_at {
                        Some(due) => format!("after {}", rfc3339(due)),
                        None => "once it runs again and its time has passed".to_owned(),
                    };
                    return Err(conflict(format!(
                        "the response time of ticket #{id} has not passed: it can be escalated {when}"
                    )));
                }
                let reached = open_steps;
                if reached >= i64::from(TOP_ESCALATION) {
                    return Err(conflict(format!(
                        "ticket #{id} is escalated as far as it goes (step {TOP_ESCALATION})"
                    )));
                }
                let to = u8::try_from(reached + 1).unwrap_or(TOP_ESCALATION);
                let change = Change::new("escalation", reached, to).because(Some(reason.clone()));
                clock.escalation = i64::from(to);
                tx.save_clock(&clock).await?;
                crate::tickets::record(&mut *tx, actor.account, id, vec![change], now).await?;
                let event = Event::Escalated { ticket: id, step: to, reason };
                notify::queue(&mut *tx, vec![event], actor.account, &[], now).await?;
                tx.commit().await?;
                Ok(ticket)
            })
            .await?;
        self.with_sla_one(ticket).await
    }
}

/// The spans `clock` ran: from its start to its end (or now), less the spans it stood still.
fn spans<'a>(clock: &Clock, pauses: impl Iterator<Item = &'a ClockPause>) -> Vec<ClockSpan> {
    let mut spans = Vec::new();
    let mut from = Some(clock.started_at);
    for pause in pauses {
        if let Some(start) = from.filter(|s| *s < pause.started_at) {
            spans.push(ClockSpan { started_at: start, ended_at: Some(pause.started_at) });
        }
        from = pause.ended_at;
    }
    if let Some(start) = from {
        let end = clock.moments.ended_at;
        if end.is_none_or(|e| start < e) {
            spans.push(ClockSpan { started_at: start, ended_at: end });
        }
    }
    spans
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn conflict(detail: String) -> AppError {
    AppError::Conflict { detail, allowed: None }
}
