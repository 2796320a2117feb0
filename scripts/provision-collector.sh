#!/usr/bin/env bash
# Builds otelkit's test collector (otelcol-otelkit) from collector/builder-config.yaml with the
# OpenTelemetry Collector Builder, into a cache directory OUTSIDE the repo:
#   ${OTELKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otelkit}/collector/<manifest-hash>/otelcol-otelkit
# Go's caches (GOPATH, GOMODCACHE, GOCACHE) and the builder binary live under the same cache root,
# so nothing fetched or built lands in the repo or in the user's own Go setup.
# Idempotent: a binary already built from the same manifest is reused (no network, no compiler).
# Progress goes to stderr phase by phase (the Go build streams its package list); the LAST line on
# stdout is the binary path. Exit status is non-zero, with a message naming the failed phase,
# on any failure.
#
# Environment:
#   OTELKIT_CACHE          cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/otelkit)
#   OTELKIT_GO             go binary (default: `go` on PATH, else /usr/local/go/bin/go)
#   OTELKIT_COLLECTOR_GOFLAGS  extra GOFLAGS for the build, e.g. -p=1 on a shared machine
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MANIFEST="$REPO_ROOT/collector/builder-config.yaml"
CACHE_ROOT="${OTELKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otelkit}/collector"
BIN_NAME=otelcol-otelkit

log() { printf 'provision-collector: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }

[ -f "$MANIFEST" ] || fail "manifest not found: $MANIFEST"

GO="${OTELKIT_GO:-}"
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then GO="$(command -v go)"
  elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
  else fail "no Go toolchain (install Go >= 1.25 from https://go.dev/dl/ or set OTELKIT_GO=/path/to/go)"
  fi
fi

# The builder must come from the same core release as the components it assembles; the manifest's
# otlpreceiver line carries that release.
BUILDER_VERSION="$(sed -n 's#^[[:space:]]*- gomod: go.opentelemetry.io/collector/receiver/otlpreceiver \(v[0-9][0-9.]*\).*#\1#p' "$MANIFEST")"
[ -n "$BUILDER_VERSION" ] || fail "cannot read the core version from the otlpreceiver line of $MANIFEST"

# The hash covers the manifest, this script's build recipe and the Go version: any change rebuilds
# into a new directory instead of reusing a binary built from something else.
GO_VERSION="$("$GO" env GOVERSION)" || fail "$GO does not run"
HASH="$( { cat "$MANIFEST"; printf '%s\n' "$BUILDER_VERSION" "$GO_VERSION" "recipe-2"; } | sha256sum | cut -c1-16)"
OUT_DIR="$CACHE_ROOT/$HASH"
BIN="$OUT_DIR/$BIN_NAME"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  log "ok: cached $("$BIN" --version)"
  printf '%s\n' "$BIN"
  exit 0
fi

mkdir -p "$OUT_DIR"
# One build at a time per manifest (parallel test workspaces may all find the binary missing).
exec 9>"$OUT_DIR/.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build of $OUT_DIR is running; waiting for it"; flock 9; }
fi
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  log "ok: built meanwhile by another run: $("$BIN" --version)"
  printf '%s\n' "$BIN"
  exit 0
fi

export GOPATH="$CACHE_ROOT/go/path"
export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build-cache"
export GOBIN="$CACHE_ROOT/tools/builder-$BUILDER_VERSION"
export GOTOOLCHAIN=local
export GOFLAGS="${OTELKIT_COLLECTOR_GOFLAGS:-}"
export CGO_ENABLED=0
mkdir -p "$GOPATH" "$GOMODCACHE" "$GOCACHE" "$GOBIN" "$OUT_DIR"

START=$(date +%s)
phase() { log "[$(( $(date +%s) - START ))s] $*"; }

phase "1/3 builder $BUILDER_VERSION ($GO_VERSION) -> $GOBIN"
if [ ! -x "$GOBIN/builder" ]; then
  "$GO" install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" \
    || fail "go install go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION failed (is the Go module proxy reachable? GOPROXY=$("$GO" env GOPROXY))"
fi

