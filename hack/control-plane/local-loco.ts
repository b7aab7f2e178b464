// Turns a bare local control plane into a local loco: loco's CRDs, a Gateway, the example dev and prod Profiles,
// a tenant's namespaces, and the operator running in the background (stopped with the control plane). A restart
// on kept data only refreshes the CRDs and starts the operator: what the user changed or deleted stays that way.
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ControlPlaneState,
  kubectl,
  readState,
  startControlPlane,
  stopControlPlane,
  waitForCrdsEstablished,
} from "./control-plane.ts";
import { freePort } from "./free-port.ts";
import { launchSupervised } from "./processes.ts";
import { componentStatuses } from "./status.ts";

const repoRoot = new URL("../..", import.meta.url).pathname;
/** Written once the examples are in, so a restart does not bring back what the user deleted since. */
const seededMarker = (dir: string) => join(dir, "seeded");

export interface LocalLoco {
  state: ControlPlaneState;
  operatorLog: string;
  healthPort: number;
  /** True when the control plane restarted on the state an earlier `npm start` left. */
  restarted: boolean;
  /** Apps, Pipelines, Runs and Profiles in the cluster once it is up. */
  locoObjects: number;
}

export interface LocalLocoOptions {
  dir: string;
  /** The operator and the control plane stop by themselves when this PID exits (0: run until stopped). */
  ownerPid?: number;
  log?: (message: string) => void;
}

/** `npm start`: the control plane on the folder's existing state (or a new one), loco's CRDs and the operator. */
export async function startLocalLoco(options: LocalLocoOptions): Promise<LocalLoco> {
  const ownerPid = options.ownerPid ?? 0;
  const state = await startControlPlane({ dir: options.dir, ownerPid, log: options.log, keep: true });
  try {
    const seed = !state.keptData || !existsSync(seededMarker(state.dir));
    const { operatorLog, healthPort } = await bootstrapLocalLoco(state, { seed, ownerPid });
    await waitForOperator(state, operatorLog);
    return { state, operatorLog, healthPort, restarted: state.keptData, locoObjects: await countLocoObjects(state) };
  } catch (error) {
    await stopControlPlane(options.dir);
    throw error;
  }
}

/** Until the operator answers /healthz, so that `cluster:status` right after `npm start` shows it healthy. */
async function waitForOperator(state: ControlPlaneState, operatorLog: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [operator] = await componentStatuses(state, ["locoOperator"]);
    if (operator?.healthy) return;
    if (Date.now() > deadline || operator?.health.startsWith("process")) {
      throw new Error(
        `loco-operator did not become healthy (${operator?.health ?? "not started"}); see ${operatorLog}`,
      );
    }
    await sleep(250);
  }
}

/** `npm run cluster:reset`: stops every process and deletes the folder, objects and all. */
export async function resetLocalLoco(dir: string): Promise<void> {
  if (readState(dir)) await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Every object of a loco kind (the `loco` category: Apps, Pipelines, Runs, Profiles) in every namespace. */
export async function countLocoObjects(state: Pick<ControlPlaneState, "kubeconfig">): Promise<number> {
  const names = await kubectl(state, ["get", "loco", "--all-namespaces", "-o", "name"]);
  return names.split("\n").filter(Boolean).length;
}

async function bootstrapLocalLoco(
  state: ControlPlaneState,
  { seed, ownerPid, tenant = "acme" }: { seed: boolean; ownerPid: number; tenant?: string },
): Promise<{ operatorLog: string; healthPort: number }> {
  const generated = join(repoRoot, "crds", "generated");
  const crds = readdirSync(generated).filter((f) => /^loco\.dev_.*\.yaml$/.test(f));
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    ...crds.flatMap((f) => ["-f", join(generated, f)]),
  ]);
  await waitForCrdsEstablished(state, state.dir, "app.kubernetes.io/part-of=loco");
  if (seed) {
    await seedExamples(state, tenant);
    writeFileSync(seededMarker(state.dir), `${new Date().toISOString()}\n`);
  }

  const healthPort = await freePort();
  state.pids.locoOperator = launchSupervised(state.dir, "loco-operator", ownerPid, process.execPath, [
    join(repoRoot, "operator", "main.ts"),
    "--kubeconfig",
    state.kubeconfig,
    "--no-leader-elect",
    "--health-address",
    `127.0.0.1:${healthPort}`,
  ]);
  state.ports.locoOperator = healthPort;
  writeFileSync(join(state.dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  return { operatorLog: join(state.dir, "loco-operator.log"), healthPort };
}

/** The Gateway, the tenant's namespaces and the example Profiles: what a first start gives a user to try. */
async function seedExamples(state: ControlPlaneState, tenant: string): Promise<void> {
  const namespaces = ["dev", "prod"].map((profile) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: `${tenant}-${profile}`, labels: { "loco.dev/tenant": tenant, "loco.dev/profile": profile } },
  }));
  const manifests = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "loco-system" } },
    ...namespaces,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: "loco-system" },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
  ];
  await kubectl(
    state,
    ["apply", "--server-side", "--field-manager=loco-hack", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }),
  );
  const examples = join(repoRoot, "docs", "examples");
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    "-f",
    join(examples, "profile-dev.yaml"),
    "-f",
    join(examples, "profile-prod.yaml"),
  ]);
}
