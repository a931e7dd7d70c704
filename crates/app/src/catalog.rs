//! Support units and categories: what admins configure and everyone reads.

use helpdesk_domain::category::{Category, FieldDef, check_category};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::unit::{Integration, Unit, check_alarm_email, check_unit};
use helpdesk_domain::{CategoryId, ServiceLevelId, UnitId};
use helpdesk_store::{NewCategory, NewUnit, Tx};

use crate::{App, AppError, AppResult};

/// The service level a unit has unless an admin chooses another: GGUS's Base, the first.
pub const BASE_SERVICE_LEVEL: ServiceLevelId = ServiceLevelId(1);

/// Refuses, naming the field, a service level that does not exist.
async fn existing_service_level(tx: &mut dyn Tx, id: ServiceLevelId) -> AppResult<()> {
    match tx.service_level(id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::invalid("service_level", format!("there is no service level {id}"))),
    }
}

/// A unit as an admin describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInput {
    /// Its name.
    pub name: String,
    /// What it handles.
    pub description: String,
    /// 1, 2 or 3.
    pub level: i16,
    /// Its address.
    pub email: String,
    /// How it works its tickets.
    pub integration: Integration,
    /// Its service level (Base when not given).
    pub service_level: Option<ServiceLevelId>,
    /// Where its alarm tickets are mailed at once (empty: none).
    pub alarm_email: String,
}

/// A change to some of a unit's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New level.
    pub level: Option<i16>,
    /// New address.
    pub email: Option<String>,
    /// New integration mode.
    pub integration: Option<Integration>,
    /// New service level.
    pub service_level: Option<ServiceLevelId>,
    /// New alarm address (empty: none).
    pub alarm_email: Option<String>,
}

/// A category as an admin describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryInput {
    /// Its name.
    pub name: String,
    /// What belongs in it.
    pub description: String,
    /// Where its tickets go.
    pub default_unit: UnitId,
    /// Its own fields.
    pub fields: Vec<FieldDef>,
}

/// A change to some of a category's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New default unit.
    pub default_unit: Option<UnitId>,
    /// New field definitions (tickets keep the values they have).
    pub fields: Option<Vec<FieldDef>>,
}

