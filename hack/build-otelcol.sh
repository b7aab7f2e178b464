#!/usr/bin/env bash
# Builds (or reuses) the test OpenTelemetry Collector (hack/otelcol: OTLP receiver, file and debug exporters)
# from Go modules, cached by version outside the clone like the control plane (hack/build-control-plane.sh).
#
#   hack/build-otelcol.sh            build it if missing, print the path of the binary
#
# Output: $LOCO_CACHE_DIR/bin/otelcol-<version>/otelcol
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${LOCO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loco}"
log() { printf '[build-otelcol] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

: "${OTELCOL_VERSION:?OTELCOL_VERSION missing from hack/versions.env}"
: "${OTELCOL_STABLE_VERSION:?OTELCOL_STABLE_VERSION missing from hack/versions.env}"
command -v go >/dev/null || fail "Go is required to build the test OpenTelemetry Collector (go not on PATH)"

# The cache key is the collector version plus a hash of every other input (the wrapper's sources and the stable
# modules' version), so editing hack/otelcol/*.go or a version rebuilds.
src_hash="$({ cat "$here"/otelcol/*.go; echo "$OTELCOL_VERSION $OTELCOL_STABLE_VERSION"; } | sha256sum | cut -c1-12)"
name="otelcol-$OTELCOL_VERSION-$src_hash"
out="$cache/bin/$name"
if [[ -f "$out/.complete" ]]; then
  echo "$out/otelcol"
  exit 0
fi

# One build at a time (two test runs may start together); the second one finds the first one's result.
mkdir -p "$cache/work"
exec 9>"$cache/work/$name.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
  echo "$out/otelcol"
  exit 0
fi

export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0
started=$SECONDS
log "Building the test OpenTelemetry Collector $OTELCOL_VERSION (a cold build takes 4-11 minutes; then it is cached)"
work="$cache/work/$name"
rm -rf "$work" "$out" && mkdir -p "$work" "$out"
cp "$here"/otelcol/*.go "$work/"
# No `go mod tidy`: it also resolves the tests of dependencies, some of whose modules the proxy does not serve;
# `go build -mod=mod` resolves only what the binary needs.
core=go.opentelemetry.io/collector
{
  echo "module loco.dev/hack/otelcol"
  echo "go 1.26"
  echo "require ("
  for m in otelcol component connector exporter exporter/debugexporter extension processor receiver \
    receiver/otlpreceiver service; do
    echo "	$core/$m $OTELCOL_VERSION"
  done
  for m in confmap confmap/provider/envprovider confmap/provider/fileprovider confmap/provider/yamlprovider; do
    echo "	$core/$m $OTELCOL_STABLE_VERSION"
  done
  echo "	github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter $OTELCOL_VERSION"
  echo ")"
} > "$work/go.mod"
(cd "$work" && go build -trimpath -ldflags "-s -w -X main.version=$OTELCOL_VERSION" -o "$out/otelcol" .) \
  || fail "building the collector failed (module versions in hack/versions.env; work directory $work)"
touch "$out/.complete"
log "OpenTelemetry Collector ready in $out ($((SECONDS - started))s)"
echo "$out/otelcol"
