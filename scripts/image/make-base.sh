#!/usr/bin/env bash
# Makes the Dockerfile's base image locally, where no registry can be reached: a Debian bookworm
# minbase root file system (debootstrap, Debian's own packages) plus the Node binary the project
# pins (the `node` devDependency) and npm, committed into buildah's storage under the name the
# Dockerfile's FROM lines use. Reused when it already exists. Needs root, debootstrap, buildah.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$(sed -n 's/^FROM \([^ ]*\) AS build$/\1/p' Dockerfile)
[ -n "$BASE" ] || { echo "make-base: no 'FROM <image> AS build' line in the Dockerfile" >&2; exit 1; }
say() { echo "[image-base] $*"; }

if buildah inspect --type image "$BASE" >/dev/null 2>&1; then say "$BASE exists; reused"; exit 0; fi

NODE_BIN=$(readlink -f node_modules/node/bin/node)
[ -x "$NODE_BIN" ] || { echo "make-base: run npm ci first (the node devDependency provides the binary)" >&2; exit 1; }
WANT=${BASE#node:}; WANT=${WANT%%-*}
HAVE=$("$NODE_BIN" -p process.versions.node)
[ "$HAVE" = "$WANT" ] || { echo "make-base: the Dockerfile wants Node $WANT, node_modules has $HAVE" >&2; exit 1; }
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")

ROOTFS=$(mktemp -d /tmp/ks-base-XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
say "debootstrap --variant=minbase bookworm (about a minute)"
debootstrap --variant=minbase bookworm "$ROOTFS" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/tmp/ks-debootstrap.log 2>&1 || { tail -20 /tmp/ks-debootstrap.log >&2; exit 1; }
# What debian:bookworm-slim drops: docs, man pages, the apt lists.
rm -rf "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"

say "committing $BASE"
CTR=$(buildah from scratch)
MNT=$(buildah mount "$CTR")
cp -a "$ROOTFS"/. "$MNT"/
buildah umount "$CTR" >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$WANT" --cmd node "$CTR"
buildah commit --quiet --rm "$CTR" "$BASE" >/dev/null
say "$BASE ready"
