#!/usr/bin/env bash
# Runs the cluster wiring locally: real PostgreSQL and Kafka from infra/local, the fake provider,
# then each service as its own process (logs in .data/logs, pids in .data/cluster).
# Stop it with `bash tools/stop-cluster.sh`. Expects `npm run build` to have run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash infra/local/up.sh
set -a; source .data/local.env; set +a
export ASSAY_CONFIG="${ASSAY_CONFIG:-config/cluster.yaml}"
mkdir -p .data/cluster .data/logs

start() {
  local name=$1 entry=$2 ready=$3
  if [[ -f .data/cluster/$name.pid ]] && kill -0 "$(cat .data/cluster/$name.pid)" 2>/dev/null; then
    echo "$name: already running"; return
  fi
  nohup node "$entry" >".data/logs/$name.log" 2>&1 &
  echo $! >".data/cluster/$name.pid"
  for _ in $(seq 1 300); do
    grep -q "$ready" ".data/logs/$name.log" && { echo "$name: ready"; return; }
    kill -0 "$(cat .data/cluster/$name.pid)" 2>/dev/null || { echo "$name: exited; see .data/logs/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name: not ready after 30 s; see .data/logs/$name.log" >&2
  exit 1
}

start mock-provider dist/apps/mock-provider/src/main.js 'listening'
start provider-connector dist/apps/provider-connector/src/main.js 'listening'
start router dist/apps/router/src/main.js 'listening'
start metering dist/apps/metering/src/main.js 'consuming'
start billing dist/apps/billing/src/main.js 'consuming'
start evaluator dist/apps/evaluator/src/main.js 'consuming'
start ingress dist/apps/ingress/src/main.js 'listening'
echo "Assay cluster is up: http://127.0.0.1:8080/v1 (create a key: npm run admin -- keys create --tenant acme)"
