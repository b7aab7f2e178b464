#!/usr/bin/env bash
# Builds (or reuses) Argo CD for the GitOps tests (test/gitops) from its Go module, cached by version outside the
# clone like the control plane (hack/build-control-plane.sh).
#
#   hack/build-argocd.sh            build it if missing, print the directory that holds it
#
# Output: $LOCO_CACHE_DIR/bin/argocd-<version>/
#   argocd                                   the single binary; it acts as the component its name (argv[0]) says
#   argocd-application-controller, argocd-repo-server     links to it
#   git-verify-wrapper.sh                    the repo server runs it by name from PATH
#   crds/application-crd.yaml, crds/appproject-crd.yaml
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${LOCO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loco}"
log() { printf '[build-argocd] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

: "${ARGOCD_VERSION:?ARGOCD_VERSION missing from hack/versions.env}"
: "${ARGOCD_GO_TOOLCHAIN:?ARGOCD_GO_TOOLCHAIN missing from hack/versions.env}"
command -v go >/dev/null || fail "Go is required to build Argo CD for the GitOps tests (go not on PATH)"

name="argocd-$ARGOCD_VERSION"
out="$cache/bin/$name"
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi

# One build at a time (two test runs may start together); the second one finds the first one's result.
mkdir -p "$cache/work"
exec 9>"$cache/work/$name.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi

# Argo CD's go.mod names a Go newer than the installed one; Go fetches that toolchain through the module proxy.
export GOTOOLCHAIN="$ARGOCD_GO_TOOLCHAIN"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
started=$SECONDS
log "Building Argo CD $ARGOCD_VERSION (a cold build takes 15-25 minutes on 2 cores; then it is cached)"
module=github.com/argoproj/argo-cd/v3
src="$(go mod download -json "$module@$ARGOCD_VERSION" | jq -r .Dir)"
[[ -d "$src" ]] || fail "could not download $module@$ARGOCD_VERSION through the Go module proxy"
# `go install` refuses a module with replace directives, so the build runs inside a writable copy of the module.
work="$cache/work/$name"
rm -rf "$work" "$out" && mkdir -p "$(dirname "$work")" "$out/crds"
cp -r "$src" "$work" && chmod -R u+w "$work"
# The module's go.mod points gitops-engine at ./gitops-engine, a nested module the published zip leaves out;
# use the nested module's own release of the same version instead. Its other replaces stay as they are.
engine=github.com/argoproj/argo-cd/gitops-engine/v3
(cd "$work" && go mod edit -replace "$engine=$engine@$ARGOCD_VERSION")
(cd "$work" && go build -trimpath \
  -ldflags "-s -w -X $module/common.version=${ARGOCD_VERSION#v} -X $module/common.gitTreeState=clean" \
  -o "$out/argocd" ./cmd) \
  || fail "building Argo CD failed (version in hack/versions.env; work directory $work)"
ln -sf argocd "$out/argocd-application-controller"
ln -sf argocd "$out/argocd-repo-server"
install -m 0755 "$work/hack/git-verify-wrapper.sh" "$out/git-verify-wrapper.sh"
cp "$work/manifests/crds/application-crd.yaml" "$work/manifests/crds/appproject-crd.yaml" "$out/crds/"
chmod u+w "$out"/crds/*.yaml
# The copy is only needed while building; keep the cache small (the module stays in Go's module cache).
rm -rf "$work"
touch "$out/.complete"
log "Argo CD ready in $out ($((SECONDS - started))s)"
echo "$out"
