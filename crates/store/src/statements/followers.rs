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
    ]
}
