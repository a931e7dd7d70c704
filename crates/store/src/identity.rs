//! The identity half of the repository: organisations, contracts, unit memberships, join
//! requests and tokens. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx), so that a
//! store or transaction offers both halves.

use async_trait::async_trait;
use helpdesk_domain::account::{Account, ApiToken};
use helpdesk_domain::organisation::{Contract, JoinRequest, JoinState, Organisation, UnitMember};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::OrganisationVisibility;
use helpdesk_domain::{AccountId, OrgId, UnitId};
use time::{Date, OffsetDateTime};

use crate::StoreResult;

pub use helpdesk_domain::policy::Memberships;

/// A contract about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    /// The plan.
    pub plan: String,
    /// The first day.
    pub starts_on: Date,
    /// The last day, if known.
    pub ends_on: Option<Date>,
    /// What it includes.
    pub includes: String,
}

/// Identity reads.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// What `account` belongs to on `today`.
    async fn memberships(&self, account: AccountId, today: Date) -> StoreResult<Memberships>;
    /// One organisation, with whether a contract runs on `today`.
    async fn organisation(&self, id: OrgId, today: Date) -> StoreResult<Option<Organisation>>;
    /// A page of the organisations `visibility` admits, by name.
    async fn organisations(
        &self,
        visibility: &OrganisationVisibility,
        page: PageRequest,
        today: Date,
    ) -> StoreResult<Page<Organisation>>;
    /// Whether a ticket of `organisation` is assigned to one of `units` (what lets a supporter
    /// read the organisation).
    async fn organisation_worked_by(&self, organisation: OrgId, units: &[UnitId]) -> StoreResult<bool>;
    /// A page of an organisation's members, by name.
    async fn organisation_members(&self, id: OrgId, page: PageRequest) -> StoreResult<Page<Account>>;
    /// A unit's members, managers first, then by name.
    async fn unit_members(&self, unit: UnitId) -> StoreResult<Vec<UnitMember>>;
    /// A page of a unit's join requests, oldest first, optionally only in one state.
    async fn join_requests(
        &self,
        unit: UnitId,
        state: Option<JoinState>,
        page: PageRequest,
    ) -> StoreResult<Page<JoinRequest>>;
    /// An account's API tokens, newest first.
    async fn tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>>;
}

/// Identity writes, inside a transaction.
#[async_trait]
pub trait IdentityTx: Send {
    /// Stores a new organisation.
    async fn insert_organisation(&mut self, name: &str, at: OffsetDateTime) -> StoreResult<OrgId>;
    /// Renames an organisation; false when there is none.
    async fn rename_organisation(&mut self, id: OrgId, name: &str, at: OffsetDateTime) -> StoreResult<bool>;
    /// Whether the organisation exists.
    async fn organisation_exists(&mut self, id: OrgId) -> StoreResult<bool>;
    /// Adds a verified domain, and makes every account verified at it a member; returns how many
    /// became members.
    async fn add_domain(&mut self, org: OrgId, domain: &str, at: OffsetDateTime) -> StoreResult<u64>;
    /// Removes a domain (members stay members); false when the organisation did not have it.
    async fn remove_domain(&mut self, org: OrgId, domain: &str) -> StoreResult<bool>;
    /// Makes `account` a partner of `org`.
    async fn add_partner(&mut self, org: OrgId, account: AccountId, at: OffsetDateTime) -> StoreResult<()>;
    /// Ends a partnership; false when there was none.
    async fn remove_partner(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool>;
    /// Stores a contract.
    async fn insert_contract(
        &mut self,
        org: OrgId,
        contract: &NewContract,
        at: OffsetDateTime,
    ) -> StoreResult<Contract>;
    /// One contract of an organisation.
    async fn contract(&mut self, org: OrgId, id: i64) -> StoreResult<Option<Contract>>;
    /// Writes a contract back.
    async fn update_contract(&mut self, contract: &Contract) -> StoreResult<()>;
    /// Makes `account` a member of `org` (no change when it is one).
    async fn add_organisation_member(&mut self, org: OrgId, account: AccountId, at: OffsetDateTime) -> StoreResult<()>;
    /// Ends a membership; false when there was none.
    async fn remove_organisation_member(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool>;
    /// Makes `account` a member of the organisations that own `domain`; returns how many.
    async fn join_organisations_by_domain(
        &mut self,
        account: AccountId,
        domain: &str,
        at: OffsetDateTime,
    ) -> StoreResult<u64>;
    /// Makes `account` a member (or manager) of `unit`.
    async fn set_unit_member(
        &mut self,
        unit: UnitId,
        account: AccountId,
        manager: bool,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Removes a member from a unit; false when they were none.
    async fn remove_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool>;
    /// Whether `account` is a member of `unit`.
    async fn is_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool>;
    /// Stores a pending join request (a second pending one for the same unit is a duplicate).
    async fn insert_join_request(
        &mut self,
        unit: UnitId,
        account: AccountId,
        message: &str,
        at: OffsetDateTime,
    ) -> StoreResult<i64>;
    /// One join request of a unit.
    async fn join_request(&mut self, unit: UnitId, id: i64) -> StoreResult<Option<JoinRequest>>;
    /// Records a manager's decision on a join request.
    async fn decide_join_request(
        &mut self,
        id: i64,
        state: JoinState,
        by: AccountId,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Revokes one of `account`'s tokens; false when it has no such unrevoked token.
    async fn revoke_token(&mut self, account: AccountId, id: i64, at: OffsetDateTime) -> StoreResult<bool>;
    /// Notes that `account` proved it owns its e-mail address.
    async fn mark_email_verified(&mut self, account: AccountId, at: OffsetDateTime) -> StoreResult<()>;
}
