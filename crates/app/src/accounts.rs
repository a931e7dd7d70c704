//! Accounts and API tokens, and turning a token into an actor; the caller's profile (name,
//! linked identities, notification preferences); the admin's list of accounts, their roles and
//! disabling.

use std::collections::HashMap;

use helpdesk_domain::AccountId;
use helpdesk_domain::account::{
    Account, ApiToken, Email, LinkedIdentity, Notification, Profile, Role, check_disabling, check_role_change,
    granted_roles,
};
use helpdesk_domain::organisation::email_domain;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::validation::{Errors, check_email, check_line};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{App, AppError, AppResult};

/// Longest name of a person, in characters (as at registration).
pub const NAME_CHARS: usize = 200;

/// Longest text to search accounts for, in characters.
pub const SEARCH_CHARS: usize = 200;

/// Prefix of every API token, so that a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "hd_";

/// A new API token: shown once, stored only as its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token's id.
    pub id: i64,
    /// The token itself; it cannot be shown again.
    pub secret: String,
}

/// The stored form of a token: its SHA-256, hex. Tokens are 256 random bits, so a fast hash is
/// enough; a slow password hash would only slow every request.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    hex::encode(digest)
}

fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex = hex::encode(bytes);
    format!("{TOKEN_PREFIX}{hex}")
}

impl App {
    /// Creates an account with the given granted roles.
    pub async fn create_account(&self, actor: &Actor, email: &str, name: &str, roles: &[Role]) -> AppResult<Account> {
        check(actor, Action::ManageAccounts)?;
        let email = Email::new(email);
        let mut errors = Errors::new();
        check_email(&mut errors, "email", &email);
        check_line(&mut errors, "name", name, NAME_CHARS);
        let roles = match granted_roles(roles) {
            Ok(roles) => roles,
            Err(refused) => {
                errors.extend(refused);
                vec![]
            }
        };
        errors.finish(())?;
        let (name, now) = (name.trim().to_owned(), self.now());
        // An admin vouches for the address: the account counts as verified at once, and joins
        // the organisations of its domain.
        self.write(move |mut tx| async move {
            let account = tx.insert_account(&email, &name, &roles, now).await?;
            tx.mark_email_verified(account.id, now).await?;
            if let Some(domain) = email_domain(&account.email) {
                tx.join_organisations_by_domain(account.id, &domain, now).await?;
            }
            tx.commit().await?;
            Ok(account)
        })
        .await
    }

    /// The account with this e-mail address (any case), or a clear "not found".
    pub(crate) async fn account_by_email(&self, email: &str) -> AppResult<Account> {
        let email = Email::new(email);
        self.store
            .account_by_email(&email)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no account {email}")))
    }

    /// Issues an API token for the account with this e-mail address.
    pub async fn create_token(&self, actor: &Actor, email: &str, name: &str) -> AppResult<IssuedToken> {
        let account = self.account_by_email(email).await?;
        if actor.account != Some(account.id) {
            check(actor, Action::ManageAccounts)?;
        }
        let mut errors = Errors::new();
        check_line(&mut errors, "name", name, 100);
        errors.finish(())?;
        let secret = new_token_secret();
        let (hash, name, now) = (token_hash(&secret), name.trim().to_owned(), self.now());
        let id = self
            .write(move |mut tx| async move {
                let id = tx.insert_token(account.id, &name, &hash, now).await?;
                tx.commit().await?;
                Ok(id)
            })
            .await?;
        Ok(IssuedToken { id, secret })
    }

    /// The actor a bearer token stands for.
    pub async fn authenticate_token(&self, token: &str) -> AppResult<Actor> {
        let invalid =
            || AppError::Unauthenticated("the token is not valid (revoked, mistyped, or never issued)".into());
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(invalid());
        }
        let account = self.store.account_by_token(&token_hash(token)).await?.ok_or_else(invalid)?;
        if account.disabled {
            return Err(AppError::Unauthenticated("this account is disabled".into()));
        }
        self.actor_for(&account).await
    }

    /// The actor an account acts as today: its granted roles, plus those that follow from its
    /// memberships (named user, supporter, unit manager). Read afresh on every request, so that
    /// a removed member or an ended contract loses access at once.
    pub async fn actor_for(&self, account: &Account) -> AppResult<Actor> {
        let memberships = self.store.memberships(account.id, self.now().date()).await?;
        Ok(Actor::of_account(account.id, &account.roles, memberships))
    }
}

impl App {
    /// Whether `actor` may do `action`, for a page that shows what the action reaches (the
    /// admin pages, the queue); each change made there is checked again by its own use case.
    pub fn may(&self, actor: &Actor, action: Action) -> AppResult<()> {
        Ok(check(actor, action)?)
    }

    /// The caller's own account.
    pub async fn me(&self, actor: &Actor) -> AppResult<Account> {
        let id = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        self.store.account(id).await?.ok_or_else(|| AppError::Unauthenticated("the account no longer exists".into()))
    }

    /// The caller as they stand today: roles in effect, units, organisations.
    pub async fn profile(&self, actor: &Actor) -> AppResult<Profile> {
        let account = Account { roles: actor.roles.clone(), ..self.me(actor).await? };
        Ok(Profile {
            account,
            units: actor.units.clone(),
            managed_units: actor.managed_units.clone(),
            organisations: actor.organisations.clone(),
            partner_of: actor.partner_of.clone(),
        })
    }
}

impl App {
    /// The caller's own API tokens.
    pub async fn my_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiToken>> {
        let id = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        Ok(self.store.tokens(id).await?)
    }

