//! The SQL of tickets, their conversation, files, history, catalogue and jobs.

use super::Both;

pub(crate) const FETCH_TICKET: &str = concat!("SELECT ", crate::sql::ticket_columns!(), " FROM tickets WHERE id = $1",);

pub(crate) const FETCH_UNIT: &str = concat!("SELECT ", crate::sql::unit_columns!(), " FROM units WHERE id = $1",);

pub(crate) const FETCH_CATEGORY: &str =
    concat!("SELECT ", crate::sql::category_columns!(), " FROM categories WHERE id = $1",);

pub(crate) const FETCH_ACCOUNT: &str = concat!(crate::sql::account_select!(), "FROM accounts a WHERE a.id = $1",);

pub(crate) const PING: &str = "SELECT 1";

pub(crate) const ATTACHMENTS: &str = concat!(
    "SELECT ",
    crate::sql::attachment_columns!(),
    " FROM attachments WHERE ticket_id = $1 AND (internal = $2 OR internal = FALSE) ORDER BY id",
);

pub(crate) const ATTACHMENT_DATA: &str =
    concat!("SELECT ", crate::sql::attachment_columns!(), ", data FROM attachments WHERE id = $1",);

pub(crate) const ARTICLES_COUNT: &str = "SELECT COUNT(*) FROM articles WHERE ticket_id = $1 AND \
    (internal = $2 OR internal = FALSE)";

pub(crate) const ARTICLES_PAGE: &str = concat!(
    "SELECT ",
    crate::sql::article_columns!(),
    " FROM articles WHERE ticket_id = $1 AND (internal = $2 OR internal = FALSE) ORDER BY id LIMIT \
    $3 OFFSET $4",
);

pub(crate) const ARTICLE: &str = concat!("SELECT ", crate::sql::article_columns!(), " FROM articles WHERE id = $1",);

pub(crate) const HISTORY_COUNT: &str = "SELECT COUNT(*) FROM ticket_history WHERE ticket_id = $1 \
    AND (internal = $2 OR internal = FALSE)";

pub(crate) const HISTORY_PAGE: &str = "SELECT at, actor_id, field, old_value, \
    new_value, reason, internal FROM ticket_history WHERE ticket_id = $1 AND (internal = $2 OR \
    internal = FALSE) ORDER BY id LIMIT $3 OFFSET $4";

pub(crate) const UNITS_COUNT: &str = "SELECT COUNT(*) FROM units";

pub(crate) const UNITS_PAGE: &str =
    concat!("SELECT ", crate::sql::unit_columns!(), " FROM units ORDER BY lower(name), id LIMIT $1 OFFSET $2",);

pub(crate) const CATEGORIES_COUNT: &str = "SELECT COUNT(*) FROM categories";

pub(crate) const CATEGORIES_PAGE: &str = concat!(
    "SELECT ",
    crate::sql::category_columns!(),
    " FROM categories ORDER BY lower(name), id LIMIT $1 OFFSET $2",
);

pub(crate) const ACCOUNT_BY_EMAIL: &str = concat!(crate::sql::account_select!(), "FROM accounts a WHERE a.email = $1",);

pub(crate) const ACCOUNT_BY_TOKEN: &str = concat!(
    crate::sql::account_select!(),
    "FROM accounts a JOIN api_tokens t ON t.account_id = a.id WHERE t.token_hash = $1 AND \
    t.revoked_at IS NULL",
);

pub(crate) const CLAIM_JOBS: Both = Both {
    sqlite: concat!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 WHERE id IN \
        (SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR \
        locked_until < $3) ORDER BY run_at, id LIMIT $4) RETURNING ",
        crate::sql::job_columns!(),
    ),
    postgres: concat!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 WHERE id IN \
        (SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR \
        locked_until < $3) ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ",
        crate::sql::job_columns!(),
    ),
};

pub(crate) const FAIL_JOB: &str = "UPDATE jobs SET locked_by = NULL, locked_until = NULL, \
    last_error = $3, run_at = COALESCE($4, run_at), failed_at = $5 WHERE id = $1 AND locked_by = $2";

pub(crate) const RELEASE_CLAIMS_UPDATE_JOBS: &str = "UPDATE jobs SET locked_by = NULL, locked_until \
    = NULL WHERE locked_by = $1";

pub(crate) const RELEASE_CLAIMS_UPDATE_EXTERNAL_LINKS: &str = "UPDATE external_links SET locked_by \
    = NULL, locked_until = NULL WHERE locked_by = $1";

pub(crate) const RELEASE_CLAIMS_UPDATE_CONNECTORS: &str = "UPDATE connectors SET poll_locked_by = \
    NULL, poll_locked_until = NULL WHERE poll_locked_by = $1";

pub(crate) const FAILED_JOBS_COUNT: &str = "SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL";

