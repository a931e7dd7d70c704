//! Following a ticket: whoever may read it may follow it, and then gets its public replies and
//! its solution by mail (the policy still decides, mail by mail, what they may read).

use helpdesk_domain::TicketId;
use helpdesk_domain::account::{Notification, RequesterMode};
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

impl App {
    /// How ticket `id`'s requester hears of it (its requester's side reads it): as they chose
    /// for this ticket, or else as their profile says (the notification kind `every_change`).
    pub async fn requester_mode(&self, actor: &Actor, id: TicketId) -> AppResult<RequesterMode> {
        let ticket = self.ticket(actor, id).await?;
        self.mode_of(&ticket).await
    }

    /// How `ticket`'s requester hears of it.
    pub(crate) async fn mode_of(&self, ticket: &helpdesk_domain::ticket::Ticket) -> AppResult<RequesterMode> {
        if let Some(mode) = self.store.requester_mode(ticket.id).await? {
            return Ok(mode);
        }
        let requester = ticket.on_behalf_of.unwrap_or(ticket.submitter);
        Ok(match self.store.wants_notification(requester, Notification::EveryChange).await? {
            true => RequesterMode::EveryChange,
            false => RequesterMode::SolutionOnly,
        })
    }

    /// Ticket `id`'s requester hears of it in `mode` from now on (theirs alone to choose).
    pub async fn set_requester_mode(&self, actor: &Actor, id: TicketId, mode: RequesterMode) -> AppResult<()> {
        let actor = actor.clone();
        self.write(move |mut tx| async move {
            let ticket = readable_for_update(&mut *tx, &actor, id).await?;
            check_ticket(&actor, TicketAction::SetRequesterMode, &TicketFacts::from(&ticket))?;
            tx.set_requester_mode(id, mode).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

/// The account of a person signed in (the policy decides whether they may follow).
fn signed_in(actor: &Actor) -> AppResult<helpdesk_domain::AccountId> {
    actor.account.ok_or_else(|| AppError::Unauthenticated("sign in to follow a ticket".into()))
}
