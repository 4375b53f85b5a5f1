#!/usr/bin/env bash
# The image tier (npm run test:image; .ci/run runs it after the real-cluster tier): builds the
# Dockerfile with buildah (chroot isolation, no daemon) on a base made from Debian's packages,
# then runs the image against its own real control plane (test/image/image.e2e.ts). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { echo "[image] $*"; }
[ "$(id -u)" = 0 ] || { echo "[image] needs root (buildah, debootstrap, chroot)" >&2; exit 1; }
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  say "installing buildah and debootstrap (Debian packages)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends buildah debootstrap >/dev/null
fi
[ -x ~/.cache/kube-sweeper/k8s-v1.20.2/bin/kube-apiserver ] || bash test/e2e/cluster/build.sh

bash scripts/image/make-base.sh
IMAGE=${KS_IMAGE:-localhost/kube-sweeper:test}
# Registries reached through a TLS-intercepting proxy: RUN steps do not inherit the host's trust,
# so the CA file is mounted in and named by the build stage's ARG (nothing of it stays in the image).
ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  ca=(--volume "$NODE_EXTRA_CA_CERTS:/run/extra-ca.pem:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/extra-ca.pem)
fi
say "building $IMAGE"
start=$SECONDS
buildah bud --isolation chroot --pull=never --layers --quiet -t "$IMAGE" "${ca[@]}" . >/dev/null
say "built in $((SECONDS - start)) s; size $(buildah images --format '{{.Size}}' "$IMAGE")"

export KS_E2E_STATE=${KS_IMAGE_STATE:-$PWD/.e2e-image}
trap 'bash test/e2e/cluster/down.sh' EXIT
bash test/e2e/cluster/up.sh
# shellcheck disable=SC1091
. "$KS_E2E_STATE/env"
npm run build --silent
KS_IMAGE=$IMAGE node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 test/image/image.e2e.ts
