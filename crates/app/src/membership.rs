//! Support units' members: people ask to join, the unit's managers approve or refuse, and may
//! add and remove members directly.

use helpdesk_domain::organisation::{JoinRequest, JoinState, UnitMember};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::validation::{Errors, check_text};
use helpdesk_domain::{AccountId, UnitId};

use crate::notify::{self, Event};
use crate::{App, AppError, AppResult};

fn no_unit(unit: UnitId) -> AppError {
    AppError::NotFound(format!("there is no unit {unit}"))
}

impl App {
    async fn existing_unit(&self, unit: UnitId) -> AppResult<()> {
        self.store.unit(unit).await?.map(|_| ()).ok_or_else(|| no_unit(unit))
    }

    /// A unit's members: for its members, its managers and staff.
    pub async fn unit_members(&self, actor: &Actor, unit: UnitId) -> AppResult<Vec<UnitMember>> {
        self.existing_unit(unit).await?;
        if !actor.units.contains(&unit) {
            check(actor, Action::ManageUnitMembers(unit))
                .map_err(|_| AppError::Forbidden("only the unit's members and staff see who its members are".into()))?;
        }
        Ok(self.store.unit_members(unit).await?)
    }

    /// Adds a member or manager (or changes a member's manager flag).
    pub async fn set_unit_member(
        &self,
        actor: &Actor,
        unit: UnitId,
        account: AccountId,
        manager: bool,
    ) -> AppResult<Vec<UnitMember>> {
        self.existing_unit(unit).await?;
        check(actor, Action::ManageUnitMembers(unit))?;
        let now = self.now();
        self.write(move |mut tx| async move {
            match tx.account(account).await? {
                Some(a) if !a.disabled => {}
                _ => return Err(AppError::invalid("account", format!("there is no active account {account}"))),
            }
            tx.set_unit_member(unit, account, manager, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(self.store.unit_members(unit).await?)
    }

    /// Removes a member; they lose access to the unit's private tickets at once.
    pub async fn remove_unit_member(&self, actor: &Actor, unit: UnitId, account: AccountId) -> AppResult<()> {
        self.existing_unit(unit).await?;
        check(actor, Action::ManageUnitMembers(unit))?;
        self.write(move |mut tx| async move {
            if !tx.remove_unit_member(unit, account).await? {
                return Err(AppError::NotFound(format!("account {account} is not a member of unit {unit}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Asks to join a unit.
    pub async fn request_to_join(&self, actor: &Actor, unit: UnitId, message: String) -> AppResult<JoinRequest> {
        let me = actor.account.ok_or_else(|| AppError::Unauthenticated("sign in to ask to join a unit".into()))?;
        self.existing_unit(unit).await?;
        let mut errors = Errors::new();
        if !message.is_empty() {
            check_text(&mut errors, "message", &message, 4000);
        }
        errors.finish(())?;
        let now = self.now();
        self.write(move |mut tx| async move {
            if tx.is_unit_member(unit, me).await? {
                return Err(AppError::Conflict {
                    detail: format!("you are a member of unit {unit} already"),
                    allowed: None,
                });
            }
            let id = tx.insert_join_request(unit, me, message.trim(), now).await?;
            let request =
                tx.join_request(unit, id).await?.ok_or_else(|| AppError::Internal("the request vanished".into()))?;
            let event = Event::JoinRequest { unit, request: id, message: request.message.clone() };
            notify::queue(&mut *tx, vec![event], Some(me), &[], now).await?;
            tx.commit().await?;
            Ok(request)
        })
        .await
    }

    /// A page of a unit's join requests, for its managers and staff.
    pub async fn join_requests(
        &self,
        actor: &Actor,
        unit: UnitId,
        state: Option<JoinState>,
        page: PageRequest,
    ) -> AppResult<Page<JoinRequest>> {
        self.existing_unit(unit).await?;
        check(actor, Action::ManageUnitMembers(unit))?;
        Ok(self.store.join_requests(unit, state, page).await?)
    }

    /// Approves (the person becomes a member) or refuses a pending join request.
    pub async fn decide_join_request(
        &self,
        actor: &Actor,
        unit: UnitId,
        id: i64,
        approve: bool,
    ) -> AppResult<JoinRequest> {
        self.existing_unit(unit).await?;
        check(actor, Action::ManageUnitMembers(unit))?;
        let by = actor.account.ok_or_else(|| AppError::Forbidden("a person decides join requests".into()))?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let request = tx
                .join_request(unit, id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("unit {unit} has no join request {id}")))?;
            if request.state != JoinState::Pending {
                return Err(AppError::Conflict {
                    detail: format!("join request {id} was {} already", request.state),
                    allowed: None,
                });
            }
            let state = if approve { JoinState::Approved } else { JoinState::Refused };
            tx.decide_join_request(id, state, by, now).await?;
            if approve {
                tx.set_unit_member(unit, request.account, false, now).await?;
            }
            let decided =
                tx.join_request(unit, id).await?.ok_or_else(|| AppError::Internal("the request vanished".into()))?;
            tx.commit().await?;
            Ok(decided)
        })
        .await
    }
}
