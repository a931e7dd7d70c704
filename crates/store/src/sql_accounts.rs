//! The accounts store, written once (its statements in `statements`) and instantiated for each
//! engine by `accounts_sql!` (see `sql.rs` for why a macro). Paths are spelled out in full so that
//! the expansion does not lean on what the other macros of the same module import.

/// Most ids bound in one `IN (...)` list: far below either engine's limit of bound values.
pub(crate) const IN_LIST_CHUNK: usize = 500;

macro_rules! accounts_sql {
    (db: $db:ty, dialect: $dialect:ident $(,)?) => {
        use crate::accounts::{AccountStore, AccountTx};

        /// Adds the name-or-address filter of an account list, when there is one.
        fn push_account_filter(qb: &mut sqlx::QueryBuilder<$db>, pattern: &Option<String>) {
            if let Some(pattern) = pattern {
                // lower() on both sides: the engine folds the text and the pattern alike.
                qb.push(" WHERE (lower(a.name) LIKE lower(").push_bind(pattern.clone());
                qb.push(") ESCAPE '\\' OR lower(a.email) LIKE lower(").push_bind(pattern.clone());
                qb.push(") ESCAPE '\\')");
            }
        }

        /// Locks an account row until the transaction ends; false when there is none.
        async fn lock_account(
            conn: &mut <$db as sqlx::Database>::Connection,
            account: helpdesk_domain::AccountId,
        ) -> crate::StoreResult<bool> {
            let found: Option<i64> = sqlx::query_scalar($crate::statements::accounts::LOCK_ACCOUNT.$dialect)
                .bind(account)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(found.is_some())
        }

        #[async_trait::async_trait]
        impl AccountStore for SqlStore {
            async fn accounts(
                &self,
                text: Option<&str>,
                page: helpdesk_domain::paging::PageRequest,
            ) -> crate::StoreResult<helpdesk_domain::paging::Page<helpdesk_domain::account::Account>> {
                let pattern = text.map($crate::sql::contains_pattern);
                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM accounts a");
                push_account_filter(&mut count, &pattern);
                let total: i64 = count.build_query_scalar().fetch_one(&self.read).await?;
                let mut list =
                    sqlx::QueryBuilder::<$db>::new(concat!($crate::sql::account_select!(), "FROM accounts a"));
                push_account_filter(&mut list, &pattern);
                list.push(" ORDER BY lower(a.name), a.id LIMIT ").push_bind(page.per_page);
                list.push(" OFFSET ").push_bind(page.offset());
                let rows: Vec<crate::rows::AccountRow> = list.build_query_as().fetch_all(&self.read).await?;
                Ok(helpdesk_domain::paging::Page::new(crate::rows::convert(rows)?, total, page))
            }

            async fn account_names(
                &self,
                ids: &[helpdesk_domain::AccountId],
            ) -> crate::StoreResult<std::collections::HashMap<helpdesk_domain::AccountId, String>> {
                let mut ids = ids.to_vec();
                ids.sort_unstable();
                ids.dedup();
                let mut names = std::collections::HashMap::with_capacity(ids.len());
                // One query for any list a page shows; longer ones go in chunks.
                for chunk in ids.chunks($crate::sql_accounts::IN_LIST_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, name FROM accounts WHERE id IN (");
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<(AccountId, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                    names.extend(rows);
                }
                Ok(names)
            }

            async fn wanted_notifications(
                &self,
                account: helpdesk_domain::AccountId,
            ) -> crate::StoreResult<Vec<helpdesk_domain::account::Notification>> {
                let refused: Vec<String> = sqlx::query_scalar($crate::statements::accounts::WANTED_NOTIFICATIONS)
                    .bind(account)
                    .fetch_all(&self.read)
                    .await?;
                Ok(helpdesk_domain::account::Notification::ALL
                    .iter()
                    .copied()
                    .filter(|kind| !refused.iter().any(|r| r == kind.as_str()))
                    .collect())
            }

            async fn wants_notification(
                &self,
                account: helpdesk_domain::AccountId,
                kind: helpdesk_domain::account::Notification,
            ) -> crate::StoreResult<bool> {
                let refused: i64 = sqlx::query_scalar($crate::statements::accounts::WANTS_NOTIFICATION)
                    .bind(account)
                    .bind(kind.as_str())
                    .fetch_one(&self.read)
                    .await?;
                Ok(refused == 0)
            }
        }

        #[async_trait::async_trait]
        impl AccountTx for SqlTx {
            async fn rename_account(
                &mut self,
                account: helpdesk_domain::AccountId,
                name: &str,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::accounts::RENAME_ACCOUNT)
                    .bind(account)
                    .bind(name)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_granted_roles(
                &mut self,
                account: helpdesk_domain::AccountId,
                roles: &[helpdesk_domain::account::Role],
            ) -> crate::StoreResult<bool> {
                if !lock_account(&mut *self.tx, account).await? {
                    return Ok(false);
                }
                sqlx::query($crate::statements::accounts::SET_GRANTED_ROLES_DELETE_ACCOUNT_ROLES)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                for role in roles {
                    sqlx::query($crate::statements::accounts::SET_GRANTED_ROLES_INSERT_ACCOUNT_ROLES)
                        .bind(account)
                        .bind(role.as_str())
                        .execute(&mut *self.tx)
                        .await?;
                }
                Ok(true)
            }

            async fn set_account_disabled(
                &mut self,
                account: helpdesk_domain::AccountId,
                disabled: bool,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::accounts::SET_ACCOUNT_DISABLED)
                    .bind(account)
                    .bind(disabled)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_wanted_notifications(
                &mut self,
                account: helpdesk_domain::AccountId,
                wanted: &[helpdesk_domain::account::Notification],
            ) -> crate::StoreResult<bool> {
                if !lock_account(&mut *self.tx, account).await? {
                    return Ok(false);
                }
                sqlx::query($crate::statements::accounts::SET_WANTED_NOTIFICATIONS_DELETE_NOTIFICATION_OPTOUTS)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                // What is stored is what is not wanted, so that a kind added later reaches everyone.
                for kind in helpdesk_domain::account::Notification::ALL.iter().filter(|k| !wanted.contains(k)) {
                    sqlx::query($crate::statements::accounts::SET_WANTED_NOTIFICATIONS_INSERT_NOTIFICATION_OPTOUTS)
                        .bind(account)
                        .bind(kind.as_str())
                        .execute(&mut *self.tx)
                        .await?;
                }
                Ok(true)
            }
        }
    };
}

pub(crate) use accounts_sql;

#[cfg(test)]
mod tests {
    use crate::sql::contains_pattern;

    #[test]
    fn wildcards_are_taken_literally() {
        let table =
            [("ann", "%ann%"), ("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("back\\slash", "%back\\\\slash%"), ("", "%%")];
        for (text, pattern) in table {
            assert_eq!(contains_pattern(text), pattern, "{text}");
        }
    }
}
