//! The sign-in SQL, written once and instantiated for each engine by `auth_sql!` (see `sql.rs`
//! for why a macro).

macro_rules! auth_sql {
    (db: $db:ty, roles_agg: $roles_agg:literal $(,)?) => {
        use crate::auth::{AuthStore, AuthTx};
        use helpdesk_domain::account::{LinkedCertificate, LinkedIdentity};

        #[derive(sqlx::FromRow)]
        struct CredentialsRow {
            #[sqlx(flatten)]
            account: AccountRow,
            password_hash: Option<String>,
        }

        #[async_trait]
        impl AuthStore for SqlStore {
            async fn credentials(&self, email: &str) -> StoreResult<Option<(Account, Option<String>)>> {
                let row: Option<CredentialsRow> = sqlx::query_as(concat!(
                    $crate::sql::account_select!($roles_agg),
                    ", a.password_hash FROM accounts a WHERE a.email = $1"
                ))
                .bind(email)
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| Ok((Account::try_from(r.account)?, r.password_hash))).transpose()
            }

            async fn password_hash(&self, account: AccountId) -> StoreResult<Option<String>> {
                let hash: Option<Option<String>> = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
                    .bind(account)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(hash.flatten())
            }

            async fn account_by_session(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as(concat!(
                    $crate::sql::account_select!($roles_agg),
                    "FROM accounts a JOIN sessions s ON s.account_id = a.id WHERE s.token_hash = $1 AND s.expires_at > $2"
                ))
                .bind(token_hash)
                .bind(Ts::from(now))
                .fetch_optional(&self.read)
                .await?;
                row.map(Account::try_from).transpose()
            }

            async fn attempts(&self, key: &str, since: OffsetDateTime) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE key = $1 AND at >= $2")
                    .bind(key)
                    .bind(Ts::from(since))
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn account_by_certificate(&self, subject_dn: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as(concat!(
                    $crate::sql::account_select!($roles_agg),
                    "FROM accounts a JOIN certificates c ON c.account_id = a.id WHERE c.subject_dn = $1"
                ))
                .bind(subject_dn)
                .fetch_optional(&self.read)
                .await?;
                row.map(Account::try_from).transpose()
            }

            async fn certificates(&self, account: AccountId) -> StoreResult<Vec<LinkedCertificate>> {
                let rows: Vec<(i64, String, String, Ts)> = sqlx::query_as(
                    "SELECT id, subject_dn, issuer_dn, created_at FROM certificates WHERE account_id = $1 ORDER BY id",
                )
                .bind(account)
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, subject_dn, issuer_dn, at)| LinkedCertificate { id, subject_dn, issuer_dn, created_at: at.0 })
                    .collect())
            }

            async fn account_by_identity(&self, provider: &str, subject: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as(concat!(
                    $crate::sql::account_select!($roles_agg),
                    "FROM accounts a JOIN oidc_identities i ON i.account_id = a.id WHERE i.provider = $1 AND i.subject = $2"
                ))
                .bind(provider)
                .bind(subject)
                .fetch_optional(&self.read)
                .await?;
                row.map(Account::try_from).transpose()
            }

            async fn identities(&self, account: AccountId) -> StoreResult<Vec<LinkedIdentity>> {
                let rows: Vec<(String, String, Option<String>, Ts)> = sqlx::query_as(
                    "SELECT provider, subject, email, created_at FROM oidc_identities WHERE account_id = $1 \
                     ORDER BY created_at, provider, subject",
                )
                .bind(account)
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(provider, subject, email, at)| LinkedIdentity { provider, subject, email, linked_at: at.0 })
                    .collect())
            }

            async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.read).await?)
            }
        }

        #[async_trait]
        impl AuthTx for SqlTx {
            async fn set_password(&mut self, account: AccountId, hash: &str) -> StoreResult<()> {
                sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
                    .bind(account)
                    .bind(hash)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_session(
                &mut self,
                token_hash: &str,
                account: AccountId,
                at: OffsetDateTime,
                expires: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2")
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(account)
                    .bind(Ts::from(at))
                    .bind(Ts::from(expires))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *self.tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_sessions(&mut self, account: AccountId, except: Option<&str>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
                    .bind(account)
                    .bind(except)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn record_attempt(&mut self, key: &str, at: OffsetDateTime, forget_before: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("DELETE FROM attempts WHERE key = $1 AND at < $2")
                    .bind(key)
                    .bind(Ts::from(forget_before))
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query("INSERT INTO attempts (key, at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn clear_attempts(&mut self, key: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM attempts WHERE key = $1").bind(key).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn link_identity(
                &mut self,
                provider: &str,
                subject: &str,
                email: Option<&str>,
                account: AccountId,
                at: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO oidc_identities (provider, subject, email, account_id, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                    .bind(provider)
                    .bind(subject)
                    .bind(email)
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a link of this identity"))?;
                Ok(())
            }

            async fn insert_certificate(&mut self, account: AccountId, subject_dn: &str, issuer_dn: &str, at: OffsetDateTime) -> StoreResult<i64> {
                sqlx::query_scalar(
                    "INSERT INTO certificates (account_id, subject_dn, issuer_dn, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(account)
                .bind(subject_dn)
                .bind(issuer_dn)
                .bind(Ts::from(at))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(|e| named_duplicate(e, "a link of this certificate"))
            }

            async fn delete_certificate(&mut self, account: AccountId, id: i64) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM certificates WHERE id = $1 AND account_id = $2")
                    .bind(id)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String> {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(&mut *self.tx).await?)
            }
        }
    };
}

pub(crate) use auth_sql;
