#!/usr/bin/env bash
# Reports whether the local PostgreSQL and Kafka broker run and answer. Exit 0 only if both do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"

failed=0
"$NODE" "$ROOT/infra/local/postgres.mjs" status || failed=1
bash "$ROOT/infra/local/kafka.sh" status || failed=1
if [[ -f "$ROOT/.data/local.env" ]]; then
  echo "env: .data/local.env"
  sed -n -e 's#://\([^:/@]*\):[^@]*@#://\1:***@#' -e 's/^\([A-Z_]*=\)/  \1/p' "$ROOT/.data/local.env"
fi
exit "$failed"
