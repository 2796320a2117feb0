#!/usr/bin/env bash
# The README's first command: installs, builds and starts the demo service.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> installing dependencies (npm install, locked versions)"
  # npm ci rejects this lock: npm records only the current platform of optional packages
  # (turbo's per-platform binaries), then calls the lock out of sync. npm install honours the lock.
  npm install --no-audit --no-fund
fi
echo "==> building"
npx turbo run build --output-logs=errors-only
echo "==> starting the demo"
exec node examples/demo/main.mjs
