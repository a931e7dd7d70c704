//! The timers a ticket carries: which timed rule waits on it, and when a change of status starts
//! or ends one. The scheduler fires a timer at its due moment, once.

use crate::named_enum;
use crate::status::Status;

/// A timed rule that can wait on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// A solution nobody verified becomes `closed` (GGUS: after 10 working days).
    AutoClose,
}

named_enum!(TimerKind { AutoClose => "auto_close" });

impl TimerKind {
    /// Whether this timer runs while a ticket is in `status`.
    pub fn runs_in(self, status: Status) -> bool {
        match self {
            TimerKind::AutoClose => matches!(status, Status::Solved | Status::Unsolved),
        }
    }
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
                (false, true) => Some(TimerChange::Start(kind)),
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
    fn the_closing_timer_runs_from_a_solution_until_it_is_verified_reopened_or_closed() {
        use Status::*;
        use TimerChange::{Start, Stop};
        use TimerKind::AutoClose;
        let cases: &[(Option<Status>, Status, &[TimerChange])] = &[
            (None, New, &[]),
            (Some(InProgress), Solved, &[Start(AutoClose)]),
            (Some(InProgress), Unsolved, &[Start(AutoClose)]),
            (Some(Solved), Unsolved, &[]),
            (Some(Solved), Reopened, &[Stop(AutoClose)]),
            (Some(Solved), Verified, &[Stop(AutoClose)]),
            (Some(Unsolved), Closed, &[Stop(AutoClose)]),
            (Some(WaitingForReply), InProgress, &[]),
            (None, Solved, &[Start(AutoClose)]),
        ];
        for (before, after, expected) in cases {
            assert_eq!(timer_changes(*before, *after), *expected, "{before:?} -> {after:?}");
        }
    }
}
