#!/usr/bin/env bash
# Builds (or reuses) the local control-plane binaries from Go modules and caches them by version
# outside the clone, so a fresh CI clone on the same machine reuses them.
#
#   hack/build-control-plane.sh            build what is missing, print the bin directory
#
# Output layout: $LOCO_CACHE_DIR/bin/<component>-<version>/<binaries>, plus crds/ for third-party CRDs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${LOCO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loco}"
mkdir -p "$cache/bin" "$cache/crds" "$cache/work"
log() { printf '[build-control-plane] %s\n' "$*" >&2; }

# The Go checksum database is reachable through the module proxy here; keep Go's defaults.
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0

# A component is complete only when its stamp file exists: an interrupted build is redone, never half-used.
done_stamp() { echo "$cache/bin/$1/.complete"; }

module_dir() { go mod download -json "$1@$2" | jq -r .Dir; }

# Kubernetes' own go.mod replaces its staging modules with ./staging paths, which a dependent module cannot
# use; so we build from a wrapper module that points every staging module at its published v0.<minor>.<patch> tag.
build_kubernetes() {
  local name="kubernetes-$KUBERNETES_VERSION" out="$cache/bin/kubernetes-$KUBERNETES_VERSION"
  [[ -f "$(done_stamp "$name")" ]] && return 0
  log "Building Kubernetes $KUBERNETES_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); a cold build takes 10-20 minutes"
  local work="$cache/work/$name" staging_version="v0.${KUBERNETES_VERSION#v1.}"
  rm -rf "$work" "$out" && mkdir -p "$work" "$out"
  local src; src="$(module_dir k8s.io/kubernetes "$KUBERNETES_VERSION")"
  local go_directive godebug
  go_directive="$(awk '/^go /{print $2; exit}' "$src/go.mod")"
  godebug="$(grep -E '^godebug ' "$src/go.mod" || true)"
  {
    echo "module loco.dev/hack/kubernetes-build"
    echo "go $go_directive"
    [[ -n "$godebug" ]] && echo "$godebug"
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo "replace ("
    grep -oE 'k8s\.io/[a-z0-9.-]+ => \./staging/src/k8s\.io/[a-z0-9.-]+' "$src/go.mod" \
      | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl)
  touch "$(done_stamp "$name")"
}

# etcd's server module also carries ../ replace directives; same wrapper approach, kept separate from the
# Kubernetes wrapper so the two dependency graphs never mix.
build_etcd() {
  local name="etcd-$ETCD_VERSION" out="$cache/bin/etcd-$ETCD_VERSION"
  [[ -f "$(done_stamp "$name")" ]] && return 0
  log "Building etcd $ETCD_VERSION"
  local work="$cache/work/$name"
  rm -rf "$work" "$out" && mkdir -p "$work" "$out"
  local src; src="$(module_dir go.etcd.io/etcd/server/v3 "$ETCD_VERSION")"
  local go_directive; go_directive="$(awk '/^go /{print $2; exit}' "$src/go.mod")"
  {
    echo "module loco.dev/hack/etcd-build"
    echo "go $go_directive"
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo "replace ("
    grep -oE 'go\.etcd\.io/etcd/[a-z0-9/.-]+ => \.\./[a-z0-9/.-]*' "$src/go.mod" \
      | awk -v v="$ETCD_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  (cd "$work" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
  touch "$(done_stamp "$name")"
}

build_go_install() { # name version package
  local name="$1-$2" out="$cache/bin/$1-$2"
  [[ -f "$(done_stamp "$name")" ]] && return 0
  log "Building $1 $2"
  rm -rf "$out" && mkdir -p "$out"
  GOBIN="$out" go install -trimpath -ldflags "${4:-}" "$3@$2"
  touch "$(done_stamp "$name")"
}

# Third-party CRDs the operator writes: Gateway API (standard channel) and Envoy Gateway's BackendTrafficPolicy.
fetch_crds() {
  local out="$cache/crds/gateway-api-$GATEWAY_API_VERSION"
  if [[ ! -f "$out/.complete" ]]; then
    rm -rf "$out" && mkdir -p "$out"
    local src; src="$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")"
    for kind in gatewayclasses gateways httproutes grpcroutes referencegrants; do
      cp "$src/config/crd/standard/gateway.networking.k8s.io_$kind.yaml" "$out/"
    done
    chmod u+w "$out"/*.yaml && touch "$out/.complete"
  fi
  out="$cache/crds/envoy-gateway-$ENVOY_GATEWAY_VERSION"
  if [[ ! -f "$out/.complete" ]]; then
    rm -rf "$out" && mkdir -p "$out"
    local src; src="$(module_dir github.com/envoyproxy/gateway "$ENVOY_GATEWAY_VERSION")"
    local f
    # The plain CRD (the gateway-crds-helm copy is wrapped in Helm template guards); its folder moved in v1.8.
    f="$(find "$src/charts/gateway-helm" -path '*crds/generated/gateway.envoyproxy.io_backendtrafficpolicies.yaml' | head -n1)"
    [[ -n "$f" ]] || { log "BackendTrafficPolicy CRD not found in $src/charts"; return 1; }
    cp "$f" "$out/" && chmod u+w "$out"/*.yaml && touch "$out/.complete"
  fi
  # kwok's stage definitions and the CRDs of its canned-logs objects (Logs, ClusterLogs) ship in its module.
  # The second stamp makes caches made before the CRDs were copied pick them up.
  out="$cache/crds/kwok-$KWOK_VERSION"
  if [[ ! -f "$out/.complete" || ! -f "$out/.complete-crds" ]]; then
    rm -rf "$out" && mkdir -p "$out/crd"
    local src; src="$(module_dir sigs.k8s.io/kwok "$KWOK_VERSION")"
    cp -r "$src/kustomize/stage" "$out/"
    cp "$src/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" "$src/kustomize/crd/bases/kwok.x-k8s.io_clusterlogs.yaml" "$out/crd/"
    chmod -R u+w "$out" && touch "$out/.complete" "$out/.complete-crds"
  fi
  # The CRDs of kwok's exec objects (Exec, ClusterExec: which local command answers pods/exec), added to caches
  # made before; copied beside the others without wiping the folder a running control plane reads its stages from.
  if [[ ! -f "$out/.complete-exec-crds" ]]; then
    local src; src="$(module_dir sigs.k8s.io/kwok "$KWOK_VERSION")"
    cp "$src/kustomize/crd/bases/kwok.x-k8s.io_execs.yaml" "$src/kustomize/crd/bases/kwok.x-k8s.io_clusterexecs.yaml" "$out/crd/"
    chmod -R u+w "$out/crd" && touch "$out/.complete-exec-crds"
  fi
}

main() {
  local started=$SECONDS
  fetch_crds
  build_etcd
  build_go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "-s -w"
  # Without these, a `go install`ed helm v3 believes it talks to Kubernetes 1.20 when templating.
  local k8s_minor="${KUBERNETES_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
  build_go_install helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
    "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor"
  build_kubernetes
  log "Control-plane binaries ready in $cache/bin ($((SECONDS - started))s)"
}

main "$@"
