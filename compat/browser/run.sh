#!/usr/bin/env bash
# Browser compatibility test: @frontegg/rest-api bundled by esbuild into a static page on
# http://localhost:<page port>, driven by playwright-core in Debian's headless Chromium,
# against a fresh Latchkey on http://localhost:<server port> (same site, different ports).
# Installs Chromium with apt-get when it is missing. Builds the server if needed, creates
# and always drops its own database.
# Usage: compat/browser/run.sh     (from anywhere; exit status 0 = pass)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

COMPAT_TEST_TIMEOUT="${COMPAT_TEST_TIMEOUT:-180}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

lk_require node npm curl createdb dropdb pg_isready

if ! test -x "$CHROMIUM"; then
  [[ "$CHROMIUM" == /usr/bin/chromium ]] || die "CHROMIUM=$CHROMIUM is not executable"
  log "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || die "apt-get update failed"
  timeout 900 apt-get install -y -qq chromium >/dev/null || die "apt-get install chromium failed"
  test -x "$CHROMIUM" || die "chromium is still missing after apt-get install"
fi
log "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

lk_npm_ci "$HERE"

# The page: index.html plus one esbuild bundle of src/app.js with @frontegg/rest-api.
BUNDLE_DIR="$OUT_DIR/browser-page"
rm -f "$OUT_DIR"/browser-*.png
rm -rf "$BUNDLE_DIR" && mkdir -p "$BUNDLE_DIR"
log "esbuild: bundling @frontegg/rest-api into ${BUNDLE_DIR#$REPO_DIR/}/app.js"
timeout 120 "$HERE/node_modules/.bin/esbuild" "$HERE/src/app.js" \
  --bundle --format=iife --platform=browser --target=chrome110 \
  --sourcemap --log-level=warning --outfile="$BUNDLE_DIR/app.js"
cp "$HERE/src/index.html" "$BUNDLE_DIR/index.html"

lk_build
PAGE_PORT="$(lk_free_port)"
lk_start browser "http://localhost:$PAGE_PORT"

log "running the browser test: page http://localhost:$PAGE_PORT, server $LK_URL"
cd "$HERE"
LATCHKEY_URL="$LK_URL" LATCHKEY_CLIENT_ID="$LATCHKEY_CLIENT_ID" PAGE_PORT="$PAGE_PORT" \
  BUNDLE_DIR="$BUNDLE_DIR" OUT_DIR="$OUT_DIR" CHROMIUM="$CHROMIUM" \
  timeout --kill-after=10 "$COMPAT_TEST_TIMEOUT" \
  node --test --test-timeout=60000 --test-reporter=spec test/
log "screenshots: ${OUT_DIR#$REPO_DIR/}/browser-restored.png, browser-final.png"
