// npm run cluster:up | cluster:down | cluster:status — the local control plane for development.
import { join } from "node:path";
import { isRunning, kubectl, readState, startControlPlane, stopControlPlane } from "./control-plane.ts";
import { bootstrapLocalLoco } from "./local-loco.ts";
import { binaryPaths } from "./versions.ts";

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
  const loco = await bootstrapLocalLoco(state);
  const kubectlPath = binaryPaths().kubectl;
  say("  Installed loco's CRDs, Gateway loco-system/public, Profiles dev and prod, namespaces acme-dev and acme-prod");
  say(`  Started loco-operator (log: ${loco.operatorLog}; metrics: http://127.0.0.1:${loco.healthPort}/metrics)`);
  say("");
  say(`loco is running locally (${state.startSeconds.toFixed(1)}s). Kubeconfig: ${state.kubeconfig}`);
  say("");
  say("Next:");
  say(`  alias kubectl=${kubectlPath}   # the kubectl built with the control plane`);
  say(`  export KUBECONFIG=${state.kubeconfig}`);
  say("  kubectl get nodes                                   # kwok-node-0 Ready: a simulated node");
  say("  kubectl apply -f docs/examples/app-http.yaml       # an App in acme-prod (tenant acme, profile prod)");
  say("  kubectl get loco -A                                 # Apps, Profiles, Pipelines and Runs, with status");
  say("  kubectl get deploy,svc,httproute -n acme-prod       # what the operator made of it");
  say("  npm run cluster:down                                # stop everything");
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
