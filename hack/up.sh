#!/usr/bin/env bash
# Starts a local loco: checks the machine's prerequisites (installing none of them: a missing one is named with
# how to install it), installs the npm dependencies, builds (or reuses) the control plane, starts it, and prints
# what to do next.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_prerequisites
ensure_node_modules
ensure_control_plane
cd "$repo_root"
ensure_console
node hack/control-plane/cli.ts up "$@"
