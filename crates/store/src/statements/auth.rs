//! The SQL of sign-in: passwords, sessions, tokens.

pub(crate) const CREDENTIALS: &str =
    concat!(crate::sql::account_select!(), ", a.password_hash FROM accounts a WHERE a.email = $1",);

pub(crate) const PASSWORD_HASH: &str = "SELECT password_hash FROM accounts WHERE id = $1";

pub(crate) const ACCOUNT_BY_SESSION: &str = concat!(
    crate::sql::account_select!(),
    "FROM accounts a JOIN sessions s ON s.account_id = a.id WHERE s.token_hash = $1 AND \
    s.expires_at > $2",
);

pub(crate) const ATTEMPTS: &str = "SELECT COUNT(*) FROM attempts WHERE key = $1 AND at >= $2";

pub(crate) const ACCOUNT_BY_CERTIFICATE: &str = concat!(
    crate::sql::account_select!(),
    "FROM accounts a JOIN certificates c ON c.account_id = a.id WHERE c.subject_dn = $1",
);

pub(crate) const CERTIFICATES: &str = "SELECT id, subject_dn, issuer_dn, created_at FROM \
    certificates WHERE account_id = $1 ORDER BY id";

pub(crate) const ACCOUNT_BY_IDENTITY: &str = concat!(
    crate::sql::account_select!(),
    "FROM accounts a JOIN oidc_identities i ON i.account_id = a.id WHERE i.provider = $1 AND \
    i.subject = $2",
);

pub(crate) const IDENTITIES: &str = "SELECT provider, subject, email, created_at FROM \
    oidc_identities WHERE account_id = $1 ORDER BY created_at, provider, subject";

pub(crate) const SETTING: &str = "SELECT value FROM settings WHERE key = $1";

pub(crate) const SET_PASSWORD: &str = "UPDATE accounts SET password_hash = $2 WHERE id = $1";

pub(crate) const INSERT_SESSION_DELETE_SESSIONS: &str = "DELETE FROM sessions WHERE account_id = $1 \
    AND expires_at <= $2";

pub(crate) const INSERT_SESSION_INSERT_SESSIONS: &str = "INSERT INTO sessions (token_hash, \
    account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";

pub(crate) const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";

pub(crate) const DELETE_SESSIONS: &str =
    "DELETE FROM sessions WHERE account_id = $1 AND (token_hash <> $2 OR $2 IS NULL)";

pub(crate) const RECORD_ATTEMPT_DELETE_ATTEMPTS: &str = "DELETE FROM attempts WHERE key = $1 AND at \
    < $2";

pub(crate) const RECORD_ATTEMPT_INSERT_ATTEMPTS: &str = "INSERT INTO attempts (key, at) VALUES ($1, \
    $2)";

pub(crate) const CLEAR_ATTEMPTS: &str = "DELETE FROM attempts WHERE key = $1";

pub(crate) const LINK_IDENTITY: &str = "INSERT INTO oidc_identities (provider, subject, email, \
    account_id, created_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const INSERT_CERTIFICATE: &str = "INSERT INTO certificates (account_id, subject_dn, \
    issuer_dn, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

pub(crate) const DELETE_CERTIFICATE: &str = "DELETE FROM certificates WHERE id = $1 AND account_id \
    = $2";

pub(crate) const SETTING_OR_INSERT_INSERT_SETTINGS: &str = "INSERT INTO settings (key, value) \
    VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

pub(crate) const SETTING_OR_INSERT_SELECT_SETTINGS: &str = "SELECT value FROM settings WHERE key = \
    $1";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("CREDENTIALS", CREDENTIALS),
        ("PASSWORD_HASH", PASSWORD_HASH),
        ("ACCOUNT_BY_SESSION", ACCOUNT_BY_SESSION),
        ("ATTEMPTS", ATTEMPTS),
        ("ACCOUNT_BY_CERTIFICATE", ACCOUNT_BY_CERTIFICATE),
        ("CERTIFICATES", CERTIFICATES),
        ("ACCOUNT_BY_IDENTITY", ACCOUNT_BY_IDENTITY),
        ("IDENTITIES", IDENTITIES),
        ("SETTING", SETTING),
        ("SET_PASSWORD", SET_PASSWORD),
        ("INSERT_SESSION_DELETE_SESSIONS", INSERT_SESSION_DELETE_SESSIONS),
        ("INSERT_SESSION_INSERT_SESSIONS", INSERT_SESSION_INSERT_SESSIONS),
        ("DELETE_SESSION", DELETE_SESSION),
        ("DELETE_SESSIONS", DELETE_SESSIONS),
        ("RECORD_ATTEMPT_DELETE_ATTEMPTS", RECORD_ATTEMPT_DELETE_ATTEMPTS),
        ("RECORD_ATTEMPT_INSERT_ATTEMPTS", RECORD_ATTEMPT_INSERT_ATTEMPTS),
        ("CLEAR_ATTEMPTS", CLEAR_ATTEMPTS),
        ("LINK_IDENTITY", LINK_IDENTITY),
        ("INSERT_CERTIFICATE", INSERT_CERTIFICATE),
        ("DELETE_CERTIFICATE", DELETE_CERTIFICATE),
        ("SETTING_OR_INSERT_INSERT_SETTINGS", SETTING_OR_INSERT_INSERT_SETTINGS),
        ("SETTING_OR_INSERT_SELECT_SETTINGS", SETTING_OR_INSERT_SELECT_SETTINGS),
    ]
}
