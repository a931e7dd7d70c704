//! Accounts and API tokens, and turning a token into an actor.

use helpdesk_domain::account::{Account, ApiToken, Profile, Role, normalise_email};
use helpdesk_domain::organisation::email_domain;
use helpdesk_domain::policy::{Action, Actor, check};
use helpdesk_domain::validation::{Errors, check_email, check_line};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{App, AppError, AppResult};

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
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

impl App {
    /// Creates an account with the given granted roles.
    pub async fn create_account(&self, actor: &Actor, email: &str, name: &str, roles: &[Role]) -> AppResult<Account> {
        check(actor, Action::ManageAccounts)?;
        let email = normalise_email(email);
        let mut errors = Errors::new();
        check_email(&mut errors, "email", &email);
        check_line(&mut errors, "name", name, 200);
        for role in roles {
            errors.check(
                !role.is_grantable(),
                "role",
                format!("'{role}' follows from memberships and contracts; grant community, partner, staff or admin"),
            );
        }
        errors.finish(())?;
        let mut roles = roles.to_vec();
        if roles.is_empty() {
            roles.push(Role::Community);
        }
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
        let email = normalise_email(email);
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
        let m = self.store.memberships(account.id, self.now().date()).await?;
        let mut roles = account.roles.clone();
        let derived = [
            (Role::Named, !m.supported.is_empty()),
            (Role::Supporter, !m.units.is_empty()),
            (Role::UnitManager, !m.managed_units.is_empty()),
        ];
        roles.extend(derived.into_iter().filter(|(_, holds)| *holds).map(|(role, _)| role));
        roles.sort();
        roles.dedup();
        let mut actor =
            Actor::person(account.id, roles, m.units, m.managed_units).named_in(m.supported).serving(m.partner_of);
        actor.member_of = m.organisations;
        Ok(actor)
    }
}

impl App {
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