impl App {
    /// Creates a support unit.
    pub async fn create_unit(&self, actor: &Actor, input: UnitInput) -> AppResult<Unit> {
        check(actor, Action::ManageCatalog)?;
        let new = NewUnit {
            name: input.name.trim().to_owned(),
            description: input.description,
            level: input.level,
            email: input.email.trim().to_owned(),
            integration: input.integration,
            service_level: input.service_level.unwrap_or(BASE_SERVICE_LEVEL),
            alarm_email: input.alarm_email.trim().to_lowercase(),
        };
        check_unit(&new.name, new.level, &new.email, &new.description)?;
        check_alarm_email(&new.alarm_email)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            existing_service_level(&mut *tx, new.service_level).await?;
            let unit = tx.insert_unit(&new, now).await?;
            tx.commit().await?;
            Ok(unit)
        })
        .await
    }

    /// Changes some of a unit's fields.
    pub async fn update_unit(&self, actor: &Actor, id: UnitId, patch: UnitPatch) -> AppResult<Unit> {
        check(actor, Action::ManageCatalog)?;
        let now = self.now();
        let done = self
            .write(move |mut tx| async move {
                let mut unit = tx.unit(id).await?.ok_or_else(|| unit_not_found(id))?;
                if let Some(name) = patch.name {
                    unit.name = name.trim().to_owned();
                }
                if let Some(description) = patch.description {
                    unit.description = description;
                }
                if let Some(level) = patch.level {
                    unit.level = level;
                }
                if let Some(email) = patch.email {
                    unit.email = email.trim().to_owned();
                }
                if let Some(integration) = patch.integration {
                    unit.integration = integration;
                }
                let before = unit.service_level;
                if let Some(level) = patch.service_level {
                    existing_service_level(&mut *tx, level).await?;
                    unit.service_level = level;
                }
                if let Some(alarm_email) = patch.alarm_email {
                    unit.alarm_email = alarm_email.trim().to_lowercase();
                }
                check_unit(&unit.name, unit.level, &unit.email, &unit.description)?;
                check_alarm_email(&unit.alarm_email)?;
                unit.updated_at = now;
                tx.update_unit(&unit).await?;
                if unit.service_level != before {
                    crate::clocks::retarget_under(&mut *tx, helpdesk_store::ClockScope::Unit(id)).await?;
                }
                tx.commit().await?;
                Ok(unit)
            })
            .await;
        // New tickets here take the new times at once.
        self.rules.forget();
        done
    }

    /// One unit.
    pub async fn unit(&self, actor: &Actor, id: UnitId) -> AppResult<Unit> {
        check(actor, Action::ReadCatalog)?;
        let unit = self.store.unit(id).await?.ok_or_else(|| unit_not_found(id))?;
        Ok(helpdesk_domain::policy::unit_shown_to(actor, unit))
    }

    /// A page of units, by name.
    pub async fn units(&self, actor: &Actor, page: PageRequest) -> AppResult<Page<Unit>> {
        check(actor, Action::ReadCatalog)?;
        let mut units = self.store.units(page).await?;
        units.items = units.items.into_iter().map(|u| helpdesk_domain::policy::unit_shown_to(actor, u)).collect();
        Ok(units)
    }

    /// The units whose queue `actor` works: their own, or for staff (who belong to none) every
    /// unit of the first hundred; refused for those who work no queue.
    pub async fn queue_units(&self, actor: &Actor) -> AppResult<Vec<UnitId>> {
        check(actor, Action::WorkQueue)?;
        if !actor.units.is_empty() {
            return Ok(actor.units.clone());
        }
        let units = self.store.units(crate::FIRST_HUNDRED).await?.items;
        Ok(units.iter().map(|u| u.id).collect())
    }

    /// The 1st-level units (of the first hundred) whose new tickets `actor` may triage; refused
    /// when there is none.
    pub async fn triage_units(&self, actor: &Actor) -> AppResult<Vec<UnitId>> {
        check(actor, Action::ReadCatalog)?;
        let units = self.store.units(crate::FIRST_HUNDRED).await?.items;
        let triaged: Vec<UnitId> = units
            .iter()
            .filter(|u| check(actor, Action::Triage { unit: u.id, level: u.level }).is_ok())
            .map(|u| u.id)
            .collect();
        if triaged.is_empty() {
            return Err(AppError::Forbidden(helpdesk_domain::policy::TRIAGE_IS_FOR.into()));
        }
        Ok(triaged)
    }

    /// Creates a category.
    pub async fn create_category(&self, actor: &Actor, input: CategoryInput) -> AppResult<Category> {
        check(actor, Action::ManageCatalog)?;
        let new = NewCategory {
            name: input.name.trim().to_owned(),
            description: input.description,
            default_unit: input.default_unit,
            fields: input.fields,
        };
        check_category(&new.name, &new.description, &new.fields)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            existing_unit(&mut *tx, new.default_unit).await?;
            let category = tx.insert_category(&new, now).await?;
            tx.commit().await?;
            Ok(category)
        })
        .await
    }

    /// Changes some of a category's fields.
    pub async fn update_category(&self, actor: &Actor, id: CategoryId, patch: CategoryPatch) -> AppResult<Category> {
        check(actor, Action::ManageCatalog)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let mut category =
                tx.category(id).await?.ok_or_else(|| AppError::NotFound(format!("there is no category {id}")))?;
            if let Some(name) = patch.name {
                category.name = name.trim().to_owned();
            }
            if let Some(description) = patch.description {
                category.description = description;
            }
            if let Some(fields) = patch.fields {
                category.fields = fields;
            }
            check_category(&category.name, &category.description, &category.fields)?;
            if let Some(unit) = patch.default_unit {
                existing_unit(&mut *tx, unit).await?;
                category.default_unit = unit;
            }
            category.updated_at = now;
            tx.update_category(&category).await?;
            tx.commit().await?;
            Ok(category)
        })
        .await
    }

    /// One category.
    pub async fn category(&self, actor: &Actor, id: CategoryId) -> AppResult<Category> {
        check(actor, Action::ReadCatalog)?;
        self.store.category(id).await?.ok_or_else(|| AppError::NotFound(format!("there is no category {id}")))
    }

    /// A page of categories, by name.
    pub async fn categories(&self, actor: &Actor, page: PageRequest) -> AppResult<Page<Category>> {
        check(actor, Action::ReadCatalog)?;
        Ok(self.store.categories(page).await?)
    }
}

fn unit_not_found(id: UnitId) -> AppError {
    AppError::NotFound(format!("there is no unit {id}"))
}

async fn existing_unit(tx: &mut dyn Tx, id: UnitId) -> AppResult<()> {
    match tx.unit(id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::invalid("default_unit", format!("there is no unit {id}"))),
    }
}
