#!/usr/bin/env bash
# Runs Pulse on a local kind cluster (needs Docker, kind, helm, kubectl).
#   hack/kind.sh up [--dry-run]     create the cluster, build and load images, install
#                                   CloudNativePG and charts/pulse, apply example tenants
#   hack/kind.sh down [--dry-run]   delete the cluster
# --dry-run prints every command instead of running it (and skips tool checks).
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${PULSE_KIND_CLUSTER:-pulse}"
NAMESPACE="${PULSE_NAMESPACE:-pulse-system}"
TAG="${PULSE_IMAGE_TAG:-dev}"
CNPG_VERSION="${CNPG_CHART_VERSION:-0.23.0}"
DRY=0

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "kind.sh: $*" >&2; exit 2; }
run() {
  if [ "$DRY" = 1 ]; then printf '+ %s\n' "$*"; else "$@"; fi
}
need() {
  [ "$DRY" = 1 ] && return 0
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (install them: docker, kind, helm, kubectl)"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd="$1"; shift
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

case "$cmd" in
  up)
    need docker kind helm kubectl
    run kind create cluster --config kind-config.yaml --name "$CLUSTER"
    run docker build -f operator/Dockerfile -t "pulse-operator:$TAG" .
    run docker build -f services/etl/Dockerfile -t "pulse-etl:$TAG" .
    run docker build -f services/backend/Dockerfile -t "pulse-backend:$TAG" .
    # The web app's build context is its own folder (its Dockerfile says why).
    run docker build -t "pulse-frontend:$TAG" services/frontend
    run kind load docker-image "pulse-operator:$TAG" "pulse-etl:$TAG" "pulse-backend:$TAG" \
      "pulse-frontend:$TAG" --name "$CLUSTER"
    run helm repo add cnpg https://cloudnative-pg.github.io/charts --force-update
    run helm upgrade --install cnpg cnpg/cloudnative-pg --version "$CNPG_VERSION" \
      --namespace cnpg-system --create-namespace --wait
    run helm upgrade --install pulse charts/pulse --namespace "$NAMESPACE" --create-namespace \
      --set operator.image.repository=pulse-operator --set operator.image.tag="$TAG" \
      --set etl.image="pulse-etl:$TAG" \
      --set backend.image.repository=pulse-backend --set backend.image.tag="$TAG" \
      --set frontend.image.repository=pulse-frontend --set frontend.image.tag="$TAG"
    run kubectl -n "$NAMESPACE" wait --for=condition=Ready "cluster/pulse-postgres" --timeout=10m
    run kubectl apply -f examples/tenants/
    run kubectl wait --for=condition=Ready pt --all --timeout=10m
    run kubectl get pt
    ;;
  down)
    need kind
    run kind delete cluster --name "$CLUSTER"
    ;;
  *) die "unknown command '$cmd': use up or down" ;;
esac
