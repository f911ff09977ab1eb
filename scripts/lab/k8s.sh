#!/usr/bin/env bash
# A real Kubernetes control plane per site for the OpenCTI lab and its tests (sourced; needs
# common.sh and opencti-ports.sh first). FIELD-NOTES 11.5: etcd (Debian), kube-apiserver and
# kube-controller-manager built from k8s.io/kubernetes by scripts/install-k8s.sh, and KWOK as the
# node agent so pods become Ready without containers. No kube-scheduler: pod templates name their
# node (nodeName: kwok-node).
#
# Two apiservers, not two namespaces, stand for the two sites: in the seed each region runs its own
# cluster, so a drill must hold one KubeConfig per site (FIELD-NOTES 11.2: a client made for one
# context keeps that cluster's URL) and losing one site's control plane must leave the other's
# untouched. Cost: about 450 MB and 5 s of start per site.
#
# Per site, in $LAB_DIR/k8s/<site>/: a CA and serving certificate (openssl), the service-account
# key pair, a token file (admin in system:masters; drill, bound by RBAC to what a drill does),
# admin.kubeconfig and drill.kubeconfig (mode 600: they hold the tokens), logs and pid files.

K8S_BIN="${DRILLBOOK_K8S_BIN:-${DRILLBOOK_TOOLS_DIR:-$LAB_REPO_ROOT/tools}/k8s/bin}"
K8S_NODE=kwok-node
K8S_STAGES="$LAB_REPO_ROOT/scripts/lab/kwok-stages.yaml"

k8s_dir() { echo "$LAB_DIR/k8s/$1"; }
k8s_kubeconfig() { echo "$(k8s_dir "$1")/${2:-admin}.kubeconfig"; } # k8s_kubeconfig SITE [admin|drill]
k8s_url() { echo "https://$LAB_HOST:$(oc_port k8s-api "$1")"; }
k8s_kubectl() { local s="$1"; shift; "$K8S_BIN/kubectl" --kubeconfig "$(k8s_kubeconfig "$s")" --request-timeout=20s "$@"; }
k8s_pid() { pid_from "$(k8s_dir "$1")/$2.pid"; }
k8s_running() { pid_alive "$(k8s_pid "$1" kube-apiserver)"; }

# The binaries are built once (about 10 minutes from empty Go caches); later calls return at once.
k8s_ensure_bins() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kubectl kwok; do
    if [ ! -x "$K8S_BIN/$b" ]; then
      log "kubernetes: building the control plane into $K8S_BIN (scripts/install-k8s.sh; about 10 minutes the first time)"
      bash "$LAB_REPO_ROOT/scripts/install-k8s.sh" >/dev/null || { fail "kubernetes: scripts/install-k8s.sh failed"; return 1; }
      return 0
    fi
  done
}

k8s_certs() { # once per site: CA, apiserver certificate for 127.0.0.1, service-account keys, tokens
  local s="$1" d; d="$(k8s_dir "$s")"
  mkdir -p "$d/pki" && chmod 700 "$d/pki"
  if [ ! -s "$d/pki/apiserver.crt" ]; then
    (
      cd "$d/pki" || exit 1
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=drillbook-lab-$s-ca" 2>/dev/null &&
      openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >ext.cnf &&
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile ext.cnf 2>/dev/null &&
      openssl genrsa -out sa.key 2048 2>/dev/null &&
      openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    ) || { fail "kubernetes $s: openssl could not make the certificates in $d/pki"; return 1; }
  fi
  local admin drill
  admin="$(cat "$(ensure_secret "k8s-admin-$s")")"; drill="$(cat "$(ensure_secret "k8s-drill-$s")")"
  (umask 077; printf '%s,admin,uid-admin,"system:masters"\n%s,drillbook,uid-drillbook\n' "$admin" "$drill" >"$d/pki/tokens.csv")
  k8s_write_kubeconfig "$s" admin "$admin"
  k8s_write_kubeconfig "$s" drill "$drill"
}

