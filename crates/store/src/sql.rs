//! The repository over sqlx, written once and instantiated for each engine by `sql_store!`.
//!
//! The fixed statements are constants in `statements` (formatted, and prepared on both engines
//! by a test); this module binds them and reads their rows, and builds the lists whose filters
//! vary. A macro rather than generic code: sqlx's generic executor bounds for every bound type
//! and row would be longer than the code they serve, and each expansion is checked against its
//! concrete driver. The engine's few differences are its parameters (see `sqlite.rs` and
//! `postgres.rs`).

/// The columns of a ticket row, in `TicketRow`'s order.
macro_rules! ticket_columns {
    () => {
        concat!(
            $crate::sql::stored_ticket_columns!(),
            // The master, from its relation: the one place it is kept (a unique index on the
            // slave's side makes this one lookup).
            ", (SELECT r.ticket_a FROM ticket_relations r WHERE r.ticket_b = tickets.id AND r.kind = 'master') \
             AS master_id"
        )
    };
}

/// A ticket's columns as stored in `tickets`, in `TicketRow`'s order (its master comes after).
macro_rules! stored_ticket_columns {
    () => {
        "id, title, description, type, category_id, unit_id, owner_id, status, resolution, priority, \
         suggested_priority, privacy, fields, affected_users, service_degraded, security_risk, \
         submitter_id, on_behalf_of, organisation_id, created_at, updated_at, copy_to, link_url, kind, team_id"
    };
}

/// The columns of an attachment without its bytes, in `AttachmentRow`'s order.
macro_rules! attachment_columns {
    () => {
        "id, ticket_id, article_id, filename, content_type, size, sha256, uploaded_by, internal, created_at"
    };
}

/// The nearest due moment of a ticket's running clocks (none while they stand still or are over).
macro_rules! nearest_due {
    () => {
        "SELECT min(c.due_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id AND c.ended_at IS NULL"
    };
}

/// The ORDER BY of a ticket list, on unqualified columns of `tickets` (it sorts the page inside
/// a query and again outside it).
pub(crate) fn ticket_order(order: crate::TicketOrder) -> &'static str {
    match order {
        crate::TicketOrder::Newest => "id DESC",
        crate::TicketOrder::LastActivity => "updated_at DESC, id DESC",
        crate::TicketOrder::Oldest => "id",
        crate::TicketOrder::EarliestActivity => "updated_at, id",
        crate::TicketOrder::Queue => concat!(
            "CASE WHEN kind = 'alarm' THEN 0 ELSE 1 END, (",
            nearest_due!(),
            ") IS NULL, (",
            nearest_due!(),
            "), ",
            "CASE WHEN status = 'new' THEN 0 ELSE 1 END, CASE WHEN owner_id IS NULL THEN 0 ELSE 1 END, \
             CASE priority WHEN 'top' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, created_at, id"
        ),
        crate::TicketOrder::Due => concat!(
            "CASE WHEN kind = 'alarm' THEN 0 ELSE 1 END, (",
            nearest_due!(),
            ") IS NULL, (",
            nearest_due!(),
            "), id DESC"
        ),
        crate::TicketOrder::Priority => {
            "CASE WHEN kind = 'alarm' THEN 0 ELSE 1 END, \
             CASE priority WHEN 'top' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, created_at, id"
        }
    }
}

/// `text` as a LIKE pattern matching it anywhere, its wildcards taken literally (`ESCAPE '\'`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The ticket number in a search text: all digits, with or without a leading `#`.
pub(crate) fn ticket_number(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('#').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

macro_rules! unit_columns {
    () => {
        "id, name, description, level, email, integration, created_at, updated_at, service_level_id, alarm_email"
    };
}

macro_rules! category_columns {
    () => {
        "id, name, description, default_unit_id, fields, created_at, updated_at"
    };
}

macro_rules! article_columns {
    () => {
        "id, ticket_id, author_id, body, internal, channel, created_at, external_author"
    };
}

macro_rules! contract_columns {
    () => {
        "id, organisation_id, plan, starts_on, ends_on, includes"
    };
}

/// A join request with its person's name and address.
macro_rules! join_request_select {
    () => {
        "SELECT r.id, r.unit_id, r.account_id, a.name, a.email, r.message, r.state, r.created_at, r.decided_at, \
         r.decided_by FROM join_requests r JOIN accounts a ON a.id = r.account_id "
    };
}

macro_rules! job_columns {
    () => {
        "id, kind, payload, attempts, last_error, created_at"
    };
}

/// An account with its granted roles.
macro_rules! account_select {
    () => {
        "SELECT a.id, a.email, a.name, a.disabled, a.created_at, a.email_verified_at, \
         (SELECT string_agg(role, ',') FROM account_roles r WHERE r.account_id = a.id) AS roles "
    };
}

/// A table's name as a `&'static str`: the schema holds a few dozen tables, each name is kept
/// once for the life of the process, and the row counts keep the type their callers compare.
pub(crate) fn table_name(name: String) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = names.iter().find(|known| **known == name) {
        return known;
    }
    let kept: &'static str = Box::leak(name.into_boxed_str());
    names.push(kept);
    kept
}

