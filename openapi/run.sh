#!/usr/bin/env bash
# Fuzzes the running server against its own OpenAPI document with Schemathesis, and fails on
# any 5xx or any response the document does not describe (status, content type, headers,
# body schema). Usage: openapi/run.sh
#
# It builds the `latchkey` binary, creates a fresh Postgres database, starts Latchkey on a
# free loopback port (rate limits off, so the fuzzer is not answered 429 throughout), signs
# up a user and fetches an environment token for the document's security schemes, then runs
# a pinned Schemathesis from a virtual environment under target/. An EXIT trap stops the
# server (by its pid) and drops the database. Logs and reports land in target/schemathesis/.
#
# Tunables (environment):
#   LATCHKEY_BIN             use this binary instead of building target/debug/latchkey
#   SCHEMATHESIS_PG_URL      Postgres server, default postgres://postgres@127.0.0.1:5432
#   SCHEMATHESIS_EXAMPLES    test cases per operation and phase (default 25)
#   SCHEMATHESIS_MAX_TIME    seconds Schemathesis may test in all (default 150)
#   SCHEMATHESIS_SEED        replay a run with its seed (printed at the end of each run)

set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$HERE/.." && pwd)"
OUT_DIR="$REPO_DIR/target/schemathesis"
VENV="$OUT_DIR/venv"
SCHEMATHESIS_VERSION="4.32.5"
PG_URL="${SCHEMATHESIS_PG_URL:-postgres://postgres@127.0.0.1:5432}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-150}"
API_KEY="schemathesis-api-key-$RANDOM$RANDOM"
mkdir -p "$OUT_DIR"

LK_PID=""
LK_DB=""
LK_LOG="$OUT_DIR/latchkey.log"

