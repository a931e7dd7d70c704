//! The service-level clocks of a ticket: which clocks a change starts, meets, pauses, resumes or
//! re-targets, the steps a running clock takes (warning, breach, escalation), and the state a
//! clock is in. Pure: the app layer stores the clocks and counts their time in a calendar.
//!
//! - **First response** starts when the ticket reaches a unit (at opening, or moved to another
//!   unit: a new clock for the new unit); a member of that unit meets it with a public reply or
//!   a change of status away from `new`/`assigned`, and a solution meets it too.
//! - **Resolution** starts at opening and again at a reopen; `solved` or `unsolved` meets it.
//! - Both pause while the ticket is `waiting_for_reply` or `on_hold`, and resume where they
//!   stopped. A change of priority, or of unit, re-targets them from the time already used.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::UnitId;
use crate::named_enum;
use crate::status::Status;
use crate::ticket::Priority;

/// One of a ticket's two service-level clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// From reaching a unit to that unit's first response.
    Response,
    /// From opening (or a reopen) to a solution.
    Resolution,
}

named_enum!(ClockKind { Response => "response", Resolution => "resolution" });

/// Where a clock stands, as the API and the pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Running, with more than a quarter of its time left.
    Running,
    /// Stopped while the ticket waits for its requester or is on hold.
    Paused,
    /// Running with a quarter of its time or less left.
    Warning,
    /// Its time ran out before it was met.
    Breached,
    /// Met (a late one stays on record as a breach).
    Met,
}

named_enum!(ClockState {
    Running => "running",
    Paused => "paused",
    Warning => "warning",
    Breached => "breached",
    Met => "met",
});

/// The steps a running clock takes, in order, each once: at 75 % of its time the owner is
/// warned; at 100 % the breach is recorded and the ticket escalates (step 1: the unit and the
/// owner); at 150 % step 2 (also the 1st-level unit); at 200 % step 3 (also the monitoring
/// address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStep {
    /// A quarter of the time is left.
    Warning,
    /// The time ran out: the breach, and escalation step 1.
    Breach,
    /// Escalation step 2 or 3.
    Escalate(u8),
}

/// The steps in order, each with the share of the clock's time (in percent) it falls due at.
pub const CLOCK_STEPS: [(ClockStep, i64); 4] =
    [(ClockStep::Warning, 75), (ClockStep::Breach, 100), (ClockStep::Escalate(2), 150), (ClockStep::Escalate(3), 200)];

/// The highest escalation step.
pub const TOP_ESCALATION: u8 = 3;

impl ClockStep {
    /// The escalation step this step brings the ticket to, if any.
    pub fn escalation(self) -> Option<u8> {
        match self {
            ClockStep::Warning => None,
            ClockStep::Breach => Some(1),
            ClockStep::Escalate(n) => Some(n),
        }
    }
}

/// The step a clock that has taken `taken` steps takes next, with its share of the time in
/// percent; none when it has taken them all.
pub fn next_step(taken: i64) -> Option<(ClockStep, i64)> {
    usize::try_from(taken).ok().and_then(|i| CLOCK_STEPS.get(i)).copied()
}

/// Whether clocks stand still while a ticket is in `status`.
pub fn pauses(status: Status) -> bool {
    matches!(status, Status::WaitingForReply | Status::OnHold)
}

/// Whether a change of status from `before` to `after`, made by a member of the ticket's unit,
/// counts as that unit's response (GGUS: any change away from `assigned`).
pub fn responds(before: Status, after: Status) -> bool {
    before != after
        && matches!(before, Status::New | Status::Assigned | Status::Reopened)
        && !matches!(after, Status::New | Status::Assigned)
}

/// What of a ticket its clocks depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    /// Its status.
    pub status: Status,
    /// Its unit.
    pub unit: UnitId,
    /// Its priority.
    pub priority: Priority,
}

/// What a ticket's change does to one of its clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// A new clock starts for the ticket's unit (paused, if the ticket's status pauses clocks).
    Start(ClockKind),
    /// The running clock is met now.
    Meet(ClockKind),
    /// The clock ends unmet (the ticket moved to another unit), a new one starts for the new unit.
    Restart(ClockKind),
    /// The running clocks stop; their time used so far is kept.
    Pause,
    /// The paused clocks run again from where they stopped.
    Resume,
    /// The clock's time is taken anew (another priority or unit), counted from its start,
    /// with the time already used kept.
    Retarget(ClockKind),
}

