//! The timers a ticket carries: which timed rule waits on it, and when a change of status starts
//! or ends one. The scheduler fires a timer at its due moment, once.

use crate::clock::ClockKind;
use crate::named_enum;
use crate::status::Status;

/// A timed rule that can wait on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// A solution nobody verified becomes `closed` (GGUS: after 10 working days).
    AutoClose,
    /// A submitter who is waited for is reminded, and in the end the ticket becomes `unsolved`
    /// (GGUS's "waiting for submitter": every 5 working days, unsolved after two reminders).
    WaitingReminder,
    /// The first-response clock's next step (warning, breach, escalation).
    ResponseClock,
    /// The resolution clock's next step.
    ResolutionClock,
    /// The date a supporter asked to be reminded of a ticket that waits or is on hold.
    ReminderDate,
}

named_enum!(TimerKind {
    AutoClose => "auto_close",
    WaitingReminder => "waiting_reminder",
    ResponseClock => "response_clock",
    ResolutionClock => "resolution_clock",
    ReminderDate => "reminder_date",
});

impl TimerKind {
    /// Whether this lifecycle timer runs while a ticket is in `status` (a clock's timer follows
    /// its clock instead: never by status alone).
    pub fn runs_in(self, status: Status) -> bool {
        match self {
            TimerKind::AutoClose => matches!(status, Status::Solved | Status::Unsolved),
            TimerKind::WaitingReminder => status == Status::WaitingForReply,
            TimerKind::ReminderDate => matches!(status, Status::WaitingForReply | Status::OnHold),
            TimerKind::ResponseClock | TimerKind::ResolutionClock => false,
        }
    }

    /// Whether entering a status it runs in starts this timer (a reminder date is set by hand).
    pub fn starts_with_status(self) -> bool {
        !matches!(self, TimerKind::ReminderDate)
    }

    /// The timer that takes `clock`'s steps.
    pub fn of_clock(clock: ClockKind) -> TimerKind {
        match clock {
            ClockKind::Response => TimerKind::ResponseClock,
            ClockKind::Resolution => TimerKind::ResolutionClock,
        }
    }

    /// The clock whose steps this timer takes, if it is a clock's.
    pub fn clock(self) -> Option<ClockKind> {
        match self {
            TimerKind::ResponseClock => Some(ClockKind::Response),
            TimerKind::ResolutionClock => Some(ClockKind::Resolution),
            TimerKind::AutoClose | TimerKind::WaitingReminder | TimerKind::ReminderDate => None,
        }
    }
}

/// What a waiting ticket's reminder timer does when it fires, `sent` reminders having gone
/// before, when the level sends `reminders` before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingStep {
    /// Send reminder number `n` (from 1), and wait another period.
    Remind(u8),
    /// The last period ran out unanswered: the ticket becomes `unsolved` (`no_reply`).
    GiveUp,
}

/// The step of a waiting ticket's reminder timer; see [`WaitingStep`].
pub fn waiting_step(sent: u8, reminders: u8) -> WaitingStep {
    if sent < reminders { WaitingStep::Remind(sent + 1) } else { WaitingStep::GiveUp }
}

/// What becomes of one of a ticket's timers when its status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerChange {
    /// The timer starts, due after its level's time from now.
    Start(TimerKind),
    /// The timer ends unfired.
    Stop(TimerKind),
}

/// The timers that start or stop when a ticket's status goes from `before` (none: it is new)
/// to `after`.
pub fn timer_changes(before: Option<Status>, after: Status) -> Vec<TimerChange> {
    TimerKind::ALL
        .iter()
        .filter_map(|&kind| {
            let was = before.is_some_and(|s| kind.runs_in(s));
            match (was, kind.runs_in(after)) {
                (false, true) if kind.starts_with_status() => Some(TimerChange::Start(kind)),
                (true, false) => Some(TimerChange::Stop(kind)),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_timer_runs_while_the_ticket_is_in_its_statuses() {
        use Status::*;
        use TimerChange::{Start, Stop};
        use TimerKind::{AutoClose, ReminderDate, WaitingReminder};
        let cases: &[(Option<Status>, Status, &[TimerChange])] = &[
            (None, New, &[]),
            (Some(InProgress), Solved, &[Start(AutoClose)]),
            (Some(InProgress), Unsolved, &[Start(AutoClose)]),
            (Some(Solved), Unsolved, &[]),
            (Some(Solved), Reopened, &[Stop(AutoClose)]),
            (Some(Solved), Verified, &[Stop(AutoClose)]),
            (Some(Unsolved), Closed, &[Stop(AutoClose)]),
            (None, Solved, &[Start(AutoClose)]),
            (Some(InProgress), WaitingForReply, &[Start(WaitingReminder)]),
            (Some(WaitingForReply), InProgress, &[Stop(WaitingReminder), Stop(ReminderDate)]),
            (Some(WaitingForReply), OnHold, &[Stop(WaitingReminder)]),
            (Some(OnHold), InProgress, &[Stop(ReminderDate)]),
            (Some(InProgress), OnHold, &[]),
            (Some(WaitingForReply), Unsolved, &[Start(AutoClose), Stop(WaitingReminder), Stop(ReminderDate)]),
            (Some(WaitingForReply), Solved, &[Start(AutoClose), Stop(WaitingReminder), Stop(ReminderDate)]),
        ];
        for (before, after, expected) in cases {
            assert_eq!(timer_changes(*before, *after), *expected, "{before:?} -> {after:?}");
        }
    }
}

#[cfg(test)]
mod waiting_tests {
    use super::*;

    #[test]
    fn two_reminders_then_unsolved() {
        let cases = [
            (0, 2, WaitingStep::Remind(1)),
            (1, 2, WaitingStep::Remind(2)),
            (2, 2, WaitingStep::GiveUp),
            (0, 0, WaitingStep::GiveUp),
            (3, 2, WaitingStep::GiveUp),
        ];
        for (sent, reminders, expected) in cases {
            assert_eq!(waiting_step(sent, reminders), expected, "{sent} of {reminders} sent");
        }
    }
}
