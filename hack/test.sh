#!/usr/bin/env bash
# The whole test suite, with its own set-up: npm dependencies (including the pinned Node), the cached control
# plane, Postgres. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_system_tools
ensure_test_tools
ensure_node_modules
ensure_control_plane
ensure_otelcol
ensure_argocd
ensure_schemathesis
ensure_postgres
cd "$repo_root"
ensure_console

say "Checking generated files, types and lint"
npm run --silent generate:check
tsc --noEmit -p tsconfig.json
tsc --noEmit -p console/tsconfig.json
biome check --reporter=summary .

say "Running tests"
results="$repo_root/.vitest-results.json"
rm -f "$results"
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
if [[ -f "$results" ]]; then
  # A plain closing line that CI reads whatever the runner: "N passed, N failed".
  summary="$(jq -r '"\(.numPassedTests) passed, \(.numFailedTests) failed" + (if .numPendingTests > 0 then ", \(.numPendingTests) skipped" else "" end)' "$results")"
else
  summary="0 passed, 1 failed"
fi
echo "$summary"
exit "$status"
