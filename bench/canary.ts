// Canary rollouts at scale: N Apps (default 50) start a canary at the same moment — setWeight 20, pause 5s,
// setWeight 60, pause 5s, setWeight 100 — on a private control plane with one compiled loco-operator and no
// Prometheus (no analysis step: this measures the operator and the apiserver, not a metric source). Figures: the
// operator's API writes per step per App (its own request metrics, by method), time until every App's rollout is
// Completed, how far behind the slowest App fell at each step, and the operator's RSS and CPU.
//
// The floor is measured in the same run, on the same control plane and operator: one App rolled out alone first.
// `fleetOverSoloRatio` compares the fleet's completion time with it; 10 s of the time is the steps' pauses, which
// no operator can shorten (`pauseFloorSeconds`).
//
//   npm run bench:canary        (BENCH_APPS=50)
//
// Prints its figures and writes bench/results/canary.json with the load average beside them. A benchmark, not a
// test: nothing fails on a threshold; it exits 1 only when a rollout did not complete.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { APP } from "../crds/kinds.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { EVENT } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { applyApps, type Fleet, prepareFleet } from "../test/support/fleet.ts";
import { metricSum, SHARD_LABEL } from "../test/support/operator-child.ts";
import { residentKB } from "../test/support/resident-memory.ts";
import { compiledEntry } from "./compile.ts";
import { benchLog, envNumber, runScenarioBench } from "./scenario-bench.ts";

const APPS = envNumber("BENCH_APPS", 50);
const SHARD = "canary";
const STEPS = [
  { setWeight: 20 },
  { pause: { duration: "5s" } },
  { setWeight: 60 },
  { pause: { duration: "5s" } },
  { setWeight: 100 },
];
const PAUSE_FLOOR_SECONDS = 10;
const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type Rollout = { deploymentId: string; templateHash: string; step: number; phase: string };
const rolloutOf = (app: KubeObject) => (app.status as { rollout?: Rollout } | undefined)?.rollout;
const keyOf = (app: KubeObject) => `${app.metadata.namespace}/${app.metadata.name}`;

interface Operator {
  child: ChildProcess;
  metrics(): Promise<string>;
  rssMB(): number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The compiled operator (what the image runs), reconciling only this bench's shard, without leader election. */
async function startOperator(kubeconfig: string): Promise<Operator> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      compiledEntry("canary-operator", "operator/main.ts"),
      "--kubeconfig",
      kubeconfig,
      "--selector",
      `${SHARD_LABEL}=${SHARD}`,
      "--no-leader-elect",
      "--health-address",
      `127.0.0.1:${port}`,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const proc = (file: string) => readFileSync(`/proc/${child.pid}/${file}`, "utf8");
  while (
    (await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.status)
      .catch(() => 0)) !== 200
  ) {
    if (child.exitCode !== null) throw new Error(`loco-operator exited with ${child.exitCode} before it was ready`);
    await sleep(50);
  }
  return {
    child,
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    rssMB: () => round(residentKB(child.pid!) / 1024),
    cpuSeconds: () => {
      const fields = proc("stat").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Requests the operator has sent, by method; and for the App controller, the seconds its reconciles took and its
 * keys waited in the queue, with their counts (histogram sums): where the rollout's time went inside the operator.
 */
function requestsByMethod(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const method of ["GET", ...WRITE_METHODS]) {
    counts[method] = metricSum(text, "rest_client_requests_total", (labels) => labels.includes(`method="${method}"`));
  }
  const app = (labels: string) => labels.includes('controller="app"');
  for (const [key, name] of [
    ["reconcile", "controller_runtime_reconcile_time_seconds"],
    ["queue", "workqueue_queue_duration_seconds"],
  ] as const) {
    counts[`${key}Seconds`] = metricSum(text, `${name}_sum`, app);
    counts[`${key}Count`] = metricSum(text, `${name}_count`, app);
  }
  return counts;
}

const difference = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([method, n]) => [method, n - (before[method] ?? 0)]));
const meanMs = (counts: Record<string, number>, key: "reconcile" | "queue") =>
  round((1000 * (counts[`${key}Seconds`] ?? 0)) / Math.max(1, counts[`${key}Count`] ?? 0));
const writesOf = (counts: Record<string, number>) => WRITE_METHODS.reduce((sum, m) => sum + (counts[m] ?? 0), 0);

interface RolloutRun {
  completeSeconds: number;
  /** For each step index, the seconds after the start when the last App reached it. */
  lastReachedStepSeconds: number[];
  /** Seconds after the start at which each App's rollout completed, sorted. */
  completions: number[];
  requests: Record<string, number>;
  rssPeakMB: number;
  cpuSeconds: number;
}

/**
 * Applies image :2 to `apps` at once and watches them until every rollout is Completed (or `timeoutMs` passes),
 * noting when each App reached each step; samples the operator's RSS meanwhile.
 */