k8s_write_kubeconfig() { # SITE NAME TOKEN
  local s="$1" f; f="$(k8s_kubeconfig "$1" "$2")"
  (umask 077; cat >"$f" <<KC
apiVersion: v1
kind: Config
clusters:
- name: lab-$s
  cluster:
    server: $(k8s_url "$s")
    certificate-authority: $(k8s_dir "$s")/pki/ca.crt
users:
- name: $2-$s
  user:
    token: $3
contexts:
- name: lab-$s
  context: { cluster: lab-$s, user: $2-$s }
current-context: lab-$s
KC
  )
}

k8s_launch() { # SITE NAME CMD...: one control-plane process in the background, its pid in NAME.pid
  local s="$1" n="$2" d; d="$(k8s_dir "$1")"; shift 2
  (exec setsid "$@" </dev/null >>"$d/$n.log" 2>&1 9>&-) &
  echo $! >"$d/$n.pid"
}

k8s_api_ready() { curl -sf --max-time 3 --cacert "$(k8s_dir "$1")/pki/ca.crt" -H "Authorization: Bearer $(secret "k8s-admin-$1")" "$(k8s_url "$1")/readyz" >/dev/null; }
k8s_node_ready() { k8s_kubectl "$1" get node "$K8S_NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; }
k8s_default_sa() { k8s_kubectl "$1" get serviceaccount default -n default >/dev/null 2>&1; }

k8s_start() {
  local s="$1" d t0; d="$(k8s_dir "$s")"; t0="$(now_s)"
  if k8s_running "$s" && k8s_api_ready "$s"; then log "kubernetes $s: already running ($(k8s_url "$s"))"; return 0; fi
  k8s_stop "$s" >/dev/null 2>&1
  k8s_ensure_bins || return 1
  k8s_certs "$s" || return 1
  local etcd_port peer_port api_port
  etcd_port="$(oc_port k8s-etcd "$s")"; peer_port="$(oc_port k8s-peer "$s")"; api_port="$(oc_port k8s-api "$s")"
  for p in "$etcd_port" "$peer_port" "$api_port"; do
    if port_in_use "$p"; then fail "kubernetes $s: port $p is already in use"; return 1; fi
  done
  mkdir -p "$d/etcd"
  k8s_launch "$s" etcd "$K8S_BIN/etcd" --name "etcd-$s" --data-dir "$d/etcd" \
    --listen-client-urls "http://$LAB_HOST:$etcd_port" --advertise-client-urls "http://$LAB_HOST:$etcd_port" \
    --listen-peer-urls "http://$LAB_HOST:$peer_port" --initial-advertise-peer-urls "http://$LAB_HOST:$peer_port" \
    --initial-cluster "etcd-$s=http://$LAB_HOST:$peer_port" --log-level warn
  wait_until "$LAB_TIMEOUT" "etcd $s" curl -sf --max-time 2 "http://$LAB_HOST:$etcd_port/health" || return 1
  k8s_launch "$s" kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers="http://$LAB_HOST:$etcd_port" --bind-address="$LAB_HOST" --advertise-address="$LAB_HOST" \
    --secure-port="$api_port" --tls-cert-file="$d/pki/apiserver.crt" --tls-private-key-file="$d/pki/apiserver.key" \
    --client-ca-file="$d/pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$d/pki/sa.pub" --service-account-signing-key-file="$d/pki/sa.key" \
    --token-auth-file="$d/pki/tokens.csv" --authorization-mode=RBAC \
    --service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none \
    --enable-priority-and-fairness=false --profiling=false
  wait_until "$LAB_TIMEOUT" "kube-apiserver $s to be ready" k8s_api_ready "$s" || { tail -n 5 "$d/kube-apiserver.log" >&2; return 1; }
  k8s_launch "$s" kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$(k8s_kubeconfig "$s")" --service-account-private-key-file="$d/pki/sa.key" \
    --root-ca-file="$d/pki/ca.crt" --leader-elect=false --secure-port=0 --controllers='*' --profiling=false
  k8s_launch "$s" kwok "$K8S_BIN/kwok" --kubeconfig="$(k8s_kubeconfig "$s")" --config="$K8S_STAGES" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr=10.244.0.0/24
  k8s_kubectl "$s" apply -f - >/dev/null <<NODE || { fail "kubernetes $s: could not create node $K8S_NODE"; return 1; }
apiVersion: v1
kind: Node
metadata:
  name: $K8S_NODE
  annotations: { kwok.x-k8s.io/node: fake }
  labels: { type: kwok, kubernetes.io/hostname: $K8S_NODE }
spec:
  taints: []
NODE
  k8s_rbac "$s" || return 1
  wait_until "$LAB_TIMEOUT" "kubernetes $s node $K8S_NODE to be Ready" k8s_node_ready "$s" || { tail -n 5 "$d/kwok.log" >&2; return 1; }
  wait_until "$LAB_TIMEOUT" "kubernetes $s default service account" k8s_default_sa "$s" || { tail -n 5 "$d/kube-controller-manager.log" >&2; return 1; }
  log "kubernetes $s: control plane up at $(k8s_url "$s") ($(elapsed "$t0")s; kubeconfig $(k8s_kubeconfig "$s" drill))"
}

# The drill's identity may read workloads and pods and scale and annotate workloads: nothing else.
k8s_rbac() {
  k8s_kubectl "$1" apply -f - >/dev/null <<'RBAC' || { fail "kubernetes $1: could not create the drillbook ClusterRole"; return 1; }
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: drillbook }
rules:
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, watch, patch]
- apiGroups: [apps]
  resources: [deployments/scale, statefulsets/scale]
  verbs: [get, patch, update]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, list]
