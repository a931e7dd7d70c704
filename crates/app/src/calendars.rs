//! Working-hour calendars: what admins configure, what service levels count in, and the due
//! moment a calendar gives (the preview on its page).

use helpdesk_domain::CalendarId;
use helpdesk_domain::calendar::{Calendar, CalendarRecord, MOST_HOLIDAYS, WeekHours, WorkingDuration};
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::validation::{Errors, FieldError, check_line};
use helpdesk_store::NewCalendar;
use time::OffsetDateTime;

use crate::{App, AppError, AppResult};

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

fn zone(name: &str) -> AppResult<jiff::tz::TimeZone> {
    jiff::tz::db().get(name).map_err(|_| {
        AppError::invalid("time_zone", format!("'{name}' is not a time zone: use an IANA name such as Europe/Berlin"))
    })
}

/// Every refusal of `input` at once: its name, its zone, its week and its holidays.
fn check_calendar(input: &CalendarInput) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", &input.name, MAX_NAME_CHARS);
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
    errors.finish(())
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
        let input = CalendarInput { name: input.name.trim().to_owned(), ..input };
        check_calendar(&input).map_err(AppError::Invalid)?;
        let mut holidays = input.holidays;
        holidays.sort();
        holidays.dedup();
        let new = NewCalendar { name: input.name, time_zone: input.time_zone, week: input.week, holidays };
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
        self.write(move |mut tx| async move {
            let current = tx.calendar(id).await?.ok_or_else(|| not_found(id))?;
            let input = CalendarInput {
                name: patch.name.map(|n| n.trim().to_owned()).unwrap_or(current.name.clone()),
                time_zone: patch.time_zone.unwrap_or(current.time_zone.clone()),
                week: patch.week.unwrap_or(current.week.clone()),
                holidays: patch.holidays.unwrap_or(current.holidays.clone()),
            };
            check_calendar(&input).map_err(AppError::Invalid)?;
            let mut holidays = input.holidays;
            holidays.sort();
            holidays.dedup();
            let updated = CalendarRecord {
                name: input.name,
                time_zone: input.time_zone,
                week: input.week,
                holidays,
                updated_at: now,
                ..current
            };
            tx.update_calendar(&updated).await?;
            tx.commit().await?;
            Ok(updated)
        })
        .await
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

fn not_found(id: CalendarId) -> AppError {
    AppError::NotFound(format!("there is no calendar {id}"))
}
