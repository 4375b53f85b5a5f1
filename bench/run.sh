#!/usr/bin/env bash
# Runs the benchmarks against a control plane of its own (state in .bench/, apart from the e2e
# tier's), built as the real-cluster tier builds it. Stops it afterwards unless KS_BENCH_KEEP=1
# (populating 50,000 pods takes minutes; a kept cluster is reused by the next run).
set -euo pipefail
cd "$(dirname "$0")/.."
export KS_E2E_STATE=${KS_E2E_STATE:-$PWD/.bench}
if [ ! -x /usr/bin/time ]; then
  [ "$(id -u)" = 0 ] || { echo "[bench] /usr/bin/time is missing: apt-get install time (as root)" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; }
fi
# `npm run bench -- regex`: the pattern benchmark alone, which needs no control plane.
if [ "${1:-}" = regex ]; then exec node bench/regex.ts; fi
# `npm run bench -- distance`: 10,000 pods read directly and at a 50 ms round trip, alone.
# `npm run bench -- startup` / `-- sweep`: start-up, or the sweeps, alone.
scenario=bench/index.ts
section=()
if [ "${1:-}" = distance ]; then scenario=bench/distance.ts; fi
if [ "${1:-}" = startup ] || [ "${1:-}" = sweep ]; then scenario=bench/pods.ts section=("$1"); fi
# `npm run bench -- protobuf`: the protobuf experiment alone (on the pods a kept cluster holds, or 10,000).
if [ "${1:-}" = protobuf ]; then scenario=bench/protobuf.ts; fi
# `npm run bench -- server-cpu`: the API server's CPU per page size, alone.
if [ "${1:-}" = server-cpu ]; then scenario=bench/server-cpu.ts; fi
# The registry only for the whole benchmark (its images section).
[ "$scenario" != bench/index.ts ] || bash test/registry/install.sh
[ "${KS_BENCH_KEEP:-}" = 1 ] || trap 'bash test/e2e/cluster/down.sh' EXIT
bash test/e2e/cluster/up.sh
# shellcheck disable=SC1091
. "$KS_E2E_STATE/env"
node "$scenario" "${section[@]}"
