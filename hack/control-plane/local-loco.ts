// Turns a bare local control plane into a local loco: loco's CRDs, a Gateway, the example dev and prod Profiles, the
// local OpenID Provider, and the platform process (operator with its mirror, API and resurrector on one embedded
// database, hack/local/platform.ts) running in the background, stopped with the control plane. A restart on kept
// data only refreshes the CRDs and starts the processes: what the user changed or deleted stays that way. The
// platform's own state (database, key, provider, CLI token) lives beside the cluster's folder, in `platform/`, so
// that losing etcd's data does not lose it: the resurrector then restores the cluster from the database.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { connectDatabase } from "../../db/connect.ts";
import { type PlatformReport, reportPath } from "../local/platform.ts";
import {
  type ControlPlaneState,
  kubectl,
  readState,
  startControlPlane,
  stopControlPlane,
  waitForCrdsEstablished,
} from "./control-plane.ts";
import { freePortPreferring } from "./free-port.ts";
import { launchSupervised, processAlive } from "./processes.ts";
import { componentStatuses, platformDirOf } from "./status.ts";

export { platformDirOf };

const repoRoot = new URL("../..", import.meta.url).pathname;
/** Written once the examples are in, so a restart does not bring back what the user deleted since. */
const seededMarker = (dir: string) => join(dir, "seeded");

/** The local user: platform admin and owner of the local tenant; the local provider signs them in. */
export const LOCAL_USER = "developer";
export const LOCAL_TENANT = "acme";
export const CLI_CLIENT_ID = "loco-cli";
/** The platform's processes, in start order (keys of the control plane's state). */
export const PLATFORM_KEYS = ["locoOidc", "locoPlatform"] as const;

export interface LocalLoco {
  state: ControlPlaneState;
  platform: PlatformReport;
  /** The local OpenID Provider's issuer. */
  issuer: string;
  platformDir: string;
  /** True when the control plane restarted on the state an earlier `npm start` left. */
  restarted: boolean;
  /** Apps, Pipelines, Runs and Profiles in the cluster once it is up. */
  locoObjects: number;
}

export interface LocalLocoOptions {
  dir: string;
  /** The platform's state (database, key, provider, CLI token); default: `platform/` beside `dir`. */
  platformDir?: string;
  /** postgres://… instead of the embedded database. */
  databaseUrl?: string;
  /** The processes and the control plane stop by themselves when this PID exits (0: run until stopped). */
  ownerPid?: number;
  log?: (message: string) => void;
}

/** `npm start`: the control plane on the folder's existing state (or a new one), loco's CRDs and the platform. */
export async function startLocalLoco(options: LocalLocoOptions): Promise<LocalLoco> {
  const ownerPid = options.ownerPid ?? 0;
  const platformDir = options.platformDir ?? platformDirOf(options.dir);
  mkdirSync(platformDir, { recursive: true, mode: 0o700 });
  const state = await startControlPlane({ dir: options.dir, ownerPid, log: options.log, keep: true });
  try {
    // A database that outlived its cluster is restored from (the platform's resurrector), not seeded over.
    const databaseKept = options.databaseUrl
      ? await serverHasState(options.databaseUrl)
      : existsSync(join(platformDir, "db"));
    const seed = (!state.keptData || !existsSync(seededMarker(state.dir))) && !databaseKept;
    await installCrds(state);
    await installGateway(state);
    await installSimulatedPodLogs(state);
    if (seed) {
      await installExampleProfiles(state);
      writeFileSync(seededMarker(state.dir), `${new Date().toISOString()}\n`);
    }
    const { issuer } = await launchPlatform(state, { platformDir, ownerPid, databaseUrl: options.databaseUrl });
    const platform = await waitForPlatform(state, platformDir);
    return {
      state,
      platform,
      issuer,
      platformDir,
      restarted: state.keptData,
      locoObjects: await countLocoObjects(state),
    };
  } catch (error) {
    await stopControlPlane(options.dir);
    throw error;
  }
}

