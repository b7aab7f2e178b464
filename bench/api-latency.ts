// API latency: `GET app` and a paginated list of a tenant's Apps through loco-api (served from the state mirror in
// Postgres), each against its floor — the same reads from the kube-apiserver directly — with 10,000 Apps mirrored;
// then requests per second for `GET app` under a load tool (autocannon) on loopback.
//
//   npm run bench:api-latency       (BENCH_APPS=10000, BENCH_GETS=2000, BENCH_LIST_ROUNDS=6,
//                                    BENCH_LOAD_CONNECTIONS=10, BENCH_LOAD_SECONDS=10, BENCH_LOAD_ROUNDS=2)
//
// Everything is real and private to the run: a control plane (hack/control-plane), a PostgreSQL server, loco's
// mirror fed by the operator's own caches (composed as startOperator composes them, without the controllers: no
// child objects, so 10,000 Apps do not become 10,000 Deployments and pods on two cores), and loco-api started from
// api/main.ts as its own process. The Apps live in one tenant, spread over its namespaces (one per Profile); the
// API is called with a `loco_` token of that tenant. Only the rate limits are raised, or the load tool would measure
// 429s. Prints its figures and writes bench/results/api-latency.json.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import autocannon from "autocannon";
import { sql } from "kysely";
import { APP, PROFILE } from "../crds/kinds.ts";
import { connectDatabase } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { silentLogger } from "../kube/logger.ts";
import type { KubeObject } from "../kube/types.ts";
import { allInformers, createCaches } from "../operator/caches.ts";
import { createMirrorCaches, createOperatorMirror, mirrorInformers } from "../operator/mirror-setup.ts";
import { mapLimit } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { privateServer } from "../test/support/postgres-server.ts";
import { residentKB } from "../test/support/resident-memory.ts";

const apps = Number(process.env.BENCH_APPS ?? 10_000);
const profiles = Number(process.env.BENCH_PROFILES ?? 4);
const gets = Number(process.env.BENCH_GETS ?? 2_000);
const warmUp = Number(process.env.BENCH_WARM_UP ?? 200);
const listRounds = Number(process.env.BENCH_LIST_ROUNDS ?? 6);
const loadConnections = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 10);
const loadSeconds = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const loadRounds = Number(process.env.BENCH_LOAD_ROUNDS ?? 2);
const tenant = "acme";
const log = (message: string) => process.stdout.write(`${message}\n`);

// --- A minimal keep-alive JSON client, the same for both sides (the apiserver's side only adds its TLS). ---

interface Target {
  base: string;
  agent: HttpAgent;
  send: typeof httpRequest;
  headers: Record<string, string>;
}

