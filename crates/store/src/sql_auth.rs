//! The sign-in store, written once (its statements in `statements`) and instantiated for each
//! engine by `auth_sql!` (see `sql.rs` for why a macro).

macro_rules! auth_sql {
    (db: $db:ty $(,)?) => {
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
                let row: Option<CredentialsRow> = sqlx::query_as($crate::statements::auth::CREDENTIALS)
                    .bind(email)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(|r| Ok((Account::try_from(r.account)?, r.password_hash))).transpose()
            }

            async fn password_hash(&self, account: AccountId) -> StoreResult<Option<String>> {
                let hash: Option<Option<String>> = sqlx::query_scalar($crate::statements::auth::PASSWORD_HASH)
                    .bind(account)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(hash.flatten())
            }

            async fn account_by_session(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as($crate::statements::auth::ACCOUNT_BY_SESSION)
                    .bind(token_hash)
                    .bind(Ts::from(now))
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Account::try_from).transpose()
            }

            async fn attempts(&self, key: &str, since: OffsetDateTime) -> StoreResult<i64> {
                Ok(sqlx::query_scalar($crate::statements::auth::ATTEMPTS)
                    .bind(key)
                    .bind(Ts::from(since))
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn account_by_certificate(&self, subject_dn: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as($crate::statements::auth::ACCOUNT_BY_CERTIFICATE)
                    .bind(subject_dn)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Account::try_from).transpose()
            }

            async fn certificates(&self, account: AccountId) -> StoreResult<Vec<LinkedCertificate>> {
                let rows: Vec<(i64, String, String, Ts)> =
                    sqlx::query_as($crate::statements::auth::CERTIFICATES).bind(account).fetch_all(&self.read).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, subject_dn, issuer_dn, at)| LinkedCertificate {
                        id,
                        subject_dn,
                        issuer_dn,
                        created_at: at.0,
                    })
                    .collect())
            }

            async fn account_by_identity(&self, provider: &str, subject: &str) -> StoreResult<Option<Account>> {
                let row: Option<AccountRow> = sqlx::query_as($crate::statements::auth::ACCOUNT_BY_IDENTITY)
                    .bind(provider)
                    .bind(subject)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(Account::try_from).transpose()
            }

            async fn identities(&self, account: AccountId) -> StoreResult<Vec<LinkedIdentity>> {
                let rows: Vec<(String, String, Option<String>, Ts)> =
                    sqlx::query_as($crate::statements::auth::IDENTITIES).bind(account).fetch_all(&self.read).await?;
                Ok(rows
                    .into_iter()
                    .map(|(provider, subject, email, at)| LinkedIdentity { provider, subject, email, linked_at: at.0 })
                    .collect())
            }

            async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar($crate::statements::auth::SETTING).bind(key).fetch_optional(&self.read).await?)
            }
        }

        #[async_trait]
        impl AuthTx for SqlTx {
            async fn set_password(&mut self, account: AccountId, hash: &str) -> StoreResult<()> {
                sqlx::query($crate::statements::auth::SET_PASSWORD)
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
                sqlx::query($crate::statements::auth::INSERT_SESSION_DELETE_SESSIONS)
                    .bind(account)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query($crate::statements::auth::INSERT_SESSION_INSERT_SESSIONS)
                    .bind(token_hash)
                    .bind(account)
                    .bind(Ts::from(at))
                    .bind(Ts::from(expires))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::auth::DELETE_SESSION)
                    .bind(token_hash)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_sessions(&mut self, account: AccountId, except: Option<&str>) -> StoreResult<u64> {
                let done = sqlx::query($crate::statements::auth::DELETE_SESSIONS)
                    .bind(account)
                    .bind(except)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn record_attempt(
                &mut self,
                key: &str,
                at: OffsetDateTime,
                forget_before: OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query($crate::statements::auth::RECORD_ATTEMPT_DELETE_ATTEMPTS)
                    .bind(key)
                    .bind(Ts::from(forget_before))
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query($crate::statements::auth::RECORD_ATTEMPT_INSERT_ATTEMPTS)
                    .bind(key)
                    .bind(Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn clear_attempts(&mut self, key: &str) -> StoreResult<()> {
                sqlx::query($crate::statements::auth::CLEAR_ATTEMPTS).bind(key).execute(&mut *self.tx).await?;
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
                sqlx::query($crate::statements::auth::LINK_IDENTITY)
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

            async fn insert_certificate(
                &mut self,
                account: AccountId,
                subject_dn: &str,
                issuer_dn: &str,
                at: OffsetDateTime,
            ) -> StoreResult<i64> {
                sqlx::query_scalar($crate::statements::auth::INSERT_CERTIFICATE)
                    .bind(account)
                    .bind(subject_dn)
                    .bind(issuer_dn)
                    .bind(Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a link of this certificate"))
            }

            async fn delete_certificate(&mut self, account: AccountId, id: i64) -> StoreResult<bool> {
                let done = sqlx::query($crate::statements::auth::DELETE_CERTIFICATE)
                    .bind(id)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn setting_or_insert(&mut self, key: &str, value: &str) -> StoreResult<String> {
                sqlx::query($crate::statements::auth::SETTING_OR_INSERT_INSERT_SETTINGS)
                    .bind(key)
                    .bind(value)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(sqlx::query_scalar($crate::statements::auth::SETTING_OR_INSERT_SELECT_SETTINGS)
                    .bind(key)
                    .fetch_one(&mut *self.tx)
                    .await?)
            }
        }
    };
}

pub(crate) use auth_sql;
