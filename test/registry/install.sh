#!/usr/bin/env bash
# The registry tests need a real registry: Debian's docker-registry (CNCF distribution 2.8) and
# htpasswd (apache2-utils) for its Basic-auth file. Installs them when missing; needs root and apt.
set -euo pipefail
say() { echo "[registry-install] $*" >&2; }
missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then say "must run as root to install ${missing[*]} (apt-get)"; exit 1; fi
command -v apt-get >/dev/null || { say "apt-get not found: the registry tests need a Debian machine"; exit 1; }
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
# The package may start its own service on :5000; the tests start their own registries.
if command -v systemctl >/dev/null; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
