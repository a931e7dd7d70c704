//! Rows as the database returns them, and their conversion into the domain's records.

use std::str::FromStr;

use helpdesk_domain::account::{Account, ApiToken, Role};
use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::calendar::{CalendarRecord, WeekHours};
use helpdesk_domain::category::{Category, FieldDef};
use helpdesk_domain::history::HistoryEntry;
use helpdesk_domain::organisation::{Contract, JoinRequest, UnitMember};
use helpdesk_domain::service_level::{ServiceLevel, TargetsText};
use helpdesk_domain::ticket::{Article, Ticket, TicketSummary};
use helpdesk_domain::unit::Unit;
use helpdesk_domain::{
    AccountId, ArticleId, AttachmentId, CalendarId, CategoryId, OrgId, ServiceLevelId, TicketId, UnitId,
};
use serde_json::{Map, Value};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::types::Json;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::{Job, StoreError, StoreResult};

/// A point in time as stored: UTC, to the microsecond. On SQLite it is fixed-width text, so that
/// comparing and ordering the text compares and orders the times (the driver's own encoding
/// drops trailing zeros of the fraction, which breaks that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ts(pub OffsetDateTime);

impl Ts {
    /// `at`, in UTC, truncated to the microsecond (what PostgreSQL keeps).
    pub(crate) fn from(at: OffsetDateTime) -> Ts {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.nanosecond() / 1_000 * 1_000;
        Ts(at.replace_nanosecond(micros).unwrap_or(at))
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &<Sqlite as Database>::TypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        Encode::<Sqlite>::encode(Ts::from(self.0).0.format(&format)?, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: <Sqlite as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Ts(OffsetDateTime::parse(text, &Rfc3339)?))
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &<Postgres as Database>::TypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut <Postgres as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(Ts::from(self.0).0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: <Postgres as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Ts(<OffsetDateTime as Decode<Postgres>>::decode(value)?.to_offset(UtcOffset::UTC)))
    }
}

