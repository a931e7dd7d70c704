//! The admin pages of working-hour calendars: the list, the form (each weekday's intervals,
//! holidays typed or pasted from an iCalendar file) and the preview of a due moment.

use askama::Template;
use helpdesk_app::calendars::{CalendarInput, CalendarPatch};
use helpdesk_domain::CalendarId;
use helpdesk_domain::calendar::{CalendarRecord, WEEKDAYS, WeekHours, parse_holidays};
use helpdesk_domain::validation::FieldError;
use serde::Deserialize;
use time::macros::format_description;

use super::admin::refused;
use super::form::{PageForm, PagePath, PageQuery};
use super::{Admin, Errors, PageResult, Shell, Viewer, render, submit};
use crate::AppState;

/// The weekdays as the form labels them, in `WEEKDAYS`' order.
const DAY_LABELS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// How many years before and after this one a pasted yearly holiday is repeated in.
const YEARS_AROUND: i32 = 5;

/// A calendar form's values, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    mon: String,
    #[serde(default)]
    tue: String,
    #[serde(default)]
    wed: String,
    #[serde(default)]
    thu: String,
    #[serde(default)]
    fri: String,
    #[serde(default)]
    sat: String,
    #[serde(default)]
    sun: String,
    #[serde(default)]
    holidays: String,
}

/// One weekday's field of the form.
pub struct DayField {
    /// Its name in the form (`mon`).
    pub field: &'static str,
    /// Its label.
    pub label: &'static str,
    /// What it holds.
    pub value: String,
    /// Why it was refused, if it was.
    pub error: String,
}

impl CalendarForm {
    /// The form of a new calendar: office hours in UTC, to change from.
    fn new_one() -> CalendarForm {
        let day = || "09:00-17:00".to_owned();
        CalendarForm {
            time_zone: "UTC".into(),
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            ..CalendarForm::default()
        }
    }

    fn of(c: &CalendarRecord) -> CalendarForm {
        let day = |intervals: &[String]| intervals.join(", ");
        CalendarForm {
            name: c.name.clone(),
            time_zone: c.time_zone.clone(),
            mon: day(&c.week.mon),
            tue: day(&c.week.tue),
            wed: day(&c.week.wed),
            thu: day(&c.week.thu),
            fri: day(&c.week.fri),
            sat: day(&c.week.sat),
            sun: day(&c.week.sun),
            holidays: c.holidays.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
        }
    }

    fn texts(&self) -> [&String; 7] {
        [&self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun]
    }

