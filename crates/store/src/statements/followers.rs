//! Who follows a ticket, who is involved in it, and how its requester hears of it.

/// Follows a ticket; following it again changes nothing (the first `since` stays).
pub(crate) const FOLLOW: &str = "INSERT INTO ticket_followers (ticket_id, account_id, since) VALUES ($1, $2, $3) \
    ON CONFLICT (ticket_id, account_id) DO NOTHING";

pub(crate) const UNFOLLOW: &str = "DELETE FROM ticket_followers WHERE ticket_id = $1 AND account_id = $2";

pub(crate) const FOLLOWERS: &str =
    "SELECT account_id FROM ticket_followers WHERE ticket_id = $1 ORDER BY account_id LIMIT $2";

pub(crate) const FOLLOWS: &str = "SELECT 1 FROM ticket_followers WHERE ticket_id = $1 AND account_id = $2";

/// The mode a ticket's requester chose for it, if they chose.
pub(crate) const REQUESTER_MODE: &str = "SELECT mode FROM requester_modes WHERE ticket_id = $1";

/// Sets the mode of a ticket's requester; choosing again replaces it.
pub(crate) const SET_REQUESTER_MODE: &str = "INSERT INTO requester_modes (ticket_id, mode) VALUES ($1, $2) \
    ON CONFLICT (ticket_id) DO UPDATE SET mode = excluded.mode";

/// Involves an account in a ticket; involving it again changes nothing.
pub(crate) const INVOLVE: &str = "INSERT INTO ticket_involved (ticket_id, account_id, added_by, since) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id, account_id) DO NOTHING";

pub(crate) const UNINVOLVE: &str = "DELETE FROM ticket_involved WHERE ticket_id = $1 AND account_id = $2";

pub(crate) const INVOLVED: &str =
    "SELECT account_id FROM ticket_involved WHERE ticket_id = $1 ORDER BY account_id LIMIT $2";

/// Records when a person last looked at a ticket.
pub(crate) const MARK_SEEN: &str = "INSERT INTO ticket_views (account_id, ticket_id, seen_at) VALUES ($1, $2, $3) \
    ON CONFLICT (account_id, ticket_id) DO UPDATE SET seen_at = excluded.seen_at";

/// When a person last looked at a ticket, and when it last changed.
pub(crate) const SEEN_AT: &str = "SELECT (SELECT seen_at FROM ticket_views WHERE account_id = $1 AND ticket_id = $2), \
    (SELECT at FROM ticket_history WHERE ticket_id = $2 ORDER BY id DESC LIMIT 1)";

/// The latest public change by someone else on each ticket the person opened, is the customer
/// of, owns or follows, when it came after they last looked, newest first. Each source of
/// tickets is its own index lookup (a UNION rather than one OR, which would scan the tickets).
pub(crate) const UNREAD: &str = "SELECT t.id, t.title, h.field, h.new_value, h.at, h.actor_id \
    FROM (SELECT id FROM tickets WHERE submitter_id = $1 \
          UNION SELECT id FROM tickets WHERE on_behalf_of = $1 \
          UNION SELECT id FROM tickets WHERE owner_id = $1 \
          UNION SELECT ticket_id FROM ticket_followers WHERE account_id = $1) mine \
    JOIN tickets t ON t.id = mine.id \
    JOIN ticket_history h ON h.id = (SELECT MAX(l.id) FROM ticket_history l WHERE l.ticket_id = t.id \
        AND l.internal = FALSE AND (l.actor_id IS NULL OR l.actor_id <> $1)) \
    LEFT JOIN ticket_views v ON v.account_id = $1 AND v.ticket_id = t.id \
    WHERE v.seen_at IS NULL OR h.at > v.seen_at \
    ORDER BY h.at DESC, t.id DESC LIMIT $2";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("FOLLOW", FOLLOW),
        ("UNFOLLOW", UNFOLLOW),
        ("FOLLOWERS", FOLLOWERS),
        ("FOLLOWS", FOLLOWS),
        ("REQUESTER_MODE", REQUESTER_MODE),
        ("SET_REQUESTER_MODE", SET_REQUESTER_MODE),
        ("INVOLVE", INVOLVE),
        ("UNINVOLVE", UNINVOLVE),
        ("INVOLVED", INVOLVED),
        ("MARK_SEEN", MARK_SEEN),
        ("SEEN_AT", SEEN_AT),
        ("UNREAD", UNREAD),
    ]
}
