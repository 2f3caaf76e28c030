#!/usr/bin/env bash
# Builds, once, the control-plane binaries the test world needs and caches them
# by version under $PULSE_CACHE (default ~/.cache/pulse). A warm run only checks
# that the files are there. Prints the bin folder on stdout; with --check,
# builds nothing and fails if a binary is missing.
#
# Why build from source: no Docker and no download site other than the package
# registries is reachable here; the Go module proxy is, so everything is built
# with the machine's Go toolchain (CGO_ENABLED=0, version ldflags set so that
# /version and helm's kubeVersion checks see a real release).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE="${PULSE_CACHE:-$HOME/.cache/pulse}"
BIN="$CACHE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-helm-$HELM_VERSION"

log() { echo "[build-binaries] $*" >&2; }

all_present() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kubectl helm; do
    [ -x "$BIN/$b" ] || return 1
  done
}

if all_present; then echo "$BIN"; exit 0; fi
[ "${1:-}" != --check ] || exit 1

command -v go >/dev/null || { log "Go toolchain not found: install Go >= 1.24"; exit 1; }
mkdir -p "$BIN" "$CACHE/build"
# Two runs starting together must not build twice or see half-written files.
exec 9>"$CACHE/build/.lock"
flock 9
if all_present; then echo "$BIN"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
start=$(date +%s)

build_k8s() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local patch=${K8S_VERSION##*.}
  local staging_ver="v0.$minor.$patch"
  local dir="$CACHE/build/k8s-$K8S_VERSION"
  mkdir -p "$dir"
  log "reading k8s.io/kubernetes@$K8S_VERSION go.mod for its staging modules"
  local modfile
  modfile=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module pulse.dev/k8s-build"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk -v v="$staging_ver" '{print "replace " $1 " => " $1 " " v}'
  } > "$dir/go.mod"
  log "$(grep -c '^replace' "$dir/go.mod") staging modules replaced with $staging_ver"
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version
  local ld="-s -w"
  for p in $pkg $cpkg; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "building kube-apiserver, kube-controller-manager, kubectl (slow on a cold cache)"
  (cd "$dir" && go build -trimpath -ldflags "$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl)
}

build_etcd() {
  local dir="$CACHE/build/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  printf 'module pulse.dev/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > "$dir/go.mod"
  log "building etcd $ETCD_VERSION"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
}

build_helm() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  log "building helm $HELM_VERSION"
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ld="$ld -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
  ld="$ld -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
  GOBIN="$BIN" GOFLAGS= go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

[ -x "$BIN/etcd" ] || build_etcd
[ -x "$BIN/helm" ] || build_helm
{ [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kubectl" ]; } || build_k8s
all_present || { log "some binaries are missing after the build"; exit 1; }
log "built in $(( $(date +%s) - start ))s into $BIN"
echo "$BIN"