/// The clock changes of a ticket's change from `before` (none: it is new) to `after`;
/// `answered` when the change is a public reply by a member of the unit the ticket was with
/// (a change of status by one counts through [`responds`], which the caller folds in).
pub fn clock_changes(before: Option<ClockFacts>, after: ClockFacts, answered: bool) -> Vec<ClockChange> {
    use ClockChange::*;
    use ClockKind::{Resolution, Response};
    let Some(before) = before else {
        if after.status.is_terminal() {
            return Vec::new();
        }
        // A clock started in a paused status starts paused.
        return vec![Start(Response), Start(Resolution)];
    };
    let mut changes = Vec::new();
    let (was_over, is_over) = (before.status.is_terminal(), after.status.is_terminal());
    if is_over {
        if !was_over {
            // A solution answers the requester too.
            changes.extend([Meet(Response), Meet(Resolution)]);
        }
        return changes;
    }
    if answered {
        changes.push(Meet(Response));
    }
    if was_over {
        changes.push(Start(Resolution));
    }
    if after.unit != before.unit {
        changes.push(Restart(Response));
        if !was_over {
            changes.push(Retarget(Resolution));
        }
    } else if after.priority != before.priority {
        changes.push(Retarget(Response));
        if !was_over {
            changes.push(Retarget(Resolution));
        }
    }
    match (pauses(before.status), pauses(after.status)) {
        (false, true) => changes.push(Pause),
        (true, false) => changes.push(Resume),
        _ => {}
    }
    changes
}

/// A clock's moments, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockMoments {
    /// When its time runs out, while it runs.
    pub due_at: Option<OffsetDateTime>,
    /// When its next step falls due, while it runs (the warning, while it has taken none).
    pub next_at: Option<OffsetDateTime>,
    /// The steps it has taken (see [`CLOCK_STEPS`]).
    pub steps: i64,
    /// When it was met.
    pub met_at: Option<OffsetDateTime>,
    /// When its time ran out, if it did before it was met.
    pub breached_at: Option<OffsetDateTime>,
    /// When it ended (met, or left behind by a move to another unit).
    pub ended_at: Option<OffsetDateTime>,
}

impl ClockMoments {
    /// The clock's state at `now`. The moments decide, not whether the scheduler has run yet:
    /// a clock past its due time shows as breached at once.
    pub fn state(&self, now: OffsetDateTime) -> ClockState {
        if self.met_at.is_some() {
            return ClockState::Met;
        }
        if self.breached_at.is_some() || self.due_at.is_some_and(|d| d <= now) {
            return ClockState::Breached;
        }
        if self.ended_at.is_some() || self.due_at.is_none() {
            return ClockState::Paused;
        }
        if self.steps > 0 || (self.steps == 0 && self.next_at.is_some_and(|w| w <= now)) {
            return ClockState::Warning;
        }
        ClockState::Running
    }
}

/// A clock as the API shows it on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockView {
    /// When its time runs out (none while it stands still or once it is over).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub due: Option<OffsetDateTime>,
    /// When it was met.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub met_at: Option<OffsetDateTime>,
    /// Where it stands.
    pub state: ClockState,
}

/// A ticket's service level and clocks, as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketSla {
    /// The name of the level of the ticket's unit.
    pub level: String,
    /// The first-response clock (the latest, for the unit the ticket is with).
    #[schema(required = true)]
    pub response: Option<ClockView>,
    /// The resolution clock (the latest run).
    #[schema(required = true)]
    pub resolution: Option<ClockView>,
    /// How far the ticket has escalated: 0 (not at all) to 3.
    pub escalation_step: u8,
}

/// A span in which a clock ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockSpan {
    /// When it started running.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it stopped (none while it runs).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub ended_at: Option<OffsetDateTime>,
}

/// One run of a ticket's clock with the spans it ran, for reports of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockRun {
    /// Which clock.
    pub kind: ClockKind,
    /// The unit it ran for.
    pub unit: UnitId,
    /// The level's time it was measured against (`5d`).
    pub target: String,
    /// That time in working seconds.
    pub target_seconds: i64,
    /// The working seconds it has used (up to now, while it runs).
    pub used_seconds: i64,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When its time runs out, while it runs.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub due: Option<OffsetDateTime>,
    /// When it was met.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub met_at: Option<OffsetDateTime>,
    /// When its time ran out, if it did before it was met.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub breached_at: Option<OffsetDateTime>,
    /// When it ended: met, or left behind when the ticket moved to another unit.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub ended_at: Option<OffsetDateTime>,
    /// Where it stands.
    pub state: ClockState,
    /// The escalation step it reached.
    pub escalation_step: u8,
    /// The spans in which it ran, oldest first.
    pub segments: Vec<ClockSpan>,
}

