#!/usr/bin/env bash
# Runs the admin CLI against the local cluster's database (from .data/local.env) unless
# DATABASE_URL is already set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${DATABASE_URL:-}" && -f .data/local.env ]]; then set -a; source .data/local.env; set +a; fi
exec node dist/apps/admin-cli/src/main.js "$@"
