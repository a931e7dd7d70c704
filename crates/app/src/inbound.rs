//! Inbound mail: a raw message is kept first (with the job that processes it, in one
//! transaction), then, parsed by the worker, it opens a ticket, becomes an article, or is
//! refused, ignored or marked as a duplicate, and that outcome is written in the same
//! transaction as the ticket or article, so a message is delivered once.

use helpdesk_domain::account::Role;
use helpdesk_domain::attachment::check_uploads;
use helpdesk_domain::mail::{
    Handling, InboundMessage, InboundOutcome, InboundStatus, ParsedMail, handling, mark_addresses, reply_address,
    ticket_in_reply_address, ticket_in_subject, ticket_in_thread,
};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{
    Action, Actor, ListProof, TicketAction, TicketFacts, check, check_ticket, speaks_for_list,
};
use helpdesk_domain::ticket::{Channel, MAX_TITLE_CHARS, Privacy, SecurityRisk, TicketType};
use helpdesk_domain::unit::{Integration, Unit};
use helpdesk_domain::validation::{Errors, check_email};
use helpdesk_domain::workflow::OpenTicket;
use helpdesk_domain::{ArticleId, CategoryId, TicketId, UnitId};
use helpdesk_store::{NewJob, Tx};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::mail::OutgoingMail;
use crate::{App, AppError, AppResult};

/// The job kind that processes one inbound message.
pub const PROCESS_MAIL: &str = "mail.inbound";

/// Largest raw message accepted, in bytes: five attachments of the largest size, base64-encoded,
/// and room for the text.
pub const MAX_RAW_BYTES: usize = 72 * 1024 * 1024;

/// A process-mail job's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessMail {
    /// The inbound message.
    pub inbound: i64,
}

fn process_job(inbound: i64, at: OffsetDateTime) -> NewJob {
    NewJob {
        kind: PROCESS_MAIL.to_owned(),
        payload: serde_json::to_value(ProcessMail { inbound }).unwrap_or(serde_json::Value::Null),
        dedupe_key: Some(format!("inbound-{inbound}")),
        run_at: at,
    }
}

/// Where a ticket or article came from when it came by mail: recorded with it.
#[derive(Debug, Clone)]
pub(crate) struct MailOrigin {
    inbound: i64,
    message_id: Option<String>,
    sender: String,
    subject: String,
    /// Addresses its notifications leave out (its sender when it must not be answered, the
    /// list it came through).
    quiet: Vec<String>,
    /// The whole text, quoted history included, when the ticket or article keeps less.
    full_text: Option<String>,
}

impl MailOrigin {
    /// Records the message a change came from as delivered to `ticket`;
    /// returns the addresses the change's notifications leave out.
    pub(crate) async fn record(
        &self,
        tx: &mut dyn Tx,
        status: InboundStatus,
        ticket: TicketId,
        article: Option<ArticleId>,
        at: OffsetDateTime,
    ) -> AppResult<Vec<String>> {
        let origin = self;
        let outcome = InboundOutcome {
            status,
            message_id: origin.message_id.clone(),
            sender: Some(origin.sender.clone()),
            subject: Some(origin.subject.clone()),
            ticket: Some(ticket),
            detail: None,
            at,
        };
        tx.record_inbound(origin.inbound, &outcome).await?;
        if let Some(text) = &origin.full_text {
            tx.record_inbound_text(origin.inbound, article, text).await?;
        }
        Ok(origin.quiet.clone())
    }
}

/// A message being processed: what it says and how it may be treated.
struct Delivery {
    id: i64,
    mail: ParsedMail,
    /// Whether its sender may be answered (not a list's message).
    answers: bool,
}

impl Delivery {
    fn outcome(
        &self,
        status: InboundStatus,
        ticket: Option<TicketId>,
        detail: Option<String>,
        at: OffsetDateTime,
    ) -> InboundOutcome {
        InboundOutcome {
            status,
            message_id: self.mail.message_id.clone(),
            sender: Some(self.mail.from.clone()),
            subject: Some(self.mail.subject.clone()),
            ticket,
            detail,
            at,
        }
    }

