//! The accounts half of the repository: lists and names for the admin pages and for display,
//! profile changes, granted roles, disabling, and notification preferences. Supertraits of
//! [`Store`](crate::Store) and [`Tx`](crate::Tx).

use std::collections::HashMap;

use async_trait::async_trait;
use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Account, Notification, Role};
use helpdesk_domain::paging::{Page, PageRequest};

use crate::StoreResult;

/// Account reads.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// A page of accounts ordered by name, then id; with `text`, only those whose name or
    /// e-mail address contains it, ignoring case (SQLite folds only ASCII letters).
    async fn accounts(&self, text: Option<&str>, page: PageRequest) -> StoreResult<Page<Account>>;
    /// The names of these accounts, in one query; ids without an account are left out.
    async fn account_names(&self, ids: &[AccountId]) -> StoreResult<HashMap<AccountId, String>>;
    /// The notifications `account` wants, in [`Notification::ALL`]'s order.
    async fn wanted_notifications(&self, account: AccountId) -> StoreResult<Vec<Notification>>;
    /// Whether `account` wants notifications of `kind` (yes, unless they said no).
    async fn wants_notification(&self, account: AccountId, kind: Notification) -> StoreResult<bool>;
}

/// Account writes, inside a transaction.
#[async_trait]
pub trait AccountTx: Send {
    /// Renames an account; false when there is none.
    async fn rename_account(&mut self, account: AccountId, name: &str) -> StoreResult<bool>;
    /// Replaces the account's granted roles (locking the account against a concurrent change);
    /// false when there is no account.
    async fn set_granted_roles(&mut self, account: AccountId, roles: &[Role]) -> StoreResult<bool>;
    /// Disables or enables an account; false when there is none.
    async fn set_account_disabled(&mut self, account: AccountId, disabled: bool) -> StoreResult<bool>;
    /// Replaces the notifications `account` wants (locking the account against a concurrent
    /// change); false when there is no account.
    async fn set_wanted_notifications(&mut self, account: AccountId, wanted: &[Notification]) -> StoreResult<bool>;
}