# A private copy of the manifest whose output_path points at the cache directory.
BUILD_MANIFEST="$OUT_DIR/builder-config.yaml"
sed "s#^\([[:space:]]*output_path:\).*#\1 $OUT_DIR/src#" "$MANIFEST" > "$BUILD_MANIFEST"

export PATH="$(dirname "$GO"):$PATH"

phase "2/3 builder: generating sources, resolving and downloading modules into $GOMODCACHE (first run downloads several hundred MB)"
# GOFLAGS=-e reaches the builder's `go mod tidy`: tidy also resolves the TEST imports of every
# component (fileexporter's tests import extension/encoding/otlpencodingextension) and otherwise
# fails when the proxy does not serve such a test-only module (measured: 403 for
# otlpencodingextension v0.155.0). The binary never links them; the builder's strict version check
# still runs, and the check below rejects any linked module from another release.
GOFLAGS="-e $GOFLAGS" nice -n 10 "$GOBIN/builder" --config "$BUILD_MANIFEST" --skip-compilation --verbose >&2 \
  || fail "builder failed for $MANIFEST (see above; '403 ... not available' from the proxy means a module version it does not serve)"

phase "checking that every linked collector module comes from the manifest's release"
CORE="$BUILDER_VERSION"
STABLE="$(sed -n 's#^[[:space:]]*- gomod: go.opentelemetry.io/collector/confmap/provider/envprovider \(v1\.[0-9.]*\).*#\1#p' "$MANIFEST")"
[ -n "$STABLE" ] || fail "cannot read the stable (v1.x) version from the envprovider line of $MANIFEST"
# contrib may ship a patch release of the same core line (v0.165.1 on core v0.165.0): its version is
# read from the prometheusexporter line and every contrib module must carry exactly that one.
CONTRIB="$(sed -n 's#^[[:space:]]*- gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter \(v0\.[0-9.]*\).*#\1#p' "$MANIFEST")"
[ -n "$CONTRIB" ] || fail "cannot read the contrib version from the prometheusexporter line of $MANIFEST"
case "$CONTRIB" in "${CORE%.*}".*) ;; *) fail "contrib $CONTRIB is not a release of core $CORE's line";; esac
cd "$OUT_DIR/src"
MODULES="$("$GO" list -deps -f '{{with .Module}}{{.Path}} {{.Version}}{{end}}' . | sort -u)" \
  || fail "go list failed in $OUT_DIR/src"
MISMATCH="$(printf '%s\n' "$MODULES" | awk -v core="$CORE" -v stable="$STABLE" -v contrib="$CONTRIB" '
  $1 ~ /^go\.opentelemetry\.io\/collector(\/|$)/ && $2 != core && $2 != stable { print }
  $1 ~ /^github\.com\/open-telemetry\/opentelemetry-collector-contrib\// && $2 != contrib { print }')"
[ -z "$MISMATCH" ] || fail "linked modules outside core $CORE / stable $STABLE / contrib $CONTRIB:
$MISMATCH"

# The builder's compile step runs this same command (internal/builder/main.go Compile: -trimpath,
# -ldflags="-s -w") but buffers go's output until the end; running it here with -v streams one line
# per compiled package, numbered against the package count.
TOTAL="$("$GO" list -deps . | wc -l)"
phase "3/3 compiling $BIN_NAME: $TOTAL packages (first run: several minutes on 2 cores)"
set +o pipefail
nice -n 10 "$GO" build -trimpath -ldflags="-s -w" -v -o "$BIN_NAME" . 2>&1 \
  | awk -v total="$TOTAL" '{ n++; printf "provision-collector:   [%d/%d] %s\n", n, total, $0; fflush() }' >&2
STATUS=${PIPESTATUS[0]}
set -o pipefail
[ "$STATUS" -eq 0 ] || fail "go build failed in $OUT_DIR/src (see the output above)"

mv "$OUT_DIR/src/$BIN_NAME" "$BIN" || fail "builder finished but $OUT_DIR/src/$BIN_NAME is missing"
"$BIN" --version >/dev/null 2>&1 || fail "$BIN does not run"
phase "done: $("$BIN" --version), $(du -h "$BIN" | cut -f1)"
printf '%s\n' "$BIN"
