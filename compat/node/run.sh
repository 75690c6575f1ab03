#!/usr/bin/env bash
# Node compatibility test: @frontegg/rest-api (pinned in package-lock.json) against a fresh
# Latchkey. Builds the server if needed, creates and always drops its own database.
# Usage: compat/node/run.sh        (from anywhere; exit status 0 = pass)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

COMPAT_TEST_TIMEOUT="${COMPAT_TEST_TIMEOUT:-120}"

lk_require node npm curl createdb dropdb pg_isready
lk_npm_ci "$HERE"
lk_build
lk_start node ""

log "running the Node test against $LK_URL"
cd "$HERE"
LATCHKEY_URL="$LK_URL" LATCHKEY_CLIENT_ID="$LATCHKEY_CLIENT_ID" \
  timeout --kill-after=10 "$COMPAT_TEST_TIMEOUT" \
  node --test --test-timeout=60000 --test-reporter=spec test/
