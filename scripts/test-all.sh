#!/usr/bin/env bash
# Runs every test of the repository, from a fresh clone:
#   1. provisions the real peers (Prometheus, promtool, Pushgateway, PostgreSQL, the strict
#      OpenMetrics parser, the official OTLP protobuf decoder, a Collector built with ocb)
#   2. provisions Node 22, 24 and 26 (the supported lines; scripts/node.sh, cached) — the machine's
#      own Node may be older than the floor (22.15): it is not used
#   3. installs (npm install, locked versions) and builds (turbo, tsc -b) with Node 24 on PATH
#   4. runs every workspace's mocha suite (`test`) on Node 22, then 24, then 26
#   5. runs the system suites (`test:system`: many real peers at once — Collector tiers, a
#      Prometheus evaluating the generated rules) once, on Node 24: they test the system around
#      the process, not the Node line, and take minutes each
#   6. runs the benchmark smoke on Node 24 (it runs and prints; never a pass/fail on timing)
# Under CI=true a peer that cannot be provisioned fails the run (the tests never skip it).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
logdir="${TMPDIR:-/tmp}/otelkit-test-logs"
mkdir -p "$logdir"
step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "peers"
bash scripts/provision-peers.sh
for extra in scripts/provision-python.sh scripts/provision-collector.sh; do
  if [[ -f $extra ]]; then
    step "$(basename "$extra" .sh)"
    bash "$extra"
  fi
done

step "node 22, 24, 26"
declare -A node_bin
for major in 22 24 26; do
  node_bin[$major]=$(bash scripts/node.sh "$major")
  echo "node $major: ${node_bin[$major]} ($("${node_bin[$major]}" -v))"
done
# npm, turbo, tsc and mocha all run on the `node` first on PATH.
PATH="$(dirname "${node_bin[24]}"):$PATH"
export PATH

step "install ($(node -v))"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # npm ci rejects this lock: npm records only the current platform of optional packages
  # (turbo's per-platform binaries), then calls the lock out of sync. npm install honours the lock.
  npm install --no-audit --no-fund
else
  echo "node_modules is up to date"
fi

step "build and typecheck (packages, examples and test workspaces) ($(node -v))"
npx turbo run build --output-logs=errors-only
npx turbo run typecheck --output-logs=errors-only

run_suite() {
  local label=$1 task=${2:-test} log="$logdir/$1.log"
  step "$task on $label ($(node -v))"
  set +e
  npx turbo run "$task" --force --continue --concurrency=1 --output-logs=full 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local passed failed
  passed=$( (grep -Eo '[0-9]+ passing' "$log" || true) | awk '{s+=$1} END {print s+0}')
  failed=$( (grep -Eo '[0-9]+ failing' "$log" || true) | awk '{s+=$1} END {print s+0}')
  echo "$label: $passed passed, $failed failed (exit $rc)"
  suites+=("$label")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  if ((rc != 0 && failed == 0)); then total_failed=$((total_failed + 1)); fi
}
total_passed=0
total_failed=0
suites=()
for major in 22 24 26; do
  PATH="$(dirname "${node_bin[$major]}"):$PATH" run_suite "node$major"
done
run_suite "system-node24" test:system

if [[ -f bench/run.mjs ]]; then
  step "benchmark smoke ($(node -v); prints figures, timing is never pass/fail)"
  node bench/run.mjs --quick
fi

step "summary ($(( $(date +%s) - started )) s)"
# The failures again, last: a CI log is often read from its tail.
for label in "${suites[@]}"; do
  # turbo's `Failed:` lines, then each mocha `N failing` block.
  awk '/Failed: / || /[0-9]+ failing/ {m = /failing/ ? 80 : 1; if (m > n) n = m} n > 0 {print; n--}' "$logdir/$label.log" | sed "s|^|$label: |"
done
echo "tests: $total_passed passed, $total_failed failed"
((total_failed == 0))