/// Parses a stored name into its enum, or says which column holds nonsense.
fn parse<T: FromStr>(column: &str, value: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn parse_opt<T: FromStr>(column: &str, value: Option<&str>) -> StoreResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value.map(|v| parse(column, v)).transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRow {
    id: i64,
    title: String,
    description: String,
    #[sqlx(rename = "type")]
    ticket_type: String,
    category_id: i64,
    unit_id: i64,
    owner_id: Option<i64>,
    status: String,
    resolution: Option<String>,
    priority: String,
    suggested_priority: String,
    privacy: String,
    fields: Json<Map<String, Value>>,
    affected_users: i64,
    service_degraded: bool,
    security_risk: String,
    submitter_id: i64,
    on_behalf_of: Option<i64>,
    organisation_id: Option<i64>,
    created_at: Ts,
    updated_at: Ts,
    copy_to: Json<Vec<String>>,
    link_url: Option<String>,
    kind: String,
    team_id: Option<i64>,
    master_id: Option<i64>,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;

    fn try_from(r: TicketRow) -> StoreResult<Ticket> {
        Ok(Ticket {
            id: TicketId(r.id),
            title: r.title,
            description: r.description,
            ticket_type: parse("tickets.type", &r.ticket_type)?,
            category: CategoryId(r.category_id),
            unit: UnitId(r.unit_id),
            owner: r.owner_id.map(AccountId),
            status: parse("tickets.status", &r.status)?,
            resolution: parse_opt("tickets.resolution", r.resolution.as_deref())?,
            priority: parse("tickets.priority", &r.priority)?,
            suggested_priority: parse("tickets.suggested_priority", &r.suggested_priority)?,
            privacy: parse("tickets.privacy", &r.privacy)?,
            fields: r.fields.0,
            affected_users: r.affected_users,
            service_degraded: r.service_degraded,
            security_risk: parse("tickets.security_risk", &r.security_risk)?,
            submitter: AccountId(r.submitter_id),
            on_behalf_of: r.on_behalf_of.map(AccountId),
            organisation: r.organisation_id.map(OrgId),
            copy_to: r.copy_to.0,
            link_url: r.link_url,
            master: r.master_id.map(TicketId),
            kind: parse("tickets.kind", &r.kind)?,
            team: r.team_id.map(helpdesk_domain::TeamId),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            sla: None,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketSummaryRow {
    #[sqlx(flatten)]
    ticket: TicketRow,
    submitter_name: String,
    replies: i64,
}

impl TryFrom<TicketSummaryRow> for TicketSummary {
    type Error = StoreError;

    fn try_from(r: TicketSummaryRow) -> StoreResult<TicketSummary> {
        Ok(TicketSummary { ticket: Ticket::try_from(r.ticket)?, submitter_name: r.submitter_name, replies: r.replies })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    id: i64,
    ticket_id: i64,
    article_id: Option<i64>,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: Option<i64>,
    internal: bool,
    created_at: Ts,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Attachment {
        Attachment {
            id: AttachmentId(r.id),
            ticket: TicketId(r.ticket_id),
            article: r.article_id.map(ArticleId),
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by.map(AccountId),
            internal: r.internal,
            created_at: r.created_at.0,
        }
    }
}

/// An attachment with its bytes.
#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentDataRow {
    #[sqlx(flatten)]
    meta: AttachmentRow,
    data: Vec<u8>,
}

impl AttachmentDataRow {
    /// The record and its bytes.
    pub(crate) fn split(self) -> (Attachment, Vec<u8>) {
        (Attachment::from(self.meta), self.data)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
    id: i64,
    ticket_id: i64,
    author_id: Option<i64>,
    body: String,
    internal: bool,
    channel: String,
    created_at: Ts,
    external_author: Option<String>,
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;

    fn try_from(r: ArticleRow) -> StoreResult<Article> {
        Ok(Article {
            id: ArticleId(r.id),
            ticket: TicketId(r.ticket_id),
            author: r.author_id.map(AccountId),
            body: r.body,
            internal: r.internal,
            channel: parse("articles.channel", &r.channel)?,
            created_at: r.created_at.0,
            external_author: r.external_author,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    at: Ts,
    actor_id: Option<i64>,
    field: String,
    old_value: Json<Value>,
    new_value: Json<Value>,
    reason: Option<String>,
    internal: bool,
}

impl TryFrom<HistoryRow> for HistoryEntry {
    type Error = StoreError;

    fn try_from(r: HistoryRow) -> StoreResult<HistoryEntry> {
        Ok(HistoryEntry {
            at: r.at.0,
            actor: r.actor_id.map(AccountId),
            field: r.field,
            old: r.old_value.0,
            new: r.new_value.0,
            reason: r.reason,
            internal: r.internal,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: i64,
    name: String,
    description: String,
    level: i16,
    email: String,
    integration: String,
    created_at: Ts,
    updated_at: Ts,
    service_level_id: i64,
    alarm_email: String,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;

    fn try_from(r: UnitRow) -> StoreResult<Unit> {
        Ok(Unit {
            id: UnitId(r.id),
            name: r.name,
            description: r.description,
            level: r.level,
            email: r.email,
            integration: parse("units.integration", &r.integration)?,
            service_level: ServiceLevelId(r.service_level_id),
            alarm_email: r.alarm_email,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CalendarRow {
    id: i64,
    name: String,
    time_zone: String,
    week: Json<WeekHours>,
    holidays: Json<Vec<time::Date>>,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<CalendarRow> for CalendarRecord {
    type Error = StoreError;

    fn try_from(r: CalendarRow) -> StoreResult<CalendarRecord> {
        Ok(CalendarRecord {
            id: CalendarId(r.id),
            name: r.name,
            time_zone: r.time_zone,
            week: r.week.0,
            holidays: r.holidays.0,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ServiceLevelRow {
    id: i64,
    name: String,
    calendar_id: i64,
    targets: Json<TargetsText>,
    waiting_reminder: String,
    auto_unsolved_after_reminders: i32,
    auto_close: String,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<ServiceLevelRow> for ServiceLevel {
    type Error = StoreError;

    fn try_from(r: ServiceLevelRow) -> StoreResult<ServiceLevel> {
        let reminders = u8::try_from(r.auto_unsolved_after_reminders)
            .map_err(|_| StoreError::Corrupt(format!("service level {}: reminders out of range", r.id)))?;
        Ok(ServiceLevel {
            id: ServiceLevelId(r.id),
            name: r.name,
            calendar: CalendarId(r.calendar_id),
            targets: r.targets.0,
            waiting_reminder: r.waiting_reminder,
            auto_unsolved_after_reminders: reminders,
            auto_close: r.auto_close,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    id: i64,
    name: String,
    description: String,
    default_unit_id: i64,
    fields: Json<Vec<FieldDef>>,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<CategoryRow> for Category {
    type Error = StoreError;

    fn try_from(r: CategoryRow) -> StoreResult<Category> {
        Ok(Category {
            id: CategoryId(r.id),
            name: r.name,
            description: r.description,
            default_unit: UnitId(r.default_unit_id),
            fields: r.fields.0,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    email: String,
    name: String,
    disabled: bool,
    created_at: Ts,
    email_verified_at: Option<Ts>,
    /// The granted roles, comma-separated (aggregated in the query).
    roles: Option<String>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(r: AccountRow) -> StoreResult<Account> {
        let mut roles: Vec<Role> = r
            .roles
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| parse("account_roles.role", s))
            .collect::<StoreResult<_>>()?;
        roles.sort();
        Ok(Account {
            id: AccountId(r.id),
            email: r.email,
            name: r.name,
            roles,
            disabled: r.disabled,
            verified: r.email_verified_at.is_some(),
            created_at: r.created_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: i64,
    kind: String,
    payload: Json<Value>,
    attempts: i32,
    last_error: Option<String>,
    created_at: Ts,
}

impl JobRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;

    fn try_from(r: JobRow) -> StoreResult<Job> {
        Ok(Job {
            id: r.id,
            kind: r.kind,
            payload: r.payload.0,
            attempts: r.attempts.into(),
            last_error: r.last_error,
            created_at: r.created_at.0,
        })
    }
}

/// Converts every row of a page.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> StoreResult<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrganisationRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) created_at: Ts,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContractRow {
    id: i64,
    organisation_id: i64,
    plan: String,
    starts_on: Date,
    ends_on: Option<Date>,
    includes: String,
}

impl From<ContractRow> for Contract {
    fn from(r: ContractRow) -> Contract {
        Contract {
            id: r.id,
            organisation: OrgId(r.organisation_id),
            plan: r.plan,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            includes: r.includes,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitMemberRow {
    unit_id: i64,
    account_id: i64,
    name: String,
    email: String,
    manager: bool,
    since: Ts,
}

impl From<UnitMemberRow> for UnitMember {
    fn from(r: UnitMemberRow) -> UnitMember {
        UnitMember {
            unit: UnitId(r.unit_id),
            account: AccountId(r.account_id),
            name: r.name,
            email: r.email,
            manager: r.manager,
            since: r.since.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JoinRequestRow {
    id: i64,
    unit_id: i64,
    account_id: i64,
    name: String,
    email: String,
    message: String,
    state: String,
    created_at: Ts,
    decided_at: Option<Ts>,
    decided_by: Option<i64>,
}

impl TryFrom<JoinRequestRow> for JoinRequest {
    type Error = StoreError;

    fn try_from(r: JoinRequestRow) -> StoreResult<JoinRequest> {
        Ok(JoinRequest {
            id: r.id,
            unit: UnitId(r.unit_id),
            account: AccountId(r.account_id),
            name: r.name,
            email: r.email,
            message: r.message,
            state: parse("join_requests.state", &r.state)?,
            created_at: r.created_at.0,
            decided_at: r.decided_at.map(|t| t.0),
            decided_by: r.decided_by.map(AccountId),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    name: String,
    created_at: Ts,
    revoked_at: Option<Ts>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken { id: r.id, name: r.name, created_at: r.created_at.0, revoked_at: r.revoked_at.map(|t| t.0) }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InboundRow {
    id: i64,
    received_at: Ts,
    status: String,
    message_id: Option<String>,
    sender: Option<String>,
    subject: Option<String>,
    ticket_id: Option<i64>,
    detail: Option<String>,
    processed_at: Option<Ts>,
    size: i64,
    recipient: Option<String>,
}

impl TryFrom<InboundRow> for helpdesk_domain::mail::InboundMessage {
    type Error = StoreError;

    fn try_from(r: InboundRow) -> StoreResult<helpdesk_domain::mail::InboundMessage> {
        Ok(helpdesk_domain::mail::InboundMessage {
            id: r.id,
            received_at: r.received_at.0,
            status: parse("inbound_mail.status", &r.status)?,
            message_id: r.message_id,
            sender: r.sender,
            subject: r.subject,
            ticket: r.ticket_id.map(TicketId),
            detail: r.detail,
            processed_at: r.processed_at.map(|t| t.0),
            size: r.size,
            recipient: r.recipient,
        })
    }
}

/// An inbound message with its raw bytes.
#[derive(sqlx::FromRow)]
pub(crate) struct InboundRawRow {
    #[sqlx(flatten)]
    message: InboundRow,
    raw: Vec<u8>,
}

impl InboundRawRow {
    pub(crate) fn into_parts(self) -> StoreResult<(helpdesk_domain::mail::InboundMessage, Vec<u8>)> {
        Ok((self.message.try_into()?, self.raw))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectorRow {
    unit_id: i64,
    settings: String,
    credentials: Option<Vec<u8>>,
    cursor: Option<String>,
    polled_at: Option<Ts>,
    poll_error: Option<String>,
    updated_at: Ts,
}

impl TryFrom<ConnectorRow> for crate::sync::ConnectorRecord {
    type Error = StoreError;

    fn try_from(r: ConnectorRow) -> StoreResult<crate::sync::ConnectorRecord> {
        Ok(crate::sync::ConnectorRecord {
            unit: UnitId(r.unit_id),
            settings: serde_json::from_str(&r.settings)
                .map_err(|e| StoreError::Corrupt(format!("connectors.settings: {e}")))?,
            sealed_credentials: r.credentials,
            cursor: r.cursor,
            polled_at: r.polled_at.map(|t| t.0),
            poll_error: r.poll_error,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    ticket_id: i64,
    unit_id: i64,
    external_id: Option<String>,
    external_url: Option<String>,
    state: String,
    pending_since: Option<Ts>,
    last_error: Option<String>,
    attempts: i64,
    due_at: Option<Ts>,
    synced_at: Option<Ts>,
    version: i64,
    remote_status: Option<String>,
    remote_priority: Option<String>,
    remote_status_at: Option<Ts>,
    remote_priority_at: Option<Ts>,
}

impl TryFrom<LinkRow> for crate::sync::LinkRecord {
    type Error = StoreError;

    fn try_from(r: LinkRow) -> StoreResult<crate::sync::LinkRecord> {
        Ok(crate::sync::LinkRecord {
            link: helpdesk_domain::connector::ExternalLink {
                ticket: TicketId(r.ticket_id),
                unit: UnitId(r.unit_id),
                external_id: r.external_id,
                external_url: r.external_url,
                state: parse("external_links.state", &r.state)?,
                pending_since: r.pending_since.map(|t| t.0),
                last_error: r.last_error,
                attempts: r.attempts,
                due_at: r.due_at.map(|t| t.0),
                synced_at: r.synced_at.map(|t| t.0),
            },
            version: r.version,
            remote_status: r.remote_status,
            remote_priority: r.remote_priority,
            remote_status_at: r.remote_status_at.map(|t| t.0),
            remote_priority_at: r.remote_priority_at.map(|t| t.0),
        })
    }
}
