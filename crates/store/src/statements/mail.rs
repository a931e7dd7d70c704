//! The SQL of inbound mail.

pub(crate) const INBOUND_MESSAGE: &str =
    concat!("SELECT ", crate::sql_mail::inbound_columns!(), ", raw FROM inbound_mail WHERE id = $1",);

pub(crate) const INBOUND_MESSAGES_COUNT: &str = "SELECT COUNT(*) FROM inbound_mail WHERE (status = $1 OR $1 IS NULL)";

pub(crate) const INBOUND_MESSAGES_PAGE: &str = concat!(
    "SELECT ",
    crate::sql_mail::inbound_columns!(),
    " FROM inbound_mail WHERE (status = $1 OR $1 IS NULL) ORDER BY id DESC LIMIT $2 OFFSET $3",
);

pub(crate) const MAIL_FULL_TEXTS: &str = "SELECT m.article_id, a.internal, m.full_text FROM \
    inbound_mail m LEFT JOIN articles a ON a.id = m.article_id WHERE m.ticket_id = $1 AND \
    m.full_text IS NOT NULL AND m.status IN ('ticket_opened', 'article_added') ORDER BY m.id";

pub(crate) const RECORD_INBOUND_TEXT: &str = "UPDATE inbound_mail SET article_id = $2, full_text = \
    $3 WHERE id = $1";

pub(crate) const INSERT_INBOUND: &str = "INSERT INTO inbound_mail (received_at, raw, recipient) \
    VALUES ($1, $2, $3) RETURNING id";

pub(crate) const RECORD_INBOUND: &str = "UPDATE inbound_mail SET status = $2, message_id = $3, \
    sender = $4, subject = $5, ticket_id = $6, detail = $7, processed_at = $8 WHERE id = $1";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("INBOUND_MESSAGE", INBOUND_MESSAGE),
        ("INBOUND_MESSAGES_COUNT", INBOUND_MESSAGES_COUNT),
        ("INBOUND_MESSAGES_PAGE", INBOUND_MESSAGES_PAGE),
        ("MAIL_FULL_TEXTS", MAIL_FULL_TEXTS),
        ("RECORD_INBOUND_TEXT", RECORD_INBOUND_TEXT),
        ("INSERT_INBOUND", INSERT_INBOUND),
        ("RECORD_INBOUND", RECORD_INBOUND),
    ]
}
