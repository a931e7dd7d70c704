//! Following a ticket: whoever may read it may follow it, and then gets its public replies and
//! its solution by mail (the policy still decides, mail by mail, what they may read).

use helpdesk_domain::account::{InvolvedPerson, Notification, RequesterMode, normalise_email};
use helpdesk_domain::history::Change;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::{AccountId, TicketId};

use crate::tickets::{readable_for_update, record};
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

impl App {
    /// The people involved in ticket `id` (for those who read its internal notes).
    pub async fn involved(&self, actor: &Actor, id: TicketId) -> AppResult<Vec<InvolvedPerson>> {
        let ticket = self.ticket(actor, id).await?;
        check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&ticket))?;
        let mut people = Vec::new();
        for account in self.store.involved(id).await? {
            if let Some(a) = self.store.account(account).await? {
                people.push(InvolvedPerson { account: a.id, name: a.name, email: a.email });
            }
        }
        Ok(people)
    }

    /// Involves `person` (an account's number or address) in ticket `id`: `actor` works on the
    /// ticket, and `person` may read its internal notes (else refused, saying why), since they
    /// get what its unit gets, internal notes included. Involving them again changes nothing.
    pub async fn involve(&self, actor: &Actor, id: TicketId, person: &str) -> AppResult<InvolvedPerson> {
        // The ticket first: who may not work on it learns nothing of the accounts there are.
        let ticket = self.ticket(actor, id).await?;
        check_ticket(actor, TicketAction::AddInternalNote, &TicketFacts::from(&ticket))?;
        let person = person.trim();
        let found = match person.parse::<i64>() {
            Ok(number) => self.store.account(AccountId(number)).await?,
            Err(_) => self.store.account_by_email(&normalise_email(person)).await?,
        };
        let Some(account) = found.filter(|a| !a.disabled) else {
            return Err(AppError::invalid(
                "person",
                format!(
                    "there is no active account {person}: only people who may read the ticket's internal notes are involved"
                ),
            ));
        };
        let theirs = self.actor_for(&account).await?;
        let (actor, now) = (actor.clone(), self.now());
        let shown = InvolvedPerson { account: account.id, name: account.name.clone(), email: account.email.clone() };
        self.write(move |mut tx| async move {
            let ticket = readable_for_update(&mut *tx, &actor, id).await?;
            let facts = TicketFacts::from(&ticket);
            check_ticket(&actor, TicketAction::AddInternalNote, &facts)?;
            if let Err(why) = check_ticket(&theirs, TicketAction::ReadInternal, &facts) {
                let detail = format!("{} may not be involved: {why}", account.email);
                return Err(AppError::invalid("person", detail));
            }
            if tx.involve(id, account.id, actor.account, now).await? {
                let change = Change::new("involved", serde_json::Value::Null, account.id).internal(true);
                record(&mut *tx, actor.account, id, vec![change], now).await?;
            }
            tx.commit().await?;
            Ok(shown)
        })
        .await
    }

    /// `account` is no longer involved in ticket `id` (whoever works on the ticket).
    pub async fn uninvolve(&self, actor: &Actor, id: TicketId, account: AccountId) -> AppResult<()> {
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            let ticket = readable_for_update(&mut *tx, &actor, id).await?;
            check_ticket(&actor, TicketAction::AddInternalNote, &TicketFacts::from(&ticket))?;
            if !tx.uninvolve(id, account).await? {
                return Err(AppError::NotFound(format!("account {account} is not involved in ticket #{id}")));
            }
            let change = Change::new("involved", account, serde_json::Value::Null).internal(true);
            record(&mut *tx, actor.account, id, vec![change], now).await?;
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