log() { printf '[schemathesis %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Split PG_URL (postgres://user@host:port) for the Postgres client tools.
rest="${PG_URL#postgres://}"
rest="${rest%/}"
PGUSER_="${rest%%@*}"
hostport="${rest#*@}"
PGHOST_="${hostport%%:*}"
PGPORT_="${hostport##*:}"
[[ "$PGPORT_" != "$hostport" ]] || PGPORT_=5432

cleanup() {
  local rc=$?
  if [[ -n "$LK_PID" ]] && kill -0 "$LK_PID" 2>/dev/null; then
    kill -TERM "$LK_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$LK_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$LK_PID" 2>/dev/null && kill -KILL "$LK_PID" 2>/dev/null
    wait "$LK_PID" 2>/dev/null || true
  fi
  if [[ -n "$LK_DB" ]]; then
    timeout 30 dropdb --if-exists --force -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" "$LK_DB" \
      || log "could not drop database $LK_DB"
  fi
  if [[ $rc -ne 0 && -f "$LK_LOG" ]]; then
    log "failed (exit $rc); last lines of the server log $LK_LOG:"
    tail -n 20 "$LK_LOG" >&2 || true
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The pinned Schemathesis, installed once into its own virtual environment.
install_schemathesis() {
  if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" == *"$SCHEMATHESIS_VERSION"* ]]; then
    return
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION into ${VENV#$REPO_DIR/}"
  rm -rf "$VENV"
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then
    log "installing python3-venv with apt"
    apt-get install -y -qq python3-venv >/dev/null || die "apt-get install python3-venv failed"
  fi
  python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  timeout 600 "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" || die "pip install schemathesis failed"
}

build() {
  if [[ -n "${LATCHKEY_BIN:-}" ]]; then
    [[ -x "$LATCHKEY_BIN" ]] || die "LATCHKEY_BIN=$LATCHKEY_BIN is not executable"
    return
  fi
  log "cargo build --bin latchkey"
  (cd "$REPO_DIR" && timeout 1500 cargo build --bin latchkey --quiet) || die "cargo build failed"
  LATCHKEY_BIN="$REPO_DIR/target/debug/latchkey"
}

free_port() {
  "$VENV/bin/python" -c '
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])'
}

# Fresh database, server on a free port, wait until ready. Sets BASE_URL.
start() {
  pg_isready -h "$PGHOST_" -p "$PGPORT_" -q || die "PostgreSQL at $PGHOST_:$PGPORT_ is not answering"
  LK_DB="latchkey_schemathesis_$$_${RANDOM}"
  createdb -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" "$LK_DB" || { LK_DB=""; die "createdb failed"; }
  : >"$LK_LOG"
  local attempt port
  for attempt in 1 2 3; do
    port="$(free_port)"
    BASE_URL="http://127.0.0.1:$port"
    log "starting latchkey on $BASE_URL (database $LK_DB, attempt $attempt)"
    # A long refresh grace window keeps the one refresh token the fuzzer holds usable after
    # its first rotation, so refresh is exercised beyond its 401 (until the fuzzer's own
    # logout revokes the session). Lockout stays on: its 403 is part of the contract.
    env DATABASE_URL="$PG_URL/$LK_DB" \
      LATCHKEY__SERVER__HOST=127.0.0.1 \
      LATCHKEY__SERVER__PORT="$port" \
      LATCHKEY__SERVER__SHUTDOWN_TIMEOUT_SECS=2 \
      LATCHKEY__RATE_LIMIT__ENABLED=false \
      LATCHKEY__ENVIRONMENT__API_KEY="$API_KEY" \
      LATCHKEY__TOKENS__REFRESH_GRACE_SECS=3600 \
      LATCHKEY__LOG__LEVEL=warn \
      "$LATCHKEY_BIN" >>"$LK_LOG" 2>&1 &
    LK_PID=$!
    for _ in $(seq 1 300); do
      if ! kill -0 "$LK_PID" 2>/dev/null; then
        wait "$LK_PID" 2>/dev/null || true
        LK_PID=""
        break
      fi
      curl -fsS --max-time 2 -o /dev/null "$BASE_URL/health/ready" 2>/dev/null && return 0
      sleep 0.2
    done
    [[ -z "$LK_PID" ]] || die "latchkey did not become ready within 60s"
    grep -qi 'address already in use' "$LK_LOG" || die "latchkey exited during start-up"
    log "port $port was taken meanwhile; trying another"
  done
  die "could not start latchkey on a free port"
}

# `json_field FIELD.PATH` reads one string from the JSON on standard input.
json_field() {
  "$VENV/bin/python" -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[key]
print(value)' "$1"
}

# A user (access and refresh token) and an environment token for the security schemes.
credentials() {
  local signed_up vendor
  signed_up="$(curl -fsS --max-time 30 "$BASE_URL/identity/resources/users/v1/signUp" \
    -H 'content-type: application/json' \
    -d '{"email":"fuzz@example.com","password":"correct horse battery staple","companyName":"Fuzz"}')" \
    || die "sign-up for the fuzzer's user failed"
  vendor="$(curl -fsS --max-time 30 "$BASE_URL/auth/vendor" -H 'content-type: application/json' \
    -d "{\"clientId\":\"latchkey\",\"secret\":\"$API_KEY\"}")" || die "POST /auth/vendor failed"
  LK_ACCESS_TOKEN="$(json_field authResponse.accessToken <<<"$signed_up")"
  LK_REFRESH_TOKEN="$(json_field authResponse.refreshToken <<<"$signed_up")"
  LK_ENVIRONMENT_TOKEN="$(json_field token <<<"$vendor")"
  export LK_ACCESS_TOKEN LK_REFRESH_TOKEN LK_ENVIRONMENT_TOKEN
}

install_schemathesis
build
start
credentials

seed=()
[[ -z "${SCHEMATHESIS_SEED:-}" ]] || seed=(--seed "$SCHEMATHESIS_SEED")
log "schemathesis run: $EXAMPLES examples per operation, at most ${MAX_TIME}s"
# Tokens stay out of the printed output (Schemathesis sanitizes Authorization and cookies).
(cd "$OUT_DIR" && timeout $((MAX_TIME + 120)) "$VENV/bin/schemathesis" \
  --config-file "$HERE/schemathesis.toml" \
  run "$BASE_URL/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" \
  --max-time "$MAX_TIME" \
  --workers 2 \
  --request-timeout 30 \
  --report junit --report-dir "$OUT_DIR/report" \
  "${seed[@]}")