/** Whether a Postgres server already holds loco objects (an earlier local platform's, to restore rather than seed). */
async function serverHasState(url: string): Promise<boolean> {
  const database = await connectDatabase(url);
  try {
    const { rows } = await sql<{ found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM resources WHERE deleted_at IS NULL) AS found`.execute(database.db);
    return rows[0]?.found === true;
  } catch {
    return false; // no schema yet: a fresh database
  } finally {
    await database.close();
  }
}

/** Ports the platform had last time, so the API keeps its URL (and the CLI's context) across restarts. */
function keptPorts(platformDir: string): Record<string, number> {
  const path = join(platformDir, "ports.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, number>) : {};
}

/** Starts the local OpenID Provider and the platform process, supervised, and records how to restart them. */
async function launchPlatform(
  state: ControlPlaneState,
  options: { platformDir: string; ownerPid: number; databaseUrl: string | undefined },
): Promise<{ issuer: string }> {
  const kept = keptPorts(options.platformDir);
  // Tests run several local platforms at once: they take any free ports, never the well-known ones.
  const wellKnown = process.env.LOCO_LOCAL_ANY_PORTS === "1" ? {} : { api: 8800, oidc: 8801 };
  const ports = {
    locoApi: await freePortPreferring(kept.locoApi ?? wellKnown.api),
    locoOidc: await freePortPreferring(kept.locoOidc ?? wellKnown.oidc),
    locoOperator: await freePortPreferring(kept.locoOperator),
  };
  writeFileSync(join(options.platformDir, "ports.json"), `${JSON.stringify(ports, null, 2)}\n`);
  const apiUrl = `http://127.0.0.1:${ports.locoApi}`;
  const issuer = `http://127.0.0.1:${ports.locoOidc}`;
  const commands = {
    locoOidc: {
      name: "loco-oidc-provider",
      command: process.execPath,
      args: [
        join(repoRoot, "hack", "local", "oidc-main.ts"),
        "--dir",
        join(options.platformDir, "oidc"),
        "--port",
        String(ports.locoOidc),
        "--audience",
        apiUrl,
        "--user",
        LOCAL_USER,
        "--client",
        CLI_CLIENT_ID,
      ],
    },
    locoPlatform: {
      name: "loco-platform",
      command: process.execPath,
      args: [
        join(repoRoot, "hack", "local", "platform-main.ts"),
        "--dir",
        options.platformDir,
        "--kubeconfig",
        state.kubeconfig,
        "--api-port",
        String(ports.locoApi),
        "--operator-port",
        String(ports.locoOperator),
        "--oidc-issuer",
        issuer,
        "--oidc-client-id",
        CLI_CLIENT_ID,
        "--user",
        LOCAL_USER,
        "--tenant",
        LOCAL_TENANT,
        ...(options.databaseUrl ? ["--database-url", options.databaseUrl] : []),
      ],
    },
  };
  rmSync(reportPath(options.platformDir), { force: true });
  for (const [key, spec] of Object.entries(commands)) {
    state.pids[key] = launchSupervised(state.dir, spec.name, options.ownerPid, spec.command, spec.args);
    state.commands[key] = spec;
  }
  Object.assign(state.ports, ports);
  writeFileSync(join(state.dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  return { issuer };
}

/** Until the platform has written its report and every component answers, so `cluster:status` is green after. */
export async function waitForPlatform(
  state: ControlPlaneState,
  platformDir: string,
  timeoutMs = 180_000,
): Promise<PlatformReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = PLATFORM_KEYS.find((key) => !processAlive(state.pids[key] ?? 0));
    if (dead) {
      const name = state.commands[dead]?.name ?? dead;
      throw new Error(`${name} exited while starting; the end of its log:\n${tail(join(state.dir, `${name}.log`))}`);
    }
    if (existsSync(reportPath(platformDir))) {
      const statuses = await componentStatuses(state, ["locoOperator", "locoApi", "database", "locoOidc"]);
      if (statuses.every((s) => s.healthy)) {
        return JSON.parse(readFileSync(reportPath(platformDir), "utf8")) as PlatformReport;
      }
      if (Date.now() > deadline) {
        const down = statuses.filter((s) => !s.healthy).map((s) => `${s.name} (${s.health})`);
        throw new Error(`The local platform did not become healthy: ${down.join(", ")}; logs are in ${state.dir}`);
      }
    } else if (Date.now() > deadline) {
      throw new Error(
        `The local platform did not start within ${timeoutMs / 1000} s; see ${join(state.dir, "loco-platform.log")}`,
      );
    }
    await sleep(250);
  }
}

/** The last lines of a log, for an error message. */
function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return "(no log)";
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Relaunches the platform's processes that have died (the control plane still runs), keeping their addresses. */
export async function reviveLocalLoco(state: ControlPlaneState, platformDir: string): Promise<string[]> {
  const revived: string[] = [];
  for (const key of PLATFORM_KEYS) {
    const spec = state.commands[key];
    if (!spec || processAlive(state.pids[key] ?? 0)) continue;
    if (key === "locoPlatform") rmSync(reportPath(platformDir), { force: true });
    state.pids[key] = launchSupervised(state.dir, spec.name, state.ownerPid, spec.command, spec.args);
    revived.push(spec.name);
  }
  if (revived.length > 0) {
    writeFileSync(join(state.dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
    await waitForPlatform(state, platformDir);
  }
  return revived;
}

/** `npm run cluster:reset`: stops every process and deletes the cluster's and the platform's folders. */
export async function resetLocalLoco(dir: string, platformDir = platformDirOf(dir)): Promise<void> {
  if (readState(dir)) await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
  rmSync(platformDir, { recursive: true, force: true });
}

/** Every App, Pipeline, Run and Profile in every namespace (what the user made; not loco's own bookkeeping). */
export async function countLocoObjects(state: Pick<ControlPlaneState, "kubeconfig">): Promise<number> {
  const kinds = "apps.loco.dev,pipelines.loco.dev,runs.loco.dev,profiles.loco.dev";
  const names = await kubectl(state, ["get", kinds, "--all-namespaces", "-o", "name"]);
  return names.split("\n").filter(Boolean).length;
}

/** loco's CRDs, on every start: they may have changed since the last one. */
async function installCrds(state: ControlPlaneState): Promise<void> {
  const generated = join(repoRoot, "crds", "generated");
  const crds = readdirSync(generated).filter((f) => /^loco\.dev_.*\.yaml$/.test(f));
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    ...crds.flatMap((f) => ["-f", join(generated, f)]),
  ]);
  await waitForCrdsEstablished(state, state.dir, "app.kubernetes.io/part-of=loco");
}

/**
 * The Gateway the Profiles route through, on every start: it is the platform's, not the user's data, and the
 * resurrector does not restore it (it restores loco's objects and the tenants' namespaces).
 */
async function installGateway(state: ControlPlaneState): Promise<void> {
  const manifests = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "loco-system" } },
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
}

/**
 * What `loco logs` shows for a simulated pod: kwok answers the apiserver's pods/log requests from a file named by a
 * ClusterLogs object (every namespace), so the logs of an App or a Run say why there is nothing else to read.
 */
async function installSimulatedPodLogs(state: ControlPlaneState): Promise<void> {
  const file = join(state.dir, "simulated-pod.log");
  // One line in the CRI log format the kubelet (and kwok) read: <RFC 3339 time> <stream> F <message>.
  writeFileSync(
    file,
    `${new Date().toISOString()} stdout F This pod runs on a simulated node (kwok): no container runs, so it writes no logs.\n`,
  );
  const clusterLogs = {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "ClusterLogs",
    metadata: { name: "loco-simulated-pods" },
    spec: { selector: {}, logs: [{ logsFile: file, follow: false }] },
  };
  await kubectl(state, ["apply", "--server-side", "--field-manager=loco-hack", "-f", "-"], JSON.stringify(clusterLogs));
}

/**
 * The example Profiles, on a first start: what a user gets to try. The tenant and its namespaces are made by the
 * platform, through the API, once the operator has mirrored these Profiles.
 */
async function installExampleProfiles(state: ControlPlaneState): Promise<void> {
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
