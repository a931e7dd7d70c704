//! Tickets: their kinds, priorities, privacy and the ticket record itself.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::status::{Resolution, Status};
use crate::{AccountId, CategoryId, OrgId, TicketId, UnitId, named_enum};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most "send a copy to" addresses of one ticket.
pub const MAX_COPY_TO: usize = 10;
/// Longest link URL, in characters.
pub const MAX_LINK_URL_CHARS: usize = 2000;

/// Incident or service request (GGUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    /// Something is broken.
    Incident,
    /// Somebody asks for something.
    ServiceRequest,
}

named_enum!(TicketType { Incident => "incident", ServiceRequest => "service_request" });

/// Who may read a ticket besides those who work on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Everyone, anonymous visitors included.
    Public,
    /// Only those the access policy names.
    Private,
}

named_enum!(Privacy { Public => "public", Private => "private" });

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Every ticket starts here.
    Low,
    /// More than 5 users affected.
    Medium,
    /// More than 50 users affected.
    High,
    /// A service is degraded, or an imminent security risk.
    Top,
}

named_enum!(Priority { Low => "low", Medium => "medium", High => "high", Top => "top" });

impl Priority {
    /// One level more, never above top.
    pub fn raised(self) -> Priority {
        match self {
            Priority::Low => Priority::Medium,
            Priority::Medium => Priority::High,
            Priority::High | Priority::Top => Priority::Top,
        }
    }
}

/// The security risk a submitter reports at triage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecurityRisk {
    /// No security risk.
    #[default]
    None,
    /// A trivial risk: one priority level more.
    Trivial,
    /// An imminent risk: top priority at once.
    Imminent,
}

named_enum!(SecurityRisk { None => "none", Trivial => "trivial", Imminent => "imminent" });

/// A ticket as stored: the fields every channel reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    /// The ticket number.
    pub id: TicketId,
    /// One line saying what it is about.
    pub title: String,
    /// The submitter's description (Markdown).
    pub description: String,
    /// Incident or service request.
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// The category (type of problem).
    pub category: CategoryId,
    /// The support unit it is assigned to.
    pub unit: UnitId,
    /// The person who owns it, if any.
    #[schema(required = true)]
    pub owner: Option<AccountId>,
    /// Where it stands.
    pub status: Status,
    /// The qualifier of a solved or unsolved ticket.
    #[schema(required = true)]
    pub resolution: Option<Resolution>,
    /// How urgent it is.
    pub priority: Priority,
    /// The priority the triage rules gave it.
    pub suggested_priority: Priority,
    /// Who may read it.
    pub privacy: Privacy,
    /// The values of the category's own fields.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Number of users affected, as reported at triage.
    pub affected_users: i64,
    /// Whether the incident degrades a service, as reported at triage.
    pub service_degraded: bool,
    /// The security risk, as reported at triage.
    pub security_risk: SecurityRisk,
    /// Who opened it.
    pub submitter: AccountId,
    /// The customer it was opened for, when a partner or staff opened it on their behalf.
    #[schema(required = true)]
    pub on_behalf_of: Option<AccountId>,
    /// The requester's organisation when it was opened; its named users and partners read it.
    #[schema(required = true)]
    pub organisation: Option<OrgId>,
    /// Addresses that receive a copy of the public replies, lower-case.
    pub copy_to: Vec<String>,
    /// A link the submitter gave (http or https).
    #[schema(required = true)]
    pub link_url: Option<String>,
    /// The ticket this one duplicates (its master), if it was marked a duplicate: it then waits
    /// on hold and is solved with its master.
    #[serde(default)]
    #[schema(required = true)]
    pub master: Option<TicketId>,
    /// Whose ticket it is: one person's (`user`), a team's (`team`), or a team's alarm (`alarm`).
    #[serde(default)]
    pub kind: crate::team::TicketKind,
    /// The team of a team or alarm ticket (none for a user ticket: only opening a team or an
    /// alarm ticket sets it, and a kind never goes back to `user`).
    #[serde(default)]
    #[schema(required = true)]
    pub team: Option<crate::TeamId>,
    /// When it was opened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When anything about it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Its service level and clocks (none where they were not read, and on a ticket no clock
    /// ever ran for).
    #[serde(default)]
    #[schema(required = true)]
    pub sla: Option<crate::clock::TicketSla>,
}

/// Where a ticket's article came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The web pages.
    Web,
    /// The JSON API.
    Api,
    /// E-mail.
    Email,
    /// An external ticketing system.
    External,
    /// Written by Helpdesk itself.
    System,
}

named_enum!(Channel { Web => "web", Api => "api", Email => "email", External => "external", System => "system" });

/// One entry of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Article {
    /// The article's id.
    pub id: crate::ArticleId,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// Who wrote it (none for system entries).
    #[schema(required = true)]
    pub author: Option<AccountId>,
    /// The text (Markdown).
    pub body: String,
    /// An internal note, only for those who work on the ticket.
    pub internal: bool,
    /// Where it came from.
    pub channel: Channel,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who wrote it in the other ticketing system it came from, with that system's name (for
    /// example `alice (RT)`); none for an article written here.
    #[serde(default)]
    #[schema(required = true)]
    pub external_author: Option<String>,
}

/// A ticket as a list shows it: the ticket, who asked, and how long the conversation is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketSummary {
    /// The ticket.
    pub ticket: Ticket,
    /// The submitter's name.
    pub submitter_name: String,
    /// How many public articles it has.
    pub replies: i64,
}
