#!/usr/bin/env bash
# Starts a local loco: installs what is needed, builds (or reuses) the control plane, starts it, and prints
# what to do next.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_system_tools
ensure_node_modules
ensure_control_plane
cd "$repo_root"
node hack/control-plane/cli.ts up
