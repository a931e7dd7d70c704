//! Teams (GGUS's TEAM and ALARM): made by admins, their members kept by admins and the team's
//! managers, by hand or synced from a list of addresses and DNs (a VO's list, nightly); and a
//! team ticket raised to an alarm.

use helpdesk_domain::TeamId;
use helpdesk_domain::TicketId;
use helpdesk_domain::policy::{Action, Actor, check, shown_to};
use helpdesk_domain::team::{SyncPlan, Team, TeamMember, check_team, member_identity, parse_member_list, sync_plan};
use helpdesk_domain::ticket::Ticket;
use helpdesk_domain::workflow;
use helpdesk_store::Tx;

use crate::notify::{self, Event};
use crate::tickets::{readable_for_update, record};
use crate::{App, AppError, AppResult};

/// Which list a sync makes the team's own: its members, or which of them are alarmers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncedList {
    /// Who is a member: those not on the list leave the team.
    Members,
    /// Who is an alarmer: those on the list become alarmers (and members), the others stay
    /// members without the right.
    Alarmers,
}

fn team_not_found(id: TeamId) -> AppError {
    AppError::NotFound(format!("there is no team {id}"))
}

async fn team_for_update(tx: &mut dyn Tx, id: TeamId) -> AppResult<Team> {
    tx.team_for_update(id).await?.ok_or_else(|| team_not_found(id))
}

impl App {
    /// The teams `actor` may see: every team for staff and admins, their own for the others.
    pub async fn teams(&self, actor: &Actor) -> AppResult<Vec<Team>> {
        let all = self.store.teams().await?;
        Ok(all.into_iter().filter(|t| check(actor, Action::ReadTeamMembers(t.id)).is_ok()).collect())
    }

    /// One team with its members, for whoever may see them.
    pub async fn team(&self, actor: &Actor, id: TeamId) -> AppResult<(Team, Vec<TeamMember>)> {
        check(actor, Action::ReadTeamMembers(id)).map_err(|_| team_not_found(id))?;
        let team = self.store.team(id).await?.ok_or_else(|| team_not_found(id))?;
        let members = self.store.team_members(id).await?;
        Ok((team, members))
    }

    /// A team by its name (for the command line).
    pub async fn team_named(&self, actor: &Actor, name: &str) -> AppResult<Team> {
        let team = self
            .store
            .team_by_name(name.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no team named '{}'", name.trim())))?;
        check(actor, Action::ReadTeamMembers(team.id)).map_err(|_| team_not_found(team.id))?;
        Ok(team)
    }

    /// Makes a team (admins).
    pub async fn create_team(&self, actor: &Actor, name: &str, email: &str) -> AppResult<Team> {
        check(actor, Action::ManageTeams)?;
        let (name, email) = (name.trim().to_owned(), email.trim().to_lowercase());
        check_team(&name, &email)?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let team = tx.insert_team(&name, &email, now).await?;
            tx.commit().await?;
            Ok(team)
        })
        .await
    }

    /// Renames a team or changes its address (admins); `None` keeps a value.
    pub async fn update_team(
        &self,
        actor: &Actor,
        id: TeamId,
        name: Option<String>,
        email: Option<String>,
    ) -> AppResult<Team> {
        check(actor, Action::ManageTeams)?;
        self.write(move |mut tx| async move {
            let mut team = team_for_update(&mut *tx, id).await?;
            if let Some(name) = name {
                team.name = name.trim().to_owned();
            }
            if let Some(email) = email {
                team.email = email.trim().to_lowercase();
            }
            check_team(&team.name, &team.email)?;
            tx.update_team(id, &team.name, &team.email).await?;
            tx.commit().await?;
            Ok(team)
        })
        .await
    }

    /// Adds a member (an address or a DN) or changes their rights.
    pub async fn put_team_member(
        &self,
        actor: &Actor,
        id: TeamId,
        member: &str,
        alarmer: bool,
        manager: bool,
    ) -> AppResult<TeamMember> {
        check(actor, Action::ManageTeamMembers(id))?;
        let member = member_identity(member).ok_or_else(|| {
            AppError::invalid("member", format!("'{}' is neither an e-mail address nor a DN", member.trim()))
        })?;
        let member = TeamMember { member, alarmer, manager };
        self.write(move |mut tx| async move {
            team_for_update(&mut *tx, id).await?;
            tx.put_team_member(id, &member).await?;
            tx.commit().await?;
            Ok(member)
        })
        .await
    }

    /// Removes a member.
    pub async fn remove_team_member(&self, actor: &Actor, id: TeamId, member: &str) -> AppResult<()> {
        check(actor, Action::ManageTeamMembers(id))?;
        let identity = member_identity(member)
            .ok_or_else(|| AppError::NotFound(format!("'{}' is not a member of team {id}", member.trim())))?;
        self.write(move |mut tx| async move {
            team_for_update(&mut *tx, id).await?;
            if !tx.delete_team_member(id, &identity).await? {
                return Err(AppError::NotFound(format!("'{identity}' is not a member of team {id}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Makes the team's members (or alarmers) those of `list` (one address or DN a line) and
    /// says who joined and who left. Running it again with the same list changes nothing; a
    /// list with a line that is neither is refused whole.
    pub async fn sync_team(&self, actor: &Actor, id: TeamId, list: &str, which: SyncedList) -> AppResult<SyncPlan> {
        check(actor, Action::ManageTeamMembers(id))?;
        let wanted = parse_member_list(list)?;
        self.write(move |mut tx| async move {
            team_for_update(&mut *tx, id).await?;
            let members = tx.team_members_tx(id).await?;
            let current: Vec<String> = members
                .iter()
                .filter(|m| which == SyncedList::Members || m.alarmer)
                .map(|m| m.member.clone())
                .collect();
            let plan = sync_plan(&current, &wanted);
            let existing = |who: &str| members.iter().find(|m| m.member == who).cloned();
            for who in &plan.added {
                let mut member =
                    existing(who).unwrap_or(TeamMember { member: who.clone(), alarmer: false, manager: false });
                member.alarmer |= which == SyncedList::Alarmers;
                tx.put_team_member(id, &member).await?;
            }
            for who in &plan.removed {
                match which {
                    SyncedList::Members => {
                        tx.delete_team_member(id, who).await?;
                    }
                    SyncedList::Alarmers => {
                        if let Some(member) = existing(who) {
                            tx.put_team_member(id, &TeamMember { alarmer: false, ..member }).await?;
                        }
                    }
                }
            }
            tx.commit().await?;
            Ok(plan)
        })
        .await
    }

    /// Raises a team ticket to an alarm: top priority, and its unit's alarm address is told at
    /// once, as of a new alarm.
    pub async fn raise_alarm(&self, actor: &Actor, id: TicketId) -> AppResult<Ticket> {
        let now = self.now();
        let actor = actor.clone();
        let ticket = self
            .write(move |mut tx| async move {
                let ticket = readable_for_update(&mut *tx, &actor, id).await?;
                let (mut next, changes) = workflow::raise_alarm(&actor, &ticket)?;
                next.updated_at = now;
                tx.update_ticket(&next).await?;
                record(&mut *tx, actor.account, id, changes, now).await?;
                let mut rules = crate::clocks::RulesCache::default();
                crate::timers::keep_timers(&mut *tx, Some(&ticket), &next, false, &mut rules, now).await?;
                notify::queue(&mut *tx, vec![Event::Alarm { ticket: id }], actor.account, &[], now).await?;
                tx.commit().await?;
                Ok(shown_to(&actor, next))
            })
            .await?;
        self.with_sla_one(ticket).await
    }
}
