#!/usr/bin/env bash
# Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on free loopback ports,
# with TLS (a CA made here), token authentication and RBAC. Writes $STATE/env (KUBECONFIG etc.)
# and kubeconfigs for an admin, a read-only and a no-permission token. Idempotent: a healthy
# control plane already running in $STATE is reused. Stop it with down.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${KS_E2E_STATE:-$HERE/../../../.e2e}
mkdir -p "$STATE" && STATE=$(cd "$STATE" && pwd)
say() { echo "[cluster-up] $*" >&2; }

if [ -f "$STATE/env" ]; then
  # shellcheck disable=SC1091
  . "$STATE/env"
  if curl -sf --cacert "$STATE/ca.crt" -H "Authorization: Bearer $KS_ADMIN_TOKEN" "$KS_SERVER/readyz" >/dev/null 2>&1; then
    say "reusing the control plane at $KS_SERVER"
    exit 0
  fi
  say "stale state in $STATE: stopping leftovers"
  "$HERE/down.sh" >/dev/null 2>&1 || true
fi

BIN=$("$HERE/build.sh")
command -v etcd >/dev/null || { say "etcd not found (Debian package etcd-server)"; exit 1; }
rm -rf "$STATE" && mkdir -p "$STATE/logs"

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); API_PORT=$(free_port)

say "making a CA, the API server's serving certificate and a service-account key pair"
cd "$STATE"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3 -subj "/CN=kube-sweeper-e2e-ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n' >san.ext
openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3 -extfile san.ext 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

token() { openssl rand -hex 16; }
ADMIN_TOKEN=$(token); READONLY_TOKEN=$(token); NOBODY_TOKEN=$(token); SWEEPER_TOKEN=$(token)
cat >tokens.csv <<CSV
$ADMIN_TOKEN,admin,admin,"system:masters"
$READONLY_TOKEN,readonly,readonly,"e2e:readonly"
$NOBODY_TOKEN,nobody,nobody,"e2e:nobody"
$SWEEPER_TOKEN,sweeper,sweeper,"e2e:sweeper"
CSV

kubeconfig() { # name token
  cat >"$STATE/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$STATE/ca.crt"}}]
users: [{name: $1, user: {token: "$2"}}]
contexts: [{name: e2e, context: {cluster: e2e, user: $1}}]
current-context: e2e
KC
}
kubeconfig admin "$ADMIN_TOKEN"; kubeconfig readonly "$READONLY_TOKEN"; kubeconfig nobody "$NOBODY_TOKEN"; kubeconfig sweeper "$SWEEPER_TOKEN"

start() { # name, command...
  local name=$1; shift
  "$@" >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

say "starting etcd on 127.0.0.1:$ETCD_PORT"
start etcd etcd --name e2e --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" --log-level error

# The audit log is the server's own record of every write: the fault tests count deletions in it.
cat >"$STATE/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [delete, deletecollection, create, patch, update]
    resources: [{group: "", resources: [pods, pods/eviction, namespaces]}, {group: apps, resources: [deployments, deployments/scale, statefulsets, statefulsets/scale]}]
  - level: None
POLICY

# The API server's command line, kept so that the fault tests can stop and start it again.
cat >"$STATE/kube-apiserver.sh" <<CMD
exec "$BIN/kube-apiserver" \\
  --audit-policy-file "$STATE/audit-policy.yaml" --audit-log-path "$STATE/audit.log" --audit-log-mode blocking \\
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \\
  --bind-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 --advertise-address 127.0.0.1 \
  --tls-cert-file "$STATE/apiserver.crt" --tls-private-key-file "$STATE/apiserver.key" \
  --token-auth-file "$STATE/tokens.csv" --authorization-mode Node,RBAC \
  --service-account-key-file "$STATE/sa.pub" --service-account-signing-key-file "$STATE/sa.key" \
  --service-account-issuer https://kubernetes.default.svc \
  --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true --v=1
CMD
say "starting kube-apiserver on https://127.0.0.1:$API_PORT"
start kube-apiserver bash "$STATE/kube-apiserver.sh"

wait_ready() {
  local i
  for i in $(seq 1 120); do
    if curl -sf --cacert "$STATE/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$STATE/kube-apiserver.pid")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  say "kube-apiserver did not become ready; last log lines:"; tail -n 20 "$STATE/logs/kube-apiserver.log" >&2
  "$HERE/down.sh" >/dev/null 2>&1 || true
  return 1
}
wait_ready

say "starting kube-controller-manager and kube-scheduler"
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$STATE/admin.kubeconfig" --leader-elect=false --port 0 --secure-port 0 \
  --controllers '*,-nodeipam,-nodelifecycle,-route,-service,-cloud-node-lifecycle' \
  --service-account-private-key-file "$STATE/sa.key" --root-ca-file "$STATE/ca.crt" \
  --use-service-account-credentials=false --v=1
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$STATE/admin.kubeconfig" --leader-elect=false --port 0 --secure-port 0 --v=1

cat >"$STATE/env" <<ENV
export KS_E2E_STATE="$STATE"
export KS_SERVER="https://127.0.0.1:$API_PORT"
export KS_ADMIN_TOKEN="$ADMIN_TOKEN"
export KS_KUBECTL="$BIN/kubectl"
export KS_ADMIN_KUBECONFIG="$STATE/admin.kubeconfig"
export KS_READONLY_KUBECONFIG="$STATE/readonly.kubeconfig"
export KS_NOBODY_KUBECONFIG="$STATE/nobody.kubeconfig"
export KS_SWEEPER_KUBECONFIG="$STATE/sweeper.kubeconfig"
ENV
say "control plane up: $("$BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig" version --short 2>/dev/null | tail -n1)"
