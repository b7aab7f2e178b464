// Soak: the operator (with its mirror into Postgres) and the API as separate processes, as they ship, on a control
// plane and a Postgres of their own, while Apps change at a steady rate (most through the apiserver, some through
// the API) and readers list them through the API.
// Samples each process's resident memory and open file descriptors and the apiserver's open watches, so that
// growth after a warm-up can be judged. Shared by test/operator/soak.test.ts (short) and bench/soak.ts (long).
// No vitest imports.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { tenantNamespace } from "../../api/tenant-namespaces.ts";
import { startControlPlane, stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { HEAP_AFTER_GC_METRIC } from "../../kube/heap-after-gc.ts";
import { KubeApiError, KubeClient } from "../../kube/kube-client.ts";
import { fleetApp, prepareFleet } from "./fleet.ts";
import { installLocoCrds } from "./install-crds.ts";
import {
  IMAGE_OPERATOR_NODE_FLAGS,
  metricSum,
  type OperatorProcess,
  SHARD_LABEL,
  spawnOperatorProcess,
} from "./operator-child.ts";
import { type PrivatePostgres, privateServer } from "./postgres-server.ts";
import { residentKB } from "./resident-memory.ts";

export interface SoakOptions {
  apps: number;
  /** App changes per second through the apiserver (the operator and its mirror follow them). */
  changesPerSecond: number;
  /** App changes per second through the API (PATCH …/env: a rollout each), on their own Apps. */
  apiChangesPerSecond: number;
  /** How many of the Apps change through the API; the others through the apiserver. */
  apiWriteApps: number;
  /** List requests per second against the API (read from the mirror). */
  readsPerSecond: number;
  durationMs: number;
  sampleEveryMs: number;
  /**
   * How long the apiserver keeps Events (its --event-ttl; Kubernetes' default is 1h). The operator caches the Events
   * about loco objects for as long as they exist, so its heap grows with them for one TTL and then holds: a soak
   * judges leaks only once that TTL is inside its warm-up.
   */
  eventTtl?: string;
  log?: (message: string) => void;
}

export interface ProcessSample {
  rssMB: number;
  /** V8 heap in use after the process's last full collection (its live heap); NaN when it could not be read. */
  heapMB: number;
  fds: number;
  sockets: number;
}

export interface SoakSample {
  atSeconds: number;
  operator: ProcessSample;
  api: ProcessSample;
  /** WATCH requests open in the apiserver (every client's: beside other tests it moves with them). */
  apiserverWatches: number;
  /** Watches the operator itself holds open, by its own count (the API holds none): what a leak would grow. */
  operatorWatches: number;
  /** Changes sent so far (through the apiserver and the API), those through the API, and those refused. */
  changes: number;
  apiChanges: number;
  failedChanges: number;
  /** The refused changes by status (0: no answer). */
  failuresByStatus: Record<string, number>;
  /** Ticks with every App's previous change still in flight (the API slower than the rate asked for). */
  skippedChanges: number;
  failedReads: number;
  /** p99 of the API's answer time to the changes since the previous sample. */
  changeP99Ms: number;
}

function quantile(values: number[], q: number): number {
  const sorted = values.sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}

export interface SoakResult {
  samples: SoakSample[];
  /** Every App's last acknowledged change is what the API reads back. */
  lastChangesVisible: boolean;
}

const TENANT = "soaktenant";
const apiEntrypoint = new URL("../../api/main.ts", import.meta.url).pathname;

/**
 * The process's `loco_heap_after_gc_bytes` from its Prometheus /metrics, in MB: NaN when it did not answer, 0 when
 * it has not observed a full collection yet (a lightly loaded process may run none for minutes).
 */
export async function heapAfterGcMB(metrics: () => Promise<string>): Promise<number> {
  const text = await metrics().catch(() => undefined);
  if (text === undefined) return Number.NaN;
  const bytes = metricSum(text, HEAP_AFTER_GC_METRIC);
  return bytes > 0 ? Math.round(bytes / 104_857.6) / 10 : 0;
}

export function processSample(pid: number, heapMB = Number.NaN): ProcessSample {
  const rssKB = residentKB(pid);
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) sockets++;
    } catch {
      /* closed meanwhile */
    }
  }
  return { rssMB: Math.round(rssKB / 102.4) / 10, heapMB, fds: fds.length, sockets };
}

