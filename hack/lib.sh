# Shared set-up steps for hack/*.sh: each is idempotent and fast when already done.
# shellcheck shell=bash
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '==> %s\n' "$*" >&2; }

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  say "This step needs root: $*"; return 1; fi; }

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || { say "Cannot install $* automatically (no apt-get); please install it and retry."; return 1; }
  if [[ $apt_updated == 0 ]]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The project's Node (an LTS pinned as the `node` devDependency) lands in node_modules/.bin/node.
ensure_node_modules() {
  cd "$repo_root"
  command -v npm >/dev/null || { missing_npm_line >&2; exit 1; }
  if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    # `npm install`, not `npm ci`: the registry reachable here lacks some of Biome's optional per-platform
    # packages, which npm leaves out of the lock file and `npm ci` then refuses; install honours the lock all the same.
    say "Installing npm dependencies (npm install)"
    npm install --no-audit --no-fund --loglevel=error
  fi
  export PATH="$repo_root/node_modules/.bin:$PATH"
}

# What `npm start` needs from the machine. It installs none of it (no apt-get, no sudo): each missing one is named
# in one line with what needs it and how to install it, and the script stops. Go and jq are needed only while the
# control plane is not built yet (~/.cache/loco); git is not needed at all (npm's lock file has no git
# dependencies, Go fetches modules through its proxy and builds outside any repository).
missing_npm_line() {
  echo "Missing npm, which installs loco's dependencies and its own Node 24: install it (Debian/Ubuntu: sudo apt-get install npm), then run npm start again."
}

control_plane_cache() { echo "${LOCO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loco}"; }

# True when hack/build-control-plane.sh has nothing left to build: the stamp files it writes on completing each
# component and CRD folder, for the versions pinned in versions.env.
control_plane_cached() {
  (
    # shellcheck source=versions.env
    source "$repo_root/hack/versions.env"
    cache="$(control_plane_cache)"
    for stamp in \
      "bin/etcd-$ETCD_VERSION/.complete" "bin/kwok-$KWOK_VERSION/.complete" "bin/helm-$HELM_VERSION/.complete" \
      "bin/kubernetes-$KUBERNETES_VERSION/.complete" "crds/gateway-api-$GATEWAY_API_VERSION/.complete" \
      "crds/envoy-gateway-$ENVOY_GATEWAY_VERSION/.complete" "crds/kwok-$KWOK_VERSION/.complete" \
      "crds/kwok-$KWOK_VERSION/.complete-crds" "crds/kwok-$KWOK_VERSION/.complete-exec-crds"; do
      [[ -f "$cache/$stamp" ]] || exit 1
    done
  )
}

# The oldest Go that builds the control plane: the modules versions.env pins ask for Go 1.26 in their go.mod
# (etcd, kwok and helm; Kubernetes for 1.24). A Go from 1.21 on fetches that toolchain itself unless GOTOOLCHAIN
# forbids it (`local`, as some distributions set).
GO_MINOR_NEEDED=26
go_too_old() {
  local version toolchain minor
  version="$(go env GOVERSION 2>/dev/null)" || return 0
  toolchain="$(go env GOTOOLCHAIN 2>/dev/null || true)"
  [[ $version =~ ^go1\.([0-9]+) ]] || return 1 # a development build: trust it
  minor="${BASH_REMATCH[1]}"
  ((minor < 21)) && return 0
  ((minor < GO_MINOR_NEEDED)) && [[ $toolchain != auto && $toolchain != *+auto ]] && return 0
  return 1
}

# Prints one line per missing prerequisite of `npm start`; prints nothing when all are there.
missing_prerequisites() {
  command -v npm >/dev/null || missing_npm_line
  command -v openssl >/dev/null ||
    echo "Missing openssl, which makes the local control plane's certificates: install it (Debian/Ubuntu: sudo apt-get install openssl), then run npm start again."
  control_plane_cached && return 0
  local why="which builds the local control plane once (not in $(control_plane_cache) yet)"
  if ! command -v go >/dev/null; then
    echo "Missing Go, $why: install Go 1.$GO_MINOR_NEEDED or newer from https://go.dev/dl/ (Debian's golang-go package is older), then run npm start again."
  elif go_too_old; then
    echo "Go $(go env GOVERSION 2>/dev/null || echo '(version unknown)') at $(command -v go) is too old to build the local control plane once (not in $(control_plane_cache) yet): install Go 1.$GO_MINOR_NEEDED or newer from https://go.dev/dl/ and put it first on PATH, then run npm start again."
  fi
  command -v jq >/dev/null ||
    echo "Missing jq, which the control-plane build reads Go's module data with (the control plane is not in $(control_plane_cache) yet): install it (Debian/Ubuntu: sudo apt-get install jq), then run npm start again."
  return 0
}

