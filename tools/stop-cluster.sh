#!/usr/bin/env bash
# Stops what tools/start-cluster.sh started (services first, so they flush their events).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for name in ingress router provider-connector metering billing evaluator mock-provider; do
  pid_file=.data/cluster/$name.pid
  [[ -f $pid_file ]] || continue
  pid=$(cat "$pid_file")
  if kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    echo "$name: stopped"
  fi
  rm -f "$pid_file"
done
bash infra/local/down.sh