async function rollOut(client: KubeClient, operator: Operator, apps: KubeObject[], timeoutMs: number) {
  const wanted = new Set(apps.map(keyOf));
  // A watch event may carry the new spec with the status of the App's previous rollout (its first release's):
  // only a rollout of another template counts.
  const previous = new Map<string, string | undefined>();
  for (const namespace of new Set(apps.map((a) => a.metadata.namespace ?? ""))) {
    for (const app of (await client.list(APP, namespace)).items) previous.set(keyOf(app), rolloutOf(app)?.templateHash);
  }
  const reached = new Map<string, number[]>();
  const completed = new Map<string, number>();
  const before = requestsByMethod(await operator.metrics());
  const cpuBefore = operator.cpuSeconds();
  let rssPeakMB = operator.rssMB();
  const sampler = setInterval(() => {
    rssPeakMB = Math.max(rssPeakMB, operator.rssMB());
  }, 250);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const started = performance.now();
  const note = (app: KubeObject) => {
    const key = keyOf(app);
    const r = rolloutOf(app);
    if (!wanted.has(key) || !r || r.templateHash === previous.get(key)) return;
    const at = (performance.now() - started) / 1000;
    const steps = reached.get(key) ?? [];
    for (let i = 0; i <= Math.min(r.step, STEPS.length - 1); i++) steps[i] ??= at;
    reached.set(key, steps);
    if (r.phase === "Completed" && !completed.has(key)) completed.set(key, at);
    if (["RolledBack", "Aborted"].includes(r.phase)) throw new Error(`${key}: rollout ${r.phase}`);
    if (completed.size === wanted.size) abort.abort();
  };
  const watching = (async () => {
    for (;;) {
      try {
        for await (const event of client.watch(
          APP,
          undefined,
          { labelSelector: `${SHARD_LABEL}=${SHARD}` },
          abort.signal,
        )) {
          note(event.object);
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof Error && /rollout (RolledBack|Aborted)/.test(error.message)) throw error;
      }
      if (abort.signal.aborted) return;
    }
  })();
  await applyApps(
    client,
    apps.map((app) => ({
      ...app,
      spec: { ...(app.spec as object), image: (app.spec as { image: string }).image.replace(/:1\.0\.0$/, ":2") },
    })),
    16,
  );
  await watching;
  clearTimeout(timer);
  clearInterval(sampler);
  const completeSeconds = (performance.now() - started) / 1000;
  if (completed.size < wanted.size) {
    throw new Error(`${completed.size} of ${wanted.size} rollouts completed within ${timeoutMs / 1000} s`);
  }
  // Requests still in flight for the last status writes: let the operator settle before reading its counters.
  await sleep(2000);
  const requests = difference(requestsByMethod(await operator.metrics()), before);
  const lastReachedStepSeconds = STEPS.map((_, i) =>
    Math.max(...[...reached.values()].map((steps) => steps[i] ?? Number.NaN)),
  );
  return {
    completeSeconds,
    lastReachedStepSeconds,
    completions: [...completed.values()].sort((a, b) => a - b),
    requests,
    rssPeakMB,
    cpuSeconds: operator.cpuSeconds() - cpuBefore,
  } satisfies RolloutRun;
}

async function allStable(client: KubeClient, fleet: Fleet, count: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const lists = await Promise.all(
      fleet.namespaces.map((ns) => client.list(APP, ns, { labelSelector: `${SHARD_LABEL}=${SHARD}` })),
    );
    const ready = lists
      .flatMap((l) => l.items)
      .filter((app) =>
        (app.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
          (c) => c.type === "Ready" && c.status === "True",
        ),
      ).length;
    if (ready >= count) return;
    await sleep(500);
  }
  throw new Error(`Fewer than ${count} Apps became Ready`);
}

/**
 * The Events (the operator's POSTs) it recorded on `apps` since `since`, per App, by reason: which step changes
 * cost a write each and which repeat.
 */
async function eventsByReason(client: KubeClient, apps: KubeObject[], since: string): Promise<Record<string, number>> {
  const names = new Set(apps.map(keyOf));
  const namespaces = [...new Set(apps.map((a) => a.metadata.namespace ?? ""))];
  const counts: Record<string, number> = {};
  for (const namespace of namespaces) {
    for (const event of (await client.list(EVENT, namespace)).items) {
      const e = event as KubeObject & {
        reason?: string;
        firstTimestamp?: string;
        involvedObject?: { kind?: string; name?: string };
        source?: { component?: string };
      };
      if (e.involvedObject?.kind !== "App" || !names.has(`${namespace}/${e.involvedObject.name}`)) continue;
      if ((e.firstTimestamp ?? "") < since) continue;
      counts[e.reason ?? "?"] = (counts[e.reason ?? "?"] ?? 0) + 1 / apps.length;
    }
  }
  return Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => [reason, round(n, 2)]),
  );
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

