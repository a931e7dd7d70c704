//! Finding the customer a partner or staff member opens a ticket for.

use helpdesk_domain::AccountId;
use helpdesk_domain::account::Email;
use helpdesk_domain::policy::{Action, Actor, check};

use crate::{App, AppError, AppResult};

impl App {
    /// The account with this address, for opening a ticket on its behalf. The policy is asked
    /// first, with the organisations of the account (none when there is no such account): a
    /// partner is refused alike for an account outside the organisations it serves and for an
    /// address without one, so that nobody but staff can probe which addresses have accounts.
    pub async fn account_for_email(&self, actor: &Actor, email: &str) -> AppResult<AccountId> {
        let found = self.store.account_by_email(&Email::new(email)).await?;
        let organisations = match &found {
            Some(account) => self.store.memberships(account.id, self.now().date()).await?.organisations,
            None => Vec::new(),
        };
        check(actor, Action::OpenOnBehalfOf(organisations))?;
        match found {
            Some(account) if !account.disabled => Ok(account.id),
            _ => Err(AppError::invalid("on_behalf_of", "there is no active account with this address")),
        }
    }
}
