#!/usr/bin/env bash
# Gives the local RT peer (../shared/peers/rt) the account Helpdesk's RT connector signs in
# with: `helpdesk-sync`, a privileged user with the rights to create, reply, comment and change
# tickets in queue General. A dedicated account is how RT's side tells Helpdesk's own changes
# (its echoes) from people's. Idempotent; restarts RT when it adds the account, so that every
# RT worker sees its rights.
set -euo pipefail
RT_URL=${RT_URL:-http://127.0.0.1:9280}
PEER=${RT_PEER:-$(cd "$(dirname "$0")/../../shared/peers/rt" && pwd)}
code=$(curl -s -o /dev/null -w '%{http_code}' -u root:password "$RT_URL/REST/2.0/user/helpdesk-sync" || true)
if [ "$code" = 200 ]; then
    echo "[rt-sync-user] helpdesk-sync exists"
    exit 0
fi
data=$(mktemp --suffix=.initialdata)
trap 'rm -f "$data"' EXIT
cat >"$data" <<'PERL'
@Users = ({
    Name => 'helpdesk-sync', Password => 'helpdesk-sync-password', Privileged => 1,
    EmailAddress => 'helpdesk-sync@localhost', RealName => 'Helpdesk',
});
@ACL = map {
    { UserId => 'helpdesk-sync', Queue => 'General', Right => $_ }
} qw(SeeQueue ShowTicket CreateTicket ReplyToTicket CommentOnTicket ModifyTicket ShowTicketComments ShowOutgoingEmail OwnTicket);
1;
PERL
rt-setup-database-5 --action insert --skip-create --datafile "$data" >/dev/null
"$PEER/stop.sh" >/dev/null 2>&1 || true
"$PEER/start.sh" >/dev/null
echo "[rt-sync-user] helpdesk-sync added"
