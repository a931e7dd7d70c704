//! The SQL of organisations, contracts, units' members and join requests.

/// A person's units, organisations and teams. A team names its members by address (stored
/// lower-case, as accounts' are) or by certificate DN: two index lookups, no temporary table.
/// Reading the team tables still costs `bench api` about 15 % (docs/performance.md, "Teams").
pub(crate) const MEMBERSHIPS: &str = "SELECT 'unit', unit_id, manager FROM unit_members WHERE \
    account_id = $1 UNION ALL SELECT 'member', m.organisation_id, EXISTS (SELECT 1 FROM contracts \
    c WHERE c.organisation_id = m.organisation_id AND c.starts_on <= $2 AND (c.ends_on IS NULL OR \
    c.ends_on >= $2)) FROM organisation_members m WHERE m.account_id = $1 UNION ALL SELECT \
    'partner', organisation_id, FALSE FROM organisation_partners WHERE account_id = $1 UNION ALL \
    SELECT CASE WHEN t.manager THEN 'team_manager' ELSE 'team' END, t.team_id, t.alarmer FROM \
    team_members t WHERE t.member = (SELECT email FROM accounts WHERE id = $1) UNION ALL \
    SELECT CASE WHEN t.manager THEN 'team_manager' ELSE 'team' END, t.team_id, t.alarmer FROM \
    certificates c JOIN team_members t ON t.member = c.subject_dn WHERE c.account_id = $1";

pub(crate) const ORGANISATION: &str = "SELECT id, name, created_at FROM organisations WHERE id = $1";

pub(crate) const ORGANISATION_MEMBERS_COUNT: &str = "SELECT COUNT(*) FROM organisation_members \
    WHERE organisation_id = $1";

pub(crate) const ORGANISATION_MEMBERS_PAGE: &str = concat!(
    crate::sql::account_select!(),
    "FROM accounts a JOIN organisation_members m ON m.account_id = a.id WHERE m.organisation_id = \
    $1 ORDER BY lower(a.name), a.id LIMIT $2 OFFSET $3",
);

pub(crate) const UNIT_MEMBERS: &str = "SELECT m.unit_id, m.account_id, a.name, a.email, m.manager, \
    m.since FROM unit_members m JOIN accounts a ON a.id = m.account_id WHERE m.unit_id = $1 ORDER \
    BY m.manager DESC, lower(a.name), a.id";

pub(crate) const JOIN_REQUESTS_COUNT: &str = "SELECT COUNT(*) FROM join_requests WHERE unit_id = $1 \
    AND (state = $2 OR $2 IS NULL)";

pub(crate) const JOIN_REQUESTS_PAGE: &str = concat!(
    crate::sql::join_request_select!(),
    "WHERE r.unit_id = $1 AND (r.state = $2 OR $2 IS NULL) ORDER BY r.id LIMIT $3 OFFSET $4",
);

pub(crate) const TOKENS: &str = "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE \
    account_id = $1 ORDER BY id DESC";

pub(crate) const INSERT_ORGANISATION: &str = "INSERT INTO organisations (name, created_at, \
    updated_at) VALUES ($1, $2, $2) RETURNING id";

pub(crate) const RENAME_ORGANISATION: &str = "UPDATE organisations SET name = $2, updated_at = $3 \
    WHERE id = $1";

pub(crate) const ORGANISATION_EXISTS: &str = "SELECT id FROM organisations WHERE id = $1";

pub(crate) const ADD_DOMAIN_INSERT_ORGANISATION_DOMAINS: &str = "INSERT INTO organisation_domains \
    (domain, organisation_id) VALUES ($1, $2)";

pub(crate) const ADD_DOMAIN_INSERT_ORGANISATION_MEMBERS: &str = "INSERT INTO organisation_members \
    (organisation_id, account_id, since) SELECT $1, id, $3 FROM accounts WHERE email_verified_at \
    IS NOT NULL AND lower(email) LIKE '%@' || CAST($2 AS TEXT) ON CONFLICT DO NOTHING";

pub(crate) const REMOVE_DOMAIN: &str = "DELETE FROM organisation_domains WHERE organisation_id = $1 \
    AND domain = $2";

pub(crate) const ADD_PARTNER: &str = "INSERT INTO organisation_partners (organisation_id, \
    account_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const REMOVE_PARTNER: &str = "DELETE FROM organisation_partners WHERE organisation_id = \
    $1 AND account_id = $2";

pub(crate) const INSERT_CONTRACT: &str = "INSERT INTO contracts (organisation_id, plan, starts_on, \
    ends_on, includes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, organisation_id, \
    plan, starts_on, ends_on, includes";

pub(crate) const CONTRACT: &str =
    concat!("SELECT ", crate::sql::contract_columns!(), " FROM contracts WHERE organisation_id = $1 AND id = $2",);

