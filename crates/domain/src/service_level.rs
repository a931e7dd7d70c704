//! Service levels (GGUS "quality of support"): for each priority the time to first response and
//! to resolution, in working time of a calendar, and the lifecycle times of a ticket that waits
//! for its submitter or for verification.

use std::fmt;

use time::OffsetDateTime;

use crate::calendar::WorkingDuration;
use crate::ticket::Priority;
use crate::validation::{Errors, FieldError, check_line};
use crate::{CalendarId, ServiceLevelId};

/// The longest name of a service level, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The most reminders a waiting ticket gets before it is closed as unsolved.
pub const MOST_REMINDERS: u8 = 10;

/// The times one priority is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// From reaching a unit to its first response.
    pub response: WorkingDuration,
    /// From opening (or reopening) to a solution.
    pub resolution: WorkingDuration,
}

impl Targets {
    /// A response time, and a resolution time four times as long (the default of a level).
    pub fn answered_within(response: WorkingDuration) -> Targets {
        Targets { response, resolution: response.times(4) }
    }
}

/// The targets of each priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityTargets {
    /// For `low`.
    pub low: Targets,
    /// For `medium`.
    pub medium: Targets,
    /// For `high`.
    pub high: Targets,
    /// For `top`.
    pub top: Targets,
}

impl PriorityTargets {
    /// The targets of `priority`.
    pub fn of(&self, priority: Priority) -> Targets {
        match priority {
            Priority::Low => self.low,
            Priority::Medium => self.medium,
            Priority::High => self.high,
            Priority::Top => self.top,
        }
    }

    fn each(&self) -> [(&'static str, Targets); 4] {
        [("low", self.low), ("medium", self.medium), ("high", self.high), ("top", self.top)]
    }
}

/// What happens by itself to a ticket that waits (GGUS "waiting for submitter", auto-close).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// A ticket waiting for its submitter's reply reminds them after this, and again after each
    /// such period.
    pub waiting_reminder: WorkingDuration,
    /// After this many reminders and one more period, the ticket becomes `unsolved`.
    pub auto_unsolved_after_reminders: u8,
    /// A solved or unsolved ticket nobody verified is closed after this.
    pub auto_close: WorkingDuration,
}

impl Default for Lifecycle {
    /// GGUS's: a reminder every 5 working days, unsolved after two, closed after 10 working days.
    fn default() -> Lifecycle {
        Lifecycle {
            waiting_reminder: WorkingDuration::Days(5),
            auto_unsolved_after_reminders: 2,
            auto_close: WorkingDuration::Days(10),
        }
    }
}

/// A service level as an admin describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLevelSpec {
    /// Its name, unique.
    pub name: String,
    /// The calendar its times are counted in.
    pub calendar: CalendarId,
    /// Each priority's targets.
    pub targets: PriorityTargets,
    /// The lifecycle times.
    pub lifecycle: Lifecycle,
}

/// The levels every installation starts with, counted in `calendar`: GGUS's Base (5 working
/// days for every priority), Medium (low and medium 5 days; high and top 1 day) and Advanced
/// (low 5 days; medium and high 1 day; top 4 working hours), each resolution four times the
/// response.
pub fn ggus_levels(calendar: CalendarId) -> [ServiceLevelSpec; 3] {
    let days = |n| Targets::answered_within(WorkingDuration::Days(n));
    let level = |name: &str, low, medium, high, top| ServiceLevelSpec {
        name: name.to_owned(),
        calendar,
        targets: PriorityTargets { low, medium, high, top },
        lifecycle: Lifecycle::default(),
    };
    [
        level("Base", days(5), days(5), days(5), days(5)),
        level("Medium", days(5), days(5), days(1), days(1)),
        level("Advanced", days(5), days(1), days(1), Targets::answered_within(WorkingDuration::Hours(4))),
    ]
}

/// Every refusal of `spec` at once, naming the field (`targets.top.response`): a blank name,
/// a time of nothing, a resolution sooner than the response, and a lifecycle that cannot run.
pub fn check_service_level(spec: &ServiceLevelSpec) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", &spec.name, MAX_NAME_CHARS);
    for (priority, targets) in spec.targets.each() {
        let field = |which: &str| format!("targets.{priority}.{which}");
        errors.check(targets.response.is_zero(), &field("response"), "must be more than nothing");
        errors.check(targets.resolution.is_zero(), &field("resolution"), "must be more than nothing");
        errors.check(
            !targets.response.is_zero() && targets.resolution.sooner_than(targets.response),
            &field("resolution"),
            format!("must not be sooner than the response ({} < {})", targets.resolution, targets.response),
        );
    }
    let lifecycle = &spec.lifecycle;
    errors.check(lifecycle.waiting_reminder.is_zero(), "waiting_reminder", "must be more than nothing");
    errors.check(lifecycle.auto_close.is_zero(), "auto_close", "must be more than nothing");
    errors.check(
        lifecycle.auto_unsolved_after_reminders > MOST_REMINDERS,
        "auto_unsolved_after_reminders",
        format!("at most {MOST_REMINDERS} reminders"),
    );
    errors.finish(())
}

