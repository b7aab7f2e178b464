// npm run cluster:up | cluster:down | cluster:status — the local control plane for development.
import { join } from "node:path";
import { isRunning, kubectl, readState, startControlPlane, stopControlPlane } from "./control-plane.ts";

const repoRoot = new URL("../..", import.meta.url).pathname;
const dir = process.env.LOCO_CLUSTER_DIR ?? join(repoRoot, ".loco", "cluster");
const say = (message: string) => process.stdout.write(`${message}\n`);

async function up(): Promise<void> {
  const existing = readState(dir);
  if (existing && isRunning(existing)) {
    say(`The local control plane is already running at ${existing.server}.`);
    say(`  export KUBECONFIG=${existing.kubeconfig}`);
    return;
  }
  const state = await startControlPlane({ dir, log: (m) => say(`  ${m}`) });
  say("");
  say(`Control plane is up (${state.startSeconds.toFixed(1)}s): ${state.server}`);
  say(`Kubeconfig: ${state.kubeconfig}`);
  say("");
  say("Next:");
  say(`  export KUBECONFIG=${state.kubeconfig}`);
  say("  kubectl get nodes                # kwok-node-0 Ready (a simulated node: pods run, Jobs complete)");
  say("  npm test                         # the whole test suite (starts its own control plane)");
  say("  npm run cluster:down             # stop it");
  say(`  (kubectl is built at ${(await import("./versions.ts")).binaryPaths().kubectl})`);
}

async function down(): Promise<void> {
  if (!readState(dir)) {
    say("No local control plane is running.");
    return;
  }
  await stopControlPlane(dir);
  say("Stopped the local control plane.");
}

async function status(): Promise<void> {
  const state = readState(dir);
  if (!state) {
    say("No local control plane is running. Start one with `npm start`.");
    process.exitCode = 1;
    return;
  }
  const running = isRunning(state);
  say(`${running ? "Running" : "Degraded (a process has exited)"}: ${state.server}`);
  say(`Kubeconfig: ${state.kubeconfig}`);
  for (const [name, pid] of Object.entries(state.pids)) say(`  ${name.padEnd(22)} pid ${pid}`);
  if (running) say(await kubectl(state, ["get", "nodes"]));
  if (!running) process.exitCode = 1;
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  process.stderr.write("Usage: cli.ts up|down|status\n");
  process.exit(64);
}
command().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
