#!/usr/bin/env bash
# Builds a real Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl) from Debian's `kubernetes` source package, cached under $KS_CACHE keyed by version.
# Idempotent: a second run with the cache in place only checks it. Needs root and apt.
set -euo pipefail

K8S_VERSION=v1.20.2
CACHE=${KS_CACHE:-$HOME/.cache/kube-sweeper}
BIN_DIR=$CACHE/k8s-$K8S_VERSION/bin
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

say() { echo "[cluster-build] $*" >&2; }

have_all_binaries() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$BIN_DIR/$b" ] || return 1; done
}

install_packages() {
  if [ "$(id -u)" != 0 ]; then
    say "must run as root to install Debian packages (apt-get); running as uid $(id -u)"
    exit 1
  fi
  command -v apt-get >/dev/null || { say "apt-get not found: this tier needs a Debian machine"; exit 1; }
  local src=/etc/apt/sources.list.d/kube-sweeper-src.sources
  if [ ! -f "$src" ]; then
    say "adding a deb-src entry for bookworm main"
    cat >"$src" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  # prometheus-pushgateway: the metrics tests push to a real one.
  local wanted=(golang-go etcd-server rsync jq openssl curl dpkg-dev golang-github-modern-go-reflect2-dev prometheus-pushgateway)
  local missing=() p
  for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  # The source index is needed only for a build; runtime needs only the installed packages.
  if [ ${#missing[@]} -gt 0 ] || ! have_all_binaries; then
    say "apt-get update"
    apt-get update -qq
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build_from_source() {
  local work=$CACHE/build-$K8S_VERSION
  rm -rf "$work" && mkdir -p "$work"
  cd "$work"
  say "downloading the kubernetes source package"
  apt-get source --download-only kubernetes >/dev/null
  local orig
  orig=$(ls kubernetes_*.orig.tar.* | head -n1)
  mkdir tree && tar -xf "$orig" -C tree --strip-components=1
  cd tree
  [ -d vendor/github.com/modern-go/reflect2 ] || { say "unexpected source layout: no vendor/ tree"; exit 1; }
  # The vendored reflect2 v1.0.1 crashes (SIGSEGV) when built with Go >= 1.18; Debian ships 1.0.2.
  local reflect2_src
  reflect2_src=$(dpkg -L golang-github-modern-go-reflect2-dev | grep '/reflect2\.go$' | head -n1 | xargs dirname)
  say "replacing vendored reflect2 with $reflect2_src"
  rm -rf vendor/github.com/modern-go/reflect2 && mkdir -p vendor/github.com/modern-go/reflect2
  find "$reflect2_src" -maxdepth 1 \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' \
    -exec cp {} vendor/github.com/modern-go/reflect2/ \;
  export KUBE_GIT_VERSION=$K8S_VERSION KUBE_GIT_TREE_STATE=clean
  say "make generated_files (a few minutes)"
  make generated_files >"$work/generated.log" 2>&1 || { tail -n 40 "$work/generated.log" >&2; exit 1; }
  say "make ${BINARIES[*]} (several minutes on 2 cores)"
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubectl" \
    >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  local b
  for b in "${BINARIES[@]}"; do cp "_output/bin/$b" "$BIN_DIR/$b"; done
  cd "$CACHE" && rm -rf "$work"
}

install_packages
if have_all_binaries; then
  say "using cached binaries in $BIN_DIR"
else
  build_from_source
  say "built into $BIN_DIR"
fi
echo "$BIN_DIR"