pub(crate) const UPDATE_CONTRACT: &str = "UPDATE contracts SET plan = $2, starts_on = $3, ends_on = \
    $4, includes = $5 WHERE id = $1";

pub(crate) const ADD_ORGANISATION_MEMBER: &str = "INSERT INTO organisation_members \
    (organisation_id, account_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(crate) const REMOVE_ORGANISATION_MEMBER: &str = "DELETE FROM organisation_members WHERE \
    organisation_id = $1 AND account_id = $2";

pub(crate) const JOIN_ORGANISATIONS_BY_DOMAIN: &str = "INSERT INTO organisation_members \
    (organisation_id, account_id, since) SELECT organisation_id, $1, $3 FROM organisation_domains \
    WHERE domain = $2 ON CONFLICT DO NOTHING";

pub(crate) const SET_UNIT_MEMBER: &str = "INSERT INTO unit_members (unit_id, account_id, manager, \
    since) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id, account_id) DO UPDATE SET manager = \
    excluded.manager";

pub(crate) const REMOVE_UNIT_MEMBER: &str = "DELETE FROM unit_members WHERE unit_id = $1 AND \
    account_id = $2";

pub(crate) const IS_UNIT_MEMBER: &str = "SELECT account_id FROM unit_members WHERE unit_id = $1 AND \
    account_id = $2";

pub(crate) const INSERT_JOIN_REQUEST: &str = "INSERT INTO join_requests (unit_id, account_id, \
    message, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

pub(crate) const JOIN_REQUEST: &str =
    concat!(crate::sql::join_request_select!(), "WHERE r.unit_id = $1 AND r.id = $2",);

pub(crate) const DECIDE_JOIN_REQUEST: &str = "UPDATE join_requests SET state = $2, decided_by = $3, \
    decided_at = $4 WHERE id = $1";

pub(crate) const REVOKE_TOKEN: &str = "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND \
    account_id = $2 AND revoked_at IS NULL";

pub(crate) const MARK_EMAIL_VERIFIED: &str = "UPDATE accounts SET email_verified_at = $2 WHERE id = \
    $1 AND email_verified_at IS NULL";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("MEMBERSHIPS", MEMBERSHIPS),
        ("ORGANISATION", ORGANISATION),
        ("ORGANISATION_MEMBERS_COUNT", ORGANISATION_MEMBERS_COUNT),
        ("ORGANISATION_MEMBERS_PAGE", ORGANISATION_MEMBERS_PAGE),
        ("UNIT_MEMBERS", UNIT_MEMBERS),
        ("JOIN_REQUESTS_COUNT", JOIN_REQUESTS_COUNT),
        ("JOIN_REQUESTS_PAGE", JOIN_REQUESTS_PAGE),
        ("TOKENS", TOKENS),
        ("INSERT_ORGANISATION", INSERT_ORGANISATION),
        ("RENAME_ORGANISATION", RENAME_ORGANISATION),
        ("ORGANISATION_EXISTS", ORGANISATION_EXISTS),
        ("ADD_DOMAIN_INSERT_ORGANISATION_DOMAINS", ADD_DOMAIN_INSERT_ORGANISATION_DOMAINS),
        ("ADD_DOMAIN_INSERT_ORGANISATION_MEMBERS", ADD_DOMAIN_INSERT_ORGANISATION_MEMBERS),
        ("REMOVE_DOMAIN", REMOVE_DOMAIN),
        ("ADD_PARTNER", ADD_PARTNER),
        ("REMOVE_PARTNER", REMOVE_PARTNER),
        ("INSERT_CONTRACT", INSERT_CONTRACT),
        ("CONTRACT", CONTRACT),
        ("UPDATE_CONTRACT", UPDATE_CONTRACT),
        ("ADD_ORGANISATION_MEMBER", ADD_ORGANISATION_MEMBER),
        ("REMOVE_ORGANISATION_MEMBER", REMOVE_ORGANISATION_MEMBER),
        ("JOIN_ORGANISATIONS_BY_DOMAIN", JOIN_ORGANISATIONS_BY_DOMAIN),
        ("SET_UNIT_MEMBER", SET_UNIT_MEMBER),
        ("REMOVE_UNIT_MEMBER", REMOVE_UNIT_MEMBER),
        ("IS_UNIT_MEMBER", IS_UNIT_MEMBER),
        ("INSERT_JOIN_REQUEST", INSERT_JOIN_REQUEST),
        ("JOIN_REQUEST", JOIN_REQUEST),
        ("DECIDE_JOIN_REQUEST", DECIDE_JOIN_REQUEST),
        ("REVOKE_TOKEN", REVOKE_TOKEN),
        ("MARK_EMAIL_VERIFIED", MARK_EMAIL_VERIFIED),
    ]
}
