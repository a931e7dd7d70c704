//! Local accounts: registration with e-mail verification, sign-in with a password (argon2id),
//! sessions, sign-out, password reset by e-mail link, password change; failed sign-ins are
//! throttled per account and per address.

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use helpdesk_domain::account::{Email, Profile, Role, check_password};
use helpdesk_domain::organisation::email_domain;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::validation::{Errors, check_email, check_line};
use rand::RngCore;
use time::Duration;

use crate::accounts::token_hash;
use crate::links::{BadLink, LinkSigner, Purpose, fingerprint};
use crate::mail::OutgoingMail;
use helpdesk_store::Tx;

use crate::{App, AppError, AppResult};

/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::days(14);
/// How long a verification link is valid.
pub const VERIFY_TTL: Duration = Duration::hours(48);
/// How long a password-reset link is valid.
pub const RESET_TTL: Duration = Duration::hours(1);
/// The window over which failed sign-ins are counted.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins to one account, within the window, after which it is refused for a while.
pub const MAX_ACCOUNT_FAILURES: i64 = 5;
/// Failed sign-ins from one address, within the window, after which it is refused for a while.
pub const MAX_ADDRESS_FAILURES: i64 = 20;

/// Messages sent on request (confirmation links, reset links, notices) to one address within
/// the window; more are not sent, and the answer does not say so (it says nothing anyway).
pub const MAX_MAILS_PER_ADDRESS: i64 = 3;

/// Prefix of session tokens (cookies), distinct from API tokens.
const SESSION_PREFIX: &str = "hds_";
/// The setting that holds the key signing e-mailed links.
const LINK_KEY: &str = "link_signing_key";

/// A new session: the token for the cookie, and who signed in.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session token (the cookie's value); only its hash is stored.
    pub token: String,
    /// Who signed in.
    pub profile: Profile,
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Hashes a password with argon2id (OWASP's parameters, the crate's defaults).
fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches `hash`. Without a hash, the password is checked against a fixed
/// one, so that an unknown account costs the same time as a wrong password.
fn password_matches(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not the password of anyone").unwrap_or_default());
    let stored = hash.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && hash.is_some()
}

/// Runs CPU-heavy work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Internal(format!("a blocking task failed: {e}")))
}

/// The key under which messages sent on request to an address are counted.
fn mailed_key(email: &str) -> String {
    format!("mailed:{email}")
}

/// Queues a message sent on request, and counts it against its address.
async fn queue_counted(tx: &mut dyn Tx, mail: &OutgoingMail, now: time::OffsetDateTime) -> AppResult<()> {
    tx.enqueue_job(&mail.job(now)).await?;
    tx.record_attempt(&mailed_key(&mail.to), now, now - FAILURE_WINDOW).await?;
    Ok(())
}

fn bad_link(_: BadLink) -> AppError {
    AppError::invalid("token", BadLink.to_string())
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("the e-mail address or the password is wrong".into())
}

impl App {
    /// The signer of e-mailed links, with the key every node shares (made on first use).
    pub(crate) async fn links(&self) -> AppResult<LinkSigner> {
        if let Some(key) = self.store.setting(LINK_KEY).await? {
            return Ok(LinkSigner::new(key.into_bytes()));
        }
        let candidate = random_hex(32);
        let key = self
            .write(move |mut tx| async move {
                let key = tx.setting_or_insert(LINK_KEY, &candidate).await?;
                tx.commit().await?;
                Ok(key)
            })
            .await?;
        Ok(LinkSigner::new(key.into_bytes()))
    }

    /// Whether another message may be sent on request to `email` now (see
    /// [`MAX_MAILS_PER_ADDRESS`]); the caller counts the one it sends with [`mailed_key`].
    async fn may_mail(&self, email: &str) -> AppResult<bool> {
        Ok(self.store.attempts(&mailed_key(email), self.now() - FAILURE_WINDOW).await? < MAX_MAILS_PER_ADDRESS)
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!("{}/{path}?token={token}", self.public_url.trim_end_matches('/'))
    }

