#!/usr/bin/env bash
# The README's first command: installs, builds and starts the demo (examples/demo/src/main.ts): the
# coordinator and the worker in one process, on one /metrics, with no outside service needed.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
# OpenTelemetry JS 3.x, and so otelkit, needs Node >= 22.15: an older system Node gets a
# provisioned Node 24 (cached, scripts/node.sh) on PATH for npm, the build and the demo.
if ! command -v node >/dev/null || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)'; then
  node24=$(bash scripts/node.sh 24)
  echo "==> system Node $(node -v 2>/dev/null || echo 'missing') is older than 22.15: using Node $("$node24" -v) from $(dirname "$node24")"
  PATH="$(dirname "$node24"):$PATH"
  export PATH
fi
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> installing dependencies (npm install, locked versions)"
  # npm ci rejects this lock: npm records only the current platform of optional packages
  # (turbo's per-platform binaries), then calls the lock out of sync. npm install honours the lock.
  npm install --no-audit --no-fund
fi
echo "==> building"
npx turbo run build --output-logs=errors-only
echo "==> starting the demo"
# tsx (a dev dependency, installed above) runs the TypeScript examples the demo is made of.
exec node --import tsx examples/demo/src/main.ts
