//! The SQL of connectors and external links.

use super::Both;

pub(crate) const CONNECTOR: &str =
    concat!("SELECT ", crate::sql_sync::connector_columns!(), " FROM connectors WHERE unit_id = $1",);

pub(crate) const CONNECTORS: &str =
    concat!("SELECT ", crate::sql_sync::connector_columns!(), " FROM connectors ORDER BY unit_id",);

pub(crate) const EXTERNAL_LINK: &str =
    concat!("SELECT ", crate::sql_sync::link_columns!(), " FROM external_links WHERE ticket_id = $1",);

pub(crate) const TICKET_OF_EXTERNAL: &str = "SELECT ticket_id FROM external_links WHERE unit_id = \
    $1 AND external_id = $2";

pub(crate) const EXTERNAL_LINKS_COUNT: &str = "SELECT COUNT(*) FROM external_links WHERE (unit_id = $1 OR $1 IS NULL)";

pub(crate) const EXTERNAL_LINKS_PAGE: &str = concat!(
    "SELECT ",
    crate::sql_sync::link_columns!(),
    " FROM external_links WHERE (unit_id = $1 OR $1 IS NULL) ORDER BY CASE state WHEN 'failing' \
    THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, pending_since, synced_at DESC, ticket_id DESC LIMIT \
    $2 OFFSET $3",
);

pub(crate) const SYNC_ITEMS: &str = "SELECT kind, local_ref, remote_ref, inbound FROM sync_items \
    WHERE ticket_id = $1 AND unit_id = $2";

pub(crate) const LAST_CHANGE_HERE: &str = "SELECT at FROM ticket_history WHERE ticket_id = $1 AND \
    field = $2 AND actor_id IS NOT NULL ORDER BY id DESC LIMIT 1";

pub(crate) const HELD_LINKS: &str = "SELECT ticket_id FROM external_links WHERE unit_id = $1 AND \
    ticket_id > $2 AND state <> 'in_step' AND (state = 'failing' OR pending_since <= $3) ORDER BY \
    ticket_id LIMIT $4";

pub(crate) const CLAIM_POLL: &str = "UPDATE connectors SET poll_locked_by = $2, poll_locked_until = \
    $4 WHERE unit_id = $1 AND (poll_locked_until IS NULL OR poll_locked_until < $3 OR \
    poll_locked_by = $2)";

pub(crate) const HAS_DUE_LINKS: &str = "SELECT ticket_id FROM external_links WHERE due_at <= $1 \
    LIMIT 1";

pub(crate) const CLAIM_LINKS: Both = Both {
    sqlite: "UPDATE external_links SET locked_by = $1, locked_until = $2 WHERE ticket_id IN (SELECT \
        ticket_id FROM external_links WHERE due_at <= $3 AND (locked_until IS NULL OR locked_until \
        < $3) ORDER BY due_at LIMIT $4) RETURNING ticket_id, version",
    postgres: "UPDATE external_links SET locked_by = $1, locked_until = $2 WHERE ticket_id IN \
        (SELECT ticket_id FROM external_links WHERE due_at <= $3 AND (locked_until IS NULL OR \
        locked_until < $3) ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ticket_id, \
        version",
};

pub(crate) const FINISH_LINK: &str = "UPDATE external_links SET locked_by = NULL, locked_until = \
    NULL, attempts = 0, last_error = NULL, synced_version = $3, synced_at = $4, state = CASE WHEN \
    version = $3 THEN 'in_step' ELSE 'pending' END, pending_since = CASE WHEN version = $3 THEN \
    NULL ELSE pending_since END, due_at = CASE WHEN version = $3 THEN NULL ELSE COALESCE($4, due_at) \
    END WHERE ticket_id = $1 AND locked_by = $2";

pub(crate) const FAIL_LINK: &str = "UPDATE external_links SET locked_by = NULL, locked_until = \
    NULL, attempts = attempts + 1, last_error = $3, state = 'failing', due_at = $4 WHERE ticket_id \
    = $1 AND locked_by = $2";

pub(crate) const PUT_CONNECTOR: &str = "INSERT INTO connectors (unit_id, settings, credentials, \
    updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id) DO UPDATE SET settings = \
    excluded.settings, credentials = COALESCE(excluded.credentials, connectors.credentials), \
    updated_at = excluded.updated_at";

pub(crate) const SET_CURSOR: &str = "UPDATE connectors SET cursor = COALESCE($2, cursor), \
    poll_error = $3, polled_at = $4 WHERE unit_id = $1";

