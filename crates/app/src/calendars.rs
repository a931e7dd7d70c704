//! Working-hour calendars: what admins configure, what service levels count in, and the due
//! moment a calendar gives (the preview on its page).

use helpdesk_domain::CalendarId;
use helpdesk_domain::calendar::{Calendar, CalendarRecord, MOST_HOLIDAYS, WeekHours, WorkingDuration};
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::validation::{Errors, check_line};
use helpdesk_store::NewCalendar;
use time::OffsetDateTime;

use crate::{App, AppError, AppResult};

/// The `Default` calendar (migration 0011): office hours, in the configured `time_zone`.
pub const DEFAULT_CALENDAR: CalendarId = CalendarId(1);

/// The longest name of a calendar, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A calendar as an admin describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInput {
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Its week.
    pub week: WeekHours,
    /// Its holidays.
    pub holidays: Vec<time::Date>,
}

/// A change to some of a calendar's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarPatch {
    /// New name.
    pub name: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New week.
    pub week: Option<WeekHours>,
    /// New holidays (all of them).
    pub holidays: Option<Vec<time::Date>>,
}

/// The calendar a record describes, its zone looked up in the time zone database (the
/// system's, or the copy built in when the system has none).
pub fn working_calendar(record: &CalendarRecord) -> AppResult<Calendar> {
    let week = record.week.week().map_err(AppError::Invalid)?;
    Ok(Calendar::new(zone(&record.time_zone)?, week, record.holidays.iter().copied()))
}

/// Whether the time zone database knows `name` (the configuration's `time_zone` is checked
/// with it before anything starts).
pub fn is_time_zone(name: &str) -> bool {
    zone(name).is_ok()
}

fn zone(name: &str) -> AppResult<jiff::tz::TimeZone> {
    jiff::tz::db().get(name).map_err(|_| {
        AppError::invalid("time_zone", format!("'{name}' is not a time zone: use an IANA name such as Europe/Berlin"))
    })
}

/// `input` made ready to store (the name trimmed, the holidays in order and once each), or
/// every refusal at once: its name, its zone, its week and its holidays.
fn checked(input: CalendarInput) -> AppResult<CalendarInput> {
    let mut errors = Errors::new();
    let name = input.name.trim().to_owned();
    check_line(&mut errors, "name", &name, MAX_NAME_CHARS);
    if let Err(AppError::Invalid(zone_errors)) = zone(&input.time_zone) {
        errors.extend(zone_errors);
    }
    if let Err(week_errors) = input.week.week() {
        errors.extend(week_errors);
    }
    errors.check(
        input.holidays.len() > MOST_HOLIDAYS,
        "holidays",
        format!("at most {MOST_HOLIDAYS} holidays (got {})", input.holidays.len()),
    );
    let mut holidays = input.holidays;
    holidays.sort();
    holidays.dedup();
    errors.finish(CalendarInput { name, holidays, ..input }).map_err(AppError::Invalid)
}

impl App {
    /// Every working-hour calendar.
    pub async fn calendars(&self, actor: &Actor) -> AppResult<Vec<CalendarRecord>> {
        check(actor, Action::ReadCatalog)?;
        Ok(self.store.calendars().await?)
    }

    /// One working-hour calendar.
    pub async fn calendar(&self, actor: &Actor, id: CalendarId) -> AppResult<CalendarRecord> {
        check(actor, Action::ReadCatalog)?;
        self.store.calendar(id).await?.ok_or_else(|| not_found(id))
    }

    /// Makes a calendar (admins).
    pub async fn create_calendar(&self, actor: &Actor, input: CalendarInput) -> AppResult<CalendarRecord> {
        check(actor, Action::ManageCatalog)?;
        let input = checked(input)?;
        let new =
            NewCalendar { name: input.name, time_zone: input.time_zone, week: input.week, holidays: input.holidays };
        let now = self.now();
        self.write(move |mut tx| async move {
            let calendar = tx.insert_calendar(&new, now).await?;
            tx.commit().await?;
            Ok(calendar)
        })
        .await
    }