pub(crate) const FAILED_JOBS_PAGE: &str = concat!(
    "SELECT ",
    crate::sql::job_columns!(),
    " FROM jobs WHERE failed_at IS NOT NULL ORDER BY id DESC LIMIT $1 OFFSET $2",
);

pub(crate) const JOB_COUNTS: &str = "SELECT COALESCE(SUM(CASE WHEN failed_at IS NULL AND \
    (locked_until IS NULL OR locked_until < $1) AND run_at <= $1 THEN 1 ELSE 0 END), 0), \
    COALESCE(SUM(CASE WHEN failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) AND \
    run_at > $1 AND attempts = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN failed_at IS NULL \
    AND (locked_until IS NULL OR locked_until < $1) AND run_at > $1 AND attempts > 0 THEN 1 ELSE 0 \
    END), 0), COALESCE(SUM(CASE WHEN failed_at IS NULL AND locked_until >= $1 THEN 1 ELSE 0 END), \
    0), COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM jobs";

pub(crate) const HAS_ACCOUNTS: &str = "SELECT id FROM accounts LIMIT 1";

pub(crate) const TICKET_FOR_UPDATE: Both = Both {
    sqlite: concat!("SELECT ", crate::sql::ticket_columns!(), " FROM tickets WHERE id = $1",),
    postgres: concat!("SELECT ", crate::sql::ticket_columns!(), " FROM tickets WHERE id = $1 FOR UPDATE",),
};

pub(crate) const UPDATE_TICKET: &str = "UPDATE tickets SET title = $2, description = $3, \
    category_id = $4, unit_id = $5, owner_id = $6, status = $7, resolution = $8, priority = $9, \
    privacy = $10, fields = $11, updated_at = $12, copy_to = $13, link_url = $14, kind = $15 WHERE id = $1";

pub(crate) const INSERT_ARTICLE: &str = concat!(
    "INSERT INTO articles (ticket_id, author_id, body, internal, channel, created_at, \
    external_author) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
    crate::sql::article_columns!(),
);

pub(crate) const INSERT_ATTACHMENT: &str = concat!(
    "INSERT INTO attachments (ticket_id, article_id, filename, content_type, size, sha256, \
    uploaded_by, internal, created_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
    RETURNING ",
    crate::sql::attachment_columns!(),
);

pub(crate) const ENQUEUE_JOB: &str = "INSERT INTO jobs (kind, payload, dedupe_key, run_at, \
    created_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING";

pub(crate) const DELETE_JOB: &str = "DELETE FROM jobs WHERE id = $1";

pub(crate) const INSERT_UNIT: &str = concat!(
    "INSERT INTO units (name, description, level, email, integration, created_at, updated_at, \
    service_level_id, alarm_email) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING ",
    crate::sql::unit_columns!(),
);

pub(crate) const UPDATE_UNIT: &str = "UPDATE units SET name = $2, description = $3, level = $4, \
    email = $5, integration = $6, updated_at = $7, service_level_id = $8, alarm_email = $9 WHERE id = $1";

pub(crate) const INSERT_CATEGORY: &str = concat!(
    "INSERT INTO categories (name, description, default_unit_id, fields, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
    crate::sql::category_columns!(),
);

pub(crate) const UPDATE_CATEGORY: &str = "UPDATE categories SET name = $2, description = $3, \
    default_unit_id = $4, fields = $5, updated_at = $6 WHERE id = $1";

pub(crate) const INSERT_ACCOUNT_INSERT_ACCOUNTS: &str = "INSERT INTO accounts (email, name, \
    created_at) VALUES ($1, $2, $3) RETURNING id";

pub(crate) const INSERT_ACCOUNT_INSERT_ACCOUNT_ROLES: &str = "INSERT INTO account_roles \
    (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(crate) const INSERT_TOKEN: &str = "INSERT INTO api_tokens (account_id, name, token_hash, \
    created_at) VALUES ($1, $2, $3, $4) RETURNING id";

pub(crate) const CALENDARS: &str =
    "SELECT id, name, time_zone, week, holidays, created_at, updated_at FROM calendars ORDER BY id";

pub(crate) const CALENDAR: &str =
    "SELECT id, name, time_zone, week, holidays, created_at, updated_at FROM calendars WHERE id = $1";

pub(crate) const INSERT_CALENDAR: &str = "INSERT INTO calendars (name, time_zone, week, holidays, created_at, \
    updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id, name, time_zone, week, holidays, created_at, \
    updated_at";

pub(crate) const UPDATE_CALENDAR: &str = "UPDATE calendars SET name = $2, time_zone = $3, week = $4, \
    holidays = $5, updated_at = $6 WHERE id = $1";

pub(crate) const SERVICE_LEVELS: &str = "SELECT id, name, calendar_id, targets, waiting_reminder, \
    auto_unsolved_after_reminders, auto_close, created_at, updated_at FROM service_levels ORDER BY id";