- apiGroups: [""]
  resources: [pods, events]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: drillbook }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: drillbook }
subjects:
- { apiGroup: rbac.authorization.k8s.io, kind: User, name: drillbook }
RBAC
}

k8s_stop() {
  local s="$1" n p rc=0
  for n in kwok kube-controller-manager kube-apiserver etcd; do
    p="$(k8s_pid "$s" "$n")"
    if pid_alive "$p"; then
      kill -TERM "$p" 2>/dev/null
      local i=0; while pid_alive "$p" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
      if pid_alive "$p"; then kill -KILL "$p" 2>/dev/null; sleep 0.2; fi
      pid_alive "$p" && rc=1
    fi
    rm -f "$(k8s_dir "$s")/$n.pid"
  done
  log "kubernetes $s: stopped"
  return "$rc"
}

# A power cut: SIGKILL every process of the site's control plane at once, no clean shutdown. etcd
# keeps its data (the Deployments and their replica counts), so the next start brings them back.
k8s_kill() {
  local s="$1" n p pids=()
  for n in kwok kube-controller-manager kube-apiserver etcd; do
    p="$(k8s_pid "$s" "$n")"; pid_alive "$p" && pids+=("$p")
  done
  [ "${#pids[@]}" -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
  local i=0; for p in "${pids[@]}"; do while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; done
  for n in kwok kube-controller-manager kube-apiserver etcd; do rm -f "$(k8s_dir "$s")/$n.pid"; done
  log "kubernetes $s: killed (SIGKILL ${pids[*]:-nothing running})"
}

k8s_status() {
  local s="$1"
  if k8s_running "$s" && k8s_api_ready "$s"; then
    printf 'kubernetes %-9s up    %s node %s %s\n' "$s" "$(k8s_url "$s")" "$K8S_NODE" "$(k8s_node_ready "$s" && echo Ready || echo NotReady)"
  else
    printf 'kubernetes %-9s down  %s\n' "$s" "$(k8s_url "$s")"; return 1
  fi
}
