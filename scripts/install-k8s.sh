#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the OpenCTI lab and its tests, from the Go module proxy
# (FIELD-NOTES 11.5): kube-apiserver, kube-controller-manager and kubectl from k8s.io/kubernetes,
# KWOK (fake nodes: pods become Ready without containers), and etcd from Debian's etcd-server.
# Built once into tools/k8s/ (git-ignored) and reused: ~10 min on one core from empty caches.
# Idempotent: prints the bin folder on its last line.
set -euo pipefail
K8S_VERSION="v1.31.4"
KWOK_VERSION="v0.8.0"
root=$(cd "$(dirname "$0")/.." && pwd)
tools="${DRILLBOOK_TOOLS_DIR:-$root/tools}"
bin="$tools/k8s/bin"
say() { echo "install-k8s: $*" >&2; }

have_all() {
  for b in kube-apiserver kube-controller-manager kubectl kwok etcd; do [ -x "$bin/$b" ] || return 1; done
  "$bin/kube-apiserver" --version 2>/dev/null | grep -q "$K8S_VERSION"
}
if have_all; then echo "$bin"; exit 0; fi
mkdir -p "$bin"
command -v go >/dev/null || { say "ERROR: Go is needed to build the control plane"; exit 1; }
export GOPATH="${GOPATH:-$tools/go}" GOFLAGS="-mod=mod" GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$tools/go-cache}"

# --- etcd from Debian (only the binary is needed; no service is started) ---------------------------
if [ ! -x "$bin/etcd" ]; then
  work=$(mktemp -d)
  (cd "$work" && timeout 600 apt-get download etcd-server >/dev/null 2>&1) || { timeout 600 apt-get update -qq >/dev/null && (cd "$work" && timeout 600 apt-get download etcd-server >/dev/null); }
  dpkg-deb -x "$work"/etcd-server_*.deb "$work/x"
  cp "$work/x/usr/bin/etcd" "$bin/etcd"
  rm -rf "$work"
  say "etcd $("$bin/etcd" --version | head -1)"
fi

# --- kube-apiserver, kube-controller-manager, kubectl ---------------------------------------------
if ! { [ -x "$bin/kube-apiserver" ] && "$bin/kube-apiserver" --version 2>/dev/null | grep -q "$K8S_VERSION"; }; then
  mod="$tools/k8s/build"
  rm -rf "$mod" && mkdir -p "$mod"
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  staging="v0.${K8S_VERSION#v1.}"
  # The staging modules k8s.io/kubernetes replaces with ./staging: read them off its own go.mod.
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  replaces=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod" | sort -u | sed "s#.*#\t& => & $staging#")
  cat > "$mod/go.mod" <<MOD
module drillbook.local/k8sbins

go 1.22.0

require k8s.io/kubernetes $K8S_VERSION

replace (
$replaces
)
MOD
  cat > "$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$mod" && timeout 1800 go mod tidy >/dev/null 2>&1)
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  done
  say "building kube-apiserver, kube-controller-manager and kubectl $K8S_VERSION (about 10 minutes the first time)"
  (cd "$mod" && timeout 3000 nice go build -ldflags "$ld" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
fi

# --- KWOK and its stages (pod-ready, node-heartbeat, …) -------------------------------------------
if [ ! -x "$bin/kwok" ]; then
  say "building kwok $KWOK_VERSION"
  GOBIN="$bin" timeout 1800 nice go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
fi
stages="$tools/k8s/kwok-stages.yaml"
if [ ! -s "$stages" ]; then
  kwokdir=$(go list -m -json "sigs.k8s.io/kwok@$KWOK_VERSION" 2>/dev/null | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$kwokdir" ] || kwokdir=$(cd "$tools" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  : > "$stages.part"
  for s in node-initialize node-heartbeat pod-ready pod-complete pod-delete; do
    f=$(find "$kwokdir/kustomize/stage" -name "$s.yaml" | head -1)
    [ -n "$f" ] || { say "ERROR: kwok stage $s not found in $kwokdir"; exit 1; }
    { echo "---"; cat "$f"; } >> "$stages.part"
  done
  mv "$stages.part" "$stages"
fi
have_all || { say "ERROR: the control plane is incomplete in $bin"; exit 1; }
echo "$bin"