    /// Changes some of a calendar's fields (admins); the whole result is checked as a new one is.
    pub async fn update_calendar(
        &self,
        actor: &Actor,
        id: CalendarId,
        patch: CalendarPatch,
    ) -> AppResult<CalendarRecord> {
        check(actor, Action::ManageCatalog)?;
        let now = self.now();
        let done = self
            .write(move |mut tx| async move {
                let current = tx.calendar(id).await?.ok_or_else(|| not_found(id))?;
                let input = checked(CalendarInput {
                    name: patch.name.unwrap_or(current.name.clone()),
                    time_zone: patch.time_zone.unwrap_or(current.time_zone.clone()),
                    week: patch.week.unwrap_or(current.week.clone()),
                    holidays: patch.holidays.unwrap_or(current.holidays.clone()),
                })?;
                let updated = CalendarRecord {
                    name: input.name,
                    time_zone: input.time_zone,
                    week: input.week,
                    holidays: input.holidays,
                    updated_at: now,
                    ..current
                };
                tx.update_calendar(&updated).await?;
                if (&updated.time_zone, &updated.week, &updated.holidays)
                    != (&current.time_zone, &current.week, &current.holidays)
                {
                    crate::clocks::retarget_under(&mut *tx, helpdesk_store::ClockScope::Calendar(id)).await?;
                }
                tx.commit().await?;
                Ok(updated)
            })
            .await;
        // New tickets here take the new times at once.
        self.rules.forget();
        done
    }

    /// Gives the `Default` calendar the configured time `zone`, as long as no admin has edited
    /// that calendar (then their choice stands); true when it changed. A zone that does not
    /// exist is refused and changes nothing.
    pub async fn adopt_default_time_zone(&self, configured: &str) -> AppResult<bool> {
        let name = configured.trim().to_owned();
        zone(&name)?;
        // Every start asks; the readers answer, and the writer is taken only for a change.
        let unchanged = |c: &CalendarRecord| c.updated_at != c.created_at || c.time_zone == name;
        if self.store.calendar(DEFAULT_CALENDAR).await?.is_none_or(|c| unchanged(&c)) {
            return Ok(false);
        }
        self.write(move |mut tx| async move {
            let Some(current) = tx.calendar(DEFAULT_CALENDAR).await? else { return Ok(false) };
            if current.updated_at != current.created_at || current.time_zone == name {
                return Ok(false);
            }
            // updated_at stays as it was: the calendar still counts as never edited, and
            // follows the key if it changes again.
            tx.update_calendar(&CalendarRecord { time_zone: name, ..current }).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// The preview of a calendar's page: when `after` has passed since `from`, a wall-clock
    /// time in the calendar's own zone, answered in that zone too.
    pub async fn calendar_due_local(
        &self,
        actor: &Actor,
        id: CalendarId,
        from: time::PrimitiveDateTime,
        after: &str,
    ) -> AppResult<time::PrimitiveDateTime> {
        let record = self.calendar(actor, id).await?;
        let zone = zone(&record.time_zone)?;
        let invalid = || AppError::invalid("from", "a moment the calendar cannot reckon with");
        let from = civil(from).ok_or_else(invalid)?;
        let instant = zone.to_timestamp(from).map_err(|_| invalid())?;
        let instant = OffsetDateTime::from_unix_timestamp_nanos(instant.as_nanosecond()).map_err(|_| invalid())?;
        let due = self.calendar_due(actor, id, instant, after).await?;
        let due = jiff::Timestamp::from_nanosecond(due.unix_timestamp_nanos()).map_err(|_| invalid())?;
        wall_clock(zone.to_datetime(due)).ok_or_else(invalid)
    }

    /// When `after` (`30m`, `4h`, `5d`) of working time in calendar `id` has passed since `from`.
    pub async fn calendar_due(
        &self,
        actor: &Actor,
        id: CalendarId,
        from: OffsetDateTime,
        after: &str,
    ) -> AppResult<OffsetDateTime> {
        let record = self.calendar(actor, id).await?;
        let after: WorkingDuration = after.parse().map_err(|message: String| AppError::invalid("after", message))?;
        let calendar = working_calendar(&record)?;
        calendar.due(from, after).map_err(|e| AppError::invalid("from", e.to_string()))
    }
}

/// A wall-clock time as jiff reads it.
fn civil(t: time::PrimitiveDateTime) -> Option<jiff::civil::DateTime> {
    let date = jiff::civil::Date::new(
        i16::try_from(t.year()).ok()?,
        i8::try_from(u8::from(t.month())).ok()?,
        i8::try_from(t.day()).ok()?,
    )
    .ok()?;
    let time = jiff::civil::Time::new(
        i8::try_from(t.hour()).ok()?,
        i8::try_from(t.minute()).ok()?,
        i8::try_from(t.second()).ok()?,
        0,
    )
    .ok()?;
    Some(date.to_datetime(time))
}

/// A wall-clock time as `time` writes it.
fn wall_clock(t: jiff::civil::DateTime) -> Option<time::PrimitiveDateTime> {
    let month = time::Month::try_from(u8::try_from(t.month()).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::from(t.year()), month, u8::try_from(t.day()).ok()?).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(t.hour()).ok()?,
        u8::try_from(t.minute()).ok()?,
        u8::try_from(t.second()).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock))
}

fn not_found(id: CalendarId) -> AppError {
    AppError::NotFound(format!("there is no calendar {id}"))
}
