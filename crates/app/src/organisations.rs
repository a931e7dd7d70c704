//! Organisations: their domains, partners, contracts and members. Admins manage them; staff,
//! supporters and an organisation's own people read what the policy lets them.

use helpdesk_domain::account::Account;
use helpdesk_domain::organisation::{Contract, Organisation, check_contract, check_organisation, normalise_domain};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{
    Action, Actor, OrganisationVisibility, check, organisation_shown_to, organisation_visibility,
};
use helpdesk_domain::{AccountId, OrgId};
pub use helpdesk_store::NewContract;
use helpdesk_store::Tx;
use time::Date;

use crate::{App, AppError, AppResult};

/// A change to a contract; `None` leaves a field as it is, `Some(None)` clears the end date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractPatch {
    /// New plan.
    pub plan: Option<String>,
    /// New first day.
    pub starts_on: Option<Date>,
    /// New last day, or none to make it open-ended.
    pub ends_on: Option<Option<Date>>,
    /// New description of what it includes.
    pub includes: Option<String>,
}

fn not_found(id: OrgId) -> AppError {
    AppError::NotFound(format!("there is no organisation {id}"))
}

async fn existing(tx: &mut dyn Tx, id: OrgId) -> AppResult<()> {
    if tx.organisation_exists(id).await? { Ok(()) } else { Err(not_found(id)) }
}

async fn existing_account(tx: &mut dyn Tx, id: AccountId, field: &str) -> AppResult<()> {
    match tx.account(id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::invalid(field, format!("there is no account {id}"))),
    }
}

impl App {
    /// A page of the organisations `actor` may read, as they may see them.
    pub async fn organisations(&self, actor: &Actor, page: PageRequest) -> AppResult<Page<Organisation>> {
        let visible = organisation_visibility(actor)?;
        let found = self.store.organisations(&visible, page, self.now().date()).await?;
        Ok(found.map(|o| organisation_shown_to(actor, o)))
    }

    /// One organisation, if `actor` may read it (one they may not does not exist for them).
    pub async fn organisation(&self, actor: &Actor, id: OrgId) -> AppResult<Organisation> {
        let visible = organisation_visibility(actor).map_err(|_| not_found(id))?;
        let worked_here = match &visible {
            OrganisationVisibility::Restricted { organisations, units } if !organisations.contains(&id) => {
                self.store.organisation_worked_by(id, units).await?
            }
            _ => false,
        };
        if !visible.admits(id, worked_here) {
            return Err(not_found(id));
        }
        let found = self.store.organisation(id, self.now().date()).await?.ok_or_else(|| not_found(id))?;
        Ok(organisation_shown_to(actor, found))
    }