macro_rules! sql_store {
    (
        db: $db:ty,
        engine: $engine:expr,
        writer: $writer:ty,
        dialect: $dialect:ident,
        one_command: $one_command:literal,
        broad: $broad:literal,
        among: ($among_open:literal, $among_close:literal),
        tables: $tables:literal $(,)?
    ) => {
        use async_trait::async_trait;
        use helpdesk_domain::account::{Account, Role};
        use helpdesk_domain::attachment::Attachment;
        use helpdesk_domain::category::Category;
        use helpdesk_domain::history::HistoryEntry;
        use helpdesk_domain::paging::{Page, PageRequest};
        use helpdesk_domain::policy::Visibility;
        use helpdesk_domain::status::Status;
        use helpdesk_domain::ticket::{Article, Ticket, TicketSummary};
        use helpdesk_domain::unit::Unit;
        use helpdesk_domain::workflow::NewTicket;
        use helpdesk_domain::{AccountId, ArticleId, AttachmentId, CategoryId, TicketId, UnitId};
        use sqlx::types::Json;
        use sqlx::{Executor, QueryBuilder};
        use time::OffsetDateTime;

        use crate::rows::{
            AccountRow, ArticleRow, AttachmentDataRow, AttachmentRow, CategoryRow, HistoryRow, JobRow, TicketRow,
            TicketSummaryRow, Ts, UnitRow, convert,
        };
        use crate::{
            Engine, Job, NewArticle, NewAttachment, NewCategory, NewJob, NewUnit, OpenState, Store, StoreError,
            StoreResult, TicketQuery, Tx,
        };

        /// The store over one engine: reads through `read`, writes through `write`.
        pub(crate) struct SqlStore {
            pub(crate) read: sqlx::Pool<$db>,
            pub(crate) write: sqlx::Pool<$db>,
            /// Background upkeep that lives as long as the store.
            pub(crate) upkeep: Option<tokio::task::AbortHandle>,
            /// What the write transactions go through (`begin_write` of the engine's module).
            pub(crate) writer: $writer,
        }

        impl Drop for SqlStore {
            fn drop(&mut self) {
                if let Some(task) = &self.upkeep {
                    task.abort();
                }
            }
        }

        /// A write transaction.
        pub(crate) struct SqlTx {
            tx: WriteTx,
        }

        async fn fetch_ticket<'e, E: Executor<'e, Database = $db>>(
            e: E,
            id: TicketId,
        ) -> StoreResult<Option<Ticket>> {
            let row: Option<TicketRow> =
                sqlx::query_as($crate::statements::tickets::FETCH_TICKET).bind(id).fetch_optional(e).await?;
            row.map(Ticket::try_from).transpose()
        }

        async fn fetch_unit<'e, E: Executor<'e, Database = $db>>(e: E, id: UnitId) -> StoreResult<Option<Unit>> {
            let row: Option<UnitRow> =
                sqlx::query_as($crate::statements::tickets::FETCH_UNIT).bind(id).fetch_optional(e).await?;
            row.map(Unit::try_from).transpose()
        }

        async fn fetch_category<'e, E: Executor<'e, Database = $db>>(
            e: E,
            id: CategoryId,
        ) -> StoreResult<Option<Category>> {
            let row: Option<CategoryRow> =
                sqlx::query_as($crate::statements::tickets::FETCH_CATEGORY).bind(id).fetch_optional(e).await?;
            row.map(Category::try_from).transpose()
        }

        /// A page of a ticket's rows (its articles, its history): `statements` counts them and
        /// reads the page, each taking the ticket and whether internal ones are shown.
        async fn ticket_page<R, T>(
            pool: &sqlx::Pool<$db>,
            statements: (&'static str, &'static str),
            ticket: TicketId,
            internal: bool,
            page: PageRequest,
        ) -> StoreResult<Page<T>>
        where
            R: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
            T: TryFrom<R, Error = StoreError>,
        {
            let total: i64 =
                sqlx::query_scalar(statements.0).bind(ticket).bind(internal).fetch_one(pool).await?;
            let rows: Vec<R> = sqlx::query_as(statements.1)
                .bind(ticket)
                .bind(internal)
                .bind(page.per_page)
                .bind(page.offset())
                .fetch_all(pool)
                .await?;
            Ok(Page::new(convert(rows)?, total, page))
        }

        async fn fetch_calendar<'e, E: Executor<'e, Database = $db>>(
            e: E,
            id: helpdesk_domain::CalendarId,
        ) -> StoreResult<Option<helpdesk_domain::calendar::CalendarRecord>> {
            let row: Option<crate::rows::CalendarRow> =
                sqlx::query_as($crate::statements::tickets::CALENDAR).bind(id).fetch_optional(e).await?;
            row.map(TryInto::try_into).transpose()
        }

        async fn fetch_service_level<'e, E: Executor<'e, Database = $db>>(
            e: E,
            id: helpdesk_domain::ServiceLevelId,
        ) -> StoreResult<Option<helpdesk_domain::service_level::ServiceLevel>> {
            let row: Option<crate::rows::ServiceLevelRow> =
                sqlx::query_as($crate::statements::tickets::SERVICE_LEVEL).bind(id).fetch_optional(e).await?;
            row.map(TryInto::try_into).transpose()
        }

        async fn fetch_account<'e, E: Executor<'e, Database = $db>>(
            e: E,
            id: AccountId,
        ) -> StoreResult<Option<Account>> {
            let row: Option<AccountRow> =
                sqlx::query_as($crate::statements::tickets::FETCH_ACCOUNT).bind(id).fetch_optional(e).await?;
            row.map(Account::try_from).transpose()
        }

        /// Appends the WHERE clause of a ticket list. Only bound values and our own status names
        /// reach the SQL text. `broad` goes before the columns that match many tickets (privacy,
        /// status, category, priority): on SQLite a `+` there keeps the planner from picking
        /// their index and sorting every match, so it walks the order's index and stops at the page.
        fn push_ticket_filters(qb: &mut QueryBuilder<$db>, q: &TicketQuery, broad: &str) {
            qb.push(" WHERE 1 = 1");
            if let Visibility::Restricted { account, units, organisations, teams } = &q.visibility {
                qb.push(format!(" AND ({broad}privacy = 'public'"));
                if let Some(account) = account {
                    qb.push(" OR submitter_id = ").push_bind(*account);
                    qb.push(" OR on_behalf_of = ").push_bind(*account);
                }
                if !organisations.is_empty() {
                    qb.push(" OR organisation_id IN (");
                    let mut list = qb.separated(", ");
                    for org in organisations {
                        list.push_bind(*org);
                    }
                    qb.push(")");
                }
                if !units.is_empty() {
                    qb.push(" OR unit_id IN (");
                    let mut list = qb.separated(", ");
                    for unit in units {
                        list.push_bind(*unit);
                    }
                    qb.push(")");
                }
                if !teams.is_empty() {
                    qb.push(" OR team_id IN (");
                    let mut list = qb.separated(", ");
                    for team in teams {
                        list.push_bind(*team);
                    }
                    qb.push(")");
                }
                qb.push(")");
            }
            let f = &q.filter;
            if let Some(status) = f.status {
                qb.push(format!(" AND {broad}status = ")).push_bind(status.as_str());
            }
            if let Some(state) = f.state {
                let names: Vec<String> =
                    Status::ALL.iter().filter(|s| s.is_terminal()).map(|s| format!("'{}'", s.as_str())).collect();
                let not = if state == OpenState::Open { "NOT " } else { "" };
                qb.push(format!(" AND {broad}status {not}IN ({})", names.join(", ")));
            }
            if let Some(category) = f.category {
                qb.push(format!(" AND {broad}category_id = ")).push_bind(category);
            }
            if let Some(unit) = f.unit {
                qb.push(" AND unit_id = ").push_bind(unit);
            }
            if let Some(priority) = f.priority {
                qb.push(format!(" AND {broad}priority = ")).push_bind(priority.as_str());
            }
            if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                // Lower-cased here as well as in SQL: SQLite's lower() folds ASCII only.
                qb.push(" AND (lower(title) LIKE ")
                    .push_bind($crate::sql::contains_pattern(&text.to_lowercase()))
                    .push(" ESCAPE '\\'");
                if let Some(number) = $crate::sql::ticket_number(text) {
                    qb.push(" OR id = ").push_bind(number);
                }
                qb.push(")");
            }
            if let Some(person) = f.submitter {
                qb.push(" AND (submitter_id = ").push_bind(person);
                qb.push(" OR on_behalf_of = ").push_bind(person).push(")");
            }
            if let Some(owner) = f.owner {
                qb.push(" AND owner_id = ").push_bind(owner);
            }
            if f.unassigned {
                qb.push(" AND owner_id IS NULL");
            }
            if let Some(org) = f.organisation {
                qb.push(" AND organisation_id = ").push_bind(org);
            }
            if let Some(kind) = f.kind {
                qb.push(" AND kind = ").push_bind(kind.as_str());
            }
            if let Some(team) = f.team {
                qb.push(" AND team_id = ").push_bind(team);
            }
            for (kind, upper) in [("master", f.master), ("parent", f.parent)] {
                if let Some(upper) = upper {
                    qb.push(format!(
                        " AND tickets.id IN (SELECT r.ticket_b FROM ticket_relations r WHERE r.kind = '{kind}' AND r.ticket_a = "
                    ))
                    .push_bind(upper)
                    .push(")");
                }
            }
            if !f.units.is_empty() {
                qb.push(" AND unit_id IN (");
                let mut list = qb.separated(", ");
                for unit in &f.units {
                    list.push_bind(*unit);
                }
                qb.push(")");
            }
            if let Some(late) = f.sla {
                let at = $crate::rows::Ts::from(q.at);
                // The late tickets, found through the open clocks' index, drive the list: a
                // lookup of each ticket's clocks would walk every ticket to fill a page.
                qb.push(concat!(" AND tickets.id ", $among_open, "SELECT c.ticket_id FROM sla_clocks c WHERE c.ended_at IS NULL"));
                push_late(qb, late, at);
                qb.push($among_close);
            }
        }

        /// How many tickets match `q` (the count may use any index: it sorts nothing).
        async fn count_tickets(read: &sqlx::Pool<$db>, q: &TicketQuery) -> StoreResult<i64> {
            let mut count = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM tickets");
            push_ticket_filters(&mut count, q, "");
            Ok(count.build_query_scalar().fetch_one(read).await?)
        }

        /// Appends the join to the page of `q` and its order. The page is chosen by ticket number
        /// alone, so sorting carries the order's keys rather than whole rows.
        fn push_page(qb: &mut QueryBuilder<$db>, q: &TicketQuery) {
            let order = $crate::sql::ticket_order(q.filter.order);
            // The queue orders sort on expressions no index serves: the hint would only cost.
            let by_expression = matches!(
                q.filter.order,
                crate::TicketOrder::Queue | crate::TicketOrder::Due | crate::TicketOrder::Priority
            );
            let broad = if by_expression { "" } else { $broad };
            qb.push(" JOIN (SELECT id AS pick FROM tickets");
            push_ticket_filters(qb, q, broad);
            qb.push(" ORDER BY ").push(order);
            qb.push(" LIMIT ").push_bind(q.page.per_page);
            qb.push(" OFFSET ").push_bind(q.page.offset());
            qb.push(") page ON tickets.id = page.pick ORDER BY ").push(order);
        }

        /// Appends an insert of history entries for the ticket `ticket`, or, when it is `None`,
        /// for the ticket the SQL expression `ticket_sql` names.
        fn push_history(
            qb: &mut QueryBuilder<$db>,
            ticket_sql: &str,
            ticket: Option<TicketId>,
            entries: &[HistoryEntry],
        ) {
            qb.push(
                "INSERT INTO ticket_history (ticket_id, at, actor_id, field, old_value, new_value, reason, internal) ",
            );
            qb.push_values(entries, |mut row, e| {
                match ticket {
                    Some(id) => row.push_bind(id),
                    None => row.push(ticket_sql),
                };
                row.push_bind(Ts::from(e.at))
                    .push_bind(e.actor)
                    .push_bind(e.field.clone())
                    .push_bind(Json(e.old.clone()))
                    .push_bind(Json(e.new.clone()))
                    .push_bind(e.reason.clone())
                    .push_bind(e.internal);
            });
        }

        #[async_trait]
        impl Store for SqlStore {
            fn engine(&self) -> Engine {
                $engine
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::PING).execute(&self.read).await?;
                Ok(())
            }

            async fn begin(&self) -> StoreResult<Box<dyn Tx>> {
                Ok(Box::new(SqlTx { tx: begin_write(self).await? }))
            }

            async fn close(&self) {
                if let Some(task) = &self.upkeep {
                    task.abort();
                }
                finish_writes(self).await;
                self.write.close().await;
                self.read.close().await;
            }

            async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
                fetch_ticket(&self.read, id).await
            }

            async fn tickets(&self, q: &TicketQuery) -> StoreResult<Page<Ticket>> {
                let total = count_tickets(&self.read, q).await?;
                let mut select = QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    $crate::sql::ticket_columns!(),
                    " FROM tickets"
                ));
                push_page(&mut select, q);
                let rows: Vec<TicketRow> = select.build_query_as().fetch_all(&self.read).await?;
                Ok(Page::new(convert(rows)?, total, q.page))
            }

            async fn ticket_summaries(&self, q: &TicketQuery) -> StoreResult<Page<TicketSummary>> {
                let total = count_tickets(&self.read, q).await?;
                // The name and the count are looked up for the page's rows only.
                let mut select = QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    $crate::sql::ticket_columns!(),
                    ", ",
                    "COALESCE((SELECT a.name FROM accounts a WHERE a.id = submitter_id), '') AS submitter_name, ",
                    "(SELECT COUNT(*) FROM articles r WHERE r.ticket_id = tickets.id AND r.internal = FALSE) ",
                    "AS replies ",
                    "FROM tickets"
                ));
                push_page(&mut select, q);
                let rows: Vec<TicketSummaryRow> = select.build_query_as().fetch_all(&self.read).await?;
                Ok(Page::new(convert(rows)?, total, q.page))
            }

            async fn attachments(&self, ticket: TicketId, internal: bool) -> StoreResult<Vec<Attachment>> {
                let rows: Vec<AttachmentRow> = sqlx::query_as($crate::statements::tickets::ATTACHMENTS)
                    .bind(ticket)
                    .bind(internal)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.into_iter().map(Attachment::from).collect())
            }

            async fn attachment_data(&self, id: AttachmentId) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
                let row: Option<AttachmentDataRow> = sqlx::query_as($crate::statements::tickets::ATTACHMENT_DATA)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.map(AttachmentDataRow::split))
            }

            async fn articles(
                &self,
                ticket: TicketId,
                internal: bool,
                page: PageRequest,
            ) -> StoreResult<Page<Article>> {
                let (count, rows) =
                    ($crate::statements::tickets::ARTICLES_COUNT, $crate::statements::tickets::ARTICLES_PAGE);
                ticket_page::<ArticleRow, Article>(&self.read, (count, rows), ticket, internal, page).await
            }

            async fn article(&self, id: ArticleId) -> StoreResult<Option<Article>> {
                let row: Option<ArticleRow> = sqlx::query_as($crate::statements::tickets::ARTICLE)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Article::try_from).transpose()
            }

            async fn history(
                &self,
                ticket: TicketId,
                internal: bool,
                page: PageRequest,
            ) -> StoreResult<Page<HistoryEntry>> {
                let (count, rows) =
                    ($crate::statements::tickets::HISTORY_COUNT, $crate::statements::tickets::HISTORY_PAGE);
                ticket_page::<HistoryRow, HistoryEntry>(&self.read, (count, rows), ticket, internal, page).await
            }

            async fn unit(&self, id: UnitId) -> StoreResult<Option<Unit>> {
                fetch_unit(&self.read, id).await
            }

            async fn units(&self, page: PageRequest) -> StoreResult<Page<Unit>> {
                let total: i64 =
                    sqlx::query_scalar($crate::statements::tickets::UNITS_COUNT).fetch_one(&self.read).await?;
                let rows: Vec<UnitRow> = sqlx::query_as($crate::statements::tickets::UNITS_PAGE)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn category(&self, id: CategoryId) -> StoreResult<Option<Category>> {
                fetch_category(&self.read, id).await
            }

            async fn categories(&self, page: PageRequest) -> StoreResult<Page<Category>> {
                let total: i64 = sqlx::query_scalar($crate::statements::tickets::CATEGORIES_COUNT)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<CategoryRow> = sqlx::query_as($crate::statements::tickets::CATEGORIES_PAGE)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn calendars(&self) -> StoreResult<Vec<helpdesk_domain::calendar::CalendarRecord>> {
                let rows: Vec<crate::rows::CalendarRow> =
                    sqlx::query_as($crate::statements::tickets::CALENDARS).fetch_all(&self.read).await?;
                convert(rows)
            }

            async fn calendar(
                &self,
                id: helpdesk_domain::CalendarId,
            ) -> StoreResult<Option<helpdesk_domain::calendar::CalendarRecord>> {
                fetch_calendar(&self.read, id).await
            }

            async fn service_levels(&self) -> StoreResult<Vec<helpdesk_domain::service_level::ServiceLevel>> {
                let rows: Vec<crate::rows::ServiceLevelRow> =
                    sqlx::query_as($crate::statements::tickets::SERVICE_LEVELS).fetch_all(&self.read).await?;
                convert(rows)
            }

            async fn service_level(
                &self,
                id: helpdesk_domain::ServiceLevelId,
            ) -> StoreResult<Option<helpdesk_domain::service_level::ServiceLevel>> {
                fetch_service_level(&self.read, id).await
            }

            async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
                fetch_account(&self.read, id).await
            }

            async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as($crate::statements::tickets::ACCOUNT_BY_EMAIL)
                    .bind(email)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Account::try_from).transpose()
            }

            async fn account_by_token(&self, token_hash: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as($crate::statements::tickets::ACCOUNT_BY_TOKEN)
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Account::try_from).transpose()
            }

            async fn claim_jobs(
                &self,
                worker: &str,
                now: OffsetDateTime,
                lease_until: OffsetDateTime,
                limit: i64,
            ) -> StoreResult<Vec<Job>> {
                let mut w = single_write(self).await?;
                let mut rows: Vec<JobRow> = sqlx::query_as($crate::statements::tickets::CLAIM_JOBS.$dialect)
                    .bind(worker)
                    .bind(Ts::from(lease_until))
                    .bind(Ts::from(now))
                    .bind(limit)
                    .fetch_all(&mut *w)
                    .await?;
                end_single(w).await?;
                rows.sort_by_key(|r| r.id());
                convert(rows)
            }

            async fn finish_jobs(&self, ids: &[i64], worker: &str) -> StoreResult<()> {
                if ids.is_empty() {
                    return Ok(());
                }
                let mut qb = QueryBuilder::<$db>::new("DELETE FROM jobs WHERE locked_by = ");
                qb.push_bind(worker.to_owned()).push(" AND id IN (");
                let mut ids_sql = qb.separated(", ");
                for id in ids {
                    ids_sql.push_bind(*id);
                }
                qb.push(")");
                let mut w = single_write(self).await?;
                qb.build().execute(&mut *w).await?;
                end_single(w).await?;
                Ok(())
            }

            async fn fail_job(
                &self,
                id: i64,
                worker: &str,
                error: &str,
                retry_at: Option<OffsetDateTime>,
                now: OffsetDateTime,
            ) -> StoreResult<()> {
                let failed_at = if retry_at.is_none() { Some(Ts::from(now)) } else { None };
                let mut w = single_write(self).await?;
                sqlx::query($crate::statements::tickets::FAIL_JOB)
                    .bind(id)
                    .bind(worker)
                    .bind(error)
                    .bind(retry_at.map(Ts::from))
                    .bind(failed_at)
                    .execute(&mut *w)
                    .await?;
                end_single(w).await?;
                Ok(())
            }

            async fn release_claims(&self, worker: &str) -> StoreResult<(u64, u64)> {
                let mut tx = begin_write(self).await?;
                // Due as they were: a claim leaves run_at and due_at as it found them.
                let jobs = sqlx::query($crate::statements::tickets::RELEASE_CLAIMS_UPDATE_JOBS)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let links = sqlx::query($crate::statements::tickets::RELEASE_CLAIMS_UPDATE_EXTERNAL_LINKS)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query($crate::statements::tickets::RELEASE_CLAIMS_UPDATE_CONNECTORS)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok((jobs, links))
            }

            async fn failed_jobs(&self, page: PageRequest) -> StoreResult<Page<Job>> {
                let total: i64 = sqlx::query_scalar($crate::statements::tickets::FAILED_JOBS_COUNT)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<JobRow> = sqlx::query_as($crate::statements::tickets::FAILED_JOBS_PAGE)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn job_counts(&self, now: OffsetDateTime) -> StoreResult<crate::JobCounts> {
                // Free: failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1).
                let (due, later, retrying, running, failed): (i64, i64, i64, i64, i64) =
                    sqlx::query_as($crate::statements::tickets::JOB_COUNTS)
                        .bind(Ts::from(now))
                        .fetch_one(&self.read)
                        .await?;
                Ok(crate::JobCounts { due, later, retrying, running, failed })
            }

            async fn prepare_statements(&self) -> StoreResult<usize> {
                let statements = $crate::statements::all(matches!($engine, Engine::Postgres));
                let mut conn = self.read.acquire().await?;
                let mut refused = Vec::new();
                for (area, name, sql) in &statements {
                    if let Err(e) = conn.prepare(sqlx::SqlSafeStr::into_sql_str(*sql)).await {
                        refused.push(format!("{area}::{name}: {e}"));
                    }
                }
                if !refused.is_empty() {
                    return Err(StoreError::Corrupt(format!("statements that do not prepare: {}", refused.join("; "))));
                }
                Ok(statements.len())
            }

            async fn row_counts(&self) -> StoreResult<Vec<(&'static str, i64)>> {
                // The tables are read from the schema itself, so that a table a migration adds is
                // counted without anyone remembering to list it.
                let mut tables: Vec<String> = sqlx::query_scalar($tables).fetch_all(&self.read).await?;
                tables.sort();
                let mut counts = Vec::with_capacity(tables.len());
                for table in tables {
                    // Table names come from the database's own catalogue, never from input.
                    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{table}\""));
                    let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.read).await?;
                    counts.push(($crate::sql::table_name(table), n));
                }
                Ok(counts)
            }

            async fn has_accounts(&self) -> StoreResult<bool> {
                let first: Option<i64> = sqlx::query_scalar($crate::statements::tickets::HAS_ACCOUNTS)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(first.is_some())
            }
        }

        #[async_trait]
        impl Tx for SqlTx {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }

            async fn ticket_for_update(&mut self, id: TicketId) -> StoreResult<Option<Ticket>> {
                let row: Option<TicketRow> =
                    sqlx::query_as($crate::statements::tickets::TICKET_FOR_UPDATE.$dialect)
                        .bind(id)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                row.map(Ticket::try_from).transpose()
            }

            async fn insert_ticket_with_clocks(
                &mut self,
                t: &NewTicket,
                history: &[HistoryEntry],
                clocks: &[crate::Clock],
                at: OffsetDateTime,
            ) -> StoreResult<Ticket> {
                let mut qb = QueryBuilder::<$db>::new(
                    "INSERT INTO tickets (title, description, type, category_id, unit_id, status, priority, \
                     suggested_priority, privacy, fields, affected_users, service_degraded, security_risk, \
                     submitter_id, on_behalf_of, organisation_id, created_at, updated_at, copy_to, link_url, kind, \
                     team_id) VALUES (",
                );
                let mut values = qb.separated(", ");
                values
                    .push_bind(t.title.clone())
                    .push_bind(t.description.clone())
                    .push_bind(t.ticket_type.as_str())
                    .push_bind(t.category)
                    .push_bind(t.unit)
                    .push_bind(t.status.as_str())
                    .push_bind(t.priority.as_str())
                    .push_bind(t.suggested_priority.as_str())
                    .push_bind(t.privacy.as_str())
                    .push_bind(Json(t.fields.clone()))
                    .push_bind(t.affected_users)
                    .push_bind(t.service_degraded)
                    .push_bind(t.security_risk.as_str())
                    .push_bind(t.submitter)
                    .push_bind(t.on_behalf_of)
                    .push_bind(t.organisation)
                    .push_bind(Ts::from(at))
                    .push_bind(Ts::from(at))
                    .push_bind(Json(t.copy_to.clone()))
                    .push_bind(t.link_url.clone())
                    .push_bind(t.kind.as_str())
                    .push_bind(t.team);
                // A new ticket duplicates nothing yet.
                qb.push(concat!(
                    ") RETURNING ",
                    $crate::sql::stored_ticket_columns!(),
                    ", CAST(NULL AS BIGINT) AS master_id"
                ));
                if $one_command && !history.is_empty() {
                    // One round trip to the single writer instead of two. The new ticket's number
                    // is the largest: numbers only grow, and this transaction holds the write lock.
                    qb.push("; ");
                    push_history(&mut qb, "(SELECT max(id) FROM tickets)", None, history);
                    if !clocks.is_empty() {
                        qb.push("; ");
                        push_clocks(&mut qb, Some("(SELECT max(id) FROM tickets)"), clocks);
                    }
                    let mut rows: Vec<TicketRow> = qb.build_query_as().fetch_all(&mut *self.tx).await?;
                    let row = rows.pop().ok_or_else(|| StoreError::Corrupt("no ticket returned by insert".into()))?;
                    return Ticket::try_from(row);
                }
                let row: TicketRow = qb.build_query_as().fetch_one(&mut *self.tx).await?;
                let ticket = Ticket::try_from(row)?;
                self.record_history(ticket.id, history).await?;
                if !clocks.is_empty() {
                    let clocks: Vec<crate::Clock> =
                        clocks.iter().map(|c| crate::Clock { ticket: ticket.id, ..c.clone() }).collect();
                    self.insert_clocks(&clocks).await?;
                }
                Ok(ticket)
            }

            async fn update_ticket(&mut self, t: &Ticket) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::UPDATE_TICKET)
                    .bind(t.id)
                    .bind(&t.title)
                    .bind(&t.description)
                    .bind(t.category)
                    .bind(t.unit)
                    .bind(t.owner)
                    .bind(t.status.as_str())
                    .bind(t.resolution.map(|r| r.as_str()))
                    .bind(t.priority.as_str())
                    .bind(t.privacy.as_str())
                    .bind(Json(&t.fields))
                    .bind(Ts::from(t.updated_at))
                    .bind(Json(&t.copy_to))
                    .bind(&t.link_url)
                    .bind(t.kind.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_article(&mut self, a: &NewArticle) -> StoreResult<Article> {
                let row: ArticleRow = sqlx::query_as($crate::statements::tickets::INSERT_ARTICLE)
                    .bind(a.ticket)
                    .bind(a.author)
                    .bind(&a.body)
                    .bind(a.internal)
                    .bind(a.channel.as_str())
                    .bind(Ts::from(a.at))
                    .bind(&a.external_author)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Article::try_from(row)
            }

            async fn insert_attachment(&mut self, a: &NewAttachment) -> StoreResult<Attachment> {
                let size =
                    i64::try_from(a.data.len()).map_err(|_| StoreError::Corrupt("an attachment beyond i64".into()))?;
                let row: AttachmentRow = sqlx::query_as($crate::statements::tickets::INSERT_ATTACHMENT)
                    .bind(a.ticket)
                    .bind(a.article)
                    .bind(&a.filename)
                    .bind(&a.content_type)
                    .bind(size)
                    .bind(&a.sha256)
                    .bind(a.uploaded_by)
                    .bind(a.internal)
                    .bind(Ts::from(a.at))
                    .bind(a.data.as_slice())
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(Attachment::from(row))
            }

            async fn record_history(&mut self, ticket: TicketId, entries: &[HistoryEntry]) -> StoreResult<()> {
                if entries.is_empty() {
                    return Ok(());
                }
                let mut qb = QueryBuilder::<$db>::new("");
                push_history(&mut qb, "", Some(ticket), entries);
                qb.build().execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::ENQUEUE_JOB)
                    .bind(&job.kind)
                    .bind(Json(&job.payload))
                    .bind(&job.dedupe_key)
                    .bind(Ts::from(job.run_at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn delete_job(&mut self, id: i64) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::DELETE_JOB).bind(id).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn unit(&mut self, id: UnitId) -> StoreResult<Option<Unit>> {
                fetch_unit(&mut *self.tx, id).await
            }

            async fn insert_unit(&mut self, u: &NewUnit, at: OffsetDateTime) -> StoreResult<Unit> {
                let row: UnitRow = sqlx::query_as($crate::statements::tickets::INSERT_UNIT)
                    .bind(&u.name)
                    .bind(&u.description)
                    .bind(u.level)
                    .bind(&u.email)
                    .bind(u.integration.as_str())
                    .bind(Ts::from(at))
                    .bind(u.service_level)
                    .bind(&u.alarm_email)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a unit with this name"))?;
                Unit::try_from(row)
            }

            async fn update_unit(&mut self, u: &Unit) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::UPDATE_UNIT)
                    .bind(u.id)
                    .bind(&u.name)
                    .bind(&u.description)
                    .bind(u.level)
                    .bind(&u.email)
                    .bind(u.integration.as_str())
                    .bind(Ts::from(u.updated_at))
                    .bind(u.service_level)
                    .bind(&u.alarm_email)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a unit with this name"))?;
                Ok(())
            }

            async fn category(&mut self, id: CategoryId) -> StoreResult<Option<Category>> {
                fetch_category(&mut *self.tx, id).await
            }

            async fn insert_category(&mut self, c: &NewCategory, at: OffsetDateTime) -> StoreResult<Category> {
                let row: CategoryRow = sqlx::query_as($crate::statements::tickets::INSERT_CATEGORY)
                    .bind(&c.name)
                    .bind(&c.description)
                    .bind(c.default_unit)
                    .bind(Json(&c.fields))
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a category with this name"))?;
                Category::try_from(row)
            }

            async fn update_category(&mut self, c: &Category) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::UPDATE_CATEGORY)
                    .bind(c.id)
                    .bind(&c.name)
                    .bind(&c.description)
                    .bind(c.default_unit)
                    .bind(Json(&c.fields))
                    .bind(Ts::from(c.updated_at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a category with this name"))?;
                Ok(())
            }

            async fn calendar(
                &mut self,
                id: helpdesk_domain::CalendarId,
            ) -> StoreResult<Option<helpdesk_domain::calendar::CalendarRecord>> {
                fetch_calendar(&mut *self.tx, id).await
            }

            async fn insert_calendar(
                &mut self,
                c: &crate::NewCalendar,
                at: OffsetDateTime,
            ) -> StoreResult<helpdesk_domain::calendar::CalendarRecord> {
                let row: crate::rows::CalendarRow = sqlx::query_as($crate::statements::tickets::INSERT_CALENDAR)
                    .bind(&c.name)
                    .bind(&c.time_zone)
                    .bind(Json(&c.week))
                    .bind(Json(&c.holidays))
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a calendar with this name"))?;
                row.try_into()
            }

            async fn update_calendar(&mut self, c: &helpdesk_domain::calendar::CalendarRecord) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::UPDATE_CALENDAR)
                    .bind(c.id)
                    .bind(&c.name)
                    .bind(&c.time_zone)
                    .bind(Json(&c.week))
                    .bind(Json(&c.holidays))
                    .bind(Ts::from(c.updated_at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a calendar with this name"))?;
                Ok(())
            }

            async fn service_level(
                &mut self,
                id: helpdesk_domain::ServiceLevelId,
            ) -> StoreResult<Option<helpdesk_domain::service_level::ServiceLevel>> {
                fetch_service_level(&mut *self.tx, id).await
            }

            async fn insert_service_level(
                &mut self,
                l: &crate::NewServiceLevel,
                at: OffsetDateTime,
            ) -> StoreResult<helpdesk_domain::service_level::ServiceLevel> {
                let row: crate::rows::ServiceLevelRow =
                    sqlx::query_as($crate::statements::tickets::INSERT_SERVICE_LEVEL)
                        .bind(&l.name)
                        .bind(l.calendar)
                        .bind(Json(&l.targets))
                        .bind(&l.waiting_reminder)
                        .bind(i32::from(l.auto_unsolved_after_reminders))
                        .bind(&l.auto_close)
                        .bind(Ts::from(at))
                        .fetch_one(&mut *self.tx)
                        .await
                        .map_err(|e| named_duplicate(e, "a service level with this name"))?;
                row.try_into()
            }

            async fn update_service_level(
                &mut self,
                l: &helpdesk_domain::service_level::ServiceLevel,
            ) -> StoreResult<()> {
                sqlx::query($crate::statements::tickets::UPDATE_SERVICE_LEVEL)
                    .bind(l.id)
                    .bind(&l.name)
                    .bind(l.calendar)
                    .bind(Json(&l.targets))
                    .bind(&l.waiting_reminder)
                    .bind(i32::from(l.auto_unsolved_after_reminders))
                    .bind(&l.auto_close)
                    .bind(Ts::from(l.updated_at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a service level with this name"))?;
                Ok(())
            }

            async fn account(&mut self, id: AccountId) -> StoreResult<Option<Account>> {
                fetch_account(&mut *self.tx, id).await
            }

            async fn insert_account(
                &mut self,
                email: &str,
                name: &str,
                roles: &[Role],
                at: OffsetDateTime,
            ) -> StoreResult<Account> {
                let id: i64 = sqlx::query_scalar($crate::statements::tickets::INSERT_ACCOUNT_INSERT_ACCOUNTS)
                    .bind(email)
                    .bind(name)
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an account with this e-mail address"))?;
                for role in roles {
                    sqlx::query($crate::statements::tickets::INSERT_ACCOUNT_INSERT_ACCOUNT_ROLES)
                        .bind(id)
                        .bind(role.as_str())
                        .execute(&mut *self.tx)
                        .await?;
                }
                fetch_account(&mut *self.tx, AccountId(id))
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("account {id} vanished after insert")))
            }

            async fn insert_token(
                &mut self,
                account: AccountId,
                name: &str,
                token_hash: &str,
                at: OffsetDateTime,
            ) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar($crate::statements::tickets::INSERT_TOKEN)
                    .bind(account)
                    .bind(name)
                    .bind(token_hash)
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(id)
            }
        }

        /// A unique violation named for a person, other errors as they are.
        fn named_duplicate(e: sqlx::Error, what: &str) -> StoreError {
            match StoreError::from(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate(what.to_owned()),
                other => other,
            }
        }
    };
}

pub(crate) use {
    account_select, article_columns, attachment_columns, category_columns, contract_columns, job_columns,
    join_request_select, sql_store, stored_ticket_columns, ticket_columns, unit_columns,
};
