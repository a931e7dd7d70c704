//! Following a ticket: whoever may read it may follow it, and then gets its public replies and
//! its solution by mail (the policy still decides, mail by mail, what they may read).

use helpdesk_domain::TicketId;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};

use crate::tickets::readable_for_update;
use crate::{App, AppError, AppResult};

impl App {
    /// `actor` follows ticket `id` from now on; following it again changes nothing.
    pub async fn follow(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        let account = signed_in(actor)?;
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            let ticket = readable_for_update(&mut *tx, &actor, id).await?;
            check_ticket(&actor, TicketAction::Follow, &TicketFacts::from(&ticket))?;
            tx.follow(id, account, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// `actor` no longer follows ticket `id`. It answers the same whether they followed it, and
    /// whether the ticket exists, so it tells nothing of a ticket one may not read.
    pub async fn unfollow(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        let account = signed_in(actor)?;
        self.write(move |mut tx| async move {
            tx.unfollow(id, account).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Whether `actor` follows ticket `id` (which they may read).
    pub async fn follows(&self, actor: &Actor, id: TicketId) -> AppResult<bool> {
        self.ticket(actor, id).await?;
        match actor.account {
            Some(account) => Ok(self.store.follows(id, account).await?),
            None => Ok(false),
        }
    }
}

/// The account of a person signed in (the policy decides whether they may follow).
fn signed_in(actor: &Actor) -> AppResult<helpdesk_domain::AccountId> {
    actor.account.ok_or_else(|| AppError::Unauthenticated("sign in to follow a ticket".into()))
}
