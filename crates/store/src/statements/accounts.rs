//! The SQL of accounts and their roles.

use super::Both;

pub(crate) const LOCK_ACCOUNT: Both = Both {
    sqlite: "SELECT id FROM accounts WHERE id = $1",
    postgres: "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
};

pub(crate) const WANTED_NOTIFICATIONS: &str = "SELECT kind FROM notification_optouts WHERE \
    account_id = $1";

pub(crate) const WANTS_NOTIFICATION: &str = "SELECT COUNT(*) FROM notification_optouts WHERE \
    account_id = $1 AND kind = $2";

pub(crate) const RENAME_ACCOUNT: &str = "UPDATE accounts SET name = $2 WHERE id = $1";

pub(crate) const SET_GRANTED_ROLES_DELETE_ACCOUNT_ROLES: &str = "DELETE FROM account_roles WHERE \
    account_id = $1";

pub(crate) const SET_GRANTED_ROLES_INSERT_ACCOUNT_ROLES: &str = "INSERT INTO account_roles \
    (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(crate) const SET_ACCOUNT_DISABLED: &str = "UPDATE accounts SET disabled = $2 WHERE id = $1";

pub(crate) const SET_WANTED_NOTIFICATIONS_DELETE_NOTIFICATION_OPTOUTS: &str = "DELETE FROM \
    notification_optouts WHERE account_id = $1";

pub(crate) const SET_WANTED_NOTIFICATIONS_INSERT_NOTIFICATION_OPTOUTS: &str = "INSERT INTO \
    notification_optouts (account_id, kind) VALUES ($1, $2)";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("LOCK_ACCOUNT", if postgres { LOCK_ACCOUNT.postgres } else { LOCK_ACCOUNT.sqlite }),
        ("WANTED_NOTIFICATIONS", WANTED_NOTIFICATIONS),
        ("WANTS_NOTIFICATION", WANTS_NOTIFICATION),
        ("RENAME_ACCOUNT", RENAME_ACCOUNT),
        ("SET_GRANTED_ROLES_DELETE_ACCOUNT_ROLES", SET_GRANTED_ROLES_DELETE_ACCOUNT_ROLES),
        ("SET_GRANTED_ROLES_INSERT_ACCOUNT_ROLES", SET_GRANTED_ROLES_INSERT_ACCOUNT_ROLES),
        ("SET_ACCOUNT_DISABLED", SET_ACCOUNT_DISABLED),
        ("SET_WANTED_NOTIFICATIONS_DELETE_NOTIFICATION_OPTOUTS", SET_WANTED_NOTIFICATIONS_DELETE_NOTIFICATION_OPTOUTS),
        ("SET_WANTED_NOTIFICATIONS_INSERT_NOTIFICATION_OPTOUTS", SET_WANTED_NOTIFICATIONS_INSERT_NOTIFICATION_OPTOUTS),
    ]
}