    fn origin(&self, quiet: Vec<String>) -> MailOrigin {
        let (text, whole) = (&self.mail.text, &self.mail.original_text);
        MailOrigin {
            inbound: self.id,
            message_id: self.mail.message_id.clone(),
            sender: self.mail.from.clone(),
            subject: self.mail.subject.clone(),
            quiet,
            full_text: (whole.trim() != text.trim() && !whole.trim().is_empty()).then(|| whole.clone()),
        }
    }

    /// The addresses a change made by this message never notifies.
    fn quiet(&self, list: Option<&Unit>) -> Vec<String> {
        let mut quiet = Vec::new();
        if !self.answers {
            quiet.push(self.mail.from.clone());
        }
        if let Some(unit) = list {
            quiet.push(unit.email.to_lowercase());
        }
        quiet
    }
}

impl App {
    /// Keeps a raw message as received and queues its processing; returns its id. Nothing is
    /// parsed here: a message that cannot be read is kept all the same.
    pub async fn receive_mail(&self, actor: &Actor, raw: Vec<u8>) -> AppResult<i64> {
        self.receive_mail_for(actor, raw, None).await
    }

    /// Keeps a raw message delivered to `recipient` (the envelope's, as the mail gateway knows
    /// it: it routes the message before its To and Cc) and queues its processing.
    pub async fn receive_mail_for(&self, actor: &Actor, raw: Vec<u8>, recipient: Option<String>) -> AppResult<i64> {
        check(actor, Action::ReceiveMail)?;
        // An empty recipient is refused with the rest: the document says an address, and the
        // mailgate leaves out the empty one an MTA may pass.
        let recipient = recipient.map(|r| r.trim().to_lowercase());
        let mut errors = Errors::new();
        if raw.is_empty() {
            errors.add("message", "is empty");
        } else if raw.len() > MAX_RAW_BYTES {
            errors.add("message", format!("is larger than {} MiB", MAX_RAW_BYTES >> 20));
        }
        if let Some(recipient) = &recipient {
            check_email(&mut errors, "recipient", recipient);
        }
        errors.finish(()).map_err(AppError::Invalid)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let id = tx.insert_inbound(&raw, recipient.as_deref(), now).await?;
            tx.enqueue_job(&process_job(id, now)).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// What the messages that made ticket `id` and its articles said in full, quoted history
    /// included, where the ticket or article keeps less ("show quoted text"): the article (none
    /// for the description) and the text, for what `actor` may read.
    pub async fn quoted_texts(&self, actor: &Actor, id: TicketId) -> AppResult<Vec<(Option<ArticleId>, String)>> {
        let ticket = self.ticket(actor, id).await?;
        let internal = check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&ticket)).is_ok();
        Ok(crate::ticket_view::readable_texts(self.store.mail_full_texts(id).await?, internal))
    }

    /// A page of inbound messages, newest first, for admins.
    pub async fn inbound_messages(
        &self,
        actor: &Actor,
        status: Option<InboundStatus>,
        page: PageRequest,
    ) -> AppResult<Page<InboundMessage>> {
        check(actor, Action::ManageInboundMail)?;
        Ok(self.store.inbound_messages(status, page).await?)
    }

    /// One inbound message with its raw bytes, for admins and the worker.
    pub async fn inbound_message(&self, actor: &Actor, id: i64) -> AppResult<(InboundMessage, Vec<u8>)> {
        check(actor, Action::ManageInboundMail)?;
        self.store
            .inbound_message(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no inbound message {id}")))
    }

    /// Queues an inbound message to be processed again (after a fix, or once its sender has an
    /// account); a message already delivered stays as it is.
    pub async fn reprocess_inbound(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let (message, _) = self.inbound_message(actor, id).await?;
        if matches!(message.status, InboundStatus::TicketOpened | InboundStatus::ArticleAdded) {
            return Err(AppError::Conflict {
                detail: format!(
                    "inbound message {id} was delivered already (ticket #{})",
                    message.ticket.unwrap_or(TicketId(0))
                ),
                allowed: None,
            });
        }
        let now = self.now();
        let outcome = InboundOutcome {
            status: InboundStatus::Received,
            message_id: message.message_id,
            sender: message.sender,
            subject: message.subject,
            ticket: message.ticket,
            detail: Some(format!("queued again; it was {}", message.status)),
            at: now,
        };
        self.write(move |mut tx| async move {
            tx.record_inbound(id, &outcome).await?;
            tx.enqueue_job(&process_job(id, now)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Records that an inbound message could not be parsed.
    pub async fn inbound_unreadable(&self, id: i64, why: String) -> AppResult<()> {
        let now = self.now();
        self.write(move |mut tx| async move {
            let outcome = InboundOutcome {
                status: InboundStatus::Failed,
                message_id: None,
                sender: None,
                subject: None,
                ticket: None,
                detail: Some(why),
                at: now,
            };
            tx.record_inbound(id, &outcome).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Processes a parsed inbound message: opens a ticket, adds an article, or says why not.
    pub async fn deliver_mail(&self, id: i64, mail: ParsedMail) -> AppResult<InboundStatus> {
        let identity = self.mail.clone();
        let ours = self.owned_addresses(&mail).await?;
        let answers = match handling(&mail.signals, &mail.from, &ours) {
            Handling::Ignore(why) => {
                let delivery = Delivery { id, mail, answers: false };
                return self.settle(&delivery, InboundStatus::Ignored, None, why).await;
            }
            Handling::NoAnswers => false,
            Handling::Person => true,
        };
        let mut delivery = Delivery { id, mail, answers };
        // A list's copy addressed to none of Helpdesk's addresses (it reads the list, the envelope
        // says so and nothing more): nobody wrote to Helpdesk.
        if !answers && !self.addressed_to_us(&delivery.mail.recipients).await? {
            let list = delivery.mail.signals.list_id.as_deref().map(|l| format!(" {l}")).unwrap_or_default();
            let why = format!(
                "a copy from the mailing list{list}: it is addressed to none of Helpdesk's or its units' addresses"
            );
            return self.settle(&delivery, InboundStatus::Ignored, None, why).await;
        }
        // The web form's limits, before anything else: too many or too big files refuse the
        // message, whoever sent it.
        match check_uploads(std::mem::take(&mut delivery.mail.uploads)) {
            Ok(uploads) => delivery.mail.uploads = uploads,
            Err(errors) => return self.refuse(&delivery, None, refusal_reason(&AppError::Invalid(errors))).await,
        }
        if let Some(message_id) = &delivery.mail.message_id
            && let Some(ticket) = self.store.ticket_of_messages(std::slice::from_ref(message_id)).await?
        {
            let why = format!("a copy of a message already received (ticket #{ticket})");
            return self.settle(&delivery, InboundStatus::Duplicate, Some(ticket), why).await;
        }
        let addresses = delivery.mail.addresses();
        let target = match ticket_in_subject(&delivery.mail.subject, &identity.tag)
            .or_else(|| ticket_in_thread(&delivery.mail.thread, identity.domain()))
            .or_else(|| ticket_in_reply_address(&addresses, &identity.address).map(|(ticket, _)| ticket))
        {
            Some(ticket) => Some(ticket),
            None => self.store.ticket_of_messages(&delivery.mail.thread).await?,
        };
        match target {
            Some(ticket) => self.mail_reply(delivery, ticket).await,
            None => self.mail_ticket(delivery).await,
        }
    }

    /// A reply to `ticket`: an article by its sender, if they may write there.
    async fn mail_reply(&self, delivery: Delivery, id: TicketId) -> AppResult<InboundStatus> {
        let Some(ticket) = self.store.ticket(id).await? else {
            return self.refuse(&delivery, None, format!("there is no ticket #{id}")).await;
        };
        let unit = self.store.unit(ticket.unit).await?;
        let proof = match &unit {
            Some(unit) => self.list_proof(&delivery.mail, id, unit.id),
            None => ListProof::Unproven,
        };
        // A message on a redirect-mode unit's list: sent to it, by it (a list may sign as
        // itself), or to the reply address only its copies held. It answers for the unit only
        // with that proof: anyone can write the list's address.
        let list = unit.filter(|u| {
            u.integration == Integration::Redirect
                && (proof == ListProof::ReplyAddress
                    || delivery.mail.recipients.iter().any(|r| r.eq_ignore_ascii_case(&u.email))
                    || delivery.mail.from.eq_ignore_ascii_case(&u.email))
        });
        let for_list = list.as_ref().is_some_and(|u| speaks_for_list(u.integration, proof));
        let invited = for_list || ticket.copy_to.iter().any(|c| c.eq_ignore_ascii_case(&delivery.mail.from));
        let Some(mut actor) = self.sender(&delivery, invited).await? else {
            let why = format!(
                "we do not know the address {}; sign up, or write from the address of your account",
                delivery.mail.from
            );
            return self.refuse(&delivery, Some(id), why).await;
        };
        if let Some(unit) = &list {
            actor = actor.via_unit_list(unit.id, unit.integration, proof);
        }
        let origin = delivery.origin(delivery.quiet(list.as_ref()));
        let (body, uploads) = (delivery.mail.text.clone(), delivery.mail.uploads.clone());
        let attempt = self
            .add_article_from(&actor, id, body.clone(), false, Channel::Email, uploads, Some(origin.clone().into()))
            .await;
        let attempt = match attempt {
            // Someone who may write but not attach (a community user's signature logo): the
            // words go in, the files stay in the kept original.
            Err(AppError::Forbidden(why)) if !delivery.mail.uploads.is_empty() => {
                let body = files_left_out(&body, delivery.mail.uploads.len(), &why);
                self.add_article_from(&actor, id, body, false, Channel::Email, Vec::new(), Some(origin.into())).await
            }
            other => other,
        };
        match attempt {
            Ok(_) => Ok(InboundStatus::ArticleAdded),
            Err(
                e @ (AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Invalid(_) | AppError::Conflict { .. }),
            ) => self.refuse(&delivery, Some(id), refusal_reason(&e)).await,
            Err(e) => Err(e),
        }
    }

    /// A new message: a ticket in the unit it was sent to, or from Helpdesk's own address.
    async fn mail_ticket(&self, delivery: Delivery) -> AppResult<InboundStatus> {
        let mail = &delivery.mail;
        // Where the envelope says it was delivered first (a Bcc shows only there), then To and Cc.
        let delivered_to = self.store.units_by_email(&mail.envelope).await?;
        let by_envelope =
            mail.envelope.iter().find_map(|e| delivered_to.iter().find(|u| u.email.eq_ignore_ascii_case(e)));
        let units = self.store.units_by_email(&mail.recipients).await?;
        let unit = by_envelope.or(units.first());
        let Some(category) = self.mail_category(unit.map(|u| u.id)).await? else {
            let why = "no category can take tickets by mail (every one asks for fields); an admin must add one";
            return self.settle(&delivery, InboundStatus::Failed, None, why.to_owned()).await;
        };
        let Some(actor) = self.sender(&delivery, true).await? else {
            return self.refuse(&delivery, None, format!("the account of {} is disabled", mail.from)).await;
        };
        let unit_addresses: Vec<String> = units.iter().map(|u| u.email.to_lowercase()).collect();
        // A list's message names the list among its recipients, and which one it is cannot be
        // told for sure: its copies would go to the whole list, so it keeps none.
        let copies = mail.recipients.iter().filter(|_| delivery.answers);
        let copy_to: Vec<String> = copies
            .filter(|r| !self.mail.owns(r) && !unit_addresses.contains(r))
            .filter(|r| **r != mail.from && r.contains('@') && r.len() <= 200)
            .take(helpdesk_domain::ticket::MAX_COPY_TO)
            .cloned()
            .collect();
        let title = match mail.subject.trim() {
            "" => "(no subject)".to_owned(),
            s => s.chars().take(MAX_TITLE_CHARS).collect(),
        };
        let description = if mail.text.trim().is_empty() { "(no text)".to_owned() } else { mail.text.clone() };
        let privacy = if check(&actor, Action::OpenTicket(Privacy::Private)).is_ok() {
            Privacy::Private
        } else {
            Privacy::Public
        };
        let cmd = OpenTicket {
            title,
            description,
            ticket_type: TicketType::Incident,
            category,
            privacy,
            affected_users: 1,
            service_degraded: false,
            security_risk: SecurityRisk::None,
            fields: serde_json::Map::new(),
            on_behalf_of: None,
            copy_to,
            link_url: None,
            priority: None,
            priority_reason: None,
            kind: helpdesk_domain::team::TicketKind::User,
            team: None,
            unit: None,
        };
        let origin = delivery.origin(delivery.quiet(None));
        let unit = unit.map(|u| u.id);
        let attempt = self
            .open_ticket_from(&actor, cmd.clone(), mail.uploads.clone(), unit, Some(origin.clone().into()), None)
            .await;
        let attempt = match attempt {
            Err(AppError::Forbidden(why)) if !mail.uploads.is_empty() => {
                let description = files_left_out(&cmd.description, mail.uploads.len(), &why);
                self.open_ticket_from(
                    &actor,
                    OpenTicket { description, ..cmd },
                    Vec::new(),
                    unit,
                    Some(origin.into()),
                    None,
                )
                .await
            }
            other => other,
        };
        match attempt {
            Ok(_) => Ok(InboundStatus::TicketOpened),
            Err(
                e @ (AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Invalid(_) | AppError::Conflict { .. }),
            ) => self.refuse(&delivery, None, refusal_reason(&e)).await,
            Err(e) => Err(e),
        }
    }

    /// The category of tickets opened by mail: one that asks for no required field, the
    /// unit's own when it has one.
    async fn mail_category(&self, unit: Option<UnitId>) -> AppResult<Option<CategoryId>> {
        let categories = self.store.categories(crate::FIRST_HUNDRED).await?.items;
        let open: Vec<_> = categories.into_iter().filter(|c| c.fields.iter().all(|f| !f.required)).collect();
        let own = open.iter().find(|c| Some(c.default_unit) == unit);
        Ok(own.or(open.first()).map(|c| c.id))
    }

    /// Ticket `ticket`'s reply address for the list of `unit`: Helpdesk's own address with the
    /// ticket and a secret that only the copies sent to that list carry; none without a secret key.
    pub(crate) fn list_reply_address(&self, ticket: TicketId, unit: UnitId) -> Option<String> {
        let signer = self.list_signer.as_ref()?;
        let secret = signer.sign(list_reply_message(ticket, unit).as_bytes(), LIST_SECRET_BYTES);
        Some(reply_address(&self.mail.address, ticket, &hex::encode(secret)))
    }

    /// Whether `mail` was sent to ticket `ticket`'s reply address for the list of `unit`, with
    /// the right secret (compared in constant time).
    fn list_proof(&self, mail: &ParsedMail, ticket: TicketId, unit: UnitId) -> ListProof {
        let addresses = mail.addresses();
        let proven = match (&self.list_signer, ticket_in_reply_address(&addresses, &self.mail.address)) {
            (Some(signer), Some((to, secret))) if to == ticket && secret.len() == 2 * LIST_SECRET_BYTES => {
                hex::decode(secret).is_ok_and(|s| signer.verify(list_reply_message(ticket, unit).as_bytes(), &s))
            }
            _ => false,
        };
        if proven { ListProof::ReplyAddress } else { ListProof::Unproven }
    }

    /// Every address Helpdesk owns among those a message names as its sender and in its
    /// `X-Loop` marks, with Helpdesk's own: the addresses of units whose mail comes to Helpdesk.
    /// A redirect-mode unit's address is its mailing list, outside Helpdesk (a list may mark
    /// and sign what passes through it as its own).
    async fn owned_addresses(&self, mail: &ParsedMail) -> AppResult<Vec<String>> {
        let mut named = mark_addresses(&mail.signals.x_loop);
        named.push(mail.from.clone());
        let mut owned = self.mail.own_addresses();
        let units = self.store.units_by_email(&named).await?;
        owned.extend(
            units.into_iter().filter(|u| u.integration != Integration::Redirect).map(|u| u.email.to_lowercase()),
        );
        Ok(owned)
    }

    /// Whether one of `recipients` is Helpdesk's own address or a unit's.
    async fn addressed_to_us(&self, recipients: &[String]) -> AppResult<bool> {
        Ok(recipients.iter().any(|r| self.mail.owns(r)) || !self.store.units_by_email(recipients).await?.is_empty())
    }

    /// The sender as an actor: their account's, or, when `may_join`, a new community account
    /// for an address never seen before. None for a disabled account or a stranger.
    async fn sender(&self, delivery: &Delivery, may_join: bool) -> AppResult<Option<Actor>> {
        let from = &delivery.mail.from;
        let account = match self.store.account_by_email(from).await? {
            Some(account) if account.disabled => return Ok(None),
            Some(account) => account,
            None if may_join => {
                let name = match delivery.mail.from_name.trim() {
                    "" => from.split('@').next().unwrap_or(from).to_owned(),
                    name => name.chars().take(100).collect(),
                };
                match self.create_account(&Actor::system(), from, &name, &[Role::Community]).await {
                    Ok(account) => account,
                    // Created meanwhile by another message of theirs.
                    Err(AppError::Conflict { .. }) => match self.store.account_by_email(from).await? {
                        Some(account) => account,
                        None => return Ok(None),
                    },
                    Err(AppError::Invalid(_)) => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            None => return Ok(None),
        };
        Ok(Some(self.actor_for(&account).await?))
    }

    /// Records an outcome that is neither a ticket nor an article.
    async fn settle(
        &self,
        delivery: &Delivery,
        status: InboundStatus,
        ticket: Option<TicketId>,
        why: String,
    ) -> AppResult<InboundStatus> {
        let now = self.now();
        let outcome = delivery.outcome(status, ticket, Some(why), now);
        let id = delivery.id;
        self.write(move |mut tx| async move {
            tx.record_inbound(id, &outcome).await?;
            tx.commit().await?;
            Ok(status)
        })
        .await
    }

    /// Refuses a message: kept for an admin, and its sender told why (a person only).
    async fn refuse(&self, delivery: &Delivery, ticket: Option<TicketId>, why: String) -> AppResult<InboundStatus> {
        let now = self.now();
        let outcome = delivery.outcome(InboundStatus::Refused, ticket, Some(why.clone()), now);
        let answer = delivery.answers.then(|| self.refusal(&delivery.mail, &why));
        let id = delivery.id;
        self.write(move |mut tx| async move {
            tx.record_inbound(id, &outcome).await?;
            if let Some(answer) = answer {
                tx.enqueue_job(&answer.job(now)).await?;
            }
            tx.commit().await?;
            Ok(InboundStatus::Refused)
        })
        .await
    }

    /// The polite answer to a refused message.
    fn refusal(&self, mail: &ParsedMail, why: &str) -> OutgoingMail {
        let subject = if mail.subject.is_empty() { "your message".to_owned() } else { mail.subject.clone() };
        let text = format!(
            "Hello,\n\nyour message \"{subject}\" could not be added to Helpdesk: {why}.\n\n\
             Nothing is lost: the message is kept, and an administrator can look at it. You can also \
             open a ticket at {}/tickets/new\n\n-- \nHelpdesk\n",
            self.public_url
        );
        OutgoingMail {
            subject: format!("Not delivered: {subject}"),
            thread: mail.message_id.iter().cloned().collect(),
            auto_reply: true,
            ..OutgoingMail::plain(mail.from.clone(), "", text)
        }
    }
}

/// Bytes of the secret of a ticket's reply address for a unit's list: 80 bits, as 20 hex digits.
const LIST_SECRET_BYTES: usize = 10;

/// What the secret of ticket `ticket`'s reply address for the list of `unit` signs: it holds for
/// that unit only, so a list the ticket has left no longer answers for it.
fn list_reply_message(ticket: TicketId, unit: UnitId) -> String {
    format!("ticket {ticket} unit {unit}")
}

/// The text, with a line saying which files were left out, and why.
fn files_left_out(text: &str, files: usize, why: &str) -> String {
    format!("{text}\n\n_({files} attached file(s) not added: {why}. The original message is kept.)_")
}

/// A refusal's reason in the words of the rule that refused.
fn refusal_reason(e: &AppError) -> String {
    match e {
        AppError::Invalid(errors) => {
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}