    /// The weekdays' fields, with the errors the app gave them (`week.mon`).
    fn days(&self, errors: &Errors) -> Vec<DayField> {
        WEEKDAYS
            .iter()
            .zip(DAY_LABELS)
            .zip(self.texts())
            .map(|((field, label), value)| DayField {
                field,
                label,
                value: value.clone(),
                error: errors.get(&format!("week.{field}")).unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// What the form asks for; the holidays are read here (typed dates or a pasted iCalendar
    /// file), the rest is checked by the app.
    fn parse(&self, this_year: i32) -> Result<CalendarInput, Errors> {
        let years = this_year - 1..=this_year + YEARS_AROUND;
        let holidays = parse_holidays(&self.holidays, years)
            .map_err(|message| Errors::from_fields(vec![FieldError::new("holidays", message)]))?;
        let [mon, tue, wed, thu, fri, sat, sun] = self.texts().map(|text| {
            text.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        });
        let week = WeekHours { mon, tue, wed, thu, fri, sat, sun };
        let time_zone =
            if self.time_zone.trim().is_empty() { "UTC".to_owned() } else { self.time_zone.trim().to_owned() };
        Ok(CalendarInput { name: self.name.clone(), time_zone, week, holidays })
    }
}

/// The preview asked for on a calendar's page.
#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "admin/calendars.html")]
struct CalendarsPage {
    shell: Shell,
    heading: String,
    action: String,
    /// Each calendar: id, name, and what it is in words.
    calendars: Vec<(CalendarId, String, String)>,
    form: CalendarForm,
    days: Vec<DayField>,
    errors: Errors,
    /// On a calendar's own page: where the preview form goes.
    preview_action: String,
    preview: PreviewQuery,
    /// The preview's answer, or why there is none.
    preview_answer: String,
}

fn summary(c: &CalendarRecord) -> String {
    let working: Vec<String> = [
        ("Mon", &c.week.mon),
        ("Tue", &c.week.tue),
        ("Wed", &c.week.wed),
        ("Thu", &c.week.thu),
        ("Fri", &c.week.fri),
        ("Sat", &c.week.sat),
        ("Sun", &c.week.sun),
    ]
    .iter()
    .filter(|(_, intervals)| !intervals.is_empty())
    .map(|(day, intervals)| format!("{day} {}", intervals.join(", ")))
    .collect();
    let holidays = super::views::counted(c.holidays.len() as i64, "holidays");
    format!("{} · {} · {holidays}", c.time_zone, working.join("; "))
}

async fn calendars_page(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<CalendarId>,
    form: CalendarForm,
    errors: Errors,
    notice: &str,
    preview: PreviewQuery,
) -> PageResult {
    let calendars = match editing {
        Some(_) => vec![],
        None => state.app.calendars(&viewer.actor).await?.iter().map(|c| (c.id, c.name.clone(), summary(c))).collect(),
    };
    let preview_answer = match editing {
        Some(id) if !preview.from.is_empty() || !preview.after.is_empty() => {
            preview_of(state, viewer, id.get(), &preview).await?
        }
        _ => String::new(),
    };
    let page = CalendarsPage {
        shell: Shell::of(viewer).with_notice(notice),
        heading: if editing.is_some() { format!("Calendar {}", form.name) } else { "Calendars".into() },
        action: editing.map(|id| format!("/admin/calendars/{id}")).unwrap_or_else(|| "/admin/calendars".into()),
        calendars,
        days: form.days(&errors),
        form,
        errors,
        preview_action: editing.map(|id| format!("/admin/calendars/{id}")).unwrap_or_default(),
        preview,
        preview_answer,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// The preview's answer in words: the due moment in the calendar's zone, or why there is none.
async fn preview_of(state: &AppState, viewer: &Viewer, id: i64, q: &PreviewQuery) -> Result<String, super::PageError> {
    let with_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let from = q.from.trim();
    let Ok(from) =
        time::PrimitiveDateTime::parse(from, &with_seconds).or_else(|_| time::PrimitiveDateTime::parse(from, &without))
    else {
        return Ok(format!("'{}' is not a date and time: choose one in the field.", q.from));
    };
    match state.app.calendar_due_local(&viewer.actor, CalendarId(id), from, q.after.trim()).await {
        Ok(due) => {
            let shown = format_description!("[weekday] [day padding:none] [month repr:long] [year], [hour]:[minute]");
            Ok(format!("Due {}", due.format(&shown).unwrap_or_default()))
        }
        Err(helpdesk_app::AppError::Invalid(errors)) => {
            Ok(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
        }
        Err(other) => Err(other.into()),
    }
}

/// Every calendar, and the form for a new one.
pub async fn calendars(Admin { state, viewer }: Admin) -> PageResult {
    let form = CalendarForm::new_one();
    calendars_page(&state, &viewer, None, form, Errors::default(), "", PreviewQuery::default()).await
}

/// Creates a calendar.
pub async fn create_calendar(Admin { state, viewer }: Admin, PageForm(form): PageForm<CalendarForm>) -> PageResult {
    let year = time::OffsetDateTime::now_utc().year();
    match submit(form.parse(year), |input| state.app.create_calendar(&viewer.actor, input)).await? {
        Ok(_) => {
            let blank = CalendarForm::new_one();
            let notice = "The calendar is created.";
            calendars_page(&state, &viewer, None, blank, Errors::default(), notice, PreviewQuery::default()).await
        }
        Err(errors) => calendars_page(&state, &viewer, None, form, errors, "", PreviewQuery::default()).await,
    }
}

/// One calendar's form, with the preview when asked (`?from=2026-12-24T16:00&after=2h`).
pub async fn calendar(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<CalendarId>,
    PageQuery(preview): PageQuery<PreviewQuery>,
) -> PageResult {
    let calendar = state.app.calendar(&viewer.actor, id).await?;
    calendars_page(&state, &viewer, Some(id), CalendarForm::of(&calendar), Errors::default(), "", preview).await
}

/// Saves a calendar.
pub async fn update_calendar(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<CalendarId>,
    PageForm(form): PageForm<CalendarForm>,
) -> PageResult {
    let year = time::OffsetDateTime::now_utc().year();
    let patch = |input: CalendarInput| CalendarPatch {
        name: Some(input.name),
        time_zone: Some(input.time_zone),
        week: Some(input.week),
        holidays: Some(input.holidays),
    };
    match submit(form.parse(year).map(patch), |patch| state.app.update_calendar(&viewer.actor, id, patch)).await? {
        Ok(c) => {
            let form = CalendarForm::of(&c);
            let notice = "The calendar is saved.";
            calendars_page(&state, &viewer, Some(id), form, Errors::default(), notice, PreviewQuery::default()).await
        }
        Err(errors) => calendars_page(&state, &viewer, Some(id), form, errors, "", PreviewQuery::default()).await,
    }
}
