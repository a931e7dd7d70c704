//! The rules of a unit's service level as the timers and the clocks count them: the level's
//! times, and the calendar they are counted in, read once per change.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use helpdesk_domain::UnitId;
use helpdesk_domain::calendar::{Calendar, CalendarRecord, WorkingDuration};
use helpdesk_domain::service_level::{Lifecycle, PriorityTargets, ServiceLevel, Targets};
use helpdesk_domain::unit::Unit;
use helpdesk_store::{Store, Tx};
use time::OffsetDateTime;

use crate::calendars::working_calendar;

/// A unit's service level, ready to count with.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// The level's name.
    pub(crate) level: String,
    /// Each priority's response and resolution times.
    pub(crate) targets: PriorityTargets,
    /// The reminders and the closing of the lifecycle.
    pub(crate) lifecycle: Lifecycle,
    /// The calendar; none when it could not be read (then calendar time counts).
    calendar: Option<Calendar>,
}

impl Rules {
    /// The rules of `unit`'s level, read in `tx`. A level that cannot be read must not stop the
    /// change that needs it: GGUS's Base times then apply, counted in calendar time, and the log
    /// says why.
    pub(crate) async fn of(tx: &mut dyn Tx, unit: UnitId) -> Rules {
        let read = async {
            let unit = tx.unit(unit).await.map_err(|e| e.to_string())?.ok_or("the unit is gone")?;
            let level = tx.service_level(unit.service_level).await.map_err(|e| e.to_string())?;
            let level = level.ok_or("the level is gone")?;
            let calendar = tx.calendar(level.calendar).await.map_err(|e| e.to_string())?;
            Rules::build(&level, calendar.ok_or("the calendar is gone")?)
        };
        read.await.unwrap_or_else(|e| Rules::fallback(unit, e))
    }

    /// The same, read from `store` outside any transaction (before a change's transaction, so
    /// that SQLite's writer does not wait on the reads).
    pub(crate) async fn read(store: &dyn Store, unit: &Unit) -> Rules {
        let read = async {
            let level = store.service_level(unit.service_level).await.map_err(|e| e.to_string())?;
            let level = level.ok_or("the level is gone")?;
            let calendar = store.calendar(level.calendar).await.map_err(|e| e.to_string())?;
            Rules::build(&level, calendar.ok_or("the calendar is gone")?)
        };
        read.await.unwrap_or_else(|e| Rules::fallback(unit.id, e))
    }

    fn build(level: &ServiceLevel, calendar: CalendarRecord) -> Result<Rules, String> {
        let lifecycle = Lifecycle {
            waiting_reminder: level.waiting_reminder.parse()?,
            auto_unsolved_after_reminders: level.auto_unsolved_after_reminders,
            auto_close: level.auto_close.parse()?,
        };
        let targets = level.targets.parse().map_err(|e| format!("{e:?}"))?;
        let calendar = working_calendar(&calendar).map_err(|e| e.to_string())?;
        Ok(Rules { level: level.name.clone(), targets, lifecycle, calendar: Some(calendar) })
    }

    fn fallback(unit: UnitId, error: String) -> Rules {
        let unit = unit.get();
        tracing::warn!(unit, error = %error, "the unit's level could not be read; GGUS's Base times apply");
        let base = Targets::answered_within(WorkingDuration::Days(5));
        Rules {
            level: String::new(),
            targets: PriorityTargets { low: base, medium: base, high: base, top: base },
            lifecycle: Lifecycle::default(),
            calendar: None,
        }
    }

    /// When `after` of working time, started at `from`, has passed.
    pub(crate) fn due(&self, from: OffsetDateTime, after: WorkingDuration) -> OffsetDateTime {
        if let Some(calendar) = &self.calendar
            && let Ok(due) = calendar.due(from, after)
        {
            return due;
        }
        let minutes = match after {
            WorkingDuration::Minutes(n) => i64::from(n),
            WorkingDuration::Hours(n) => 60 * i64::from(n),
            WorkingDuration::Days(n) => 24 * 60 * i64::from(n),
        };
        from + time::Duration::minutes(minutes)
    }

    /// The working seconds between `from` and `to`.
    pub(crate) fn working_secs(&self, from: OffsetDateTime, to: OffsetDateTime) -> i64 {
        if let Some(calendar) = &self.calendar
            && let Ok(spent) = calendar.working_time(from, to)
        {
            return spent.whole_seconds();
        }
        (to - from).whole_seconds().max(0)
    }

    /// The moment `secs` working seconds after `from` (at least the next working moment).
    pub(crate) fn after_working(&self, from: OffsetDateTime, secs: i64) -> OffsetDateTime {
        let working = time::Duration::seconds(secs);
        if let Some(calendar) = &self.calendar
            && let Ok(at) = calendar.after_working(from, working)
        {
            return at;
        }
        from + working.max(time::Duration::ZERO)
    }
}

/// How long a unit's rules, once read, serve the tickets opened in it. An edit on this node
/// forgets them at once; one on another node reaches this node's new tickets within this time
/// (running clocks are re-targeted in the database by the edit itself).
const RULES_MEMO: Duration = Duration::from_secs(5);

/// Units' rules as lately read: opening a ticket then reads no level and no calendar.
#[derive(Default)]
pub(crate) struct RulesMemo(Mutex<HashMap<UnitId, (Instant, Rules)>>);

impl RulesMemo {
    /// `unit`'s rules, read from `store` when not read within [`RULES_MEMO`]; none when the
    /// unit is not there.
    pub(crate) async fn get(
        &self,
        store: &dyn Store,
        unit: UnitId,
    ) -> Result<Option<Rules>, helpdesk_store::StoreError> {
        if let Ok(memo) = self.0.lock()
            && let Some((at, rules)) = memo.get(&unit)
            && at.elapsed() < RULES_MEMO
        {
            return Ok(Some(rules.clone()));
        }
        let Some(row) = store.unit(unit).await? else { return Ok(None) };
        let rules = Rules::read(store, &row).await;
        if let Ok(mut memo) = self.0.lock() {
            memo.insert(unit, (Instant::now(), rules.clone()));
        }
        Ok(Some(rules))
    }

    /// Forgets every unit's rules (a unit, level or calendar changed here).
    pub(crate) fn forget(&self) {
        if let Ok(mut memo) = self.0.lock() {
            memo.clear();
        }
    }
}