    /// Issues a new token for the caller.
    pub async fn create_my_token(&self, actor: &Actor, name: &str) -> AppResult<IssuedToken> {
        let account = self.me(actor).await?;
        self.create_token(actor, &account.email, name).await
    }

    /// Revokes one of the caller's tokens; a token of someone else does not exist for them.
    pub async fn revoke_my_token(&self, actor: &Actor, token: i64) -> AppResult<()> {
        let id = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        let now = self.now();
        self.write(move |mut tx| async move {
            if !tx.revoke_token(id, token, now).await? {
                return Err(AppError::NotFound(format!("you have no active token {token}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

/// The caller's account id, or "not signed in".
fn signed_in(actor: &Actor) -> AppResult<AccountId> {
    actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))
}

impl App {
    /// Renames the caller; the name is checked as at registration.
    pub async fn rename_me(&self, actor: &Actor, name: &str) -> AppResult<Account> {
        let id = signed_in(actor)?;
        let mut errors = Errors::new();
        check_line(&mut errors, "name", name, NAME_CHARS);
        errors.finish(())?;
        let name = name.trim().to_owned();
        self.write(move |mut tx| async move {
            if !tx.rename_account(id, &name).await? {
                return Err(AppError::Unauthenticated("the account no longer exists".into()));
            }
            let account = tx.account(id).await?;
            tx.commit().await?;
            account.ok_or_else(|| AppError::Unauthenticated("the account no longer exists".into()))
        })
        .await
    }

    /// The OpenID Connect identities linked to the caller's account, oldest first.
    pub async fn my_identities(&self, actor: &Actor) -> AppResult<Vec<LinkedIdentity>> {
        Ok(self.store.identities(signed_in(actor)?).await?)
    }

    /// Every kind of notification, with whether the caller wants it.
    pub async fn notification_preferences(&self, actor: &Actor) -> AppResult<Vec<(Notification, bool)>> {
        let wanted = self.store.wanted_notifications(signed_in(actor)?).await?;
        Ok(Notification::ALL.iter().map(|kind| (*kind, wanted.contains(kind))).collect())
    }

    /// Sets the notifications the caller wants; those not named are not sent to them.
    pub async fn set_notification_preferences(&self, actor: &Actor, wanted: Vec<Notification>) -> AppResult<()> {
        let id = signed_in(actor)?;
        self.write(move |mut tx| async move {
            if !tx.set_wanted_notifications(id, &wanted).await? {
                return Err(AppError::Unauthenticated("the account no longer exists".into()));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The names of these accounts, to show who wrote an article or a history entry; ids of
    /// accounts that do not exist are left out.
    pub async fn account_names(&self, ids: &[AccountId]) -> AppResult<HashMap<AccountId, String>> {
        Ok(self.store.account_names(ids).await?)
    }
}

impl App {
    /// A page of accounts by name, with their granted roles (staff and admins); with `text`,
    /// only those whose name or e-mail address contains it, ignoring case.
    pub async fn accounts(&self, actor: &Actor, text: Option<String>, page: PageRequest) -> AppResult<Page<Account>> {
        check(actor, Action::ReadAccounts)?;
        let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(text) = &text {
            let mut errors = Errors::new();
            errors.check(
                text.chars().count() > SEARCH_CHARS,
                "q",
                format!("must be at most {SEARCH_CHARS} characters"),
            );
            errors.finish(())?;
        }
        Ok(self.store.accounts(text.as_deref(), page).await?)
    }

    /// One account: one's own, or anyone's for staff and admins.
    pub async fn account(&self, actor: &Actor, id: AccountId) -> AppResult<Account> {
        if actor.account != Some(id) {
            check(actor, Action::ReadAccounts)?;
        }
        self.store.account(id).await?.ok_or_else(|| AppError::NotFound(format!("there is no account {id}")))
    }

    /// Replaces the roles granted to `account` (admins). Roles that follow from memberships and
    /// contracts cannot be granted; an admin cannot take away their own admin role. The change
    /// takes effect on the account's next request.
    pub async fn set_roles(&self, actor: &Actor, account: AccountId, roles: Vec<Role>) -> AppResult<Account> {
        check(actor, Action::ManageAccounts)?;
        let roles = granted_roles(&roles)?;
        check_role_change(actor.account, account, &roles)?;
        self.write(move |mut tx| async move {
            if !tx.set_granted_roles(account, &roles).await? {
                return Err(AppError::NotFound(format!("there is no account {account}")));
            }
            let changed = tx.account(account).await?;
            tx.commit().await?;
            changed.ok_or_else(|| AppError::NotFound(format!("there is no account {account}")))
        })
        .await
    }

    /// Disables or enables `account` (admins; not their own). Disabling ends its sessions in the
    /// same transaction, so it is signed out at once; its tokens stop working too.
    pub async fn set_account_disabled(&self, actor: &Actor, account: AccountId, disabled: bool) -> AppResult<Account> {
        check(actor, Action::ManageAccounts)?;
        check_disabling(actor.account, account, disabled)?;
        self.write(move |mut tx| async move {
            if !tx.set_account_disabled(account, disabled).await? {
                return Err(AppError::NotFound(format!("there is no account {account}")));
            }
            if disabled {
                tx.delete_sessions(account, None).await?;
            }
            let changed = tx.account(account).await?;
            tx.commit().await?;
            changed.ok_or_else(|| AppError::NotFound(format!("there is no account {account}")))
        })
        .await
    }
}
