#!/usr/bin/env bash
# Installs what Capstan needs on a fresh Debian machine: npm packages and the PostgreSQL
# server binaries (tests start their own throwaway cluster from them). Idempotent and quiet
# when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  return 1
}

if ! pg_bindir >/dev/null; then
  echo "capstan: installing PostgreSQL server binaries" >&2
  apt_install postgresql
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "capstan: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
