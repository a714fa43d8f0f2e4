#!/usr/bin/env bash
# B7 against its peer (docs/benchmarks.md): acknowledged durable inserts per second, pantau's
# event log (bench/pantau_bench_b7) and PostgreSQL INSERT of the same rows, in the same run, on
# the same disk. Both acknowledge a row only after its commit is fsynced (pantau: WAL +
# synchronous=FULL; PostgreSQL: fsync=on, synchronous_commit=on), both are idempotent on a unique
# key (pantau: the idempotency key; PostgreSQL: UNIQUE + ON CONFLICT DO NOTHING), one 200-byte
# payload a row, one row per transaction, N clients each waiting for its acknowledgement.
#
# Usage: bench/run_b7_pg.sh [BUILD_DIR (default build)] [SECONDS per row (default 5)] [DIR (default /var/tmp)]
# Needs Debian's postgresql package (apt-get install postgresql); runs its own throwaway cluster
# as the `postgres` user on a Unix socket, never the system one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
seconds="${2:-5}"
base="${3:-/var/tmp}"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/pgbench" ]; then
  echo "run_b7_pg.sh: PostgreSQL not found; apt-get install postgresql" >&2
  exit 1
fi
b7="$root/$build/bench/pantau_bench_b7"
[ -x "$b7" ] || { echo "run_b7_pg.sh: $b7 not built (cmake --build $build --target pantau_bench_b7)" >&2; exit 1; }

work=$(mktemp -d "$base/pantau-b7pg.XXXXXX")
chown postgres "$work"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() { as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

as_pg "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
cat >> "$work/pg/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work'
fsync = on
synchronous_commit = on
max_connections = 100
shared_buffers = 256MB
EOF
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start >/dev/null
psql=(runuser -u postgres -- psql -h "$work" -U postgres -q -X)
"${psql[@]}" -c "CREATE TABLE events (seq bigserial PRIMARY KEY, key text UNIQUE NOT NULL, at_ms bigint NOT NULL, payload text NOT NULL)"
cat > "$work/insert.sql" <<'EOF'
INSERT INTO events (key, at_ms, payload) VALUES ('bench' || :client_id || '-' || nextval('events_seq_seq'), 0, repeat('a', 200)) ON CONFLICT DO NOTHING;
EOF
chown postgres "$work/insert.sql"

echo "B7 $(date -u +%Y-%m-%dT%H:%MZ), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $seconds s a row, dir $base"
echo
echo "| clients | pantau acked events/s | PostgreSQL acked inserts/s | ratio |"
echo "|---|---|---|---|"
pantau_rows=$("$b7" "$work/pantau" "$((seconds * 1000))" | awk -F'|' '$3 ~ /0 ms/ {gsub(/ /,"",$2); gsub(/ /,"",$4); print $2" "$4}')
for clients in 1 8 64; do
  p=$(echo "$pantau_rows" | awk -v c="$clients" '$1 == c {print $2}')
  threads=$(( clients < 2 ? 1 : 2 ))
  pg=$(runuser -u postgres -- "$pg_bin/pgbench" -h "$work" -U postgres -n -f "$work/insert.sql" -c "$clients" \
         -j "$threads" -T "$seconds" postgres 2>/dev/null | awk '/^tps/ {print int($3)}')
  ratio=$(awk -v a="$p" -v b="$pg" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
  echo "| $clients | $p | $pg | $ratio |"
done
