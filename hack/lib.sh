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
  command -v npm >/dev/null || { say "npm is required (any Node >= 20 to bootstrap; the project pins its own Node)."; exit 1; }
  if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    # `npm install`, not `npm ci`: the registry reachable here lacks some of Biome's optional per-platform
    # packages, which npm leaves out of the lock file and `npm ci` then refuses; install honours the lock all the same.
    say "Installing npm dependencies (npm install)"
    npm install --no-audit --no-fund --loglevel=error
  fi
  export PATH="$repo_root/node_modules/.bin:$PATH"
}

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
  if ((${#missing[@]})); then say "Installing ${missing[*]} (for the tests)"; apt_install "${missing[@]}"; fi
}

ensure_control_plane() {
  bash "$repo_root/hack/build-control-plane.sh"
}

# The OpenTelemetry Collector the telemetry test exports to (built once per version, like the control plane).
ensure_otelcol() {
  bash "$repo_root/hack/build-otelcol.sh" >/dev/null
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
