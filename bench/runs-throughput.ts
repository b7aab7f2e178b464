// Runs throughput: how many one-task Runs per minute loco-operator carries from created to Succeeded, against the
// floor — the very same Jobs (the operator's own builder, same pod template) created directly by a plain script,
// timed until they all complete. Each side gets a fresh control plane in the same bench run, so the Job
// controller, scheduler and kwok do the same work for both and the difference is what the operator adds.
//
//   npm run bench:runs-throughput          (BENCH_RUNS=500)
//
// The operator runs as its own process (as deployed: no database, so no mirror and no log capture), with the
// default concurrency. Prints its figures and writes bench/results/runs-throughput.json. A benchmark, not a test.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { RUN } from "../crds/kinds.ts";
import { INLINE_TASK, jobName } from "../crds/run-names.ts";
import { type ControlPlaneState, startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { JOB, NAMESPACE } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { desiredJob } from "../operator/reconcilers/run/desired.ts";
import { mapLimit } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";

const runs = Number(process.env.BENCH_RUNS ?? 500);
/** Requests in flight while creating the Runs (or, for the floor, the Jobs): "all at once", within reason. */
const CREATE_CONCURRENCY = 16;
/** The operator's default --concurrency. */
const OPERATOR_CONCURRENCY = 8;
const NAMESPACE_NAME = "bench-runs";
const BENCH_LABEL = "loco.dev/bench";
const resultsDir = new URL("./results/", import.meta.url).pathname;
const log = (message: string) => process.stdout.write(`${message}\n`);

const task = { image: "registry.example.com/bench/task:1", command: ["./task"], timeout: "10m" };
const runName = (i: number) => `r-${String(i).padStart(4, "0")}`;

async function withControlPlane<T>(work: (plane: ControlPlaneState, client: KubeClient) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "loco-bench-runs-"));
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  await installLocoCrds(plane.kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  const client = await KubeClient.create(config, { maxSockets: 64 });
  try {
    await client.apply(
      NAMESPACE,
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: NAMESPACE_NAME, labels: { "loco.dev/tenant": "bench" } },
      },
      "bench",
    );
    return await work(plane, client);
  } finally {
    client.close();
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves when `count` objects of `resource` (label-selected) satisfy `done`, watched (a poll would add load). */
async function allDone(
  client: KubeClient,
  resource: typeof JOB,
  count: number,
  done: (object: KubeObject) => boolean,
  onDone?: (object: KubeObject) => void,
): Promise<void> {
  const finished = new Set<string>();
  let resourceVersion: string | undefined;
  for (;;) {
    const abort = new AbortController();
    try {
      if (resourceVersion === undefined) {
        const list = await client.list(resource, NAMESPACE_NAME, { labelSelector: BENCH_LABEL });
        for (const object of list.items) {
          if (done(object) && !finished.has(object.metadata.name ?? "")) {
            finished.add(object.metadata.name ?? "");
            onDone?.(object);
          }
        }
        if (finished.size >= count) return;
        resourceVersion = list.metadata.resourceVersion;
      }
      const query = { labelSelector: BENCH_LABEL, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 };
      for await (const event of client.watch(resource, NAMESPACE_NAME, query, abort.signal)) {
        if (event.type === "ERROR") {
          resourceVersion = undefined;
          break;
        }
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type === "BOOKMARK") continue;
        if (done(event.object) && !finished.has(event.object.metadata.name ?? "")) {
          finished.add(event.object.metadata.name ?? "");
          onDone?.(event.object);
          if (finished.size >= count) {
            abort.abort();
            return;
          }
        }
      }
    } catch (error) {
      if (finished.size >= count) return;
      log(`  (watch interrupted: ${String(error)}; resuming)`);
      await sleep(200);
    }
  }
}

