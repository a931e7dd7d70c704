//! Finding the customer a partner or staff member opens a ticket for.

use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Role, normalise_email};
use helpdesk_domain::policy::Actor;

use crate::{App, AppError, AppResult};

impl App {
    /// The account with this address, for opening a ticket on its behalf. Only partners and
    /// staff may ask, so nobody else can probe which addresses have accounts.
    pub async fn account_for_email(&self, actor: &Actor, email: &str) -> AppResult<AccountId> {
        if ![Role::Partner, Role::Staff, Role::Admin].iter().any(|r| actor.has(*r)) {
            return Err(AppError::Forbidden("only partners and staff open tickets on behalf of others".into()));
        }
        match self.store.account_by_email(&normalise_email(email)).await? {
            Some(account) if !account.disabled => Ok(account.id),
            _ => Err(AppError::invalid("on_behalf_of", "there is no active account with this address")),
        }
    }
}
