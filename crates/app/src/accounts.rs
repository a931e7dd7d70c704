//! Accounts and API tokens, and turning a token into an actor.

use helpdesk_domain::account::{Account, Role, normalise_email};
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
        self.write(move |mut tx| async move {
            let account = tx.insert_account(&email, &name, &roles, now).await?;
            tx.commit().await?;
            Ok(account)
        })
        .await
    }

    /// Issues an API token for the account with this e-mail address.
    pub async fn create_token(&self, actor: &Actor, email: &str, name: &str) -> AppResult<IssuedToken> {
        let email = normalise_email(email);
        let account = self
            .store
            .account_by_email(&email)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no account {email}")))?;
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
        Ok(actor_for(&account))
    }
}

/// The actor an account acts as. Unit memberships and contracts are not modelled yet, so the
/// granted roles are the whole story.
pub fn actor_for(account: &Account) -> Actor {
    Actor::person(account.id, account.roles.clone(), vec![], vec![])
}

impl App {
    /// The caller's own account.
    pub async fn me(&self, actor: &Actor) -> AppResult<Account> {
        let id = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        self.store.account(id).await?.ok_or_else(|| AppError::Unauthenticated("the account no longer exists".into()))
    }
}