    /// Creates an organisation with its domains.
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        name: &str,
        domains: Vec<String>,
    ) -> AppResult<Organisation> {
        check(actor, Action::ManageOrganisations)?;
        check_organisation(name)?;
        let domains: Vec<String> = domains.iter().map(|d| normalise_domain(d)).collect::<Result<_, _>>()?;
        let (name, now) = (name.trim().to_owned(), self.now());
        let id = self
            .write(move |mut tx| async move {
                let id = tx.insert_organisation(&name, now).await?;
                for domain in &domains {
                    tx.add_domain(id, domain, now).await?;
                }
                tx.commit().await?;
                Ok(id)
            })
            .await?;
        self.organisation(actor, id).await
    }

    /// Renames an organisation.
    pub async fn rename_organisation(&self, actor: &Actor, id: OrgId, name: &str) -> AppResult<Organisation> {
        check(actor, Action::ManageOrganisations)?;
        check_organisation(name)?;
        let (name, now) = (name.trim().to_owned(), self.now());
        self.write(move |mut tx| async move {
            if !tx.rename_organisation(id, &name, now).await? {
                return Err(not_found(id));
            }
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.organisation(actor, id).await
    }

    /// Adds a verified domain; everyone verified at it becomes a member.
    pub async fn add_domain(&self, actor: &Actor, id: OrgId, domain: &str) -> AppResult<Organisation> {
        check(actor, Action::ManageOrganisations)?;
        let (domain, now) = (normalise_domain(domain)?, self.now());
        self.write(move |mut tx| async move {
            existing(&mut *tx, id).await?;
            tx.add_domain(id, &domain, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.organisation(actor, id).await
    }

    /// Removes a domain; its members stay members.
    pub async fn remove_domain(&self, actor: &Actor, id: OrgId, domain: &str) -> AppResult<()> {
        check(actor, Action::ManageOrganisations)?;
        let domain = normalise_domain(domain)?;
        self.write(move |mut tx| async move {
            if !tx.remove_domain(id, &domain).await? {
                return Err(AppError::NotFound(format!("organisation {id} has no domain {domain}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Makes an account a partner serving the organisation.
    pub async fn add_partner(&self, actor: &Actor, id: OrgId, partner: AccountId) -> AppResult<Organisation> {
        check(actor, Action::ManageOrganisations)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            existing(&mut *tx, id).await?;
            existing_account(&mut *tx, partner, "account").await?;
            tx.add_partner(id, partner, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.organisation(actor, id).await
    }

    /// Ends a partnership.
    pub async fn remove_partner(&self, actor: &Actor, id: OrgId, partner: AccountId) -> AppResult<()> {
        check(actor, Action::ManageOrganisations)?;
        self.write(move |mut tx| async move {
            if !tx.remove_partner(id, partner).await? {
                return Err(AppError::NotFound(format!("account {partner} is not a partner of organisation {id}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Adds a support contract.
    pub async fn add_contract(&self, actor: &Actor, id: OrgId, contract: NewContract) -> AppResult<Contract> {
        check(actor, Action::ManageOrganisations)?;
        check_contract(&contract.plan, contract.starts_on, contract.ends_on, &contract.includes)?;
        let contract = NewContract { plan: contract.plan.trim().to_owned(), ..contract };
        let now = self.now();
        self.write(move |mut tx| async move {
            existing(&mut *tx, id).await?;
            let stored = tx.insert_contract(id, &contract, now).await?;
            tx.commit().await?;
            Ok(stored)
        })
        .await
    }

    /// Changes a contract, e.g. ends it.
    pub async fn update_contract(
        &self,
        actor: &Actor,
        id: OrgId,
        contract: i64,
        patch: ContractPatch,
    ) -> AppResult<Contract> {
        check(actor, Action::ManageOrganisations)?;
        self.write(move |mut tx| async move {
            let mut c = tx
                .contract(id, contract)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("organisation {id} has no contract {contract}")))?;
            if let Some(plan) = patch.plan {
                c.plan = plan.trim().to_owned();
            }
            if let Some(starts_on) = patch.starts_on {
                c.starts_on = starts_on;
            }
            if let Some(ends_on) = patch.ends_on {
                c.ends_on = ends_on;
            }
            if let Some(includes) = patch.includes {
                c.includes = includes;
            }
            check_contract(&c.plan, c.starts_on, c.ends_on, &c.includes)?;
            tx.update_contract(&c).await?;
            tx.commit().await?;
            Ok(c)
        })
        .await
    }

    /// A page of an organisation's members.
    pub async fn organisation_members(&self, actor: &Actor, id: OrgId, page: PageRequest) -> AppResult<Page<Account>> {
        check(actor, Action::ManageOrganisations)?;
        if self.store.organisation(id, self.now().date()).await?.is_none() {
            return Err(not_found(id));
        }
        Ok(self.store.organisation_members(id, page).await?)
    }

    /// Makes an account a member by hand (for addresses outside the organisation's domains).
    pub async fn add_organisation_member(&self, actor: &Actor, id: OrgId, account: AccountId) -> AppResult<()> {
        check(actor, Action::ManageOrganisations)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            existing(&mut *tx, id).await?;
            existing_account(&mut *tx, account, "account").await?;
            tx.add_organisation_member(id, account, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Ends a membership.
    pub async fn remove_organisation_member(&self, actor: &Actor, id: OrgId, account: AccountId) -> AppResult<()> {
        check(actor, Action::ManageOrganisations)?;
        self.write(move |mut tx| async move {
            if !tx.remove_organisation_member(id, account).await? {
                return Err(AppError::NotFound(format!("account {account} is not a member of organisation {id}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
