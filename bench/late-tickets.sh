#!/usr/bin/env bash
# Times the query a search runs to narrow to late tickets (`sla=breached` with words): 1,000,000
# clock runs of which 100,000 are open (50,000 open tickets, 10,716 of them overdue), on
# SQLite and, when PG_URL is set, on PostgreSQL. Prints the median of 9 runs per engine.
# Usage: bench/late-tickets.sh [path/to/helpdesk]   (PG_URL=postgres://postgres@127.0.0.1:5432)
set -euo pipefail
BIN=${1:-target/release/helpdesk}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fill() { # $1: the SQL of a timestamp literal for text $2
    cat <<SQL
INSERT INTO sla_clocks (ticket_id, kind, unit_id, target, budget_secs, started_at, running_since,
                        next_at, due_at, ended_at)
SELECT i/2 + 1, CASE i%2 WHEN 0 THEN 'response' ELSE 'resolution' END, 1, '4h', 14400,
       $1('2026-01-01T00:00:00Z'),
       CASE WHEN i > 900000 THEN $1('2026-01-01T00:00:00Z') END,
       CASE WHEN i > 900000 THEN $1(printf('2026-12-%02dT00:00:00Z', 1 + i % 28)) END,
       CASE WHEN i > 900000 THEN $1(printf('2026-12-%02dT06:00:00Z', 1 + i % 28)) END,
       CASE WHEN i <= 900000 THEN $1('2026-02-01T00:00:00Z') END
FROM $2;
SQL
}
LATE="SELECT DISTINCT c.ticket_id FROM sla_clocks c WHERE c.ended_at IS NULL AND (c.breached_at IS NOT NULL OR c.due_at <= '2026-12-06T12:00:00Z') ORDER BY c.ticket_id LIMIT 100001"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$BIN" --data "$work/sqlite" migrate >/dev/null
{
    echo "PRAGMA foreign_keys=OFF;"
    echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)"
    fill "" "n" | sed 's/^INSERT/INSERT/'
    echo "ANALYZE;"
} | sed '2{N;s/\n/ /}' > "$work/fill.sql"
sqlite3 "$work/sqlite/helpdesk.db" < "$work/fill.sql"
found=$(sqlite3 "$work/sqlite/helpdesk.db" "SELECT count(*) FROM ($LATE)")
ms=$(for _ in 1 2 3 4 5 6 7 8 9; do
    printf '.timer on\n%s;\n' "$LATE" | sqlite3 "$work/sqlite/helpdesk.db" | awk '/^Run Time/ {print $4 * 1000}'
done | median)
echo "sqlite: $found late tickets of 50,000 open, median ${ms} ms"

if [ -n "${PG_URL:-}" ]; then
    db=late_tickets_bench
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
    "$BIN" --database-url "$PG_URL/$db" migrate >/dev/null
    {
        echo "ALTER TABLE sla_clocks DROP CONSTRAINT sla_clocks_ticket_id_fkey;"
        echo "ALTER TABLE sla_clocks DROP CONSTRAINT sla_clocks_unit_id_fkey;"
        fill "timestamptz" "generate_series(1, 1000000) i" | sed "s/printf('2026-12-%02dT00:00:00Z', 1 + i % 28)/'2026-12-01T00:00:00Z'::timestamptz + (i % 28) * interval '1 day'/; s/printf('2026-12-%02dT06:00:00Z', 1 + i % 28)/'2026-12-01T06:00:00Z'::timestamptz + (i % 28) * interval '1 day'/"
        echo "ANALYZE sla_clocks;"
    } | psql -q "$PG_URL/$db"
    found=$(psql -qtA "$PG_URL/$db" -c "SELECT count(*) FROM ($LATE) late")
    ms=$(for _ in 1 2 3 4 5 6 7 8 9; do
        psql -qtA "$PG_URL/$db" -c '\timing on' -c "$LATE" | awk '/^Time:/ {print $2}'
    done | median)
    echo "postgres: $found late tickets of 50,000 open, median ${ms} ms"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE $db"
fi
