// Convergence benchmark: how long loco-operator takes to turn N Apps into their children, against the floor —
// the same child objects server-side-applied directly by a plain client with at least as many requests in flight
// as the operator had (both measured and printed; a ratio below 0.95 prints a warning that the floor is wrong), on a
// fresh control plane each. Also: reconcile latency, operator memory at N Apps, and what an idle resync costs.
//
//   npm run bench:convergence            (N = 200 and 1000; BENCH_SIZES=200 to run one size)
//   BENCH_SIZES=10000 BENCH_FLOOR_TWICE=0 npm run bench:convergence      (the floor runs once, before loco)
//
// Prints its figures and writes bench/results/convergence.json. A benchmark, not a test: nothing here fails on
// a threshold.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import type { AppSpec } from "../crds/app.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../crds/app-names.ts";
import { claimName } from "../crds/hostname-claim.ts";
import { APP, HOSTNAME_CLAIM, PROFILE } from "../crds/kinds.ts";
import type { ProfileSpec } from "../crds/profile.ts";
import { type ControlPlaneState, startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { DEFAULT_MAX_SOCKETS, KubeApiError, KubeClient, resourcePath } from "../kube/kube-client.ts";
import { BACKEND_TRAFFIC_POLICY, DEPLOYMENT, EVENT, HTTP_ROUTE, SECRET, SERVICE } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import {
  type AppInputs,
  desiredDeployment,
  desiredHttpRoute,
  desiredSecret,
  desiredService,
  desiredTrafficPolicy,
  requestedHostnames,
} from "../operator/reconcilers/app/desired.ts";
import { ownerReferenceTo } from "../operator/runtime/children.ts";
import { applyApps, countReady, type Fleet, mapLimit, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { residentKB } from "../test/support/resident-memory.ts";
import { compiledEntry } from "./compile.ts";

// The operator's workers (--concurrency): its default unless BENCH_CONCURRENCY says otherwise.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Requests the floor keeps in flight: the operator's client has 32 sockets (kube/kube-client.ts). */
const FLOOR_IN_FLIGHT = Number(process.env.BENCH_FLOOR_IN_FLIGHT ?? 32);
const SHARD_LABEL = "loco.dev/bench-shard";
// BENCH_FLOOR=0: the operator's figures only (memory and latency experiments); nothing is written to the results.
const WITH_FLOOR = process.env.BENCH_FLOOR !== "0";
// BENCH_HEAP_SNAPSHOT_DIR=/tmp/heap: a heap snapshot of the operator after the RSS is read (it is not cheap).
const HEAP_SNAPSHOT_DIR = process.env.BENCH_HEAP_SNAPSHOT_DIR;
// BENCH_QUICK=1 with BENCH_FLOOR=0: stop at convergence (no all-Ready wait, no idle resync), for trying settings.
const QUICK = !WITH_FLOOR && process.env.BENCH_QUICK === "1";
const sizes = (process.env.BENCH_SIZES ?? "200,1000").split(",").map(Number);
const resultsDir = new URL("./results/", import.meta.url).pathname;
const log = (message: string) => process.stdout.write(`${message}\n`);

async function withControlPlane<T>(work: (plane: ControlPlaneState, client: KubeClient) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "loco-bench-"));
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  await installLocoCrds(plane.kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  const client = await KubeClient.create(config, { maxSockets: 64 });
  try {
    return await work(plane, client);
  } finally {
    client.close();
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Requests a client had in flight: the most at once, and the mean over a window (Little's law). */
interface InFlight {
  peak: number;
  mean: number;
}

/** CPU seconds each control-plane component used over a window (the apiserver, etcd, …), by its key in `pids`. */
type PlaneCpu = Record<string, number>;

/**
 * CPU seconds used so far by each control-plane component: the process its supervisor (supervise.sh) started, read
 * from /proc. What the apiserver and etcd spend is most of what any client's writes cost on a shared machine.
 */
function planeCpuSeconds(plane: ControlPlaneState): PlaneCpu {
  const used: PlaneCpu = {};
  for (const [key, supervisor] of Object.entries(plane.pids)) {
    try {
      const children = readFileSync(`/proc/${supervisor}/task/${supervisor}/children`, "utf8").trim();
      used[key] = children
        .split(/\s+/)
        .filter(Boolean)
        .reduce((sum, pid) => {
          try {
            return sum + processCpuSeconds(Number(pid));
          } catch {
            return sum; // the supervisor's `sleep 1`, gone between the two reads
          }
        }, 0);
    } catch {
      used[key] = Number.NaN;
    }
  }
  return used;
}

const planeCpuSince = (plane: ControlPlaneState, before: PlaneCpu): PlaneCpu => {
  const now = planeCpuSeconds(plane);
  return Object.fromEntries(Object.entries(now).map(([key, seconds]) => [key, seconds - (before[key] ?? 0)]));
};

const describePlaneCpu = (cpu: PlaneCpu) =>
  Object.entries(cpu)
    .map(([key, seconds]) => `${key} ${seconds.toFixed(1)} s`)
    .join(", ");

interface FloorFigures {
  /** The children alone. */
  seconds: number;
  /** Control-plane CPU while the children were written. */
  planeCpu: PlaneCpu;
  /** Control-plane CPU for the same writes as loco's (the children, then the rest). */
  sameWritesPlaneCpu: PlaneCpu;
  /** The children, then the operator's other writes for each App (claim, status, Event): the same writes as loco. */
  sameWritesSeconds: number;
  inFlight: InFlight;
  requests: number;
  sameWritesRequests: number;
}

/**
 * The floor: the fastest a plain client does the same writes. Every App's children are built with the operator's
 * own builders (the same objects, discovery variables included) and server-side-applied from one flat pool of
 * FLOOR_IN_FLIGHT requests — not App by App — so the floor never has fewer requests in flight than the operator.
 */
async function floorFigures(n: number): Promise<FloorFigures> {
  return withControlPlane(async (plane, client) => {
    const fleet = await prepareFleet(client, { shard: "floor", shardLabel: SHARD_LABEL, apps: n });
    const apps = await applyApps(client, fleet.apps);
    const profile = (await client.get(PROFILE, undefined, fleet.profile)).spec as ProfileSpec;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const planeAtStart = planeCpuSeconds(plane);
    const siblingsOf = new Map<string, { name: string; port: number }[]>();
    for (const app of apps) {
      const namespace = app.metadata.namespace ?? "";
      siblingsOf.set(namespace, [...(siblingsOf.get(namespace) ?? []), { name: app.metadata.name ?? "", port: 8080 }]);
    }
    const writes = apps.flatMap((app) => {
      const base: AppInputs = {
        app: { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "", uid: app.metadata.uid ?? "" },
        spec: app.spec as AppSpec,
        profileName: fleet.profile,
        profile,
        tenant: "tenant",
        owner: ownerReferenceTo(app),
        // The same discovery variables the operator injects: every other App of the project in the namespace.
        siblings: siblingsOf.get(app.metadata.namespace ?? "") ?? [],
        routes: { http: [], grpc: [] },
        secretHash: undefined,
      };
      const inputs = { ...base, routes: requestedHostnames(base) };
      const children: [typeof SECRET, KubeObject | undefined][] = [
        [SECRET, desiredSecret(inputs)],
        [
          DEPLOYMENT,
          desiredDeployment(inputs, {
            deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
            deployedAt: new Date().toISOString(),
          }),
        ],
        [SERVICE, desiredService(inputs)],
        [HTTP_ROUTE, desiredHttpRoute(inputs)],
        [BACKEND_TRAFFIC_POLICY, desiredTrafficPolicy(inputs)],
      ];
      return children.filter((child): child is [typeof SECRET, KubeObject] => child[1] !== undefined);
    });
    let inFlight = 0;
    let peak = 0;
    let busySeconds = 0;
    let retries = 0;
    await mapLimit(writes, FLOOR_IN_FLIGHT, async ([resource, object]) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const sent = performance.now();
      try {
        // A plain client retries what a loaded apiserver did not answer (the operator's work queue does too).
        for (let attempt = 1; ; attempt++) {
          try {
            await client.apply(resource, object, "bench-floor");
            break;
          } catch (error) {
            const status = error instanceof KubeApiError ? error.status : -1;
            if (attempt >= 5 || !(status === 0 || status === 429 || status >= 500)) throw error;
            retries++;
          }
        }
      } finally {
        busySeconds += (performance.now() - sent) / 1000;
        inFlight--;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const planeCpu = planeCpuSince(plane, planeAtStart);
    log(`  floor script CPU: ${((used.user + used.system) / 1e6).toFixed(2)} s; ${retries} requests retried`);
    log(`  control plane CPU while the floor wrote the children: ${describePlaneCpu(planeCpu)}`);
    // The rest of what the operator writes for an App besides its children, with as many in flight: its hostname
    // claim (created), its status (applied to the status subresource) and its one Event. Timed on its own, so the
    // children's floor stays the definition and this one prices the operator's own bookkeeping too.
    const restStarted = performance.now();
    const planeAtRest = planeCpuSeconds(plane);
    const rest = apps.flatMap((app) => {
      const inputs = {
        app: { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "", uid: app.metadata.uid ?? "" },
        spec: app.spec as AppSpec,
        profileName: fleet.profile,
        profile,
        tenant: "tenant",
      };
      const hosts = requestedHostnames(inputs).http;
      return [
        ...hosts.map((host) => () => client.create(HOSTNAME_CLAIM, floorClaim(app, host), "bench-floor")),
        () => client.apply(APP, floorStatus(app, hosts), "bench-floor", "status"),
        () => client.request("POST", resourcePath(EVENT, app.metadata.namespace), { body: floorEvent(app) }),
      ];
    });
    await mapLimit(rest, FLOOR_IN_FLIGHT, (write) => write());
    const restSeconds = (performance.now() - restStarted) / 1000;
    const restPlaneCpu = planeCpuSince(plane, planeAtRest);
    log(
      `  floor of the operator's other writes (${rest.length}: claims, statuses, events): ${restSeconds.toFixed(1)} s; ` +
        `control plane CPU: ${describePlaneCpu(restPlaneCpu)}`,
    );
    return {
      seconds,
      planeCpu,
      sameWritesPlaneCpu: Object.fromEntries(
        Object.entries(planeCpu).map(([key, seconds]) => [key, seconds + (restPlaneCpu[key] ?? 0)]),
      ),
      sameWritesSeconds: seconds + restSeconds,
      inFlight: { peak, mean: busySeconds / seconds },
      requests: writes.length,
      sameWritesRequests: writes.length + rest.length,
    };
  });
}

/** The HostnameClaim the operator creates for an App's hostname (crds/hostname-claim.ts). */
const floorClaim = (app: KubeObject, host: string): KubeObject => ({
  apiVersion: `${HOSTNAME_CLAIM.group}/${HOSTNAME_CLAIM.version}`,
  kind: HOSTNAME_CLAIM.kind,
  metadata: { name: claimName(host), labels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
  spec: {
    hostname: host,
    holders: [
      {
        namespace: app.metadata.namespace,
        app: app.metadata.name,
        uid: app.metadata.uid,
        protocol: "HTTP",
        service: "*",
      },
    ],
  },
});

/** A status the size and shape of the operator's first one for an App. */
function floorStatus(app: KubeObject, hosts: string[]): KubeObject {
  const now = new Date().toISOString();
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: type === "Ready" ? "False" : "True",
    reason,
    message,
    lastTransitionTime: now,
    observedGeneration: app.metadata.generation,
  });
  return {
    apiVersion: app.apiVersion,
    kind: app.kind,
    metadata: { name: app.metadata.name, namespace: app.metadata.namespace },
    status: {
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      url: `http://${hosts[0]}`,
      urls: hosts.map((host) => `http://${host}`),
      replicas: 0,
      readyReplicas: 0,
      selector: `app.kubernetes.io/name=${app.metadata.name}`,
      image: (app.spec as AppSpec).image,
      lastDeployTime: now,
      observedGeneration: app.metadata.generation,
      conditions: [
        condition("ProfileResolved", "Found", `Profile ${(app.spec as AppSpec).profile} applies.`),
        condition("DeploymentReady", "Progressing", "0 of 1 replicas are available."),
        condition("RoutesReady", "Routed", `Serving ${hosts.join(", ")}.`),
        condition("Ready", "DeploymentNotReady", "0 of 1 replicas are available."),
      ],
    },
  };
}

/** The one Event the operator records when it creates an App's children. */
const floorEvent = (app: KubeObject) => {
  const now = new Date().toISOString();
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${app.metadata.name}.`, namespace: app.metadata.namespace },
    involvedObject: {
      apiVersion: app.apiVersion,
      kind: app.kind,
      name: app.metadata.name,
      namespace: app.metadata.namespace,
      uid: app.metadata.uid,
    },
    type: "Normal",
    reason: "Created",
    message:
      "Created Secret, Deployment, Service, HTTPRoute and BackendTrafficPolicy for deployment 01JD6Z7Q5V8K2M4N6P8R0T2W4Y.",
    source: { component: "bench-floor" },
    firstTimestamp: now,
    lastTimestamp: now,
  };
};

interface LocoFigures {
  seconds: number;
  /** Control-plane CPU from the operator's caches synced to converged. */
  planeCpu: PlaneCpu;
  /** Requests the operator sent from caches synced to converged. */
  requests: number;
  inFlight: InFlight;
  readySeconds: number;
  rssMB: number;
  reconcileP50Ms: number;
  reconcileP99Ms: number;
  /** App reconciles from caches synced to converged. */
  reconciles: number;
  /** The operator's requests until converged, from the call to the answer's headers (a wait for a connection included). */
  requestP50Ms: number;
  requestP99Ms: number;
  idleWrites: number;
  requestsPerIdleReconcile: number;
}

const appController = (labels: string) => labels.includes('controller="app"');

/** A histogram's cumulative bucket counts (upper bound → count), summed over the series `filter` keeps. */
function histogramBuckets(text: string, name: string, filter: (labels: string) => boolean): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}_bucket{`) || !filter(line)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return buckets;
}

/**
 * Estimates a quantile from a Prometheus histogram's cumulative buckets (linear within a bucket): of the App
 * controller's series unless `filter` says otherwise, and of what was observed after `since` (an earlier scrape) when
 * given.
 */
function histogramQuantile(
  text: string,
  name: string,
  q: number,
  { filter = appController, since }: { filter?: (labels: string) => boolean; since?: string } = {},
): number {
  const earlier = since === undefined ? new Map<number, number>() : histogramBuckets(since, name, filter);
  const buckets = [...histogramBuckets(text, name, filter)]
    .map(([bound, count]): [number, number] => [bound, count - (earlier.get(bound) ?? 0)])
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  const rank = q * total;
  let previous: [number, number] = [0, 0];
  for (const bucket of buckets) {
    if (bucket[1] >= rank) {
      if (!Number.isFinite(bucket[0])) return previous[0];
      const inBucket = bucket[1] - previous[1];
      return previous[0] + (bucket[0] - previous[0]) * (inBucket === 0 ? 0 : (rank - previous[1]) / inBucket);
    }
    previous = bucket;
  }
  return previous[0];
}

/** histogramQuantile of a histogram in seconds, in milliseconds to 0.1 ms. */
const quantileMs = (...args: Parameters<typeof histogramQuantile>) =>
  Math.round(histogramQuantile(...args) * 10_000) / 10;

const sumOf = (text: string, name: string, filter: (labels: string) => boolean) =>
  text
    .split("\n")
    .filter(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) &&
        filter(line.slice(name.length, line.lastIndexOf(" "))),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);

/** User + system CPU seconds a process has used (Linux /proc). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function convergedAfter(client: KubeClient, n: number, started: number): Promise<number> {
  const done = new Set<string>();
  const abort = new AbortController();
  for (;;) {
    try {
      for await (const event of client.watch(APP, undefined, { labelSelector: `${SHARD_LABEL}=loco` }, abort.signal)) {
        const app = event.object;
        const status = app.status as { observedGeneration?: number; deploymentId?: string } | undefined;
        if (status?.deploymentId && status.observedGeneration === app.metadata.generation) {
          done.add(`${app.metadata.namespace}/${app.metadata.name}`);
          if (done.size === n) {
            abort.abort();
            return (performance.now() - started) / 1000;
          }
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return (performance.now() - started) / 1000;
      throw error;
    }
  }
}

function requestsByMethod(text: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    result[method] = sumOf(text, "rest_client_requests_total", (labels) => labels.includes(`method="${method}"`));
  }
  return result;
}

/**
 * Where the resident memory is, from /proc/<pid>/smaps: the executable's pages, malloc's brk heap, and anonymous
 * mappings (V8's heap spaces and malloc's other arenas), in MB.
 */
function memoryByMapping(pid: number): string {
  const totals = new Map<string, number>();
  let name = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (mapping) {
      const path = mapping[1] ?? "";
      name = path === "" ? "anonymous" : path.startsWith("[") ? path : (path.split("/").pop() ?? path);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) totals.set(name, (totals.get(name) ?? 0) + Number(rss[1]));
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([mapping, kb]) => `${mapping} ${(kb / 1024).toFixed(1)}`)
    .join(", ");
}

/** Asks the operator for a heap snapshot (SIGUSR2) and waits until it is written. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (;;) {
    await sleep(1000);
    const written = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    // Node writes the file in place; its size stops changing when the snapshot is complete.
    if (written) {
      const size = () => statSync(join(dir, written)).size;
      let last = -1;
      while (size() !== last) {
        last = size();
        await sleep(2000);
      }
      log(`  heap snapshot: ${join(dir, written)}`);
      return;
    }
  }
}

async function locoFigures(n: number): Promise<LocoFigures> {
  return withControlPlane(async (plane, client) => {
    const fleet: Fleet = await prepareFleet(client, { shard: "loco", shardLabel: SHARD_LABEL, apps: n });
    await applyApps(client, fleet.apps);
    const port = await freePort();
    const resyncSeconds = 30;
    const spawned = performance.now();
    const operator = spawn(
      process.execPath,
      [
        // Node's flags as the image and the chart set them (operator.nodeFlags); BENCH_OPERATOR_NODE_ARGS replaces
        // them, e.g. "" for Node's defaults or "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the operator.
        ...(process.env.BENCH_OPERATOR_NODE_ARGS ?? "--max-semi-space-size=1 --optimize-for-size")
          .split(" ")
          .filter(Boolean),
        ...(HEAP_SNAPSHOT_DIR ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${HEAP_SNAPSHOT_DIR}`] : []),
        operatorMain,
        "--kubeconfig",
        plane.kubeconfig,
        "--no-leader-elect",
        "--concurrency",
        String(CONCURRENCY),
        "--health-address",
        `127.0.0.1:${port}`,
        "--resync",
        `${resyncSeconds}s`,
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    try {
      // The clock starts when the operator is ready to write (caches synced), as the floor's starts when its
      // script is: process start-up is reported on its own.
      while (
        (await fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status)
          .catch(() => 0)) !== 200
      )
        await sleep(20);
      const atStart = await metrics();
      const started = performance.now();
      const startupSeconds = (started - spawned) / 1000;
      const cpuAtStart = processCpuSeconds(operator.pid ?? 0);
      const planeAtStart = planeCpuSeconds(plane);
      // Converged: every App has its children and a status for its generation (the operator's first pass).
      // Watched, not polled: a poll of N Apps every few ms would load the apiserver the floor run never had.
      const seconds = await convergedAfter(client, n, started);
      const planeCpu = planeCpuSince(plane, planeAtStart);
      const afterConvergence = await metrics();
      // Requests in flight while converging: the mean is the time spent waiting on answers over the wall time.
      const requestSeconds = (text: string) => sumOf(text, "rest_client_request_duration_seconds_sum", () => true);
      const inFlight: InFlight = {
        peak: sumOf(afterConvergence, "loco_rest_client_requests_in_flight_peak", () => true),
        mean: (requestSeconds(afterConvergence) - requestSeconds(atStart)) / seconds,
      };
      log(`  operator CPU during convergence: ${(processCpuSeconds(operator.pid ?? 0) - cpuAtStart).toFixed(2)} s`);
      log(`  control plane CPU during convergence: ${describePlaneCpu(planeCpu)}`);
      const byMethod = requestsByMethod(afterConvergence);
      const atStartByMethod = requestsByMethod(atStart);
      const convergenceRequests = Object.entries(byMethod).reduce(
        (sum, [method, count]) => sum + count - (atStartByMethod[method] ?? 0),
        0,
      );
      log(`  requests until converged: ${JSON.stringify(byMethod)}`);
      // A reconcile's time is mostly its round trips: how many reconciles there were, and what each request took.
      const reconciles =
        sumOf(afterConvergence, "controller_runtime_reconcile_total", appController) -
        sumOf(atStart, "controller_runtime_reconcile_total", appController);
      const requestMs = (q: number) =>
        quantileMs(afterConvergence, "rest_client_request_duration_seconds", q, { filter: () => true, since: atStart });
      const roundTrips = { reconciles, requestP50Ms: requestMs(0.5), requestP99Ms: requestMs(0.99) };
      log(
        `  reconciles until converged: ${reconciles}; requests p50 ${roundTrips.requestP50Ms} ms, p99 ${roundTrips.requestP99Ms} ms`,
      );
      if (QUICK) {
        const rssKB = residentKB(operator.pid!);
        log(`  BENCH_QUICK: RSS ${Math.round(rssKB / 102.4) / 10} MB; neither all-Ready nor an idle resync measured`);
        return {
          seconds,
          planeCpu,
          inFlight,
          requests: convergenceRequests,
          readySeconds: Number.NaN,
          rssMB: Math.round(rssKB / 102.4) / 10,
          reconcileP50Ms: quantileMs(afterConvergence, "controller_runtime_reconcile_time_seconds", 0.5),
          reconcileP99Ms: quantileMs(afterConvergence, "controller_runtime_reconcile_time_seconds", 0.99),
          ...roundTrips,
          idleWrites: Number.NaN,
          requestsPerIdleReconcile: Number.NaN,
        };
      }
      // BENCH_READY_TIMEOUT_S: give up waiting for every pod (kube-controller-manager's client sends 20 requests a
      // second by default, which sets the pace at 10,000 Apps); the rest is measured all the same.
      const readyDeadline = performance.now() + Number(process.env.BENCH_READY_TIMEOUT_S ?? 3600) * 1000;
      // A poll lists every namespace of the fleet: not more often than it takes for 1,000 Apps to a namespace list.
      const pollMs = Math.max(500, n / 2);
      let ready = await countReady(client, fleet);
      while (ready < n && performance.now() < readyDeadline) {
        await sleep(pollMs);
        ready = await countReady(client, fleet);
      }
      const readySeconds = ready < n ? Number.NaN : (performance.now() - started) / 1000;
      if (ready < n) log(`  all-Ready not reached: ${ready} of ${n} Apps Ready when BENCH_READY_TIMEOUT_S ran out`);
      // Let Deployment status churn settle, then watch one full idle resync.
      await sleep(5000);
      const before = await metrics();
      const reconcilesBefore = sumOf(before, "controller_runtime_reconcile_total", appController);
      await sleep((resyncSeconds + 8) * 1000);
      const after = await metrics();
      const idleReconciles = sumOf(after, "controller_runtime_reconcile_total", appController) - reconcilesBefore;
      const requests =
        sumOf(after, "rest_client_requests_total", () => true) -
        sumOf(before, "rest_client_requests_total", () => true);
      const writes =
        sumOf(after, "rest_client_requests_total", (l) => /method="(POST|PUT|PATCH|DELETE)"/.test(l)) -
        sumOf(before, "rest_client_requests_total", (l) => /method="(POST|PUT|PATCH|DELETE)"/.test(l));
      const mb = (name: string) => Math.round(sumOf(after, name, () => true) / 1e5) / 10;
      log(
        `  operator start-up (process start to caches synced) ${startupSeconds.toFixed(2)} s; heap used ` +
          `${mb("nodejs_heap_size_used_bytes")} MB of ${mb("nodejs_heap_size_total_bytes")} MB, external ${mb("nodejs_external_memory_bytes")} MB`,
      );
      const rssKB = residentKB(operator.pid!);
      log(`  operator memory by mapping: ${memoryByMapping(operator.pid ?? 0)}`);
      if (HEAP_SNAPSHOT_DIR) await heapSnapshot(operator.pid ?? 0, HEAP_SNAPSHOT_DIR);
      return {
        seconds,
        planeCpu,
        inFlight,
        readySeconds,
        rssMB: Math.round(rssKB / 102.4) / 10,
        reconcileP50Ms: quantileMs(after, "controller_runtime_reconcile_time_seconds", 0.5),
        reconcileP99Ms: quantileMs(after, "controller_runtime_reconcile_time_seconds", 0.99),
        requests: convergenceRequests,
        ...roundTrips,
        idleWrites: writes,
        requestsPerIdleReconcile:
          idleReconciles > 0 ? Math.round((requests / idleReconciles) * 1000) / 1000 : Number.NaN,
      };
    } finally {
      operator.kill("SIGTERM");
      await new Promise((resolve) => operator.once("exit", resolve));
    }
  });
}

// What the image runs (dist/operator/main.js); BENCH_OPERATOR_SOURCES=1 runs the TypeScript sources instead, which
// adds Node's type stripper (several MB) to the operator's memory.
const operatorMain = process.env.BENCH_OPERATOR_SOURCES
  ? new URL("../operator/main.ts", import.meta.url).pathname
  : compiledEntry("operator", "operator/main.ts");
const results: Record<string, number> = {};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
for (const n of sizes) {
  // The floor runs before and after loco and the faster run counts: on a shared machine the load moves between
  // runs, and a floor is the fastest the same writes went.
  if (WITH_FLOOR)
    log(`N = ${n}: measuring the floor (plain server-side apply of the same children, ${FLOOR_IN_FLIGHT} in flight)`);
  const floorBefore = WITH_FLOOR ? await floorFigures(n) : undefined;
  log(`N = ${n}: measuring loco-operator`);
  const loco = await locoFigures(n);
  log(
    `N = ${n}: loco ${loco.seconds.toFixed(1)} s, requests in flight mean ${loco.inFlight.mean.toFixed(1)} peak ${loco.inFlight.peak}; ` +
      `reconcile p50 ${loco.reconcileP50Ms} ms p99 ${loco.reconcileP99Ms} ms; RSS ${loco.rssMB} MB (load average ${loadavg()[0]?.toFixed(1)})`,
  );
  if (!floorBefore) continue;
  // BENCH_FLOOR_TWICE=0: one floor run only (at 10,000 Apps each floor run is many minutes).
  const floorTwice = process.env.BENCH_FLOOR_TWICE !== "0";
  if (floorTwice) log(`N = ${n}: measuring the floor again`);
  const floorAfter = floorTwice ? await floorFigures(n) : floorBefore;
  log(`  floor before ${floorBefore.seconds.toFixed(1)} s, after ${floorAfter.seconds.toFixed(1)} s`);
  const floor = floorAfter.seconds < floorBefore.seconds ? floorAfter : floorBefore;
  const ratio = round(loco.seconds / floor.seconds);
  const sameWritesFloorFigures =
    floorAfter.sameWritesSeconds < floorBefore.sameWritesSeconds ? floorAfter : floorBefore;
  const sameWritesFloor = sameWritesFloorFigures.sameWritesSeconds;
  const sameWritesRatio = round(loco.seconds / sameWritesFloor);
  log(
    `N = ${n}: loco sent ${loco.requests} requests until converged; the floor ${floor.requests} (children) or ` +
      `${floor.sameWritesRequests} (the same writes: ${sameWritesFloor.toFixed(1)} s, ratio ${sameWritesRatio})`,
  );
  log(
    `N = ${n}: loco ${loco.seconds.toFixed(1)} s (all pods Ready ${loco.readySeconds.toFixed(1)} s), floor ${floor.seconds.toFixed(1)} s, ratio ${ratio}; ` +
      `requests in flight: loco mean ${loco.inFlight.mean.toFixed(1)} peak ${loco.inFlight.peak}, floor mean ${floor.inFlight.mean.toFixed(1)} peak ${floor.inFlight.peak}; ` +
      `reconcile p50 ${loco.reconcileP50Ms} ms p99 ${loco.reconcileP99Ms} ms; RSS ${loco.rssMB} MB; idle resync: ${loco.idleWrites} writes, ${loco.requestsPerIdleReconcile} requests per reconcile`,
  );
  // loco does the floor's writes and more (statuses, Events): beating the floor means the floor is not one.
  // The operator's gauge counts a request from the call, so its peak includes requests waiting for one of its
  // client's connections: no more than DEFAULT_MAX_SOCKETS are sent at once (the floor's client has 64).
  const locoSentAtOnce = Math.min(loco.inFlight.peak, DEFAULT_MAX_SOCKETS);
  if (ratio < 0.95 || floor.inFlight.peak < locoSentAtOnce) {
    log(
      `WARNING: N = ${n}: the floor is wrong — loco/floor ${ratio}, floor peak ${floor.inFlight.peak} in flight against loco's ${locoSentAtOnce} sent at once. ` +
        "A floor does the same writes at least as concurrently and must not lose to the operator; raise BENCH_FLOOR_IN_FLIGHT or look for what the floor does that loco does not.",
    );
  }
  Object.assign(results, {
    [`n${n}ConvergenceSeconds`]: round(loco.seconds),
    [`n${n}AllReadySeconds`]: round(loco.readySeconds),
    [`n${n}FloorSeconds`]: round(floor.seconds),
    [`n${n}FloorBeforeSeconds`]: round(floorBefore.seconds),
    [`n${n}FloorAfterSeconds`]: round(floorAfter.seconds),
    [`n${n}Ratio`]: ratio,
    [`n${n}SameWritesFloorSeconds`]: round(sameWritesFloor),
    [`n${n}SameWritesRatio`]: sameWritesRatio,
    [`n${n}Requests`]: loco.requests,
    [`n${n}FloorRequests`]: floor.requests,
    [`n${n}SameWritesFloorRequests`]: floor.sameWritesRequests,
    [`n${n}InFlightMean`]: round(loco.inFlight.mean, 1),
    [`n${n}InFlightPeak`]: loco.inFlight.peak,
    [`n${n}FloorInFlightMean`]: round(floor.inFlight.mean, 1),
    [`n${n}FloorInFlightPeak`]: floor.inFlight.peak,
    [`n${n}RssMB`]: loco.rssMB,
    [`n${n}ReconcileP50Ms`]: loco.reconcileP50Ms,
    [`n${n}ReconcileP99Ms`]: loco.reconcileP99Ms,
    [`n${n}Reconciles`]: loco.reconciles,
    [`n${n}RequestP50Ms`]: loco.requestP50Ms,
    [`n${n}RequestP99Ms`]: loco.requestP99Ms,
    [`n${n}IdleWrites`]: loco.idleWrites,
    [`n${n}RequestsPerIdleReconcile`]: loco.requestsPerIdleReconcile,
    [`n${n}LoadAverage1m`]: round(loadavg()[0] ?? 0, 1),
    // What the control plane spent on each side's writes (and, for loco, its watches): see docs/performance.md.
    [`n${n}ApiserverCpuSeconds`]: round(loco.planeCpu.kubeApiserver ?? Number.NaN, 1),
    [`n${n}FloorApiserverCpuSeconds`]: round(floor.planeCpu.kubeApiserver ?? Number.NaN, 1),
    [`n${n}SameWritesFloorApiserverCpuSeconds`]: round(
      sameWritesFloorFigures.sameWritesPlaneCpu.kubeApiserver ?? Number.NaN,
      1,
    ),
    [`n${n}EtcdCpuSeconds`]: round(loco.planeCpu.etcd ?? Number.NaN, 1),
    [`n${n}FloorEtcdCpuSeconds`]: round(floor.planeCpu.etcd ?? Number.NaN, 1),
  });
}
// Sizes measured in separate runs (BENCH_SIZES=200, then 1000) add up in one results file.
const resultsFile = join(resultsDir, "convergence.json");
const previous = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, number>)
  : {};
const merged: Record<string, number> = {};
for (const [key, value] of Object.entries({ ...previous, ...results })) if (/^n\d+/.test(key)) merged[key] = value;
const measured = [...new Set(Object.keys(merged).map((key) => Number(/^n(\d+)/.exec(key)?.[1])))];
// Headline keys: the largest N measured; idle writes the worst of any N.
const largest = Math.max(...measured);
Object.assign(merged, {
  ratio: merged[`n${largest}Ratio`],
  idleWrites: Math.max(...measured.map((n) => merged[`n${n}IdleWrites`] ?? 0)),
  rssMB: merged[`n${largest}RssMB`],
  reconcileP50Ms: merged[`n${largest}ReconcileP50Ms`],
  reconcileP99Ms: merged[`n${largest}ReconcileP99Ms`],
  requestsPerIdleReconcile: merged[`n${largest}RequestsPerIdleReconcile`],
  concurrency: CONCURRENCY,
  floorInFlight: FLOOR_IN_FLIGHT,
});
if (WITH_FLOOR) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);
  log(JSON.stringify(merged, null, 2));
}
