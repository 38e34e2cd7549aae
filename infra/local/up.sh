#!/usr/bin/env bash
# Starts Assay's local PostgreSQL and Kafka broker (in parallel, detached) and writes
# .data/local.env with DATABASE_URL and KAFKA_BROKERS for the services and tests.
#
# Idempotent: whatever already runs is only confirmed. With DATABASE_URL / KAFKA_BROKERS set,
# those servers are used as they are (checked, never started) and passed through to local.env.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"
ENV_FILE="$ROOT/.data/local.env"

[[ -x "$NODE" ]] || { echo "up: $NODE is missing; run npm install first" >&2; exit 1; }
mkdir -p "$ROOT/.data/logs"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Runs one start command and reports how long it took, e.g. "postgres: up in 1.6s".
timed() {
  local name=$1 t0 ms
  shift
  t0=$(now_ms)
  if "$@"; then
    ms=$(($(now_ms) - t0))
    printf '%s: up in %d.%ds\n' "$name" $((ms / 1000)) $((ms % 1000 / 100))
  else
    ms=$(($(now_ms) - t0))
    printf '%s: FAILED after %d.%ds (logs in .data/logs)\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) >&2
    return 1
  fi
}

t0=$(now_ms)
timed postgres "$NODE" "$ROOT/infra/local/postgres.mjs" start &
postgres_job=$!
timed kafka bash "$ROOT/infra/local/kafka.sh" start &
kafka_job=$!

failed=0
wait "$postgres_job" || failed=1
wait "$kafka_job" || failed=1
((failed == 0)) || { echo "up: failed; see the messages above and .data/logs/" >&2; exit 1; }

database_url="${DATABASE_URL:-postgres://assay:assay@127.0.0.1:${ASSAY_PG_PORT:-25432}/assay}"
kafka_brokers="${KAFKA_BROKERS:-127.0.0.1:${ASSAY_KAFKA_PORT:-29392}}"
# Written via a temp file so that a reader never sees half a file.
cat >"$ENV_FILE.tmp" <<ENV
# Written by infra/local/up.sh; removed by down.sh.
DATABASE_URL=$database_url
KAFKA_BROKERS=$kafka_brokers
ENV
mv "$ENV_FILE.tmp" "$ENV_FILE"

ms=$(($(now_ms) - t0))
printf 'up: ready in %d.%ds; wrote .data/local.env\n' $((ms / 1000)) $((ms % 1000 / 100))