    /// Registers an account and sends the link that verifies its address. Whether the address
    /// is taken is not told (that would let anyone probe for accounts): its owner gets a notice
    /// by mail instead.
    pub async fn register(&self, email: &str, name: &str, password: &str) -> AppResult<()> {
        let email = Email::new(email);
        let mut errors = Errors::new();
        check_email(&mut errors, "email", &email);
        check_line(&mut errors, "name", name, crate::accounts::NAME_CHARS);
        errors.extend(check_password("password", password, &email).err().unwrap_or_default());
        errors.finish(())?;
        let password = password.to_owned();
        let hash = blocking(move || hash_password(&password)).await??;
        let links = self.links().await?;
        let (name, now, app) = (name.trim().to_owned(), self.now(), self.clone());
        let may_mail = self.may_mail(&email).await?;
        self.write(move |mut tx| async move {
            if let Some(existing) = app.store.account_by_email(&email).await? {
                if !may_mail {
                    return Ok(());
                }
                let mail = OutgoingMail::plain(
                    existing.email.clone(),
                    "Somebody tried to register with your address",
                    format!(
                        "Hello {},\n\nsomebody tried to register a Helpdesk account with this address, which has one \
                         already. If it was you, sign in, or reset your password here:\n\n{}/reset-password\n\n\
                         If it was not you, there is nothing to do.\n",
                        existing.name, app.public_url
                    ),
                );
                queue_counted(&mut *tx, &mail, now).await?;
            } else {
                let account = tx.insert_account(&email, &name, &[Role::Community], now).await?;
                tx.set_password(account.id, &hash).await?;
                let token = links.sign(Purpose::Verify, account.id, &account.email, now + VERIFY_TTL);
                queue_counted(&mut *tx, &app.verification_mail(&account.name, &account.email, &token), now).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    fn verification_mail(&self, name: &str, email: &str, token: &str) -> OutgoingMail {
        OutgoingMail::plain(
            email.to_owned(),
            "Confirm your address for Helpdesk",
            format!(
                "Hello {name},\n\nplease confirm that {email} is your address by opening this link within 48 hours:\n\n\
                 {}\n\nIf you did not register at Helpdesk, ignore this message.\n",
                self.link("verify", token)
            ),
        )
    }

    /// Sends a new verification link, if the address has an unverified account. Says nothing
    /// either way.
    pub async fn resend_verification(&self, email: &str) -> AppResult<()> {
        let email = Email::new(email);
        let Some(account) = self.store.account_by_email(&email).await? else { return Ok(()) };
        if account.verified || account.disabled || !self.may_mail(&account.email).await? {
            return Ok(());
        }
        let now = self.now();
        let token = self.links().await?.sign(Purpose::Verify, account.id, &account.email, now + VERIFY_TTL);
        let mail = self.verification_mail(&account.name, &account.email, &token);
        self.write(move |mut tx| async move {
            queue_counted(&mut *tx, &mail, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Verifies an address from its e-mailed link: the account may sign in, and joins the
    /// organisations of its domain.
    pub async fn verify_email(&self, token: &str) -> AppResult<()> {
        let now = self.now();
        let (id, bound) = self.links().await?.check(token, Purpose::Verify, now).map_err(bad_link)?;
        let account = self.store.account(id).await?.ok_or_else(|| bad_link(BadLink))?;
        if fingerprint(&account.email) != bound || account.disabled {
            return Err(bad_link(BadLink));
        }
        self.write(move |mut tx| async move {
            tx.mark_email_verified(id, now).await?;
            if let Some(domain) = email_domain(&account.email) {
                tx.join_organisations_by_domain(id, &domain, now).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Signs in with a password; returns a new session. Refused for a while after too many
    /// failures for the account or from the address. A wrong password and an unknown account
    /// get the same answer after the same work.
    pub async fn login(&self, email: &str, password: &str, from: Option<IpAddr>) -> AppResult<Session> {
        let email = Email::new(email);
        let now = self.now();
        let keys: Vec<(String, i64)> = std::iter::once((format!("account:{email}"), MAX_ACCOUNT_FAILURES))
            .chain(from.map(|ip| (format!("address:{ip}"), MAX_ADDRESS_FAILURES)))
            .collect();
        for (key, limit) in &keys {
            if self.store.attempts(key, now - FAILURE_WINDOW).await? >= *limit {
                return Err(AppError::TooManyAttempts { retry_after: FAILURE_WINDOW.whole_seconds().unsigned_abs() });
            }
        }
        let credentials = self.store.credentials(&email).await?;
        let (password, hash) = (password.to_owned(), credentials.as_ref().and_then(|(_, h)| h.clone()));
        let matches = password.len() <= helpdesk_domain::account::MAX_PASSWORD_BYTES
            && blocking(move || password_matches(&password, hash.as_deref())).await?;
        let account = match credentials {
            Some((account, _)) if matches => account,
            _ => {
                self.write(move |mut tx| async move {
                    for (key, _) in &keys {
                        tx.record_attempt(key, now, now - FAILURE_WINDOW).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await?;
                return Err(wrong_credentials());
            }
        };
        if account.disabled {
            return Err(AppError::Unauthenticated("this account is disabled".into()));
        }
        if !account.verified {
            return Err(AppError::Forbidden(format!(
                "confirm your address first: open the link we sent to {} (or ask for a new one)",
                account.email
            )));
        }
        let account_key = keys[0].0.clone();
        self.write(move |mut tx| async move {
            tx.clear_attempts(&account_key).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.open_session(account).await
    }

    /// Starts a session for `account`.
    pub(crate) async fn open_session(&self, account: helpdesk_domain::account::Account) -> AppResult<Session> {
        let now = self.now();
        let token = format!("{SESSION_PREFIX}{}", random_hex(32));
        let (hash, id) = (token_hash(&token), account.id);
        self.write(move |mut tx| async move {
            tx.insert_session(&hash, id, now, now + SESSION_TTL).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        let actor = self.actor_for(&account).await?;
        Ok(Session { token, profile: self.profile(&actor).await? })
    }

    /// Seals `data` for `ttl` under the installation's key (for state a browser carries).
    pub async fn seal(&self, data: &str, ttl: Duration) -> AppResult<String> {
        Ok(self.links().await?.seal(data, self.now() + ttl))
    }

    /// The data of a value sealed by [`App::seal`], if intact and unexpired.
    pub async fn unseal(&self, sealed: &str) -> AppResult<String> {
        self.links().await?.open(sealed, self.now()).map_err(bad_link)
    }

    /// The actor a session token stands for.
    pub async fn authenticate_session(&self, token: &str) -> AppResult<Actor> {
        let expired = || AppError::Unauthenticated("your session has ended; sign in again".into());
        if !token.starts_with(SESSION_PREFIX) || token.len() > 200 {
            return Err(expired());
        }
        let account = self.store.account_by_session(&token_hash(token), self.now()).await?.ok_or_else(expired)?;
        if account.disabled {
            return Err(AppError::Unauthenticated("this account is disabled".into()));
        }
        self.actor_for(&account).await
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.write(move |mut tx| async move {
            tx.delete_session(&hash).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Sends a password-reset link, if the address has an account. Says nothing either way.
    pub async fn request_password_reset(&self, email: &str) -> AppResult<()> {
        let email = Email::new(email);
        let Some((account, hash)) = self.store.credentials(&email).await? else { return Ok(()) };
        if account.disabled || !self.may_mail(&account.email).await? {
            return Ok(());
        }
        let now = self.now();
        let binding = hash.unwrap_or_default();
        let token = self.links().await?.sign(Purpose::Reset, account.id, &binding, now + RESET_TTL);
        let mail = OutgoingMail::plain(
            account.email.clone(),
            "Reset your Helpdesk password",
            format!(
                "Hello {},\n\nsomebody (we hope you) asked to reset the password of your Helpdesk account. Choose a \
                 new one within an hour here:\n\n{}\n\nThe link works once. If you did not ask, ignore this message: \
                 your password stays as it is.\n",
                account.name,
                self.link("reset-password", &token)
            ),
        );
        self.write(move |mut tx| async move {
            queue_counted(&mut *tx, &mail, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Sets a new password from a reset link (which then stops working) and ends every session
    /// of the account. Having the link proves the address, so the account counts as verified.
    pub async fn reset_password(&self, token: &str, password: &str) -> AppResult<()> {
        let now = self.now();
        let (id, bound) = self.links().await?.check(token, Purpose::Reset, now).map_err(bad_link)?;
        let account = self.store.account(id).await?.ok_or_else(|| bad_link(BadLink))?;
        let current = self.store.password_hash(id).await?.unwrap_or_default();
        if fingerprint(&current) != bound || account.disabled {
            return Err(bad_link(BadLink));
        }
        check_password("password", password, &account.email)?;
        let password = password.to_owned();
        let hash = blocking(move || hash_password(&password)).await??;
        let email_key = format!("account:{}", account.email);
        self.write(move |mut tx| async move {
            tx.set_password(id, &hash).await?;
            tx.delete_sessions(id, None).await?;
            tx.mark_email_verified(id, now).await?;
            tx.clear_attempts(&email_key).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Sets an account's password (admins): e.g. the first admin's, to sign in to the pages.
    /// Every session of the account ends.
    pub async fn set_password(&self, actor: &Actor, email: &str, password: &str) -> AppResult<()> {
        helpdesk_domain::policy::check(actor, helpdesk_domain::policy::Action::ManageAccounts)?;
        let account = self.account_by_email(email).await?;
        check_password("password", password, &account.email)?;
        let password = password.to_owned();
        let hash = blocking(move || hash_password(&password)).await??;
        let id = account.id;
        self.write(move |mut tx| async move {
            tx.set_password(id, &hash).await?;
            tx.delete_sessions(id, None).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Changes the caller's password; every other session of theirs ends.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        this_session: Option<&str>,
    ) -> AppResult<()> {
        let account = self.me(actor).await?;
        let stored = self.store.password_hash(account.id).await?;
        if stored.is_some() {
            let (current, stored) = (current.to_owned(), stored.clone());
            if !blocking(move || password_matches(&current, stored.as_deref())).await? {
                return Err(AppError::invalid("current_password", "is not your current password"));
            }
        }
        check_password("new_password", new, &account.email)?;
        let new = new.to_owned();
        let hash = blocking(move || hash_password(&new)).await??;
        let (id, keep) = (account.id, this_session.map(token_hash));
        self.write(move |mut tx| async move {
            tx.set_password(id, &hash).await?;
            tx.delete_sessions(id, keep.as_deref()).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