/// One priority's times as the API and the store write them (`"5d"`, `"4h"`); a resolution not
/// given is four times the response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimesText {
    /// The time to first response: working minutes, hours or days (`30m`, `4h`, `5d`).
    #[schema(example = "1d")]
    pub response: String,
    /// The time to a solution (four times the response when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "4d")]
    pub resolution: Option<String>,
}

/// Each priority's times as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsText {
    /// For `low`.
    pub low: TimesText,
    /// For `medium`.
    pub medium: TimesText,
    /// For `high`.
    pub high: TimesText,
    /// For `top`.
    pub top: TimesText,
}

impl TargetsText {
    /// As `targets` write themselves.
    pub fn of(targets: &PriorityTargets) -> TargetsText {
        let times =
            |t: Targets| TimesText { response: t.response.to_string(), resolution: Some(t.resolution.to_string()) };
        TargetsText {
            low: times(targets.low),
            medium: times(targets.medium),
            high: times(targets.high),
            top: times(targets.top),
        }
    }

    /// The targets these say, or the fields that cannot be read (`targets.low.response`).
    pub fn parse(&self) -> Result<PriorityTargets, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut read = |priority: &str, times: &TimesText| -> Targets {
            let mut duration = |which: &str, text: &str| {
                text.parse::<WorkingDuration>().unwrap_or_else(|message| {
                    errors.push(FieldError::new(format!("targets.{priority}.{which}"), message));
                    WorkingDuration::Minutes(0)
                })
            };
            let response = duration("response", &times.response);
            let resolution = match &times.resolution {
                Some(text) => duration("resolution", text),
                None => response.times(4),
            };
            Targets { response, resolution }
        };
        let targets = PriorityTargets {
            low: read("low", &self.low),
            medium: read("medium", &self.medium),
            high: read("high", &self.high),
            top: read("top", &self.top),
        };
        if errors.is_empty() { Ok(targets) } else { Err(errors) }
    }
}

/// A service level as stored and shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ServiceLevel {
    /// Its id.
    pub id: ServiceLevelId,
    /// Its name, unique.
    pub name: String,
    /// The calendar its times are counted in.
    pub calendar: CalendarId,
    /// Each priority's times.
    pub targets: TargetsText,
    /// A ticket waiting for its submitter reminds them after this, and again after each period.
    pub waiting_reminder: String,
    /// After this many reminders and one more period, a waiting ticket becomes `unsolved`.
    pub auto_unsolved_after_reminders: u8,
    /// A solved or unsolved ticket nobody verified is closed after this.
    pub auto_close: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl fmt::Display for Targets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response {}, resolution {}", self.response, self.resolution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ggus_levels_hold_each_priority_to_its_times() {
        let [base, medium, advanced] = ggus_levels(CalendarId(1));
        let shown = |level: &ServiceLevelSpec| {
            [Priority::Low, Priority::Medium, Priority::High, Priority::Top]
                .map(|p| level.targets.of(p).to_string())
                .join("; ")
        };
        let table = [
            (
                &base,
                "Base",
                "response 5d, resolution 20d; response 5d, resolution 20d; response 5d, resolution 20d; response 5d, resolution 20d",
            ),
            (
                &medium,
                "Medium",
                "response 5d, resolution 20d; response 5d, resolution 20d; response 1d, resolution 4d; response 1d, resolution 4d",
            ),
            (
                &advanced,
                "Advanced",
                "response 5d, resolution 20d; response 1d, resolution 4d; response 1d, resolution 4d; response 4h, resolution 16h",
            ),
        ];
        for (level, name, targets) in table {
            assert_eq!((level.name.as_str(), shown(level).as_str()), (name, targets));
            assert_eq!(level.lifecycle, Lifecycle::default());
            assert_eq!(check_service_level(level), Ok(()), "{name} is a valid level");
        }
    }

    #[test]
    fn a_level_that_cannot_hold_is_refused_by_field() {
        let [base, ..] = ggus_levels(CalendarId(1));
        type Change = Box<dyn Fn(&mut ServiceLevelSpec)>;
        let cases: [(&str, Change, &str); 6] = [
            ("a blank name", Box::new(|l| l.name = "  ".into()), "name"),
            (
                "no time to respond",
                Box::new(|l| l.targets.top.response = WorkingDuration::Minutes(0)),
                "targets.top.response",
            ),
            (
                "a resolution sooner than the response",
                Box::new(|l| l.targets.high.resolution = WorkingDuration::Days(4)),
                "targets.high.resolution",
            ),
            (
                "no reminder period",
                Box::new(|l| l.lifecycle.waiting_reminder = WorkingDuration::Days(0)),
                "waiting_reminder",
            ),
            ("no time before closing", Box::new(|l| l.lifecycle.auto_close = WorkingDuration::Hours(0)), "auto_close"),
            (
                "too many reminders",
                Box::new(|l| l.lifecycle.auto_unsolved_after_reminders = 11),
                "auto_unsolved_after_reminders",
            ),
        ];
        for (what, change, field) in cases {
            let mut level = base.clone();
            change(&mut level);
            let errors = check_service_level(&level).expect_err(what);
            assert!(errors.iter().any(|e| e.field == field), "{what}: {errors:?}");
        }
        let mut same = base.clone();
        same.targets.low.resolution = WorkingDuration::Days(5);
        assert_eq!(check_service_level(&same), Ok(()), "a resolution as soon as the response is allowed");
    }
}
