//! Ticket statuses (GGUS's set, also the EOSC helpdesk's) and the one table of allowed transitions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::named_enum;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Just opened; set by the system only.
    New,
    /// A support unit has been assigned (set when the unit is assigned).
    Assigned,
    /// Somebody works on it.
    InProgress,
    /// Waiting for the submitter's answer.
    WaitingForReply,
    /// Parked, e.g. waiting for a software fix.
    OnHold,
    /// Opened again after a solution, usually by the submitter.
    Reopened,
    /// Solved, with a qualifier; the solution is sent to the submitter.
    Solved,
    /// Closed without a solution (duplicate, invalid, won't fix).
    Unsolved,
    /// The submitter confirmed the solution; nothing changes after this.
    Verified,
    /// Closed by the system some working days after a solution nobody verified.
    Closed,
}

named_enum!(Status {
    New => "new",
    Assigned => "assigned",
    InProgress => "in_progress",
    WaitingForReply => "waiting_for_reply",
    OnHold => "on_hold",
    Reopened => "reopened",
    Solved => "solved",
    Unsolved => "unsolved",
    Verified => "verified",
    Closed => "closed",
});

/// Who may cause a move into a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    /// Only the system, as a consequence of something else (creation, a timer).
    System,
    /// Set implicitly when a support unit is assigned, never chosen on its own.
    UnitAssignment,
    /// A person may choose it (the access policy then says which person).
    Person,
}

impl Status {
    /// The statuses a ticket may move to from this one: the one transition table.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[Assigned, InProgress, WaitingForReply, OnHold, Solved, Unsolved],
            Assigned => &[InProgress, WaitingForReply, OnHold, Solved, Unsolved],
            InProgress => &[Assigned, WaitingForReply, OnHold, Solved, Unsolved],
            Reopened => &[Assigned, InProgress, WaitingForReply, OnHold, Solved, Unsolved],
            WaitingForReply => &[Assigned, InProgress, OnHold, Solved, Unsolved],
            OnHold => &[Assigned, InProgress, WaitingForReply, Solved, Unsolved],
            Solved | Unsolved => &[Reopened, Verified, Closed],
            Verified | Closed => &[],
        }
    }

    /// Whether the table allows moving from `self` to `to`.
    pub fn can_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// How a move into this status comes about.
    pub fn set_by(self) -> SetBy {
        match self {
            Status::New | Status::Closed => SetBy::System,
            Status::Assigned => SetBy::UnitAssignment,
            _ => SetBy::Person,
        }
    }

    /// The statuses a person may choose next from this one (the table, less what only the
    /// system or a unit assignment sets).
    pub fn next_for_person(self) -> Vec<Status> {
        self.next().iter().copied().filter(|s| s.set_by() == SetBy::Person).collect()
    }

    /// Whether the ticket is finished (solved, unsolved, verified or closed).
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Solved | Status::Unsolved | Status::Verified | Status::Closed)
    }

    /// Whether nothing at all may change any more.
    pub fn is_frozen(self) -> bool {
        matches!(self, Status::Verified | Status::Closed)
    }
}

/// The qualifier of a solved or unsolved ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Solved: fixed.
    Fixed,
    /// Solved: fixed by a work-around.
    Workaround,
    /// Solved: works as designed.
    WorksAsDesigned,
    /// Solved: other.
    Other,
    /// Unsolved: a duplicate of another ticket.
    Duplicate,
    /// Unsolved: not a valid request.
    Invalid,
    /// Unsolved: will not be fixed.
    WontFix,
    /// Unsolved: the submitter did not answer the reminders of a ticket waiting for them.
    NoReply,
}

named_enum!(Resolution {
    Fixed => "fixed",
    Workaround => "workaround",
    WorksAsDesigned => "works_as_designed",
    Other => "other",
    Duplicate => "duplicate",
    Invalid => "invalid",
    WontFix => "wont_fix",
    NoReply => "no_reply",
});

impl Resolution {
    /// The status this qualifier belongs to.
    pub fn status(self) -> Status {
        match self {
            Resolution::Fixed | Resolution::Workaround | Resolution::WorksAsDesigned | Resolution::Other => {
                Status::Solved
            }
            Resolution::Duplicate | Resolution::Invalid | Resolution::WontFix | Resolution::NoReply => Status::Unsolved,
        }
    }

    /// The qualifier used when none is given.
    pub fn default_for(status: Status) -> Option<Resolution> {
        match status {
            Status::Solved => Some(Resolution::Fixed),
            Status::Unsolved => Some(Resolution::WontFix),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn transition_table() {
        // (from, to, allowed, why)
        let table = [
            (New, Assigned, true, "the 1st level assigns a unit"),
            (New, InProgress, true, "the 1st level handles it itself"),
            (New, Solved, true, "answered at once"),
            (New, Reopened, false, "nothing to reopen yet"),
            (New, Verified, false, "nothing to verify yet"),
            (Assigned, InProgress, true, "the unit takes it up"),
            (Assigned, Assigned, false, "no move"),
            (InProgress, WaitingForReply, true, "a question to the submitter"),
            (InProgress, InProgress, false, "no move"),
            (InProgress, Assigned, true, "escalated to another unit"),
            (InProgress, Reopened, false, "only a finished ticket reopens"),
            (WaitingForReply, InProgress, true, "the submitter answered"),
            (OnHold, InProgress, true, "the fix arrived"),
            (Reopened, InProgress, true, "worked again"),
            (Solved, Reopened, true, "the submitter is not satisfied"),
            (Solved, Verified, true, "the submitter confirms"),
            (Solved, Closed, true, "nobody verified in time"),
            (Solved, InProgress, false, "reopen first"),
            (Unsolved, Reopened, true, "the submitter disagrees"),
            (Verified, Reopened, false, "verified is final"),
            (Verified, Closed, false, "verified is final"),
            (Closed, Reopened, false, "closed is final"),
            (OnHold, New, false, "never back to new"),
        ];
        for (from, to, allowed, why) in table {
            assert_eq!(from.can_move_to(to), allowed, "{from} -> {to}: {why}");
        }
    }

    #[test]
    fn table_shape() {
        for s in Status::ALL {
            assert!(!s.next().contains(&New), "nothing moves back to new");
            assert!(!s.next().contains(s), "{s} does not move to itself");
            assert_eq!(s.next().is_empty(), s.is_frozen(), "only verified and closed are final");
        }
        assert_eq!(InProgress.next_for_person(), vec![WaitingForReply, OnHold, Solved, Unsolved]);
        assert_eq!(Solved.next_for_person(), vec![Reopened, Verified]);
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.as_str().into()));
        }
        assert!("done".parse::<Status>().unwrap_err().to_string().contains("in_progress"));
    }
}
