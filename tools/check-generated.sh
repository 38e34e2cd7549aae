#!/usr/bin/env bash
# Fails when libs/contracts/src/generated differs from what `npm run proto` makes of proto/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
buf lint
buf generate -o "$out"
if ! diff -r "$out/libs/contracts/src/generated" libs/contracts/src/generated >/dev/null; then
  diff -r "$out/libs/contracts/src/generated" libs/contracts/src/generated | head -40 >&2 || true
  echo "libs/contracts/src/generated is stale: run 'npm run proto' and commit the result." >&2
  exit 1
fi
echo "generated contracts match proto/"
