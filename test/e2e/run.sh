#!/usr/bin/env bash
# The real-cluster tier: builds (or reuses) the control plane, starts it, runs test/e2e/*.e2e.ts
# through the real CLI, and stops every process it started, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export KS_E2E_STATE=${KS_E2E_STATE:-$PWD/.e2e}
trap 'bash test/e2e/cluster/down.sh' EXIT
bash test/e2e/cluster/up.sh
# shellcheck disable=SC1091
. "$KS_E2E_STATE/env"
node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 test/e2e/*.e2e.ts
