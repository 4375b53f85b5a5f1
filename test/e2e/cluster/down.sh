#!/usr/bin/env bash
# Stops every process up.sh started (scheduler, controller-manager, apiserver, etcd, in that order).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${KS_E2E_STATE:-$HERE/../../../.e2e}
[ -d "$STATE" ] || exit 0
for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do
  pidfile="$STATE/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "[cluster-down] stopping $name ($pid)" >&2
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
rm -f "$STATE/env"