require_prerequisites() {
  local missing
  missing="$(missing_prerequisites)"
  [[ -z $missing ]] && return 0
  printf '%s\n' "$missing" >&2
  exit 1
}

# The test suite's set-up (hack/test.sh) installs the same tools itself, so that CI needs nothing but this clone.
ensure_system_tools() {
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v go >/dev/null || missing+=(golang-go)
  command -v jq >/dev/null || missing+=(jq)
  if ((${#missing[@]})); then say "Installing ${missing[*]}"; apt_install "${missing[@]}"; fi
}

# What only the test suite needs (never installed by `npm start`).
ensure_test_tools() {
  local missing=()
  # The Argo CD health checks (charts/loco/argocd/*.lua) are unit-tested with a real Lua interpreter.
  command -v lua5.4 >/dev/null || missing+=(lua5.4)
  # The CLI's real-terminal test (test/e2e/tmux.test.ts) drives `loco deploy --wait` in a tmux pane.
  command -v tmux >/dev/null || missing+=(tmux)
  # The GitOps test (test/gitops) runs a real Argo CD, which keeps its cache in Redis; it also needs git.
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v git >/dev/null || missing+=(git)
  # The web console's browser tests (test/console) drive Debian's headless Chromium through Playwright; no
  # browser is ever downloaded.
  [[ -x /usr/bin/chromium-headless-shell ]] || missing+=(chromium-headless-shell)
  # The console's metrics page and canary analysis are tested against a real Prometheus server.
  [[ -x /usr/bin/prometheus ]] || missing+=(prometheus)
  if ((${#missing[@]})); then say "Installing ${missing[*]} (for the tests)"; apt_install "${missing[@]}"; fi
}

# The web console's static files (dist/console), rebuilt only when a digest of its sources changed.
ensure_console() {
  node "$repo_root/hack/build-console.ts"
}

ensure_control_plane() {
  bash "$repo_root/hack/build-control-plane.sh"
}

# The OpenTelemetry Collector the telemetry test exports to (built once per version, like the control plane).
ensure_otelcol() {
  bash "$repo_root/hack/build-otelcol.sh" >/dev/null
}

# Argo CD's application controller and repo server for the GitOps test (built once per version; a cold build
# takes 15-25 minutes on 2 cores, so it is done here rather than inside a test's time limit).
ensure_argocd() {
  bash "$repo_root/hack/build-argocd.sh" >/dev/null
}

# The API's fuzz test runs Schemathesis (`st`, from PyPI); without it that test would only be skipped.
ensure_schemathesis() {
  command -v st >/dev/null && return 0
  export PATH="$HOME/.local/bin:$PATH"
  command -v st >/dev/null && return 0
  say "Installing Schemathesis from PyPI"
  command -v python3 >/dev/null || apt_install python3 python3-pip
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  python3 -m pip install --user --quiet schemathesis 2>/dev/null ||
    python3 -m pip install --user --quiet --break-system-packages schemathesis
  command -v st >/dev/null || { say "Schemathesis installed but \`st\` is not on PATH"; return 1; }
}

# Integration tests need a real PostgreSQL server binary (they start a private instance per run), unless
# LOCO_TEST_DATABASE_URL points at a server already.
ensure_postgres() {
  [[ -n "${LOCO_TEST_DATABASE_URL:-}" ]] && return 0
  if [[ -n "${LOCO_POSTGRES_BIN:-}" ]] || compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then return 0; fi
  say "Installing PostgreSQL from Debian packages"
  apt_install postgresql
}
