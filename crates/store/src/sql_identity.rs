//! The identity SQL, written once and instantiated for each engine by `identity_sql!` (see
//! `sql.rs` for why a macro).

macro_rules! identity_sql {
    (db: $db:ty, roles_agg: $roles_agg:literal $(,)?) => {
        use helpdesk_domain::account::ApiToken;
        use helpdesk_domain::organisation::{Contract, JoinRequest, JoinState, Organisation, UnitMember};
        use helpdesk_domain::policy::OrganisationVisibility;
        use helpdesk_domain::OrgId;
        use time::Date;

        use crate::identity::{IdentityStore, IdentityTx, Memberships, NewContract};
        use crate::rows::{ContractRow, JoinRequestRow, OrganisationRow, TokenRow, UnitMemberRow};

        /// Builds organisations from their rows, loading domains, partners and contracts at once.
        async fn load_organisations(
            pool: &sqlx::Pool<$db>,
            rows: Vec<OrganisationRow>,
            today: Date,
        ) -> StoreResult<Vec<Organisation>> {
            if rows.is_empty() {
                return Ok(vec![]);
            }
            let ids: Vec<OrgId> = rows.iter().map(|r| r.id).collect();
            let in_list = |sql: &str| {
                let mut qb = QueryBuilder::<$db>::new(sql);
                qb.push(" IN (");
                let mut list = qb.separated(", ");
                for id in &ids {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb
            };
            let domains: Vec<(OrgId, String)> =
                in_list("SELECT organisation_id, domain FROM organisation_domains WHERE organisation_id")
                    .push(" ORDER BY domain")
                    .build_query_as()
                    .fetch_all(pool)
                    .await?;
            let partners: Vec<(OrgId, AccountId)> =
                in_list("SELECT organisation_id, account_id FROM organisation_partners WHERE organisation_id")
                    .push(" ORDER BY account_id")
                    .build_query_as()
                    .fetch_all(pool)
                    .await?;
            let contracts: Vec<ContractRow> =
                in_list(concat!("SELECT ", $crate::sql::contract_columns!(), " FROM contracts WHERE organisation_id"))
            .push(" ORDER BY starts_on DESC, id DESC")
            .build_query_as()
            .fetch_all(pool)
            .await?;
            let contracts: Vec<Contract> = contracts.into_iter().map(Contract::from).collect();
            Ok(rows
                .into_iter()
                .map(|r| {
                    let contracts: Vec<Contract> = contracts.iter().filter(|c| c.organisation == r.id).cloned().collect();
                    Organisation {
                        id: r.id,
                        name: r.name,
                        domains: domains.iter().filter(|(o, _)| *o == r.id).map(|(_, d)| d.clone()).collect(),
                        partners: partners.iter().filter(|(o, _)| *o == r.id).map(|(_, a)| *a).collect(),
                        supported: contracts.iter().any(|c| c.runs_on(today)),
                        contracts,
                        created_at: r.created_at.0,
                    }
                })
                .collect())
        }

        /// Appends the WHERE of an organisation list that `visibility` admits: the same rule as
        /// [`OrganisationVisibility::admits`].
        fn push_organisation_filter(qb: &mut QueryBuilder<$db>, visibility: &OrganisationVisibility) {
            let OrganisationVisibility::Restricted { organisations, units } = visibility else { return };
            qb.push(" WHERE 1 = 0");
            if !organisations.is_empty() {
                qb.push(" OR id IN (");
                let mut list = qb.separated(", ");
                for org in organisations {
                    list.push_bind(*org);
                }
                qb.push(")");
            }
            if !units.is_empty() {
                qb.push(" OR id IN (SELECT organisation_id FROM tickets WHERE organisation_id IS NOT NULL AND unit_id IN (");
                let mut list = qb.separated(", ");
                for unit in units {
                    list.push_bind(*unit);
                }
                qb.push("))");
            }
        }

        #[async_trait]
        impl IdentityStore for SqlStore {
            async fn memberships(&self, account: AccountId, today: Date) -> StoreResult<Memberships> {
                // One round trip: memberships are read on every authenticated request.
                let rows: Vec<(String, i64, bool)> = sqlx::query_as(
                    "SELECT 'unit', unit_id, manager FROM unit_members WHERE account_id = $1 \
                     UNION ALL \
                     SELECT 'member', m.organisation_id, EXISTS (SELECT 1 FROM contracts c \
                        WHERE c.organisation_id = m.organisation_id AND c.starts_on <= $2 \
                        AND (c.ends_on IS NULL OR c.ends_on >= $2)) \
                     FROM organisation_members m WHERE m.account_id = $1 \
                     UNION ALL \
                     SELECT 'partner', organisation_id, FALSE FROM organisation_partners WHERE account_id = $1",
                )
                .bind(account)
                .bind(today)
                .fetch_all(&self.read)
                .await?;
                let mut m = Memberships::default();
                let mut unsupported = Vec::new();
                for (kind, id, flag) in rows {
                    match kind.as_str() {
                        "unit" => {
                            m.units.push(id);
                            if flag {
                                m.managed_units.push(id);
                            }
                        }
                        "member" if flag => m.supported.push(id),
                        "member" => unsupported.push(id),
                        _ => m.partner_of.push(id),
                    }
                }
                for list in [&mut m.units, &mut m.managed_units, &mut m.supported, &mut unsupported, &mut m.partner_of] {
                    list.sort_unstable();
                }
                m.organisations = m.supported.iter().chain(&unsupported).copied().collect();
                Ok(m)
            }

            async fn organisation(&self, id: OrgId, today: Date) -> StoreResult<Option<Organisation>> {
                let rows: Vec<OrganisationRow> =
                    sqlx::query_as("SELECT id, name, created_at FROM organisations WHERE id = $1")
                        .bind(id)
                        .fetch_all(&self.read)
                        .await?;
                Ok(load_organisations(&self.read, rows, today).await?.pop())
            }

            async fn organisations(
                &self,
                visibility: &OrganisationVisibility,
                page: PageRequest,
                today: Date,
            ) -> StoreResult<Page<Organisation>> {
                let mut count = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM organisations");
                push_organisation_filter(&mut count, visibility);
                let total: i64 = count.build_query_scalar().fetch_one(&self.read).await?;
                let mut rows = QueryBuilder::<$db>::new("SELECT id, name, created_at FROM organisations");
                push_organisation_filter(&mut rows, visibility);
                rows.push(" ORDER BY lower(name), id LIMIT ").push_bind(page.per_page);
                rows.push(" OFFSET ").push_bind(page.offset());
                let rows: Vec<OrganisationRow> = rows.build_query_as().fetch_all(&self.read).await?;
                Ok(Page::new(load_organisations(&self.read, rows, today).await?, total, page))
            }

            async fn organisation_worked_by(&self, organisation: OrgId, units: &[UnitId]) -> StoreResult<bool> {
                if units.is_empty() {
                    return Ok(false);
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT EXISTS (SELECT 1 FROM tickets WHERE organisation_id = ");
                qb.push_bind(organisation).push(" AND unit_id IN (");
                let mut list = qb.separated(", ");
                for unit in units {
                    list.push_bind(*unit);
                }
                qb.push("))");
                Ok(qb.build_query_scalar().fetch_one(&self.read).await?)
            }

            async fn organisation_members(&self, id: OrgId, page: PageRequest) -> StoreResult<Page<Account>> {
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisation_members WHERE organisation_id = $1")
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<AccountRow> = sqlx::query_as(concat!(
                    $crate::sql::account_select!($roles_agg),
                    "FROM accounts a JOIN organisation_members m ON m.account_id = a.id WHERE m.organisation_id = $1 ",
                    "ORDER BY lower(a.name), a.id LIMIT $2 OFFSET $3"
                ))
                .bind(id)
                .bind(page.per_page)
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn unit_members(&self, unit: UnitId) -> StoreResult<Vec<UnitMember>> {
                let rows: Vec<UnitMemberRow> = sqlx::query_as(
                    "SELECT m.unit_id, m.account_id, a.name, a.email, m.manager, m.since FROM unit_members m \
                     JOIN accounts a ON a.id = m.account_id WHERE m.unit_id = $1 \
                     ORDER BY m.manager DESC, lower(a.name), a.id",
                )
                .bind(unit)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(UnitMember::from).collect())
            }

            async fn join_requests(
                &self,
                unit: UnitId,
                state: Option<JoinState>,
                page: PageRequest,
            ) -> StoreResult<Page<JoinRequest>> {
                let state = state.map(|s| s.as_str());
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM join_requests WHERE unit_id = $1 AND ($2 IS NULL OR state = $2)",
                )
                .bind(unit)
                .bind(state)
                .fetch_one(&self.read)
                .await?;
                let rows: Vec<JoinRequestRow> = sqlx::query_as(concat!(
                    $crate::sql::join_request_select!(),
                    "WHERE r.unit_id = $1 AND ($2 IS NULL OR r.state = $2) ORDER BY r.id LIMIT $3 OFFSET $4"
                ))
                .bind(unit)
                .bind(state)
                .bind(page.per_page)
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
                let rows: Vec<TokenRow> = sqlx::query_as(
                    "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE account_id = $1 ORDER BY id DESC",
                )
                .bind(account)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(ApiToken::from).collect())
            }
        }

        #[async_trait]
        impl IdentityTx for SqlTx {
            async fn insert_organisation(&mut self, name: &str, at: OffsetDateTime) -> StoreResult<OrgId> {
                sqlx::query_scalar(
                    "INSERT INTO organisations (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
                )
                .bind(name)
                .bind(Ts::from(at))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(|e| named_duplicate(e, "an organisation with this name"))
            }

            async fn rename_organisation(&mut self, id: OrgId, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE organisations SET name = $2, updated_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(name)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an organisation with this name"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn organisation_exists(&mut self, id: OrgId) -> StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(found.is_some())
            }

            async fn add_domain(&mut self, org: OrgId, domain: &str, at: OffsetDateTime) -> StoreResult<u64> {
                sqlx::query("INSERT INTO organisation_domains (domain, organisation_id) VALUES ($1, $2)")
                    .bind(domain)
                    .bind(org)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an organisation with this domain"))?;
                let joined = sqlx::query(
                    "INSERT INTO organisation_members (organisation_id, account_id, since) \
                     SELECT $1, id, $3 FROM accounts WHERE email_verified_at IS NOT NULL \
                     AND lower(email) LIKE '%@' || CAST($2 AS TEXT) ON CONFLICT DO NOTHING",
                )
                .bind(org)
                .bind(domain)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(joined.rows_affected())
            }

            async fn remove_domain(&mut self, org: OrgId, domain: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM organisation_domains WHERE organisation_id = $1 AND domain = $2")
                    .bind(org)
                    .bind(domain)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn add_partner(&mut self, org: OrgId, account: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO organisation_partners (organisation_id, account_id, since) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(org)
                .bind(account)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn remove_partner(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM organisation_partners WHERE organisation_id = $1 AND account_id = $2")
                    .bind(org)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_contract(&mut self, org: OrgId, c: &NewContract, at: OffsetDateTime) -> StoreResult<Contract> {
                let row: ContractRow = sqlx::query_as(
                    "INSERT INTO contracts (organisation_id, plan, starts_on, ends_on, includes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, organisation_id, plan, starts_on, ends_on, includes",
                )
                .bind(org)
                .bind(&c.plan)
                .bind(c.starts_on)
                .bind(c.ends_on)
                .bind(&c.includes)
                .bind(Ts::from(at))
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(row.into())
            }

            async fn contract(&mut self, org: OrgId, id: i64) -> StoreResult<Option<Contract>> {
                let row: Option<ContractRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql::contract_columns!(),
                    " FROM contracts WHERE organisation_id = $1 AND id = $2"
                ))
                .bind(org)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
                Ok(row.map(Contract::from))
            }

            async fn update_contract(&mut self, c: &Contract) -> StoreResult<()> {
                sqlx::query("UPDATE contracts SET plan = $2, starts_on = $3, ends_on = $4, includes = $5 WHERE id = $1")
                    .bind(c.id)
                    .bind(&c.plan)
                    .bind(c.starts_on)
                    .bind(c.ends_on)
                    .bind(&c.includes)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn add_organisation_member(&mut self, org: OrgId, account: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO organisation_members (organisation_id, account_id, since) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(org)
                .bind(account)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn remove_organisation_member(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM organisation_members WHERE organisation_id = $1 AND account_id = $2")
                    .bind(org)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn join_organisations_by_domain(&mut self, account: AccountId, domain: &str, at: OffsetDateTime) -> StoreResult<u64> {
                let done = sqlx::query(
                    "INSERT INTO organisation_members (organisation_id, account_id, since) \
                     SELECT organisation_id, $1, $3 FROM organisation_domains WHERE domain = $2 ON CONFLICT DO NOTHING",
                )
                .bind(account)
                .bind(domain)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn set_unit_member(&mut self, unit: UnitId, account: AccountId, manager: bool, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO unit_members (unit_id, account_id, manager, since) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (unit_id, account_id) DO UPDATE SET manager = excluded.manager",
                )
                .bind(unit)
                .bind(account)
                .bind(manager)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn remove_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM unit_members WHERE unit_id = $1 AND account_id = $2")
                    .bind(unit)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn is_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool> {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT account_id FROM unit_members WHERE unit_id = $1 AND account_id = $2")
                        .bind(unit)
                        .bind(account)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                Ok(found.is_some())
            }

            async fn insert_join_request(&mut self, unit: UnitId, account: AccountId, message: &str, at: OffsetDateTime) -> StoreResult<i64> {
                sqlx::query_scalar(
                    "INSERT INTO join_requests (unit_id, account_id, message, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(unit)
                .bind(account)
                .bind(message)
                .bind(Ts::from(at))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(|e| named_duplicate(e, "a pending request to join this unit"))
            }

            async fn join_request(&mut self, unit: UnitId, id: i64) -> StoreResult<Option<JoinRequest>> {
                let row: Option<JoinRequestRow> =
                    sqlx::query_as(concat!($crate::sql::join_request_select!(), "WHERE r.unit_id = $1 AND r.id = $2"))
                .bind(unit)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(JoinRequest::try_from).transpose()
            }

            async fn decide_join_request(&mut self, id: i64, state: JoinState, by: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE join_requests SET state = $2, decided_by = $3, decided_at = $4 WHERE id = $1")
                    .bind(id)
                    .bind(state.as_str())
                    .bind(by)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn revoke_token(&mut self, account: AccountId, id: i64, at: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(account)
                .bind(Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn mark_email_verified(&mut self, account: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE accounts SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL")
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use identity_sql;