await runScenarioBench(
  "canary",
  async (kubeconfig) => {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    const client = await KubeClient.create(config, { maxSockets: 64 });
    // N fleet Apps and one more, the solo App, rolled out alone first: the floor.
    const fleet = await prepareFleet(client, { shard: SHARD, shardLabel: SHARD_LABEL, apps: APPS + 1 });
    fleet.apps = fleet.apps.map((app) => ({
      ...app,
      spec: { ...(app.spec as object), replicas: 2, rollout: { strategy: "canary", steps: STEPS } },
    }));
    const [solo, ...apps] = fleet.apps as [KubeObject, ...KubeObject[]];
    const operator = await startOperator(kubeconfig);
    try {
      await applyApps(client, fleet.apps);
      benchLog(`${APPS + 1} canary Apps applied at :1.0.0; waiting for their stable versions`);
      await allStable(client, fleet, APPS + 1);
      await sleep(3000);
      const rssStableMB = operator.rssMB();
      benchLog(`Rolling out one App alone (the floor)`);
      // Event timestamps have whole seconds: a second's margin keeps the stable versions' events out.
      await sleep(1000);
      const soloSince = new Date().toISOString();
      const alone = await rollOut(client, operator, [solo], 120_000);
      benchLog(`  done in ${alone.completeSeconds.toFixed(1)} s; requests ${JSON.stringify(alone.requests)}`);
      benchLog(`  Events per App by reason: ${JSON.stringify(await eventsByReason(client, [solo], soloSince))}`);
      benchLog(`Rolling out ${APPS} Apps at once`);
      const fleetSince = new Date().toISOString();
      const fleetRun = await rollOut(client, operator, apps, 600_000);
      benchLog(`  done in ${fleetRun.completeSeconds.toFixed(1)} s; requests ${JSON.stringify(fleetRun.requests)}`);
      const fleetEvents = await eventsByReason(client, apps, fleetSince);
      benchLog(`  Events per App by reason: ${JSON.stringify(fleetEvents)}`);
      const perStepPerApp = (run: RolloutRun, n: number) => writesOf(run.requests) / (n * STEPS.length);
      const byMethod = (run: RolloutRun, n: number, method: string) =>
        round((run.requests[method] ?? 0) / (n * STEPS.length), 2);
      return {
        appCount: APPS,
        stepCount: STEPS.length,
        pauseFloorSeconds: PAUSE_FLOOR_SECONDS,
        soloCompleteSeconds: round(alone.completeSeconds),
        soloWritesPerStepCount: round(perStepPerApp(alone, 1), 2),
        fleetCompleteSeconds: round(fleetRun.completeSeconds),
        fleetOverSoloRatio: round(fleetRun.completeSeconds / alone.completeSeconds, 2),
        fleetAppCompleteP50Seconds: round(percentile(fleetRun.completions, 0.5)),
        fleetAppCompleteMaxSeconds: round(fleetRun.completions.at(-1) ?? 0),
        ...Object.fromEntries(
          // When the last App entered each step: step 1 is the rollout's start, step 5 the setWeight 100.
          fleetRun.lastReachedStepSeconds.map((s, i) => [`fleetLastAppEnteredStep${i + 1}Seconds`, round(s)]),
        ),
        writesPerStepPerAppCount: round(perStepPerApp(fleetRun, APPS), 2),
        patchesPerStepPerAppCount: byMethod(fleetRun, APPS, "PATCH"),
        postsPerStepPerAppCount: byMethod(fleetRun, APPS, "POST"),
        putsPerStepPerAppCount: byMethod(fleetRun, APPS, "PUT"),
        deletesPerStepPerAppCount: byMethod(fleetRun, APPS, "DELETE"),
        readsPerStepPerAppCount: byMethod(fleetRun, APPS, "GET"),
        fleetWritesCount: writesOf(fleetRun.requests),
        // The POSTs are Events on the App: how many of each reason one App's rollout recorded.
        ...Object.fromEntries(Object.entries(fleetEvents).map(([reason, n]) => [`events${reason}PerAppCount`, n])),
        operatorRssStableMB: rssStableMB,
        operatorRssPeakMB: round(Math.max(fleetRun.rssPeakMB, alone.rssPeakMB)),
        operatorRssAfterMB: operator.rssMB(),
        operatorCpuFleetSeconds: round(fleetRun.cpuSeconds, 2),
        // Inside the operator: App reconciles while the fleet rolled out, their mean time and their keys' mean wait.
        fleetReconcileCount: fleetRun.requests.reconcileCount ?? 0,
        fleetReconcileMeanMs: meanMs(fleetRun.requests, "reconcile"),
        fleetQueueWaitMeanMs: meanMs(fleetRun.requests, "queue"),
        soloReconcileMeanMs: meanMs(alone.requests, "reconcile"),
      };
    } finally {
      await operator.stop();
      client.close();
    }
  },
  () => ({ failed: false }),
);
