// npm start (cluster:up) | cluster:down | cluster:status | cluster:reset — the local loco for development. Its state
// lives in .loco/cluster and survives cluster:down; cluster:reset is the one command that deletes it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { isRunning, readState, stopControlPlane } from "./control-plane.ts";
import { resetLocalLoco, startLocalLoco } from "./local-loco.ts";
import { componentStatuses, formatStatuses } from "./status.ts";
import { binaryPaths } from "./versions.ts";

const repoRoot = new URL("../..", import.meta.url).pathname;
const dir = process.env.LOCO_CLUSTER_DIR ?? join(repoRoot, ".loco", "cluster");
const say = (message: string) => process.stdout.write(`${message}\n`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

async function up(): Promise<void> {
  const existing = readState(dir);
  if (existing && isRunning(existing)) {
    say(`The local control plane is already running at ${existing.server}.`);
    say(`  export KUBECONFIG=${existing.kubeconfig}`);
    return;
  }
  const hadState = existsSync(join(dir, "etcd-data"));
  const loco = await startLocalLoco({ dir, log: (m) => say(`  ${m}`) }).catch((error: unknown) => {
    if (!hadState) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${reason}\nThe restart used the state kept in ${dir}. If that state is damaged, ` +
        "`npm run cluster:reset` deletes it (and every object in it) so that `npm start` begins afresh.",
    );
  });
  const { state } = loco;
  const kubectlPath = binaryPaths().kubectl;
  if (loco.restarted) {
    say("  Updated loco's CRDs (the namespaces, Gateway and Profiles are as you left them)");
  } else {
    say(
      "  Installed loco's CRDs, Gateway loco-system/public, Profiles dev and prod, namespaces acme-dev and acme-prod",
    );
  }
  say(`  Started loco-operator (log: ${loco.operatorLog}; metrics: http://127.0.0.1:${loco.healthPort}/metrics)`);
  say("");
  if (loco.restarted) {
    say(
      `Restarted the local control plane on its existing state (${plural(loco.locoObjects, "loco object")}) in ` +
        `${state.startSeconds.toFixed(1)}s. Kubeconfig: ${state.kubeconfig}`,
    );
    say("To start from an empty cluster instead: npm run cluster:reset && npm start");
    return;
  }
  say(`loco is running locally (${state.startSeconds.toFixed(1)}s). Kubeconfig: ${state.kubeconfig}`);
  say("");
  say("Next:");
  say(`  alias kubectl=${kubectlPath}   # the kubectl built with the control plane`);
  say(`  export KUBECONFIG=${state.kubeconfig}`);
  say("  kubectl get nodes                                   # kwok-node-0 Ready: a simulated node");
  say("  kubectl apply -f docs/examples/app-http.yaml       # an App in acme-prod (tenant acme, profile prod)");
  say("  kubectl get loco -A                                 # Apps, Profiles, Pipelines and Runs, with status");
  say("  kubectl get deploy,svc,httproute -n acme-prod       # what the operator made of it");
  say("  npm run cluster:status                              # every component with its PID and health");
  say("  npm run cluster:down                                # stop everything (npm start resumes where you were)");
}

async function down(): Promise<void> {
  if (!readState(dir)) {
    say("No local control plane is running.");
    return;
  }
  await stopControlPlane(dir);
  say(`Stopped the local control plane; its state is kept in ${dir} (npm start resumes it, cluster:reset wipes it).`);
}

async function status(): Promise<void> {
  const state = readState(dir);
  if (!state) {
    const kept = existsSync(join(dir, "etcd-data"));
    say(
      kept
        ? `The local control plane is stopped; its state is kept in ${dir}. Start it again with \`npm start\`.`
        : "No local control plane is running. Start one with `npm start`.",
    );
    process.exitCode = 1;
    return;
  }
  say(`Kubeconfig: ${state.kubeconfig}`);
  const statuses = await componentStatuses(state);
  say(formatStatuses(statuses));
  const down = statuses.filter((s) => !s.healthy);
  if (down.length > 0) {
    say("");
    say(
      `Down: ${down.map((s) => `${s.name} (${s.health})`).join(", ")}. Its log is in ${dir}; ` +
        "`npm run cluster:down && npm start` restarts everything on the same state.",
    );
    process.exitCode = 1;
  }
}

/** "yes" with --yes or a "y" typed on the terminal; "no terminal" when there is none to ask on. */
async function confirmReset(): Promise<"yes" | "no" | "no terminal"> {
  if (process.argv.includes("--yes")) return "yes";
  if (!process.stdin.isTTY || !process.stdout.isTTY) return "no terminal";
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(
    `Delete the local cluster in ${dir}, with every App, Pipeline, Run and Profile in it? [y/N] `,
  );
  prompt.close();
  return /^y(es)?$/i.test(answer.trim()) ? "yes" : "no";
}

async function reset(): Promise<void> {
  if (!existsSync(dir)) {
    say(`Nothing to reset: ${dir} does not exist.`);
    return;
  }
  const answer = await confirmReset();
  if (answer === "no terminal") {
    process.stderr.write(
      `Refused to delete ${dir} without confirmation: there is no terminal to ask on. Run \`npm run cluster:reset -- --yes\`.\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (answer === "no") {
    say("Kept the local cluster; nothing was deleted.");
    process.exitCode = 1;
    return;
  }
  await resetLocalLoco(dir);
  say(`Stopped the local control plane and deleted ${dir}. \`npm start\` creates a new, empty one.`);
}

const commands: Record<string, () => Promise<void>> = { up, down, status, reset };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  process.stderr.write("Usage: cli.ts up|down|status|reset [--yes]\n");
  process.exit(64);
}
command().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
