//! The identity store, written once (its statements in `statements`) and instantiated for each
//! engine by `identity_sql!` (see `sql.rs` for why a macro).

macro_rules! identity_sql {
    (db: $db:ty $(,)?) => {
        use helpdesk_domain::OrgId;
        use helpdesk_domain::account::ApiToken;
        use helpdesk_domain::organisation::{Contract, JoinRequest, JoinState, Organisation, UnitMember};
        use helpdesk_domain::policy::OrganisationVisibility;
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
            let ids: Vec<OrgId> = rows.iter().map(|r| OrgId(r.id)).collect();
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
                    let contracts: Vec<Contract> =
                        contracts.iter().filter(|c| c.organisation == OrgId(r.id)).cloned().collect();
                    Organisation {
                        id: OrgId(r.id),
                        name: r.name,
                        domains: domains.iter().filter(|(o, _)| *o == OrgId(r.id)).map(|(_, d)| d.clone()).collect(),
                        partners: partners.iter().filter(|(o, _)| *o == OrgId(r.id)).map(|(_, a)| *a).collect(),
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
                qb.push(
                    " OR id IN (SELECT organisation_id FROM tickets WHERE organisation_id IS NOT NULL AND unit_id IN (",
                );
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
                let rows: Vec<(String, i64, bool)> = sqlx::query_as($crate::statements::identity::MEMBERSHIPS)
                    .bind(account)
                    .bind(today)
                    .fetch_all(&self.read)
                    .await?;
                let mut m = Memberships::default();
                let mut unsupported = Vec::new();
                for (kind, id, flag) in rows {
                    match kind.as_str() {
                        "unit" => {
                            m.units.push(UnitId(id));
                            if flag {
                                m.managed_units.push(UnitId(id));
                            }
                        }
                        "member" if flag => m.supported.push(OrgId(id)),
                        "member" => unsupported.push(OrgId(id)),
                        // The flag of a team's row says whether they are its alarmer.
                        team @ ("team" | "team_manager") => {
                            let id = helpdesk_domain::TeamId(id);
                            m.teams.push(id);
                            if flag {
                                m.alarmer_of.push(id);
                            }
                            if team == "team_manager" {
                                m.manages_teams.push(id);
                            }
                        }
                        _ => m.partner_of.push(OrgId(id)),
                    }
                }
                m.units.sort_unstable();
                m.managed_units.sort_unstable();
                m.teams.sort_unstable();
                m.teams.dedup();
                m.alarmer_of.sort_unstable();
                m.alarmer_of.dedup();
                m.manages_teams.sort_unstable();
                m.manages_teams.dedup();
                for list in [&mut m.supported, &mut unsupported, &mut m.partner_of] {
                    list.sort_unstable();
                }
                m.organisations = m.supported.iter().chain(&unsupported).copied().collect();
                Ok(m)
            }

            async fn organisation(&self, id: OrgId, today: Date) -> StoreResult<Option<Organisation>> {
                let rows: Vec<OrganisationRow> =
                    sqlx::query_as($crate::statements::identity::ORGANISATION).bind(id).fetch_all(&self.read).await?;
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
                let total: i64 = sqlx::query_scalar($crate::statements::identity::ORGANISATION_MEMBERS_COUNT)
                    .bind(id)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<AccountRow> = sqlx::query_as($crate::statements::identity::ORGANISATION_MEMBERS_PAGE)
                    .bind(id)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn unit_members(&self, unit: UnitId) -> StoreResult<Vec<UnitMember>> {
                let rows: Vec<UnitMemberRow> =
                    sqlx::query_as($crate::statements::identity::UNIT_MEMBERS).bind(unit).fetch_all(&self.read).await?;
                Ok(rows.into_iter().map(UnitMember::from).collect())
            }

            async fn join_requests(
                &self,
                unit: UnitId,
                state: Option<JoinState>,
                page: PageRequest,
            ) -> StoreResult<Page<JoinRequest>> {
                let state = state.map(|s| s.as_str());
                let total: i64 = sqlx::query_scalar($crate::statements::identity::JOIN_REQUESTS_COUNT)
                    .bind(unit)
                    .bind(state)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<JoinRequestRow> = sqlx::query_as($crate::statements::identity::JOIN_REQUESTS_PAGE)
                    .bind(unit)
                    .bind(state)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                Ok(Page::new(convert(rows)?, total, page))
            }

            async fn tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
                let rows: Vec<TokenRow> =
                    sqlx::query_as($crate::statements::identity::TOKENS).bind(account).fetch_all(&self.read).await?;
                Ok(rows.into_iter().map(ApiToken::from).collect())
            }
        }

        #[async_trait]
        impl IdentityTx for SqlTx {
            async fn insert_organisation(&mut self, name: &str, at: OffsetDateTime) -> StoreResult<OrgId> {
                sqlx::query_scalar($crate::statements::identity::INSERT_ORGANISATION)
                    .bind(name)
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an organisation with this name"))
            }

            async fn rename_organisation(&mut self, id: OrgId, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::RENAME_ORGANISATION)
                    .bind(id)
                    .bind(name)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an organisation with this name"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn organisation_exists(&mut self, id: OrgId) -> StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar($crate::statements::identity::ORGANISATION_EXISTS)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(found.is_some())
            }

            async fn add_domain(&mut self, org: OrgId, domain: &str, at: OffsetDateTime) -> StoreResult<u64> {
                sqlx::query($crate::statements::identity::ADD_DOMAIN_INSERT_ORGANISATION_DOMAINS)
                    .bind(domain)
                    .bind(org)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "an organisation with this domain"))?;
                let joined = sqlx::query($crate::statements::identity::ADD_DOMAIN_INSERT_ORGANISATION_MEMBERS)
                    .bind(org)
                    .bind(domain)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(joined.rows_affected())
            }

            async fn remove_domain(&mut self, org: OrgId, domain: &str) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::REMOVE_DOMAIN)
                    .bind(org)
                    .bind(domain)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn add_partner(&mut self, org: OrgId, account: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::ADD_PARTNER)
                    .bind(org)
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn remove_partner(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::REMOVE_PARTNER)
                    .bind(org)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_contract(
                &mut self,
                org: OrgId,
                c: &NewContract,
                at: OffsetDateTime,
            ) -> StoreResult<Contract> {
                let row: ContractRow = sqlx::query_as($crate::statements::identity::INSERT_CONTRACT)
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
                let row: Option<ContractRow> = sqlx::query_as($crate::statements::identity::CONTRACT)
                    .bind(org)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.map(Contract::from))
            }

            async fn update_contract(&mut self, c: &Contract) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::UPDATE_CONTRACT)
                    .bind(c.id)
                    .bind(&c.plan)
                    .bind(c.starts_on)
                    .bind(c.ends_on)
                    .bind(&c.includes)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn add_organisation_member(
                &mut self,
                org: OrgId,
                account: AccountId,
                at: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::ADD_ORGANISATION_MEMBER)
                    .bind(org)
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn remove_organisation_member(&mut self, org: OrgId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::REMOVE_ORGANISATION_MEMBER)
                    .bind(org)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn join_organisations_by_domain(
                &mut self,
                account: AccountId,
                domain: &str,
                at: OffsetDateTime,
            ) -> StoreResult<u64> {
                let done = sqlx::query($crate::statements::identity::JOIN_ORGANISATIONS_BY_DOMAIN)
                    .bind(account)
                    .bind(domain)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn set_unit_member(
                &mut self,
                unit: UnitId,
                account: AccountId,
                manager: bool,
                at: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::SET_UNIT_MEMBER)
                    .bind(unit)
                    .bind(account)
                    .bind(manager)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn remove_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::REMOVE_UNIT_MEMBER)
                    .bind(unit)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn is_unit_member(&mut self, unit: UnitId, account: AccountId) -> StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar($crate::statements::identity::IS_UNIT_MEMBER)
                    .bind(unit)
                    .bind(account)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(found.is_some())
            }

            async fn insert_join_request(
                &mut self,
                unit: UnitId,
                account: AccountId,
                message: &str,
                at: OffsetDateTime,
            ) -> StoreResult<i64> {
                sqlx::query_scalar($crate::statements::identity::INSERT_JOIN_REQUEST)
                    .bind(unit)
                    .bind(account)
                    .bind(message)
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a pending request to join this unit"))
            }

            async fn join_request(&mut self, unit: UnitId, id: i64) -> StoreResult<Option<JoinRequest>> {
                let row: Option<JoinRequestRow> = sqlx::query_as($crate::statements::identity::JOIN_REQUEST)
                    .bind(unit)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(JoinRequest::try_from).transpose()
            }

            async fn decide_join_request(
                &mut self,
                id: i64,
                state: JoinState,
                by: AccountId,
                at: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::DECIDE_JOIN_REQUEST)
                    .bind(id)
                    .bind(state.as_str())
                    .bind(by)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn revoke_token(&mut self, account: AccountId, id: i64, at: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::identity::REVOKE_TOKEN)
                    .bind(id)
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn mark_email_verified(&mut self, account: AccountId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query($crate::statements::identity::MARK_EMAIL_VERIFIED)
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
