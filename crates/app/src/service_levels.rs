//! Service levels: what admins configure (each priority's response and resolution times in a
//! calendar's working time, and the lifecycle times), and what every signed-in person reads.

use helpdesk_domain::calendar::WorkingDuration;
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::service_level::{Lifecycle, ServiceLevel, ServiceLevelSpec, TargetsText, check_service_level};
use helpdesk_domain::validation::FieldError;
use helpdesk_domain::{CalendarId, ServiceLevelId};
use helpdesk_store::{NewServiceLevel, Tx};

use crate::{App, AppError, AppResult};

/// A service level as an admin describes it; lifecycle times not given take GGUS's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLevelInput {
    /// Its name.
    pub name: String,
    /// The calendar its times are counted in.
    pub calendar: CalendarId,
    /// Each priority's times, as written.
    pub targets: TargetsText,
    /// The reminder period while waiting for the submitter (`5d` when not given).
    pub waiting_reminder: Option<String>,
    /// Reminders before a waiting ticket becomes unsolved (2 when not given).
    pub auto_unsolved_after_reminders: Option<u8>,
    /// The time before an unverified solution is closed (`10d` when not given).
    pub auto_close: Option<String>,
}

/// A change to some of a service level's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceLevelPatch {
    /// New name.
    pub name: Option<String>,
    /// New calendar.
    pub calendar: Option<CalendarId>,
    /// New times, all of them.
    pub targets: Option<TargetsText>,
    /// New reminder period.
    pub waiting_reminder: Option<String>,
    /// New number of reminders.
    pub auto_unsolved_after_reminders: Option<u8>,
    /// New time before closing.
    pub auto_close: Option<String>,
}

/// `input` made ready to store (the name trimmed, every time written the same way), or every
/// refusal at once, naming the field; the calendar must exist.
async fn checked(tx: &mut dyn Tx, input: ServiceLevelInput) -> AppResult<NewServiceLevel> {
    let mut errors: Vec<FieldError> = Vec::new();
    let defaults = Lifecycle::default();
    let mut duration = |field: &str, text: Option<&str>, default: WorkingDuration| match text {
        None => default,
        Some(text) => text.parse().unwrap_or_else(|message: String| {
            errors.push(FieldError::new(field, message));
            default
        }),
    };
    let waiting_reminder = duration("waiting_reminder", input.waiting_reminder.as_deref(), defaults.waiting_reminder);
    let auto_close = duration("auto_close", input.auto_close.as_deref(), defaults.auto_close);
    let targets = input.targets.parse().unwrap_or_else(|mut targets_errors| {
        errors.append(&mut targets_errors);
        ggus_base()
    });
    let spec = ServiceLevelSpec {
        name: input.name.trim().to_owned(),
        calendar: input.calendar,
        targets,
        lifecycle: Lifecycle {
            waiting_reminder,
            auto_unsolved_after_reminders: input
                .auto_unsolved_after_reminders
                .unwrap_or(defaults.auto_unsolved_after_reminders),
            auto_close,
        },
    };
    if errors.is_empty()
        && let Err(mut rule_errors) = check_service_level(&spec)
    {
        errors.append(&mut rule_errors);
    }
    if tx.calendar(spec.calendar).await?.is_none() {
        errors.push(FieldError::new("calendar", format!("there is no calendar {}", spec.calendar)));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(NewServiceLevel {
        name: spec.name,
        calendar: spec.calendar,
        targets: TargetsText::of(&spec.targets),
        waiting_reminder: spec.lifecycle.waiting_reminder.to_string(),
        auto_unsolved_after_reminders: spec.lifecycle.auto_unsolved_after_reminders,
        auto_close: spec.lifecycle.auto_close.to_string(),
    })
}

/// Base's targets, standing in for targets that could not be read while the rest is checked.
fn ggus_base() -> helpdesk_domain::service_level::PriorityTargets {
    let [base, ..] = helpdesk_domain::service_level::ggus_levels(CalendarId(0));
    base.targets
}

impl App {
    /// Every service level (`Base`, `Medium` and `Advanced` exist from the start).
    pub async fn service_levels(&self, actor: &Actor) -> AppResult<Vec<ServiceLevel>> {
        check(actor, Action::ReadCatalog)?;
        Ok(self.store.service_levels().await?)
    }

    /// One service level.
    pub async fn service_level(&self, actor: &Actor, id: ServiceLevelId) -> AppResult<ServiceLevel> {
        check(actor, Action::ReadCatalog)?;
        self.store.service_level(id).await?.ok_or_else(|| not_found(id))
    }

    /// Makes a service level (admins).
    pub async fn create_service_level(&self, actor: &Actor, input: ServiceLevelInput) -> AppResult<ServiceLevel> {
        check(actor, Action::ManageCatalog)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let new = checked(&mut *tx, input).await?;
            let level = tx.insert_service_level(&new, now).await?;
            tx.commit().await?;
            Ok(level)
        })
        .await
    }

    /// Changes some of a service level's fields (admins); the result is checked as a new one is.
    pub async fn update_service_level(
        &self,
        actor: &Actor,
        id: ServiceLevelId,
        patch: ServiceLevelPatch,
    ) -> AppResult<ServiceLevel> {
        check(actor, Action::ManageCatalog)?;
        let now = self.now();
        let done = self
            .write(move |mut tx| async move {
                let current = tx.service_level(id).await?.ok_or_else(|| not_found(id))?;
                let input = ServiceLevelInput {
                    name: patch.name.unwrap_or(current.name.clone()),
                    calendar: patch.calendar.unwrap_or(current.calendar),
                    targets: patch.targets.unwrap_or(current.targets.clone()),
                    waiting_reminder: Some(patch.waiting_reminder.unwrap_or(current.waiting_reminder.clone())),
                    auto_unsolved_after_reminders: Some(
                        patch.auto_unsolved_after_reminders.unwrap_or(current.auto_unsolved_after_reminders),
                    ),
                    auto_close: Some(patch.auto_close.unwrap_or(current.auto_close.clone())),
                };
                let new = checked(&mut *tx, input).await?;
                let updated = ServiceLevel {
                    name: new.name,
                    calendar: new.calendar,
                    targets: new.targets,
                    waiting_reminder: new.waiting_reminder,
                    auto_unsolved_after_reminders: new.auto_unsolved_after_reminders,
                    auto_close: new.auto_close,
                    updated_at: now,
                    ..current
                };
                tx.update_service_level(&updated).await?;
                if updated.targets != current.targets || updated.calendar != current.calendar {
                    crate::clocks::retarget_under(&mut *tx, helpdesk_store::ClockScope::Level(id)).await?;
                }
                tx.commit().await?;
                Ok(updated)
            })
            .await;
        // New tickets here take the new times at once.
        self.rules.forget();
        done
    }
}

fn not_found(id: ServiceLevelId) -> AppError {
    AppError::NotFound(format!("there is no service level {id}"))
}