export async function startApiProcess(options: {
  kubeconfig: string;
  databaseUrl: string;
  dir: string;
}): Promise<{ child: ChildProcess; url: string; token: string; output(): string; metrics(): Promise<string> }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const tokenFile = join(options.dir, "bootstrap-token");
  const child = spawn(
    process.execPath,
    [
      apiEntrypoint,
      "--address",
      `127.0.0.1:${port}`,
      "--kubeconfig",
      options.kubeconfig,
      "--database-url",
      options.databaseUrl,
      "--bootstrap-token-file",
      tokenFile,
      "--object-labels",
      `${SHARD_LABEL}=soak`,
      "--simulated-nodes",
      // The soak's own client sends 20+ requests a second from one address with one token.
      "--rate-limit-per-ip",
      "100000",
      "--rate-limit-per-token",
      "100000",
      "--metrics-address",
      `127.0.0.1:${metricsPort}`,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`loco-api did not become ready within 120 s:\n${output}`);
    await sleep(250);
  }
  const token = readFileSync(tokenFile, "utf8").trim();
  const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return { child, url, token, output: () => output, metrics };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "loco-soak-"));
  let client: KubeClient | undefined;
  let postgres: PrivatePostgres | undefined;
  let operator: OperatorProcess | undefined;
  let api: ChildProcess | undefined;
  try {
    const plane = await startControlPlane({
      dir: join(dir, "cluster"),
      ownerPid: process.pid,
      ...(options.eventTtl ? { apiserverArgs: [`--event-ttl=${options.eventTtl}`] } : {}),
    });
    postgres = await privateServer(process.pid);
    await installLocoCrds(plane.kubeconfig);
    const config = new KubeConfig();
    config.loadFromFile(plane.kubeconfig);
    client = await KubeClient.create(config);
    // The Gateway and the Profile (labelled for this operator); the Apps come through the API.
    const fleet = await prepareFleet(client, { shard: "soak", shardLabel: SHARD_LABEL, apps: 0, namespaces: 0 });
    // With Node's flags as the image runs it: they decide how much heap V8 reserves, which is what RSS measures.
    operator = await spawnOperatorProcess(
      plane.kubeconfig,
      fleet.shard,
      ["--no-leader-elect", "--database-url", postgres.url, "--log-level", "warn"],
      { nodeArgs: IMAGE_OPERATOR_NODE_FLAGS },
    );
    const started = await startApiProcess({ kubeconfig: plane.kubeconfig, databaseUrl: postgres.url, dir });
    api = started.child;
    const call = async (method: string, path: string, body?: unknown) =>
      fetch(`${started.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${started.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 120_000;
      while (!(await check().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await sleep(500);
      }
    };
    // Tenants are created over the Profiles the mirror holds.
    await until("the Profile in the mirror", async () => (await call("GET", `/v1/profiles/${fleet.profile}`)).ok);
    const tenant = await call("POST", "/v1/tenants", { name: TENANT });
    if (tenant.status !== 201) throw new Error(`Creating the tenant answered ${tenant.status}: ${await tenant.text()}`);
    const base = `/v1/tenants/${TENANT}/apps`;
    const names = Array.from({ length: options.apps }, (_, i) => `soak${i}`);
    for (const name of names) {
      const spec = fleetApp(fleet, SHARD_LABEL, "", name).spec;
      const put = await call("PUT", `${base}/${name}?profile=${fleet.profile}`, { spec });
      if (!put.ok) throw new Error(`PUT App ${name} answered ${put.status}: ${await put.text()}`);
    }
    await until("every App in the mirror", async () => {
      const list = (await (await call("GET", `${base}?limit=500`)).json()) as { items?: unknown[] };
      return list.items?.length === options.apps;
    });
    log(
      `${options.apps} Apps created through the API; changing them ${options.changesPerSecond}/s through the ` +
        `apiserver and ${options.apiChangesPerSecond}/s through the API`,
    );

    let changes = 0;
    let failedChanges = 0;
    let apiChanges = 0;
    let failedReads = 0;
    let skippedChanges = 0;
    const latencies: number[] = [];
    /** Failed changes by status (0: no answer). */
    const failures = new Map<number, number>();
    const failed = (status: number) => {
      failedChanges++;
      failures.set(status, (failures.get(status) ?? 0) + 1);
    };
    /** Per App, the last acknowledged change: its requestTimeout (kube) or ROUND variable (API). */
    const lastTimeout = new Map<string, string>();
    const lastRound = new Map<string, string>();
    let running = true;
    let inFlight = 0;
    const loop = async (perSecond: number, work: (n: number) => Promise<void>) => {
      const begin = performance.now();
      for (let n = 0; running && perSecond > 0; n++) {
        if (inFlight < 64) {
          inFlight++;
          void work(n).finally(() => inFlight--);
        }
        await sleep(Math.max(0, begin + ((n + 1) * 1000) / perSecond - performance.now()));
      }
    };
    // One change in flight per App: two at once race on the App's resourceVersion (the API then rightly answers 409
    // when its retries run out). A tick whose App is still busy moves on to the next free one. The first
    // apiWriteApps Apps change through the API (env, a rollout each), the others through the apiserver
    // (requestTimeout, which the operator carries to the App's traffic policy), so the two writers never race.
    const busy = new Set<string>();
    const pick = (pool: string[], cursor: { next: number }) => {
      for (let tried = 0; tried < pool.length; tried++) {
        const candidate = pool[cursor.next++ % pool.length] as string;
        if (!busy.has(candidate)) return candidate;
      }
      skippedChanges++;
      return undefined;
    };
    const viaApi = names.slice(0, options.apiWriteApps);
    const viaKube = names.slice(options.apiWriteApps);
    const apiCursor = { next: 0 };
    const kubeCursor = { next: 0 };
    const namespace = tenantNamespace(TENANT, fleet.profile);
    const kubeWriter = loop(options.changesPerSecond, async (n) => {
      const name = pick(viaKube, kubeCursor);
      if (!name) return;
      busy.add(name);
      changes++;
      const timeout = `${1000 + n}ms`;
      const sent = performance.now();
      try {
        await client?.request("PATCH", `/apis/loco.dev/v1alpha1/namespaces/${namespace}/apps/${name}`, {
          body: { spec: { requestTimeout: timeout } },
          contentType: "application/merge-patch+json",
        });
        lastTimeout.set(name, timeout);
      } catch (error) {
        failed(error instanceof KubeApiError ? error.status : 0);
      } finally {
        latencies.push(performance.now() - sent);
        busy.delete(name);
      }
    });
    const apiWriter = loop(options.apiChangesPerSecond, async (n) => {
      const name = pick(viaApi, apiCursor);
      if (!name) return;
      busy.add(name);
      changes++;
      apiChanges++;
      const sent = performance.now();
      const res = await call("PATCH", `${base}/${name}/env?profile=${fleet.profile}`, {
        set: { ROUND: String(n) },
      }).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      latencies.push(performance.now() - sent);
      busy.delete(name);
      if (res?.ok) lastRound.set(name, String(n));
      else failed(res?.status ?? 0);
    });
    const reader = loop(options.readsPerSecond, async () => {
      const res = await call("GET", `${base}?limit=100`).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      if (!res?.ok) failedReads++;
    });

    const samples: SoakSample[] = [];
    // NaN when the apiserver is too busy to answer within its timeout: a missed sample, not a failed soak.
    const watches = async () => {
      const text = await client?.text("/metrics", 30_000).catch(() => undefined);
      return text
        ? metricSum(text.body, "apiserver_longrunning_requests", (labels) => labels.includes('verb="WATCH"'))
        : Number.NaN;
    };
    const begin = performance.now();
    while (performance.now() - begin < options.durationMs) {
      await sleep(Math.min(options.sampleEveryMs, options.durationMs - (performance.now() - begin)));
      const sample: SoakSample = {
        atSeconds: Math.round((performance.now() - begin) / 1000),
        operator: processSample(operator.child.pid ?? 0, await heapAfterGcMB(operator.metrics)),
        api: processSample(api.pid ?? 0, await heapAfterGcMB(started.metrics)),
        apiserverWatches: await watches(),
        operatorWatches: await operator
          .metrics()
          .then((text) => metricSum(text, "loco_rest_client_watches_open"))
          .catch(() => Number.NaN),
        changes,
        apiChanges,
        failedChanges,
        failuresByStatus: Object.fromEntries(failures),
        skippedChanges,
        failedReads,
        changeP99Ms: quantile(latencies.splice(0), 0.99),
      };
      samples.push(sample);
      log(
        `${sample.atSeconds} s: operator ${sample.operator.rssMB} MB (heap ${sample.operator.heapMB} MB), ${sample.operator.fds} fds (${sample.operator.sockets} sockets); ` +
          `API ${sample.api.rssMB} MB (heap ${sample.api.heapMB} MB), ${sample.api.fds} fds (${sample.api.sockets} sockets); ${sample.operatorWatches} operator watches (apiserver ${sample.apiserverWatches}); ` +
          `${changes} changes (${failedChanges} failed${failures.size ? ` ${JSON.stringify(Object.fromEntries(failures))}` : ""}, ${skippedChanges} ticks skipped, p99 ${sample.changeP99Ms} ms), ${failedReads} failed reads`,
      );
    }
    running = false;
    await Promise.all([kubeWriter, apiWriter, reader]);
    while (inFlight > 0) await sleep(20);

    // Nothing acknowledged is lost: the API reads every App's last value back.
    const visible = async () => {
      const rounds = [...lastRound].map(async ([name, round]) => {
        const view = (await (await call("GET", `${base}/${name}/env?profile=${fleet.profile}`)).json()) as {
          env?: { name: string; value?: string }[];
        };
        return view.env?.find((e) => e.name === "ROUND")?.value === round;
      });
      const timeouts = [...lastTimeout].map(async ([name, timeout]) => {
        const app = (await (await call("GET", `${base}/${name}?profile=${fleet.profile}`)).json()) as {
          spec?: { requestTimeout?: string };
        };
        return app.spec?.requestTimeout === timeout;
      });
      return (await Promise.all([...rounds, ...timeouts])).every(Boolean);
    };
    let lastChangesVisible = false;
    const deadline = Date.now() + 120_000;
    while (!lastChangesVisible && Date.now() < deadline) {
      lastChangesVisible = await visible().catch(() => false);
      if (!lastChangesVisible) await sleep(1000);
    }
    return { samples, lastChangesVisible };
  } finally {
    api?.kill("SIGTERM");
    await operator?.kill("SIGTERM");
    client?.close();
    await postgres?.stop();
    await stopControlPlane(join(dir, "cluster"));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Growth in percent of `value` from the mean of the samples at the warm-up mark to the mean of the last ones. */
export function growthPercent(samples: SoakSample[], afterSeconds: number, value: (s: SoakSample) => number): number {
  // A sample whose figure could not be read (NaN), or is not there yet (0: no full collection observed), is left out.
  const warm = samples.filter((s) => s.atSeconds >= afterSeconds && Number.isFinite(value(s)) && value(s) > 0);
  const first = warm.slice(0, 3);
  const last = warm.slice(-3);
  if (first.length === 0) return Number.NaN;
  const mean = (list: SoakSample[]) => list.reduce((sum, s) => sum + value(s), 0) / list.length;
  return Math.round(((mean(last) - mean(first)) / mean(first)) * 1000) / 10;
}