pub(crate) const EXTERNAL_LINK_FOR_UPDATE: Both = Both {
    sqlite: concat!("SELECT ", crate::sql_sync::link_columns!(), " FROM external_links WHERE ticket_id = $1",),
    postgres: concat!(
        "SELECT ",
        crate::sql_sync::link_columns!(),
        " FROM external_links WHERE ticket_id = $1 FOR UPDATE",
    ),
};

pub(crate) const SET_EXTERNAL: &str = "INSERT INTO external_links (ticket_id, unit_id, external_id, \
    external_url, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO UPDATE SET \
    external_id = excluded.external_id, external_url = excluded.external_url WHERE \
    external_links.unit_id = excluded.unit_id AND external_links.external_id IS NULL";

pub(crate) const MARK_LINK_DUE: &str = "UPDATE external_links SET version = version + 1, state = \
    CASE WHEN state = 'in_step' THEN 'pending' ELSE state END, pending_since = \
    COALESCE(pending_since, $2), due_at = CASE WHEN state = 'failing' THEN due_at ELSE $2 END \
    WHERE ticket_id = $1";

pub(crate) const CLEAR_CURSOR: &str = "UPDATE connectors SET cursor = NULL, poll_error = NULL WHERE \
    unit_id = $1";

pub(crate) const SET_REMOTE_STATE: &str = "UPDATE external_links SET \
    remote_status = COALESCE($2, remote_status), \
    remote_priority = COALESCE($3, remote_priority), \
    remote_status_at = CASE WHEN $2 IS NOT NULL THEN COALESCE($4, remote_status_at) ELSE remote_status_at END, \
    remote_priority_at = CASE WHEN $3 IS NOT NULL THEN COALESCE($4, remote_priority_at) ELSE remote_priority_at END \
    WHERE ticket_id = $1";

pub(crate) const INSERT_SYNC_ITEM: &str = "INSERT INTO sync_items (ticket_id, unit_id, kind, \
    local_ref, remote_ref, inbound, at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

pub(crate) const RETRY_LINKS: &str = "UPDATE external_links SET due_at = $3, attempts = 0 WHERE \
    state <> 'in_step' AND (unit_id = $1 OR $1 IS NULL) AND (ticket_id = $2 OR $2 IS NULL)";

pub(crate) const USE_NONCE_DELETE_WEBHOOK_NONCES: &str = "DELETE FROM webhook_nonces WHERE at < $1";

pub(crate) const USE_NONCE_INSERT_WEBHOOK_NONCES: &str = "INSERT INTO webhook_nonces (nonce, at) \
    VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("CONNECTOR", CONNECTOR),
        ("CONNECTORS", CONNECTORS),
        ("EXTERNAL_LINK", EXTERNAL_LINK),
        ("TICKET_OF_EXTERNAL", TICKET_OF_EXTERNAL),
        ("EXTERNAL_LINKS_COUNT", EXTERNAL_LINKS_COUNT),
        ("EXTERNAL_LINKS_PAGE", EXTERNAL_LINKS_PAGE),
        ("SYNC_ITEMS", SYNC_ITEMS),
        ("LAST_CHANGE_HERE", LAST_CHANGE_HERE),
        ("HELD_LINKS", HELD_LINKS),
        ("CLAIM_POLL", CLAIM_POLL),
        ("HAS_DUE_LINKS", HAS_DUE_LINKS),
        ("CLAIM_LINKS", if postgres { CLAIM_LINKS.postgres } else { CLAIM_LINKS.sqlite }),
        ("FINISH_LINK", FINISH_LINK),
        ("FAIL_LINK", FAIL_LINK),
        ("PUT_CONNECTOR", PUT_CONNECTOR),
        ("SET_CURSOR", SET_CURSOR),
        (
            "EXTERNAL_LINK_FOR_UPDATE",
            if postgres { EXTERNAL_LINK_FOR_UPDATE.postgres } else { EXTERNAL_LINK_FOR_UPDATE.sqlite },
        ),
        ("SET_EXTERNAL", SET_EXTERNAL),
        ("MARK_LINK_DUE", MARK_LINK_DUE),
        ("CLEAR_CURSOR", CLEAR_CURSOR),
        ("SET_REMOTE_STATE", SET_REMOTE_STATE),
        ("INSERT_SYNC_ITEM", INSERT_SYNC_ITEM),
        ("RETRY_LINKS", RETRY_LINKS),
        ("USE_NONCE_DELETE_WEBHOOK_NONCES", USE_NONCE_DELETE_WEBHOOK_NONCES),
        ("USE_NONCE_INSERT_WEBHOOK_NONCES", USE_NONCE_INSERT_WEBHOOK_NONCES),
    ]
}