const condition = (object: KubeObject, type: string) =>
  ((object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === type,
  );

/** The floor: the Jobs the operator would create for those Runs, created directly, timed until all Complete. */
async function floorSeconds(): Promise<number> {
  return withControlPlane(async (_plane, client) => {
    const jobs = Array.from({ length: runs }, (_, i) => {
      const job = desiredJob({
        run: { name: runName(i), namespace: NAMESPACE_NAME },
        owner: { apiVersion: "loco.dev/v1alpha1", kind: "Run", name: runName(i), uid: "", controller: true },
        tenant: "bench",
        pipeline: undefined,
        task: { name: INLINE_TASK, ...task, retries: 0 },
        attempt: 1,
        jobName: jobName(runName(i), INLINE_TASK, 1),
        parameters: {},
        secretName: "loco.run-secrets",
        // What the operator builds in a namespace whose Profile sets no level.
        podSecurity: "restricted",
      });
      // No owner: there is no Run, and the garbage collector would delete a Job owned by a missing one.
      const { ownerReferences: _owner, ...metadata } = job.metadata;
      return { ...job, metadata: { ...metadata, labels: { ...metadata.labels, [BENCH_LABEL]: "floor" } } };
    });
    const started = performance.now();
    const complete = allDone(client, JOB, runs, (job) => condition(job, "Complete")?.status === "True");
    await mapLimit(jobs, CREATE_CONCURRENCY, (job) => client.create(JOB, job, "bench-floor"));
    log(`  created ${runs} Jobs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await complete;
    return (performance.now() - started) / 1000;
  });
}

/** User + system CPU seconds a process has used (Linux /proc). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sumOf = (text: string, name: string, filter: (labels: string) => boolean) =>
  text
    .split("\n")
    .filter(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) &&
        filter(line.slice(name.length, line.lastIndexOf(" "))),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);

interface LocoFigures {
  seconds: number;
  failed: number;
  operatorCpuSeconds: number;
  requests: Record<string, number>;
  reconciles: number;
  /** Created → Succeeded per Run, from the Runs' own timestamps (creation, completionTime). */
  latencyP50Seconds: number;
  latencyP99Seconds: number;
}

async function locoFigures(): Promise<LocoFigures> {
  return withControlPlane(async (plane, client) => {
    const port = await freePort();
    const operator = spawn(
      process.execPath,
      [
        // e.g. BENCH_OPERATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the operator.
        ...(process.env.BENCH_OPERATOR_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        new URL("../operator/main.ts", import.meta.url).pathname,
        "--kubeconfig",
        plane.kubeconfig,
        "--no-leader-elect",
        "--concurrency",
        String(OPERATOR_CONCURRENCY),
        "--health-address",
        `127.0.0.1:${port}`,
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    try {
      while (
        (await fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status)
          .catch(() => 0)) !== 200
      )
        await sleep(20);
      const cpuAtStart = processCpuSeconds(operator.pid ?? 0);
      const before = await metrics();
      let failed = 0;
      const latencies: number[] = [];
      const started = performance.now();
      const succeeded = allDone(
        client,
        RUN,
        runs,
        (run) => ["True", "False"].includes(condition(run, "Succeeded")?.status ?? ""),
        (run) => {
          if (condition(run, "Succeeded")?.status !== "True") failed++;
          const done = (run.status as { completionTime?: string } | undefined)?.completionTime;
          if (done) latencies.push((Date.parse(done) - Date.parse(run.metadata.creationTimestamp ?? "")) / 1000);
        },
      );
      await mapLimit(
        Array.from({ length: runs }, (_, i) => i),
        CREATE_CONCURRENCY,
        (i) =>
          client.create(
            RUN,
            {
              apiVersion: "loco.dev/v1alpha1",
              kind: "Run",
              metadata: { name: runName(i), namespace: NAMESPACE_NAME, labels: { [BENCH_LABEL]: "loco" } },
              spec: { task },
            },
            "bench",
          ),
      );
      log(`  created ${runs} Runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await succeeded;
      const seconds = (performance.now() - started) / 1000;
      const after = await metrics();
      const requests: Record<string, number> = {};
      for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
        const count = (text: string) =>
          sumOf(text, "rest_client_requests_total", (labels) => labels.includes(`method="${method}"`));
        requests[method] = count(after) - count(before);
      }
      const reconciles = (text: string) =>
        sumOf(text, "controller_runtime_reconcile_total", (labels) => labels.includes('controller="run"'));
      latencies.sort((a, b) => a - b);
      const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      return {
        seconds,
        failed,
        operatorCpuSeconds: processCpuSeconds(operator.pid ?? 0) - cpuAtStart,
        requests,
        reconciles: reconciles(after) - reconciles(before),
        latencyP50Seconds: quantile(0.5),
        latencyP99Seconds: quantile(0.99),
      };
    } finally {
      operator.kill("SIGTERM");
      await new Promise((resolve) => operator.once("exit", resolve));
    }
  });
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

log(`Floor: ${runs} Jobs (the operator's pod template) created directly, until all Complete`);
const floor = await floorSeconds();
log(`  floor ${floor.toFixed(1)} s`);
log(`loco-operator: ${runs} one-off Runs created at once, until all Succeeded`);
const loco = await locoFigures();
log(
  `  loco ${loco.seconds.toFixed(1)} s (${loco.failed} not succeeded); operator CPU ${loco.operatorCpuSeconds.toFixed(1)} s; ` +
    `${loco.reconciles} Run reconciles; requests ${JSON.stringify(loco.requests)}; ` +
    `created→Succeeded p50 ${loco.latencyP50Seconds.toFixed(1)} s, p99 ${loco.latencyP99Seconds.toFixed(1)} s`,
);
const runsPerMinute = round((runs / loco.seconds) * 60, 1);
const floorRunsPerMinute = round((runs / floor) * 60, 1);
const results = {
  runs,
  runsPerMinute,
  floorRunsPerMinute,
  ratio: round(runsPerMinute / floorRunsPerMinute, 3),
  locoSeconds: round(loco.seconds),
  floorSeconds: round(floor),
  runsNotSucceeded: loco.failed,
  operatorCpuSeconds: round(loco.operatorCpuSeconds, 1),
  runReconciles: loco.reconciles,
  reconcilesPerRun: round(loco.reconciles / runs),
  requestsPerRun: round(Object.values(loco.requests).reduce((a, b) => a + b, 0) / runs),
  writesPerRun: round(((loco.requests.POST ?? 0) + (loco.requests.PATCH ?? 0) + (loco.requests.PUT ?? 0)) / runs),
  latencyP50Seconds: round(loco.latencyP50Seconds, 1),
  latencyP99Seconds: round(loco.latencyP99Seconds, 1),
  operatorConcurrency: OPERATOR_CONCURRENCY,
  createConcurrency: CREATE_CONCURRENCY,
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, "runs-throughput.json"), `${JSON.stringify(results, null, 2)}\n`);
log(JSON.stringify(results, null, 2));
