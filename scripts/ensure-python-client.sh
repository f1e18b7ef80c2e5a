#!/usr/bin/env bash
# Installs the official Kubernetes Python client from Debian (python3-kubernetes) for the
# conformance suite's second client library. Debian's package installs into the system Python
# (/usr/bin/python3), not into whatever python3 comes first on PATH, so that is the one checked.
# Idempotent, and a fraction of a second when the client is already there. Needs root.
set -euo pipefail

PYTHON=/usr/bin/python3

has_client() {
  [ -x "$PYTHON" ] && "$PYTHON" -c 'import kubernetes.client, kubernetes.config, kubernetes.watch' >/dev/null 2>&1
}

has_client && exit 0

# Several test workers may call this at once: one installs, the others wait and re-check.
exec 9>/tmp/capstan-ensure-python-client.lock
flock 9
has_client && exit 0

echo "capstan: installing the Kubernetes Python client (python3-kubernetes)" >&2
export DEBIAN_FRONTEND=noninteractive
# An install from the package lists as they are first; refresh them only when that fails.
if ! apt-get install -y -qq --no-install-recommends python3-kubernetes >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends python3-kubernetes >/dev/null
fi
if ! has_client; then
  echo "capstan: python3-kubernetes installed, yet $PYTHON cannot import kubernetes" >&2
  exit 1
fi
