# Shared harness for the compatibility tests: sourced by compat/*/run.sh, never run alone.
#
# It builds the `latchkey` binary, creates a fresh Postgres database, starts Latchkey on a
# free loopback port and waits for /health/ready. An EXIT trap always stops the server (by
# its pid) and drops the database, whatever happens in between.
#
# Tunables (environment):
#   LATCHKEY_BIN           use this binary instead of building target/debug/latchkey
#   COMPAT_PG_URL          Postgres server, default postgres://postgres@127.0.0.1:5432
#   COMPAT_READY_TIMEOUT   seconds to wait for /health/ready (default 60)
#   COMPAT_BUILD_TIMEOUT   seconds cargo build may take (default 1500)

set -euo pipefail

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$COMPAT_DIR/.." && pwd)"
OUT_DIR="$REPO_DIR/target/compat"
mkdir -p "$OUT_DIR"

COMPAT_PG_URL="${COMPAT_PG_URL:-postgres://postgres@127.0.0.1:5432}"
COMPAT_READY_TIMEOUT="${COMPAT_READY_TIMEOUT:-60}"
COMPAT_BUILD_TIMEOUT="${COMPAT_BUILD_TIMEOUT:-1500}"

# A client id with dashes, so that the cookie name's "first dash removed" rule is exercised.
LATCHKEY_CLIENT_ID="${LATCHKEY_CLIENT_ID:-3a5c-4f11-b7e2}"

LK_PID=""
LK_DB=""
LK_LOG=""
LK_PORT=""
LK_URL=""

log() { printf '[compat %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Runs on every exit: stop Latchkey (TERM, then KILL after a few seconds), drop the database.
lk_cleanup() {
  local rc=$?
  if [[ -n "$LK_PID" ]] && kill -0 "$LK_PID" 2>/dev/null; then
    kill -TERM "$LK_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$LK_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$LK_PID" 2>/dev/null; then
      log "latchkey (pid $LK_PID) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$LK_PID" 2>/dev/null || true
    fi
    wait "$LK_PID" 2>/dev/null || true
  fi
  if [[ -n "$LK_DB" ]]; then
    timeout 30 dropdb --if-exists --force -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" "$LK_DB" \
      || log "could not drop database $LK_DB"
  fi
  if [[ $rc -ne 0 && -n "$LK_LOG" && -f "$LK_LOG" ]]; then
    log "failed (exit $rc); last lines of the server log $LK_LOG:"
    tail -n 30 "$LK_LOG" >&2 || true
  fi
  exit $rc
}
trap lk_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lk_require() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [[ ${#missing[@]} -eq 0 ]] || die "missing tools: ${missing[*]}"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$major" -ge 20 ]] || die "Node.js 20 or later is needed (found $(node --version))"
}

# Split COMPAT_PG_URL (postgres://user@host:port) for the Postgres client tools.
lk_pg_parse() {
  local rest="${COMPAT_PG_URL#postgres://}"
  rest="${rest%/}"
  PGUSER_="${rest%%@*}"
  local hostport="${rest#*@}"
  PGHOST_="${hostport%%:*}"
  PGPORT_="${hostport##*:}"
  [[ "$PGPORT_" != "$hostport" ]] || PGPORT_=5432
}

# The same start-up as .ci/run: start the local cluster when it is down.
lk_postgres() {
  lk_pg_parse
  if ! pg_isready -h "$PGHOST_" -p "$PGPORT_" -q; then
    log "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do
      pg_isready -h "$PGHOST_" -p "$PGPORT_" -q && break
      sleep 1
    done
  fi
  pg_isready -h "$PGHOST_" -p "$PGPORT_" -q || die "PostgreSQL at $PGHOST_:$PGPORT_ is not answering"
}

# Build the server unless a binary is given. cargo is a no-op when nothing changed.
lk_build() {
  if [[ -n "${LATCHKEY_BIN:-}" ]]; then
    [[ -x "$LATCHKEY_BIN" ]] || die "LATCHKEY_BIN=$LATCHKEY_BIN is not executable"
    return
  fi
  log "cargo build --bin latchkey"
  (cd "$REPO_DIR" && timeout "$COMPAT_BUILD_TIMEOUT" cargo build --bin latchkey --quiet) \
    || die "cargo build failed or timed out"
  LATCHKEY_BIN="$REPO_DIR/target/debug/latchkey"
}

# A port that is free on 127.0.0.1 right now.
lk_free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# npm ci in the given directory, bounded; the lock file pins every version.
lk_npm_ci() {
  local dir="$1"
  [[ -f "$dir/package-lock.json" ]] || die "$dir/package-lock.json is missing"
  log "npm ci in ${dir#$REPO_DIR/}"
  (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
}

# lk_start NAME ALLOWED_ORIGINS: fresh database, server on a free port, wait until ready.
# Sets LK_PORT and LK_URL (http://localhost:PORT).
lk_start() {
  local name="$1" origins="${2:-}"
  lk_postgres
  LK_DB="latchkey_compat_${name}_$$_${RANDOM}"
  createdb -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" "$LK_DB" || { LK_DB=""; die "createdb failed"; }
  LK_LOG="$OUT_DIR/$name-latchkey.log"
  : >"$LK_LOG"

  local attempt
  for attempt in 1 2 3; do
    LK_PORT="$(lk_free_port)"
    LK_URL="http://localhost:$LK_PORT"
    log "starting latchkey on 127.0.0.1:$LK_PORT (database $LK_DB, attempt $attempt)"
    env DATABASE_URL="$COMPAT_PG_URL/$LK_DB" \
      LATCHKEY__SERVER__HOST=127.0.0.1 \
      LATCHKEY__SERVER__PORT="$LK_PORT" \
      LATCHKEY__SERVER__SHUTDOWN_TIMEOUT_SECS=2 \
      LATCHKEY__ENVIRONMENT__CLIENT_ID="$LATCHKEY_CLIENT_ID" \
      LATCHKEY__ENVIRONMENT__ISSUER="$LK_URL" \
      LATCHKEY__CORS__ALLOWED_ORIGINS="$origins" \
      LATCHKEY__COOKIE__SECURE=false \
      LATCHKEY__COOKIE__SAME_SITE=Lax \
      "$LATCHKEY_BIN" >>"$LK_LOG" 2>&1 &
    LK_PID=$!

    local deadline=$((SECONDS + COMPAT_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
      if ! kill -0 "$LK_PID" 2>/dev/null; then
        wait "$LK_PID" 2>/dev/null || true
        LK_PID=""
        break
      fi
      if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$LK_PORT/health/ready" 2>/dev/null; then
        log "latchkey is ready at $LK_URL (pid $LK_PID)"
        return 0
      fi
      sleep 0.2
    done
    if [[ -n "$LK_PID" ]]; then
      die "latchkey did not become ready within ${COMPAT_READY_TIMEOUT}s"
    fi
    if grep -qi 'address already in use' "$LK_LOG"; then
      log "port $LK_PORT was taken meanwhile; trying another"
      continue
    fi
    die "latchkey exited during start-up"
  done
  die "could not start latchkey on a free port"
}
