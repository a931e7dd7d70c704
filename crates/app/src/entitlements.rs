//! What a person's dashboard says about their organisations: membership, partnership, and the
//! support contract that makes them a named user.

use helpdesk_domain::OrgId;
use helpdesk_domain::organisation::Contract;
use helpdesk_domain::policy::Actor;

use crate::{App, AppResult};

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

impl App {
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