/// A ticket's clocks in full: the summary the ticket carries, and every run with its spans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaDetail {
    /// As on the ticket.
    pub sla: TicketSla,
    /// Every run of its clocks, oldest first.
    pub clocks: Vec<ClockRun>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClockChange::*;
    use ClockKind::{Resolution, Response};
    use Status::*;

    fn facts(status: Status, unit: i64, priority: Priority) -> ClockFacts {
        ClockFacts { status, unit: UnitId(unit), priority }
    }

    #[test]
    fn each_change_starts_meets_pauses_or_retargets_the_clocks_it_concerns() {
        use Priority::{High, Low};
        // (what, before, after, answered by a member, the changes)
        type Case = (&'static str, Option<ClockFacts>, ClockFacts, bool, &'static [ClockChange]);
        let cases: &[Case] = &[
            ("opened", None, facts(New, 1, Low), false, &[Start(Response), Start(Resolution)]),
            ("opened waiting", None, facts(WaitingForReply, 1, Low), false, &[Start(Response), Start(Resolution)]),
            ("opened solved (a copy)", None, facts(Solved, 1, Low), false, &[]),
            ("a member's reply", Some(facts(New, 1, Low)), facts(New, 1, Low), true, &[Meet(Response)]),
            ("anybody else's reply", Some(facts(New, 1, Low)), facts(New, 1, Low), false, &[]),
            ("waiting", Some(facts(InProgress, 1, Low)), facts(WaitingForReply, 1, Low), false, &[Pause]),
            ("on hold from waiting", Some(facts(WaitingForReply, 1, Low)), facts(OnHold, 1, Low), false, &[]),
            ("answered", Some(facts(WaitingForReply, 1, Low)), facts(InProgress, 1, Low), false, &[Resume]),
            (
                "solved",
                Some(facts(InProgress, 1, Low)),
                facts(Solved, 1, Low),
                false,
                &[Meet(Response), Meet(Resolution)],
            ),
            (
                "solved while waiting",
                Some(facts(WaitingForReply, 1, Low)),
                facts(Unsolved, 1, Low),
                false,
                &[Meet(Response), Meet(Resolution)],
            ),
            ("closed", Some(facts(Solved, 1, Low)), facts(Closed, 1, Low), false, &[]),
            ("reopened", Some(facts(Solved, 1, Low)), facts(Reopened, 1, Low), false, &[Start(Resolution)]),
            (
                "moved",
                Some(facts(InProgress, 1, Low)),
                facts(Assigned, 2, Low),
                false,
                &[Restart(Response), Retarget(Resolution)],
            ),
            (
                "moved while on hold",
                Some(facts(OnHold, 1, Low)),
                facts(OnHold, 2, Low),
                false,
                &[Restart(Response), Retarget(Resolution)],
            ),
            (
                "moved by a member who answered first",
                Some(facts(New, 1, Low)),
                facts(Assigned, 2, Low),
                true,
                &[Meet(Response), Restart(Response), Retarget(Resolution)],
            ),
            (
                "more urgent",
                Some(facts(InProgress, 1, Low)),
                facts(InProgress, 1, High),
                false,
                &[Retarget(Response), Retarget(Resolution)],
            ),
            (
                "reopened more urgent",
                Some(facts(Solved, 1, Low)),
                facts(Reopened, 1, High),
                false,
                &[Start(Resolution), Retarget(Response)],
            ),
        ];
        for (what, before, after, answered, expected) in cases {
            assert_eq!(clock_changes(*before, *after, *answered), *expected, "{what}");
        }
    }

    #[test]
    fn a_change_of_status_away_from_new_or_assigned_is_a_response() {
        let cases = [
            (New, InProgress, true),
            (Assigned, WaitingForReply, true),
            (Assigned, OnHold, true),
            (New, Solved, true),
            (Reopened, InProgress, true),
            (New, Assigned, false),
            (InProgress, OnHold, false),
            (Assigned, Assigned, false),
        ];
        for (before, after, expected) in cases {
            assert_eq!(responds(before, after), expected, "{before} -> {after}");
        }
    }

    #[test]
    fn the_state_follows_the_moments() {
        let at = |m: i64| OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(m);
        let running = ClockMoments { due_at: Some(at(100)), next_at: Some(at(75)), ..ClockMoments::default() };
        let cases = [
            ("early", running, at(10), ClockState::Running),
            ("a quarter left", running, at(75), ClockState::Warning),
            ("due", running, at(100), ClockState::Breached),
            ("warned", ClockMoments { steps: 1, next_at: Some(at(100)), ..running }, at(80), ClockState::Warning),
            ("paused", ClockMoments { due_at: None, next_at: None, ..running }, at(200), ClockState::Paused),
            ("met", ClockMoments { met_at: Some(at(50)), ..running }, at(200), ClockState::Met),
            (
                "breached, then paused",
                ClockMoments { breached_at: Some(at(100)), due_at: None, ..running },
                at(200),
                ClockState::Breached,
            ),
            (
                "met late",
                ClockMoments { breached_at: Some(at(100)), met_at: Some(at(150)), ..running },
                at(200),
                ClockState::Met,
            ),
        ];
        for (what, moments, now, expected) in cases {
            assert_eq!(moments.state(now), expected, "{what}");
        }
    }

    #[test]
    fn the_steps_fall_at_their_shares_of_the_time_in_order() {
        let steps: Vec<_> = (0..5).map(next_step).collect();
        assert_eq!(
            steps,
            [
                Some((ClockStep::Warning, 75)),
                Some((ClockStep::Breach, 100)),
                Some((ClockStep::Escalate(2), 150)),
                Some((ClockStep::Escalate(3), 200)),
                None
            ]
        );
        assert_eq!(ClockStep::Breach.escalation(), Some(1));
        assert_eq!(ClockStep::Warning.escalation(), None);
    }
}
