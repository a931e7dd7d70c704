//! Signing in with OpenID Connect: what to do with an identity a provider vouched for. The
//! protocol itself (discovery, code exchange, id_token checks) is the web layer's.

use std::net::IpAddr;

use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Email, Role};
use helpdesk_domain::organisation::email_domain;
use helpdesk_domain::policy::Actor;
use time::Duration;

use crate::auth::Session;
use crate::{App, AppError, AppResult};

/// How long an offer to link an identity to an existing account stands.
const OFFER_TTL: Duration = Duration::minutes(10);

/// What a provider vouched for, in an id_token whose signature, issuer, audience, expiry and
/// nonce were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The provider's name in the configuration.
    pub provider: String,
    /// The provider's stable id of the person.
    pub subject: String,
    /// Their e-mail address, if given.
    pub email: Option<String>,
    /// Whether the provider verified that address.
    pub email_verified: bool,
    /// Their name, if given.
    pub name: Option<String>,
}

/// Where signing in with an identity ends.
#[derive(Debug, Clone)]
pub enum IdentityOutcome {
    /// Signed in (the identity was known, was just linked, or made a new account).
    SignedIn(Session),
    /// An account with the identity's verified address exists: its owner may link the identity
    /// by signing in to it once. `offer` is sealed, for a form.
    OfferLink {
        /// The sealed offer.
        offer: String,
        /// The account's address.
        email: String,
    },
}

impl App {
    /// Signs in with a verified identity. When `signed_in` is someone, the identity is linked to
    /// their account (linking from the profile). Otherwise a known identity signs its account
    /// in; an unknown one whose verified address has an account is offered for linking; any
    /// other makes a new account.
    pub async fn sign_in_with_identity(
        &self,
        id: VerifiedIdentity,
        signed_in: Option<&Actor>,
    ) -> AppResult<IdentityOutcome> {
        let now = self.now();
        let known = self.store.account_by_identity(&id.provider, &id.subject).await?;
        if let Some(me) = signed_in.and_then(|a| a.account) {
            match known {
                Some(account) if account.id != me => {
                    return Err(AppError::Conflict {
                        detail: "this identity is linked to another account already".into(),
                        allowed: None,
                    });
                }
                Some(_) => {}
                None => self.link_identity(&id, me).await?,
            }
            let account = self.me(signed_in.unwrap_or(&Actor::anonymous())).await?;
            return Ok(IdentityOutcome::SignedIn(self.open_session(account).await?));
        }
        if let Some(account) = known {
            if account.disabled {
                return Err(AppError::Unauthenticated("this account is disabled".into()));
            }
            return Ok(IdentityOutcome::SignedIn(self.open_session(account).await?));
        }
        let email = id.email.as_deref().map(Email::new).ok_or_else(|| {
            AppError::Forbidden(format!("{} did not give an e-mail address; Helpdesk needs one", id.provider))
        })?;
        if let Some(existing) = self.store.account_by_email(&email).await? {
            if !id.email_verified {
                return Err(AppError::Conflict {
                    detail: format!(
                        "an account with the address {email} exists, and {} did not verify the address: sign in to \
                         that account and link {} from your profile",
                        id.provider, id.provider
                    ),
                    allowed: None,
                });
            }
            let offer =
                self.seal(&format!("link\n{}\n{}\n{}", id.provider, id.subject, existing.id), OFFER_TTL).await?;
            return Ok(IdentityOutcome::OfferLink { offer, email: existing.email });
        }
        let name = id
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
        let (verified, provider, subject) = (id.email_verified, id.provider.clone(), id.subject.clone());
        let account = self
            .write(move |mut tx| async move {
                let account = tx.insert_account(&email, name.trim(), &[Role::Community], now).await?;
                if verified {
                    tx.mark_email_verified(account.id, now).await?;
                    if let Some(domain) = email_domain(&email) {
                        tx.join_organisations_by_domain(account.id, &domain, now).await?;
                    }
                }
                tx.link_identity(&provider, &subject, Some(&email), account.id, now).await?;
                tx.commit().await?;
                Ok(account)
            })
            .await?;
        Ok(IdentityOutcome::SignedIn(self.open_session(account).await?))
    }

    /// Accepts an offer to link an identity: the owner proves the account with its password
    /// (throttled like any sign-in), then the identity is linked and they are signed in.
    pub async fn accept_link_offer(&self, offer: &str, password: &str, from: Option<IpAddr>) -> AppResult<Session> {
        let data = self.unseal(offer).await?;
        let parts: Vec<&str> = data.split('\n').collect();
        let ["link", provider, subject, account] = parts[..] else {
            return Err(AppError::invalid("offer", "not an offer"));
        };
        let account_id: i64 = account.parse().map_err(|_| AppError::invalid("offer", "not an offer"))?;
        let account = self
            .store
            .account(AccountId(account_id))
            .await?
            .ok_or_else(|| AppError::invalid("offer", "the account is gone"))?;
        let session = self.login(&account.email, password, from).await?;
        // An offer is made only for an identity whose verified address is the account's.
        let id = VerifiedIdentity {
            provider: provider.to_owned(),
            subject: subject.to_owned(),
            email: Some(account.email.clone()),
            email_verified: false,
            name: None,
        };
        self.link_identity(&id, account.id).await?;
        Ok(session)
    }

    async fn link_identity(&self, id: &VerifiedIdentity, account: AccountId) -> AppResult<()> {
        let (provider, subject, now) = (id.provider.clone(), id.subject.clone(), self.now());
        let email = id.email.as_deref().map(Email::new);
        self.write(move |mut tx| async move {
            tx.link_identity(&provider, &subject, email.as_deref(), account, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
