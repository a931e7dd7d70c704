//! The sign-in half of the repository: passwords, sessions, failed attempts, and the settings
//! every node shares. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Account, LinkedCertificate, LinkedIdentity};
use time::OffsetDateTime;

use crate::StoreResult;

/// Sign-in reads.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// The account with this e-mail address (normalised) and its password hash, in one read,
    /// so that signing in takes the same path whether the account exists or not.
    async fn credentials(&self, email: &str) -> StoreResult<Option<(Account, Option<String>)>>;
    /// The account's password hash (PHC string), if it has a password.
    async fn password_hash(&self, account: AccountId) -> StoreResult<Option<String>>;
    /// The account of an unexpired session with this token hash.
    async fn account_by_session(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Account>>;
    /// How many attempts were counted under `key` since `since`.
    async fn attempts(&self, key: &str, since: OffsetDateTime) -> StoreResult<i64>;
    /// An installation-wide setting.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// The account a certificate subject (canonical DN) is linked to.
    async fn account_by_certificate(&self, subject_dn: &str) -> StoreResult<Option<Account>>;
    /// The certificates linked to an account.
    async fn certificates(&self, account: AccountId) -> StoreResult<Vec<LinkedCertificate>>;
    /// The account an OpenID Connect identity is linked to.
    async fn account_by_identity(&self, provider: &str, subject: &str) -> StoreResult<Option<Account>>;
    /// The OpenID Connect identities linked to an account, oldest link first.
    async fn identities(&self, account: AccountId) -> StoreResult<Vec<LinkedIdentity>>;
}

/// Sign-in writes, inside a transaction.
#[async_trait]
pub trait AuthTx: Send {
    /// Sets the account's password hash.
    async fn set_password(&mut self, account: AccountId, hash: &str) -> StoreResult<()>;
    /// Stores a session (its token's hash), and drops the account's expired ones.
    async fn insert_session(
        &mut self,
        token_hash: &str,
        account: AccountId,
        at: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Ends a session; false when there was none.
    async fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool>;
    /// Ends all of an account's sessions but `except`; returns how many.
    async fn delete_sessions(&mut self, account: AccountId, except: Option<&str>) -> StoreResult<u64>;
    /// Counts an attempt under `key`, forgetting those of the same key before `forget_before`.
    async fn record_attempt(&mut self, key: &str, at: OffsetDateTime, forget_before: OffsetDateTime)
    -> StoreResult<()>;
    /// Forgets the attempts counted under `key`.
    async fn clear_attempts(&mut self, key: &str) -> StoreResult<()>;
    /// Links an OpenID Connect identity, with the address the provider gave for it, to an
    /// account (a second link of the same identity is a duplicate).
    async fn link_identity(
        &mut self,
        provider: &str,
        subject: &str,
        email: Option<&str>,
        account: AccountId,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Links a certificate subject to an account (a subject linked already is a duplicate).
    async fn insert_certificate(
        &mut self,
        account: AccountId,
        subject_dn: &str,
        issuer_dn: &str,
        at: OffsetDateTime,
    ) -> StoreResult<i64>;
    /// Unlinks one of an account's certificates; false when it has no such link.
    async fn delete_certificate(&mut self, account: AccountId, id: i64) -> StoreResult<bool>;
    /// Stores `value` under `key` unless a value is there; returns the value that is.
    async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String>;
}
