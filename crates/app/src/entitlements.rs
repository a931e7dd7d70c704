//! What a person's dashboard says about their organisations: membership, partnership, and the
//! support contract that makes them a named user.

use helpdesk_domain::history::Alert;
use helpdesk_domain::listing::{Narrowing, TicketFilter, TicketOrder};
use helpdesk_domain::organisation::Contract;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::policy::{TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::TicketSummary;
use helpdesk_domain::{AccountId, OrgId};

use crate::{App, AppError, AppResult};

/// One organisation a person belongs to or serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Entitlement {
    /// The organisation.
    pub organisation: OrgId,
    /// Its name.
    pub name: String,
    /// Whether the person serves it as a partner.
    pub partner: bool,
    /// Whether the person reads its private tickets ("Company tickets").
    pub reads_company_tickets: bool,
    /// The contract running today, if any.
    pub contract: Option<Contract>,
}

/// A person's dashboard: the organisations they belong to or serve, which ticket list it shows,
/// and what waits for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The organisations they belong to or serve.
    pub entitlements: Vec<Entitlement>,
    /// The organisations whose tickets they read ("Company tickets"), by id and name.
    pub companies: Vec<(OrgId, String)>,
    /// The organisation whose tickets the list shows; none for their own tickets.
    pub company: Option<OrgId>,
    /// The page of the list they asked for, narrowed as they asked (none when what they asked
    /// could not be read).
    pub tickets: Option<Page<TicketSummary>>,
    /// How many of their tickets wait for their reply.
    pub waiting: i64,
    /// How many of their tickets are solved and wait for them to verify the solution.
    pub solved: i64,
    /// What changed on the tickets they opened, own or follow since they last looked at each,
    /// newest first, each with the name of who changed it.
    pub alerts: Vec<(Alert, String)>,
    /// The teams they belong to or keep: id, name, and whether they keep its members.
    pub teams: Vec<(helpdesk_domain::TeamId, String, bool)>,
}

/// The most alerts a dashboard shows.
const MOST_ALERTS: i64 = 20;

impl App {
    /// `actor`'s dashboard, listing their own tickets, or with `company` those of `org` (the
    /// first organisation whose tickets they read, when `org` is not one), narrowed by
    /// `narrowing`.
    pub async fn dashboard(
        &self,
        actor: &Actor,
        company: bool,
        org: Option<OrgId>,
        narrowing: Option<Narrowing>,
        page: PageRequest,
    ) -> AppResult<Dashboard> {
        let me = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        let entitlements = self.my_entitlements(actor).await?;
        let companies: Vec<(OrgId, String)> =
            entitlements.iter().filter(|e| e.reads_company_tickets).map(|e| (e.organisation, e.name.clone())).collect();
        let chosen = org.filter(|o| companies.iter().any(|(id, _)| id == o)).or(companies.first().map(|c| c.0));
        let company = if company { chosen } else { None };
        let mine = TicketFilter { submitter: Some(me), ..TicketFilter::default() };
        let list = match company {
            Some(org) => TicketFilter { organisation: Some(org), ..TicketFilter::default() },
            None => mine.clone(),
        };
        let list = TicketFilter { order: TicketOrder::LastActivity, ..list };
        let count = |status| {
            let filter = TicketFilter { status: Some(status), ..mine.clone() };
            async move {
                Ok::<_, AppError>(
                    self.ticket_summaries(actor, filter, PageRequest { page: 1, per_page: 1 }).await?.total,
                )
            }
        };
        let waiting = count(Status::WaitingForReply).await?;
        let solved = count(Status::Solved).await?;
        let tickets = match narrowing {
            Some(narrowing) => Some(self.ticket_summaries(actor, list.narrowed(narrowing), page).await?),
            None => None,
        };
        let alerts = self.alerts(actor, me).await?;
        let mut ids: Vec<_> = actor.teams.iter().chain(&actor.manages_teams).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut teams = Vec::new();
        for id in ids {
            if let Some(team) = self.store.team(id).await? {
                teams.push((id, team.name, actor.manages_teams.contains(&id)));
            }
        }
        Ok(Dashboard { entitlements, companies, company, tickets, waiting, solved, alerts, teams })
    }

    /// What changed on `me`'s tickets since they last looked, on those `actor` may still read.
    async fn alerts(&self, actor: &Actor, me: AccountId) -> AppResult<Vec<(Alert, String)>> {
        let mut alerts = Vec::new();
        for alert in self.store.unread(me, MOST_ALERTS).await? {
            let readable = self
                .store
                .ticket(alert.ticket)
                .await?
                .is_some_and(|t| check_ticket(actor, TicketAction::Read, &TicketFacts::from(&t)).is_ok());
            if !readable {
                continue;
            }
            let by = match alert.actor {
                Some(id) => self.store.account(id).await?.map(|a| a.name).unwrap_or_default(),
                None => "Helpdesk".to_owned(),
            };
            alerts.push((alert, by));
        }
        Ok(alerts)
    }

    /// The organisations `actor` is a member or partner of, with the contract running today.
    pub async fn my_entitlements(&self, actor: &Actor) -> AppResult<Vec<Entitlement>> {
        let today = self.now().date();
        let mut ids: Vec<OrgId> = actor.member_of.iter().chain(&actor.partner_of).copied().collect();
        ids.dedup();
        let mut out = Vec::new();
        for id in ids {
            let Some(org) = self.store.organisation(id, today).await? else { continue };
            let partner = actor.partner_of.contains(&id);
            out.push(Entitlement {
                organisation: id,
                name: org.name,
                partner,
                reads_company_tickets: partner || actor.organisations.contains(&id),
                contract: org.contracts.into_iter().find(|c| c.runs_on(today)),
            });
        }
        Ok(out)
    }
}
