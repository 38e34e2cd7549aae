#!/usr/bin/env bash
# Stops the local PostgreSQL and Kafka broker started by up.sh, waiting until both processes have
# exited. Data in .data/postgres and .data/kafka is kept; delete those to start from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"

# Both in parallel: each waits for a clean shutdown (Kafka takes a few seconds).
"$NODE" "$ROOT/infra/local/postgres.mjs" stop &
postgres_job=$!
bash "$ROOT/infra/local/kafka.sh" stop &
kafka_job=$!

failed=0
wait "$postgres_job" || failed=1
wait "$kafka_job" || failed=1

# local.env describes running servers; a stale one would send services at dead ports.
rm -f "$ROOT/.data/local.env"
exit "$failed"