pub(crate) const SERVICE_LEVEL: &str = "SELECT id, name, calendar_id, targets, waiting_reminder, \
    auto_unsolved_after_reminders, auto_close, created_at, updated_at FROM service_levels WHERE id = $1";

pub(crate) const INSERT_SERVICE_LEVEL: &str = "INSERT INTO service_levels (name, calendar_id, targets, \
    waiting_reminder, auto_unsolved_after_reminders, auto_close, created_at, updated_at) VALUES ($1, $2, $3, $4, \
    $5, $6, $7, $7) RETURNING id, name, calendar_id, targets, waiting_reminder, auto_unsolved_after_reminders, \
    auto_close, created_at, updated_at";

pub(crate) const UPDATE_SERVICE_LEVEL: &str = "UPDATE service_levels SET name = $2, calendar_id = $3, targets = $4, \
    waiting_reminder = $5, auto_unsolved_after_reminders = $6, auto_close = $7, updated_at = $8 WHERE id = $1";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("FETCH_TICKET", FETCH_TICKET),
        ("FETCH_UNIT", FETCH_UNIT),
        ("FETCH_CATEGORY", FETCH_CATEGORY),
        ("FETCH_ACCOUNT", FETCH_ACCOUNT),
        ("PING", PING),
        ("ATTACHMENTS", ATTACHMENTS),
        ("ATTACHMENT_DATA", ATTACHMENT_DATA),
        ("ARTICLES_COUNT", ARTICLES_COUNT),
        ("ARTICLES_PAGE", ARTICLES_PAGE),
        ("ARTICLE", ARTICLE),
        ("HISTORY_COUNT", HISTORY_COUNT),
        ("HISTORY_PAGE", HISTORY_PAGE),
        ("UNITS_COUNT", UNITS_COUNT),
        ("UNITS_PAGE", UNITS_PAGE),
        ("CATEGORIES_COUNT", CATEGORIES_COUNT),
        ("CATEGORIES_PAGE", CATEGORIES_PAGE),
        ("ACCOUNT_BY_EMAIL", ACCOUNT_BY_EMAIL),
        ("ACCOUNT_BY_TOKEN", ACCOUNT_BY_TOKEN),
        ("CLAIM_JOBS", if postgres { CLAIM_JOBS.postgres } else { CLAIM_JOBS.sqlite }),
        ("FAIL_JOB", FAIL_JOB),
        ("RELEASE_CLAIMS_UPDATE_JOBS", RELEASE_CLAIMS_UPDATE_JOBS),
        ("RELEASE_CLAIMS_UPDATE_EXTERNAL_LINKS", RELEASE_CLAIMS_UPDATE_EXTERNAL_LINKS),
        ("RELEASE_CLAIMS_UPDATE_CONNECTORS", RELEASE_CLAIMS_UPDATE_CONNECTORS),
        ("FAILED_JOBS_COUNT", FAILED_JOBS_COUNT),
        ("FAILED_JOBS_PAGE", FAILED_JOBS_PAGE),
        ("JOB_COUNTS", JOB_COUNTS),
        ("HAS_ACCOUNTS", HAS_ACCOUNTS),
        ("TICKET_FOR_UPDATE", if postgres { TICKET_FOR_UPDATE.postgres } else { TICKET_FOR_UPDATE.sqlite }),
        ("UPDATE_TICKET", UPDATE_TICKET),
        ("INSERT_ARTICLE", INSERT_ARTICLE),
        ("INSERT_ATTACHMENT", INSERT_ATTACHMENT),
        ("ENQUEUE_JOB", ENQUEUE_JOB),
        ("DELETE_JOB", DELETE_JOB),
        ("INSERT_UNIT", INSERT_UNIT),
        ("UPDATE_UNIT", UPDATE_UNIT),
        ("INSERT_CATEGORY", INSERT_CATEGORY),
        ("UPDATE_CATEGORY", UPDATE_CATEGORY),
        ("INSERT_ACCOUNT_INSERT_ACCOUNTS", INSERT_ACCOUNT_INSERT_ACCOUNTS),
        ("INSERT_ACCOUNT_INSERT_ACCOUNT_ROLES", INSERT_ACCOUNT_INSERT_ACCOUNT_ROLES),
        ("INSERT_TOKEN", INSERT_TOKEN),
        ("CALENDARS", CALENDARS),
        ("CALENDAR", CALENDAR),
        ("INSERT_CALENDAR", INSERT_CALENDAR),
        ("UPDATE_CALENDAR", UPDATE_CALENDAR),
        ("SERVICE_LEVELS", SERVICE_LEVELS),
        ("SERVICE_LEVEL", SERVICE_LEVEL),
        ("INSERT_SERVICE_LEVEL", INSERT_SERVICE_LEVEL),
        ("UPDATE_SERVICE_LEVEL", UPDATE_SERVICE_LEVEL),
    ]
}
