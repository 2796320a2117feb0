#!/usr/bin/env bash
# Provisions the Python environment of the OTLP test receiver (packages/testkit/py/otlp_receiver.py):
# a venv OUTSIDE the repo with the official OTLP protobuf classes (PyPI `opentelemetry-proto`).
# `--system-site-packages` keeps Debian's python3-prometheus-client visible to the same interpreter.
# Idempotent: a venv that already imports the pinned versions is left as is.
set -euo pipefail

PROTO_VERSION=1.45.2
PROTOBUF_VERSION=6.33.6
PYTHON=/usr/bin/python3
VENV="${OTELKIT_PYENV:-${OTELKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otelkit}/pyenv}"

log() { printf 'provision-python: %s\n' "$*"; }

if [ ! -x "$PYTHON" ]; then
  log "error: $PYTHON not found (install the Debian package python3)"; exit 1
fi

check() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$PROTO_VERSION" "$PROTOBUF_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2  # noqa: F401
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2  # noqa: F401
from google.protobuf import json_format  # noqa: F401
sys.exit(0 if (version("opentelemetry-proto"), version("protobuf")) == (sys.argv[1], sys.argv[2]) else 1)
EOF
}

if check; then
  log "ok: $VENV has opentelemetry-proto==$PROTO_VERSION protobuf==$PROTOBUF_VERSION"
  exit 0
fi

log "creating venv in $VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv --system-site-packages "$VENV" || { log "error: venv creation failed (Debian: apt-get install python3-venv)"; exit 1; }
log "installing opentelemetry-proto==$PROTO_VERSION protobuf==$PROTOBUF_VERSION"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  "opentelemetry-proto==$PROTO_VERSION" "protobuf==$PROTOBUF_VERSION" || { log "error: pip install failed"; exit 1; }

if check; then
  log "ok: $VENV ready"
else
  log "error: $VENV does not import the OTLP classes after install"; exit 1
fi
