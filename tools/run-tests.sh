#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (`npm test`): static checks, unit tests, then the
# integration and end-to-end tests against a real PostgreSQL and a real Kafka broker, which
# infra/local starts on this machine (or DATABASE_URL / KAFKA_BROKERS name).
# ASSAY_KEEP_INFRA=1 leaves PostgreSQL and Kafka running afterwards, for quicker re-runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

echo "node $(node --version), npm $(npm --version)"
step "generated contracts are up to date"
bash tools/check-generated.sh
step "typecheck"
tsc -p tsconfig.json
step "lint"
eslint .
step "build"
npm run --silent build

step "unit tests"
jest -c jest.config.js

step "local PostgreSQL and Kafka"
if [[ "${ASSAY_KEEP_INFRA:-}" != "1" ]]; then trap 'bash infra/local/down.sh' EXIT; fi
bash infra/local/up.sh

step "integration and end-to-end tests (real PostgreSQL, real Kafka, real processes)"
jest -c e2e/jest.config.js --runInBand

step "all tests passed"