function getJson<T>(target: Target, path: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = target.send(
      `${target.base}${path}`,
      { method: "GET", agent: target.agent, headers: { accept: "application/json", ...target.headers } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch (error) {
            reject(new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 200)} (${String(error)})`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function timedGet(target: Target, path: string): Promise<number> {
  const started = performance.now();
  const { status, body } = await getJson<unknown>(target, path);
  const ms = performance.now() - started;
  if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  return ms;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

// --- The run. ---

const dir = mkdtempSync(join(tmpdir(), "loco-bench-api-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
const postgres = await privateServer(process.pid);
const apis: { child: ChildProcess; target: Target }[] = [];
try {
  await installLocoCrds(plane.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-bench" });

  // The mirror, fed by the operator's caches exactly as startOperator wires it (operator/operator.ts).
  const informerLog = { log: () => {} };
  const caches = createCaches(client, informerLog);
  const mirrorCaches = createMirrorCaches(client, informerLog);
  const informers = [...allInformers(caches), ...mirrorInformers(mirrorCaches)];
  for (const informer of informers) informer.start();
  await Promise.all(informers.map((informer) => informer.waitForSync()));
  const database = await connectDatabase(postgres.url);
  await migrateToLatest(database.db);
  const mirror = createOperatorMirror({
    db: database.db,
    client,
    caches,
    mirrorCaches,
    keyRing: undefined,
    log: silentLogger,
  });
  mirror.start();

  // Profiles first: creating a tenant makes one namespace per mirrored Profile.
  const profileNames = Array.from({ length: profiles }, (_, i) => `p${i}`);
  for (const name of profileNames) {
    await client.apply(
      PROFILE,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "Profile",
        metadata: { name },
        spec: {
          baseDomain: `${name}.example.com`,
          gateway: { name: "public", namespace: "gateways" },
          defaults: { replicas: 1, idleTimeout: "60s" },
        },
      },
      "loco-bench",
    );
  }
  await waitFor("the Profiles to be mirrored", async () => (await count(sql`kind = 'Profile'`)) === profiles);

  // loco-api as in production (api/main.ts), on loopback, with its default log level; only rate limits raised.
  const mainApi = await startApi(join(import.meta.dirname, "..", "api", "main.ts"), "loco-api");
  apis.push(mainApi);
  const apiTarget = mainApi.target;
  const bootstrap = /(loco_\S+)/.exec(mainApi.stdout())?.[1];
  if (!bootstrap) throw new Error("loco-api printed no bootstrap token");
  // BENCH_COMPARE_API=<another tree>/api/main.ts: a second loco-api on the same database, measured alongside
  // (interleaved), printed and not recorded — how before/after figures of a change are taken under equal load.
  // BENCH_COMPARE_API_NODE_ARGS gives the second its own Node flags instead of BENCH_API_NODE_ARGS (with
  // BENCH_COMPARE_API=api/main.ts, the same build under two settings).
  const compareApi = process.env.BENCH_COMPARE_API
    ? await startApi(process.env.BENCH_COMPARE_API, "loco-api-compare", process.env.BENCH_COMPARE_API_NODE_ARGS)
    : undefined;
  if (compareApi) apis.push(compareApi);

  const created = await call("POST", "/v1/tenants", bootstrap, { name: tenant, owner: "bench-owner" });
  const namespaces = (created as { namespaces: { profile: string; namespace: string }[] }).namespaces;
  if (namespaces.length !== profiles) throw new Error(`tenant has ${namespaces.length} namespaces, not ${profiles}`);
  const minted = await call("POST", `/v1/tenants/${tenant}/tokens`, bootstrap, { name: "bench", role: "viewer" });
  const token = (minted as { secret: string }).secret;
  for (const api of apis) api.target.headers = { authorization: `Bearer ${token}` };

  // The Apps, spread over the tenant's namespaces, each with a status like the operator's.
  const started = performance.now();
  const objects: KubeObject[] = Array.from({ length: apps }, (_, i) => {
    const { profile, namespace } = namespaces[i % namespaces.length]!;
    const name = `app-${String(i).padStart(5, "0")}`;
    return {
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name, namespace },
      spec: {
        profile,
        project: `project-${i % 100}`,
        image: `registry.example.com/acme/${name}:1.0.0`,
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        health: { readiness: { http: { path: "/healthz" } } },
        resources: { cpu: "10m", memory: "32Mi" },
        env: [{ name: "LOG_LEVEL", value: "info" }],
      },
    };
  });
  let done = 0;
  await mapLimit(objects, 16, async (app) => {
    const applied = await client.apply(APP, app, "loco-bench");
    await client.request(
      "PATCH",
      `/apis/loco.dev/v1alpha1/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}/status`,
      { body: { status: statusOf(applied) }, contentType: "application/merge-patch+json" },
    );
    if (++done % 1000 === 0) log(`Created ${done} Apps with their status`);
  });
  log(`Created ${apps} Apps in ${round((performance.now() - started) / 1000, 1)} s`);
  await waitFor(
    "every App to be mirrored with its status",
    async () => (await count(sql`kind = 'App' AND tenant = ${tenant} AND status ? 'conditions'`)) === apps,
    600_000,
  );
  await mirror.drained();
  const mirroredSeconds = round((performance.now() - started) / 1000, 1);
  log(`Mirrored ${apps} Apps ${mirroredSeconds} s after the first was created`);
  // Fresh planner statistics, as autovacuum would have gathered by now on a live database.
  await sql`ANALYZE resources`.execute(database.db);

  const apiserver: Target = await (async () => {
    const options: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    await kubeConfig.applyToHTTPSOptions(options as never);
    return {
      base: kubeConfig.getCurrentCluster()!.server,
      agent: new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: options.ca, cert: options.cert, key: options.key }),
      send: httpsRequest as unknown as typeof httpRequest,
      headers: {},
    };
  })();
  const appPath = (app: KubeObject) =>
    `/v1/tenants/${tenant}/apps/${app.metadata.name}?profile=${(app.spec as { profile: string }).profile}`;
  const apiserverPath = (app: KubeObject) =>
    `/apis/loco.dev/v1alpha1/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}`;
  const pick = (i: number) => objects[(i * 7919) % objects.length]!;
  const loadBefore = loadavg()[0]!;

  // The API under test, and when BENCH_COMPARE_API is set the other build, measured the same way in turn.
  const sides = [
    { name: "API", target: apiTarget },
    ...(compareApi ? [{ name: "compare API", target: compareApi.target }] : []),
  ];

  // Whatever runs right after the apiserver pays for its garbage collection (and so on), so the order changes every
  // round: round r takes the r-th permutation of the sides, and each side follows each other side equally often.
  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((item, i) => permutations(items.filter((_, j) => j !== i)).map((rest) => [item, ...rest]));
  const inOrder = <T>(items: T[], round: number): T[] => {
    const all = permutations(items);
    return all[round % all.length]!;
  };

  // 1. GET app, one at a time, the sides interleaved so that all see the same noise.
  const getSamples = sides.map(() => [] as number[]);
  const apiserverGets: number[] = [];
  const getters = [
    ...sides.map((side, index) => ({
      samples: getSamples[index]!,
      get: (app: KubeObject) => timedGet(side.target, appPath(app)),
    })),
    { samples: apiserverGets, get: (app: KubeObject) => timedGet(apiserver, apiserverPath(app)) },
  ];
  for (let i = 0; i < warmUp + gets; i++) {
    const app = pick(i);
    for (const { samples, get } of inOrder(getters, i)) {
      const ms = await get(app);
      if (i >= warmUp) samples.push(ms);
    }
  }
  for (const samples of [...getSamples, apiserverGets]) samples.sort((a, b) => a - b);
  const apiGets = getSamples[0]!;
  for (const [index, side] of sides.entries()) {
    log(
      `GET app (${gets}), ${side.name}: p50 ${round(quantile(getSamples[index]!, 0.5))} ms, p99 ${round(quantile(getSamples[index]!, 0.99))} ms`,
    );
  }
  log(
    `GET app (${gets}), apiserver: p50 ${round(quantile(apiserverGets, 0.5))} ms, p99 ${round(quantile(apiserverGets, 0.99))} ms`,
  );

  // 2. The whole list, page by page, at the largest page the API serves and at its default page size.
  const expected = objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
  const listApi = async (target: Target, limit: number | undefined) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let requests = 0;
    const t0 = performance.now();
    do {
      const query: string[] = [
        ...(limit ? [`limit=${limit}`] : []),
        ...(cursor ? [`cursor=${encodeURIComponent(cursor)}`] : []),
      ];
      const path = `/v1/tenants/${tenant}/apps${query.length ? `?${query.join("&")}` : ""}`;
      const { status, body } = await getJson<{
        items: { namespace: string; name: string }[];
        nextCursor: string | null;
      }>(target, path);
      if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
      requests++;
      for (const item of body.items) seen.push(`${item.namespace}/${item.name}`);
      cursor = body.nextCursor;
    } while (cursor);
    return { ms: performance.now() - t0, requests, seen };
  };
  // The tenant's Apps as the apiserver serves them: each of its namespaces, limit/continue.
  const listApiserver = async (limit: number) => {
    const seen: string[] = [];
    let requests = 0;
    const t0 = performance.now();
    for (const { namespace } of namespaces) {
      let next: string | undefined;
      do {
        const path = `/apis/loco.dev/v1alpha1/namespaces/${namespace}/apps?limit=${limit}${next ? `&continue=${encodeURIComponent(next)}` : ""}`;
        const { status, body } = await getJson<{
          items: KubeObject[];
          metadata: { continue?: string };
        }>(apiserver, path);
        if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
        requests++;
        for (const item of body.items) seen.push(`${item.metadata.namespace}/${item.metadata.name}`);
        next = body.metadata.continue || undefined;
      } while (next);
    }
    return { ms: performance.now() - t0, requests, seen };
  };
  const checked = <T extends { seen: string[] }>(result: T): T => {
    const seen = [...result.seen].sort();
    if (seen.length !== expected.length || seen.some((s, i) => s !== expected[i])) {
      throw new Error(`A list returned ${seen.length} Apps, not exactly the tenant's ${expected.length}`);
    }
    return result;
  };
  const maxPage = 500;
  const defaultPage = 50;
  type ListRuns = { max: number[]; default: number[]; maxRequests: number; defaultRequests: number };
  const newRuns = (): ListRuns => ({ max: [], default: [], maxRequests: 0, defaultRequests: 0 });
  const apiLists = sides.map(newRuns);
  const apiserverLists = newRuns();
  for (const side of sides) await listApi(side.target, maxPage);
  await listApiserver(maxPage);
  const listers = [
    ...sides.map((side, index) => ({
      runs: apiLists[index]!,
      max: () => listApi(side.target, maxPage),
      byDefault: () => listApi(side.target, undefined),
    })),
    { runs: apiserverLists, max: () => listApiserver(maxPage), byDefault: () => listApiserver(defaultPage) },
  ];
  for (let r = 0; r < listRounds; r++) {
    for (const { runs, max, byDefault } of inOrder(listers, r)) {
      const whole = checked(await max());
      const paged = checked(await byDefault());
      runs.max.push(whole.ms);
      runs.default.push(paged.ms);
      runs.maxRequests = whole.requests;
      runs.defaultRequests = paged.requests;
    }
  }
  for (const [index, side] of [...sides, { name: "apiserver" }].entries()) {
    const runs = apiLists[index] ?? apiserverLists;
    log(
      `List ${apps} Apps (medians of ${listRounds}), ${side.name}: ${round(median(runs.max))} ms in ${runs.maxRequests} pages of ${maxPage}; ${round(median(runs.default))} ms in ${runs.defaultRequests} pages of ${defaultPage}`,
    );
  }
  const apiList = apiLists[0]!;
  const listMs = median(apiList.max);
  const apiserverListMs = median(apiserverLists.max);

  // 3. Requests per second: autocannon, keep-alive connections, each request a different App.
  const rps = sides.map(() => [] as { rps: number; p50: number; p99: number }[]);
  let next = 0;
  for (let r = 0; r < loadRounds; r++) {
    for (const index of inOrder(
      sides.map((_, i) => i),
      r,
    )) {
      const side = sides[index]!;
      const load = await autocannon({
        url: side.target.base,
        connections: loadConnections,
        duration: loadSeconds,
        headers: { authorization: `Bearer ${token}` },
        requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: appPath(pick(next++)) }) }],
      });
      if (load.non2xx > 0 || load.errors > 0 || load.timeouts > 0) {
        throw new Error(`Load had ${load.non2xx} non-2xx answers, ${load.errors} errors, ${load.timeouts} timeouts`);
      }
      const result = { rps: load.requests.total / loadSeconds, p50: load.latency.p50, p99: load.latency.p99 };
      rps[index]!.push(result);
      log(
        `Load, ${side.name}: ${round(result.rps, 0)} GET app/s with ${loadConnections} connections for ${loadSeconds} s (latency p50 ${result.p50} ms, p99 ${result.p99} ms)`,
      );
    }
  }
  const mainLoad = rps[0]!;
  const getRps = round(median(mainLoad.map((l) => l.rps)), 0);
  // Resident memory of each loco-api after everything above (its peak would include the load tool's bursts).
  const rssMB = apis.map(({ child }) => round(residentKB(child.pid!) / 1024, 1));
  for (const [index, side] of sides.entries()) log(`Resident memory after the run, ${side.name}: ${rssMB[index]} MB`);

  const results = {
    apps,
    namespaces: namespaces.length,
    gets,
    getP50Ms: round(quantile(apiGets, 0.5)),
    getP99Ms: round(quantile(apiGets, 0.99)),
    apiserverGetP50Ms: round(quantile(apiserverGets, 0.5)),
    apiserverGetP99Ms: round(quantile(apiserverGets, 0.99)),
    getRatio: round(quantile(apiGets, 0.5) / quantile(apiserverGets, 0.5)),
    listRounds,
    listPageSize: maxPage,
    listMs: round(listMs, 1),
    apiserverListMs: round(apiserverListMs, 1),
    listRatio: round(listMs / apiserverListMs),
    listRequests: apiList.maxRequests,
    apiserverListRequests: apiserverLists.maxRequests,
    listDefaultPageSize: defaultPage,
    listDefaultPageMs: round(median(apiList.default), 1),
    apiserverListDefaultPageMs: round(median(apiserverLists.default), 1),
    listDefaultPageRatio: round(median(apiList.default) / median(apiserverLists.default)),
    getRps,
    loadConnections,
    loadSeconds,
    loadRounds,
    loadP50Ms: median(mainLoad.map((l) => l.p50)),
    loadP99Ms: median(mainLoad.map((l) => l.p99)),
    apiRssMB: rssMB[0],
    mirroredSeconds,
    loadAverage1m: round((loadBefore + loadavg()[0]!) / 2, 1),
  };
  log(JSON.stringify(results, null, 2));
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "api-latency.json"), `${JSON.stringify(results, null, 2)}\n`);

  await mirror.stop();
  await Promise.all(informers.map((informer) => informer.stop()));
  await database.close();
  client.close();

  // --- Helpers that need the run's state. ---

  async function count(where: ReturnType<typeof sql>): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM resources WHERE deleted_at IS NULL AND ${where}`.execute(database.db);
    return Number(rows[0]?.n ?? 0);
  }

  async function startApi(main: string, name: string, nodeArgs?: string) {
    const port = await freePort();
    const logFile = join(dir, `${name}.log`);
    const logFd = openSync(logFile, "w");
    const child = spawn(
      process.execPath,
      [
        // BENCH_API_PROFILE=<folder>: a CPU profile of loco-api for the whole run, written when it stops.
        ...(process.env.BENCH_API_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_API_PROFILE}`] : []),
        // BENCH_API_NODE_ARGS: more of Node's flags for loco-api, e.g. "--trace-gc" (its output goes to its log).
        ...(nodeArgs ?? process.env.BENCH_API_NODE_ARGS ?? "").split(" ").filter(Boolean),
        main,
        "--address",
        `127.0.0.1:${port}`,
        "--database-url",
        postgres.url,
        "--kubeconfig",
        plane.kubeconfig,
        "--rate-limit-per-ip",
        "100000000",
        "--rate-limit-per-token",
        "100000000",
      ],
      // Its logs go straight to a file, as a container runtime takes them: read through a pipe, every request's
      // log line would wake this process (the client being timed) on loco's side only.
      { stdio: ["ignore", logFd, logFd], env: { ...process.env, LOCO_LOG_LEVEL: "info" } },
    );
    closeSync(logFd);
    const target: Target = {
      base: `http://127.0.0.1:${port}`,
      agent: new HttpAgent({ keepAlive: true, maxSockets: 1 }),
      send: httpRequest,
      headers: {},
    };
    await waitFor(`${name} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited; see ${logFile}`);
      return (await getJson<unknown>(target, "/readyz").catch(() => ({ status: 0 }))).status === 200;
    });
    return { child, target, stdout: () => readFileSync(logFile, "utf8") };
  }

  async function call(method: string, path: string, bearer: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${apiTarget.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }
} finally {
  for (const { child } of apis) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    await Promise.race([new Promise((resolve) => child.once("exit", resolve)), sleep(25_000)]);
  }
  await postgres.stop();
  await stopControlPlane(dir);
  // BENCH_KEEP_LOGS=1 keeps the run's folder: loco-api's log has each request's own duration (`responseTime`).
  if (process.env.BENCH_KEEP_LOGS === "1") log(`Logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** A status like the one the operator writes for a Ready App. */
function statusOf(app: KubeObject): Record<string, unknown> {
  const now = new Date().toISOString();
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: "True",
    reason,
    message,
    lastTransitionTime: now,
    observedGeneration: app.metadata.generation,
  });
  const host = `${app.metadata.name}.${(app.spec as { profile: string }).profile}.example.com`;
  return {
    observedGeneration: app.metadata.generation,
    conditions: [
      condition("Ready", "Available", "The App serves traffic."),
      condition("ProfileResolved", "Resolved", "Profile found."),
      condition("DeploymentReady", "Available", "1 of 1 replicas are available."),
      condition("RoutesReady", "Accepted", "Every route is accepted."),
    ],
    deploymentId: "01JBENCH0000000000000000AA",
    url: `https://${host}`,
    urls: [`https://${host}`],
    replicas: 1,
    readyReplicas: 1,
    image: (app.spec as { image: string }).image,
    lastDeployTime: now,
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(250);
  }
}
