#!/usr/bin/env bash
# Runs both compatibility tests (Node, then headless Chromium), each against its own fresh
# Latchkey and database, and fails if either fails. Usage: compat/run.sh
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# Build once up front so that both tests (and their timeouts) start from a built binary.
(cd "$HERE/.." && timeout "${COMPAT_BUILD_TIMEOUT:-1500}" cargo build --bin latchkey --quiet) || {
  echo "compat: cargo build --bin latchkey failed" >&2
  exit 1
}

passed=0
failed=0
broken=()
for suite in node browser; do
  printf '\n== compat/%s ==\n' "$suite"
  "$HERE/$suite/run.sh" 2>&1 | tee "$LOGS/$suite.log"
  rc=${PIPESTATUS[0]}
  # node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N".
  p=$(grep -aE '^ℹ pass [0-9]+$' "$LOGS/$suite.log" | tail -n 1 | awk '{print $3}')
  f=$(grep -aE '^ℹ fail [0-9]+$' "$LOGS/$suite.log" | tail -n 1 | awk '{print $3}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [[ $rc -ne 0 ]]; then
    broken+=("$suite")
    # A suite that died before or after its tests (setup, timeout) still counts as a failure.
    [[ ${f:-0} -gt 0 ]] || failed=$((failed + 1))
  fi
done

[[ ${#broken[@]} -eq 0 ]] || printf '\ncompat: failing suites: %s\n' "${broken[*]}"
printf '\ncompat: %d passed, %d failed\n' "$passed" "$failed"
[[ ${#broken[@]} -eq 0 ]]
