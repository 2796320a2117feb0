#!/usr/bin/env bash
# Installs the real peers the tests run against, when missing: Prometheus + promtool,
# Pushgateway, PostgreSQL and Debian's strict OpenMetrics parser (python3-prometheus-client).
# Idempotent; prints what it does; exits non-zero when a peer cannot be installed.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "$2" ]]; }
have prometheus /usr/bin/prometheus || need+=(prometheus)
have promtool /usr/bin/promtool || need+=(prometheus)
have prometheus-pushgateway /usr/bin/prometheus-pushgateway || need+=(prometheus-pushgateway)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
/usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null || need+=(python3-prometheus-client)

if ((${#need[@]} == 0)); then
  echo "peers: prometheus, promtool, pushgateway, postgresql, python3-prometheus-client already installed"
  exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "peers: installing ${need[*]} with apt-get (this takes a minute the first time)"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
echo "peers: done"
