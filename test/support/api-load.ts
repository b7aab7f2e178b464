// The "API under load" scenario, shared by its CI test (test/api/api-load.test.ts, small counts) and its benchmark
// (bench/api-load.ts: 200 clients for 60 s, 500 log followers). loco-api runs as its own process over a private
// Postgres server, with the operator (and its mirror) in this process. Three phases:
// 1. `clients` keep-alive connections for `seconds`, each a loop of 4 reads (GET app) and 1 deploy of its own App
//    (autocannon): no error, no non-2xx answer but deploys the API shed (503 with Retry-After, nothing done, counted
//    as `shed`); latency percentiles reported.
// 2. Readers' latency alone, then again while slow-body clients (a body byte by byte, slower than the request
//    timeout allows) and oversized-body clients (over the body limit) run: those get 408 and 413, and the readers'
//    p99 is compared with its own floor measured just before.
// 3. `followers` follow the logs of `followerApps` Apps (2 replicas each, canned lines appended as they go) with the
//    CLI's follow logic, all opened at once: each open's time, and the API's RSS before and with them (MB per
//    follower). Then the API is restarted (SIGTERM, then started again on the same port) while lines keep coming:
//    every follower gets every line of every replica once, in order — no gap, no repeat.
// No vitest imports: the benchmark uses it too.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import autocannon from "autocannon";
import { ApiClient, type LogRecord } from "../../cli/client/api-client.ts";
import { followLogs } from "../../cli/client/log-follow.ts";
import { CONTAINER_NAME, LABEL_APP } from "../../crds/app-names.ts";
import { PROFILE } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { NAMESPACE, POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { startOperator } from "../../operator/operator.ts";
import { type ApiProcess, spawnApi } from "./api-process.ts";
import { cannedLogs } from "./canned-logs.ts";
import { mapLimit } from "./fleet.ts";
import { privateServer } from "./postgres-server.ts";
import { residentKB } from "./resident-memory.ts";
import { applyTestGatewayAndProfile } from "./test-gateway.ts";

export interface ApiLoadOptions {
  kubeconfig: string;
  ownerPid: number;
  shard: { label: string; value: string };
  /** Phase 1: concurrent clients and how long. */
  clients: number;
  seconds: number;
  /** Phase 2: readers, how long each measurement runs, and the misbehaving clients (of each kind). */
  readers: number;
  readerSeconds: number;
  misbehaving: number;
  /** Phase 3: log followers, spread over this many Apps (default 1), and lines appended per second meanwhile. */
  followers: number;
  followerApps?: number;
  linesPerSecond: number;
  /** Concurrent cluster writes the API admits (--cluster-writes); its default when absent. */
  clusterWrites?: number;
  log?: (message: string) => void;
}

export interface ApiLoadResult {
  clients: number;
  seconds: number;
  /** --cluster-writes of the API (0: its default). */
  clusterWrites: number;
  requests: number;
  requestsPerS: number;
  deploys: number;
  errors: number;
  non2xx: number;
  /** Deploys answered 503 with Retry-After (shed before anything was done: api/write-admission.ts). */
  shed: number;
  /** Non-2xx answers other than those shed: the figure that must be 0. */
  failures: number;
  /** Answers of phase 1 by HTTP status. */
  statuses: Record<string, number>;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  readers: number;
  readersAloneP99Ms: number;
  readersWithMisbehavingP99Ms: number;
  /** Readers' p99 with the misbehaving clients over their p99 alone. */
  misbehavingP99Ratio: number;
  readersErrors: number;
  slowBodyClients: number;
  /** Statuses the slow-body and oversized-body clients got, by status. */
  slowBodyStatuses: Record<string, number>;
  oversizedStatuses: Record<string, number>;
  followers: number;
  followerApps: number;
  /** Time to open each follower's stream (its answer's headers), all opened at once. */
  openP50Ms: number;
  openP99Ms: number;
  /** First opens refused, by status. */
  openFailures: Record<string, number>;
  /** loco-api's resident memory before the followers opened, and once every one had its first lines. */
  apiRssBeforeMB: number;
  apiRssFollowingMB: number;
  /** (following − before) ÷ followers. */
  followerMB: number;
  linesPerPod: number;
  pods: number;
  /** Followers that got every line of every pod exactly once, in order. */
  followersComplete: number;
  gaps: number;
  repeats: number;
  /** Followers whose stream failed for good (their first open refused, or the API away past their patience). */
  failedFollowers: number;
  /** Followers whose stream ended by itself (cleanly), before and after the restart began. */
  endedBeforeRestart: number;
  endedAfterRestart: number;
  errorRecords: Record<string, number>;
  /** Reconnections the followers made (each break of each follower). */
  reconnects: number;
  restartMs: number;
  /** From the restart to the last follower's first line after it. */
  followersResumedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runApiLoad(options: ApiLoadOptions): Promise<ApiLoadResult> {
  const log = options.log ?? (() => {});
  const labels = { [options.shard.label]: options.shard.value };
  const selector = `${options.shard.label}=${options.shard.value}`;
  const tenant = `load${options.shard.value}`;
  const profile = `load${options.shard.value}`;
  const namespace = `${tenant}-${profile}`;
  const gatewayNamespace = `load-gw-${options.shard.value}`;
  const postgres = await privateServer(options.ownerPid);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(options.kubeconfig);
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-test-api-load" });
  const operator = await startOperator({
    kubeConfig,
    log: silentLogger,
    selector,
    concurrency: 8,
    resyncMs: 0,
    databaseUrl: postgres.url,
  });
  let api: ApiProcess | undefined;
  let logs: Awaited<ReturnType<typeof cannedLogs>> | undefined;
  try {
    await applyTestGatewayAndProfile(client, {
      name: profile,
      labels,
      baseDomain: `${options.shard.value}.load.example.com`,
      gatewayNamespace,
    });
    const streams = String(options.followers * 2 + 10);
    api = await spawnApi({
      databaseUrl: postgres.url,
      kubeconfig: options.kubeconfig,
      args: [
        "--object-labels",
        selector,
        "--request-timeout",
        "15s",
        "--shutdown-timeout",
        "3s",
        "--streams-per-credential",
        streams,
        "--streams-per-tenant",
        streams,
        // A pod for each client's App and two for each followed App: the default quota (200 pods) left the followed
        // Apps' pods refused (PodsRefused) once 200 clients had their Apps.
        "--tenant-quota",
        `requests.cpu=16,requests.memory=32Gi,pods=${options.clients + 2 * Math.max(1, options.followerApps ?? 1) + 20}`,
        ...(options.clusterWrites ? ["--cluster-writes", String(options.clusterWrites)] : []),
      ],
    });
    const running = api;
    const admin = running.bootstrap;
    if (!admin) throw new Error(`loco-api printed no bootstrap token:\n${running.output()}`);
    // The set-up's own calls (not measured): a loaded machine may time one out (503, 504); those are tried again.
    const call = async (method: string, path: string, body?: unknown, token = admin): Promise<unknown> => {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${running.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        if (response.ok) return JSON.parse(text || "null") as unknown;
        if ((response.status === 503 || response.status === 504) && attempt < 5) {
          log(`Set-up: ${method} ${path} answered ${response.status}; trying again`);
          continue;
        }
        throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
      }
    };
    await until("the Profile in the mirror", () => call("GET", `/v1/profiles/${profile}`).then(() => true));
    await call("POST", "/v1/tenants", { name: tenant, owner: "load-owner" });
    const minted = (await call("POST", `/v1/tenants/${tenant}/tokens`, { name: "load", role: "admin" })) as {
      secret: string;
    };
    const token = minted.secret;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const spec = (n: number, replicas = 1) => ({
      profile,
      image: "registry.example.com/load/web:1.0.0",
      ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
      resources: { cpu: "10m", memory: "16Mi" },
      replicas,
      // What a deploy changes: the BackendTrafficPolicy only, so that thousands of deploys make no new pods.
      idleTimeout: `${60 + n}s`,
    });
    const apps = Array.from({ length: options.clients }, (_, i) => `a${i}`);
    await mapLimit(apps, 8, (app) =>
      call("PUT", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, { spec: spec(0) }, token),
    );
    await until("every App in the mirror", async () => {
      const page = (await call("GET", `/v1/tenants/${tenant}/apps?profile=${profile}&limit=500`, undefined, token)) as {
        items: unknown[];
      };
      return page.items.length >= apps.length;
    });

    // --- 1. Reads and deploys. ---
    log(`Phase 1: ${options.clients} clients for ${options.seconds} s`);
    let deployCounter = 0;
    let deploys = 0;
    let shed = 0;
    // Each connection deploys its own App, so that no two deploys of one App race.
    const appOf = (context: Record<string, unknown>) => {
      context.app ??= apps[deployCounter++ % apps.length];
      return context.app as string;
    };
    const readPath = () =>
      `/v1/tenants/${tenant}/apps/${apps[Math.floor(Math.random() * apps.length)]}?profile=${profile}`;
    const read = {
      method: "GET" as const,
      setupRequest: (request: autocannon.Request) => ({ ...request, path: readPath() }),
    };
    const load = await autocannon({
      url: running.url,
      connections: options.clients,
      duration: options.seconds,
      timeout: 30,
      headers,
      requests: [
        read,
        read,
        read,
        read,
        {
          method: "POST",
          setupRequest: (request: autocannon.Request, context: object) => {
            deploys++;
            return {
              ...request,
              path: `/v1/tenants/${tenant}/apps/${appOf(context as Record<string, unknown>)}/deployments?profile=${profile}`,
              body: JSON.stringify({ spec: spec(deploys) }),
            };
          },
          onResponse: (status: number, _body: string, _context: object, headers?: IncomingHttpHeaders) => {
            const retryAfter = Object.keys(headers ?? {}).some((k) => k.toLowerCase() === "retry-after");
            if (status === 503 && retryAfter) shed++;
          },
        },
      ],
    });

    log(
      `Phase 1: ${load.requests.total} requests (${deploys} deploys), ${load.errors} errors, ${load.non2xx} non-2xx ${JSON.stringify(statusCounts(load))} of which ${shed} shed, ${load.timeouts} timeouts; p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms`,
    );

    // --- 2. Slow and oversized bodies beside well-behaved readers. ---
    log(`Phase 2: ${options.readers} readers, then beside ${options.misbehaving} slow-body and oversized-body clients`);
    const readers = () =>
      autocannon({
        url: running.url,
        connections: options.readers,
        duration: options.readerSeconds,
        headers,
        requests: [read],
      });
    const alone = await readers();
    const slowStatuses: Record<string, number> = {};
    const oversizedStatuses: Record<string, number> = {};
    let misbehaving = true;
    const deployPath = (app: string) => `/v1/tenants/${tenant}/apps/${app}/deployments?profile=${profile}`;
    const slowClient = async (i: number) => {
      while (misbehaving) {
        const status = await slowBody(running.port, deployPath(apps[i % apps.length]!), token, () => misbehaving);
        slowStatuses[status] = (slowStatuses[status] ?? 0) + 1;
      }
    };
    const oversizedClient = async (i: number) => {
      const body = JSON.stringify({ spec: { ...spec(0), env: [{ name: "BIG", value: "x".repeat(2 * 1024 * 1024) }] } });
      while (misbehaving) {
        const status = await fetch(`${running.url}${deployPath(apps[i % apps.length]!)}`, {
          method: "POST",
          headers,
          body,
        })
          .then(async (r) => {
            await r.arrayBuffer();
            return String(r.status);
          })
          // fetch's own message is "fetch failed" whatever happened: the cause (ECONNRESET, EPIPE, …) says what.
          .catch((error: unknown) => `error ${causeOf(error)}`);
        oversizedStatuses[status] = (oversizedStatuses[status] ?? 0) + 1;
      }
    };
    const bad = [
      ...Array.from({ length: options.misbehaving }, (_, i) => slowClient(i)),
      ...Array.from({ length: options.misbehaving }, (_, i) => oversizedClient(i)),
    ];
    await sleep(1000);
    const beside = await readers();
    misbehaving = false;
    await Promise.all(bad);

    log(
      `Phase 2: readers' p99 ${alone.latency.p99} ms alone, ${beside.latency.p99} ms beside; slow bodies ${JSON.stringify(slowStatuses)}, oversized ${JSON.stringify(oversizedStatuses)}`,
    );

    // --- 3. Log followers across an API restart. ---
    const followerApps = Array.from({ length: Math.max(1, options.followerApps ?? 1) }, (_, i) => `logged${i}`);
    log(`Phase 3: ${options.followers} log followers of ${followerApps.length} App(s) across an API restart`);
    logs = await cannedLogs({ namespace, containers: { [CONTAINER_NAME]: [] }, follow: true, kubeConfig });
    for (const app of followerApps) {
      await call("PUT", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, { spec: spec(0, 2) }, token);
    }
    for (const app of followerApps) {
      const pods = async () =>
        (
          await client.list<KubeObject & { status?: { phase?: string } }>(POD, namespace, {
            labelSelector: `${LABEL_APP}=${app}`,
          })
        ).items;
      await until(
        `2 running pods of App ${app}`,
        async () => (await pods()).filter((p) => p.status?.phase === "Running").length === 2,
        300_000,
      ).catch(async (error: unknown) => {
        // What stood in the way: the pods' phases and the App's own account of itself.
        const phases = (await pods().catch(() => [])).map((p) => p.status?.phase ?? "none");
        const view = await call("GET", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`).catch(String);
        throw new Error(
          `${(error as Error).message}: pods ${JSON.stringify(phases)}; App ${JSON.stringify(view).slice(0, 2000)}`,
        );
      });
    }
    await until("the followed Apps in the mirror", async () => {
      for (const app of followerApps) await call("GET", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`);
      return true;
    });
    let seq = 0;
    const appendLine = () => {
      seq++;
      logs!.append(CONTAINER_NAME, [{ time: new Date(), line: `line ${seq}` }]);
    };
    appendLine();
    const cli = new ApiClient({ server: running.url, token, timeoutMs: 30_000 });
    let reconnects = 0;
    let failedFollowers = 0;
    const received: Map<string, number[]>[] = [];
    const lastSeen: number[] = [];
    const openMs: number[] = [];
    const openFailures: Record<string, number> = {};
    /** Error records the API sent in the streams (a replica's log broke off), by message. */
    const errorRecords: Record<string, number> = {};
    /** When followers' streams ended by themselves, before the scenario stopped them. */
    const endedAt: number[] = [];
    let stopping = false;
    const rssBefore = rssMB(running.child().pid);
    const followers = Array.from({ length: options.followers }, (_, i) => {
      const perPod = new Map<string, number[]>();
      received.push(perPod);
      const app = followerApps[i % followerApps.length]!;
      let first = true;
      const stream = followLogs(
        async (after) => {
          const open = () => cli.logs(tenant, app, profile, { follow: true, ...(after ? { after } : {}) });
          if (!first) return open();
          first = false;
          const started = performance.now();
          try {
            const opened = await open();
            openMs.push(performance.now() - started);
            return opened;
          } catch (error) {
            const status = String((error as { status?: number }).status ?? "error");
            openFailures[status] = (openFailures[status] ?? 0) + 1;
            throw error;
          }
        },
        {
          retryMs: 200,
          onBreak: () => reconnects++,
        },
      );
      // A follower whose stream failed for good is counted (it got fewer lines), not left to crash the run.
      const done = (async () => {
        for await (const record of stream.records as AsyncIterable<LogRecord>) {
          if ("error" in record) {
            errorRecords[record.error] = (errorRecords[record.error] ?? 0) + 1;
            continue;
          }
          const n = Number(/^line (\d+)$/.exec(record.line)?.[1] ?? -1);
          const list = perPod.get(record.pod) ?? [];
          list.push(n);
          perPod.set(record.pod, list);
          lastSeen[i] = Date.now();
        }
        // The stream ended by itself (the API ended it cleanly): the follower stops, with whatever lines it had.
        if (!stopping) endedAt.push(Date.now());
      })().catch((error: unknown) => {
        failedFollowers++;
        if (failedFollowers === 1) log(`A follower failed: ${String(error)}`);
      });
      return { stream, done };
    });
    let stopAppending = false;
    const appender = (async () => {
      const interval = 1000 / options.linesPerSecond;
      while (!stopAppending) {
        appendLine();
        await sleep(interval);
      }
    })();
    let rssFollowing = 0;
    let restartedAt = 0;
    let restartMs = 0;
    try {
      // Every follower has its first line of both pods, or has failed for good (counted).
      await until(
        "every follower's first line",
        async () => received.filter((m) => m.size === 2).length + failedFollowers >= options.followers,
        120_000,
      );
      rssFollowing = rssMB(running.child().pid);
      await sleep(2000);
      restartedAt = Date.now();
      await running.stop("SIGTERM");
      await running.start();
      restartMs = Date.now() - restartedAt;
      await sleep(3000);
    } finally {
      stopAppending = true;
      await appender;
    }
    const total = seq;
    await until(
      "every follower at the last line",
      async () => received.every((m) => m.size === 2 && [...m.values()].every((lines) => lines.at(-1) === total)),
      120_000,
    ).catch((error: unknown) => log(String(error)));
    const followersResumedMs = Math.max(...lastSeen) - restartedAt;
    stopping = true;
    for (const follower of followers) follower.stream.stop();
    await Promise.allSettled(followers.map((f) => f.done));
    let gaps = 0;
    let repeats = 0;
    let complete = 0;
    for (const perPod of received) {
      let whole = perPod.size === 2;
      for (const lines of perPod.values()) {
        const seen = new Set<number>();
        for (const n of lines) {
          if (seen.has(n)) repeats++;
          seen.add(n);
        }
        for (let n = 1; n <= total; n++) if (!seen.has(n)) gaps++;
        if (lines.length !== total || lines.some((n, i) => n !== i + 1)) whole = false;
      }
      if (whole) complete++;
    }

    const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
    return {
      clients: options.clients,
      seconds: options.seconds,
      clusterWrites: options.clusterWrites ?? 0,
      requests: load.requests.total,
      requestsPerS: round(load.requests.total / options.seconds, 0),
      deploys,
      errors: load.errors,
      non2xx: load.non2xx,
      shed,
      failures: load.non2xx - shed,
      statuses: statusCounts(load),
      timeouts: load.timeouts,
      p50Ms: load.latency.p50,
      p99Ms: load.latency.p99,
      readers: options.readers,
      readersAloneP99Ms: alone.latency.p99,
      readersWithMisbehavingP99Ms: beside.latency.p99,
      misbehavingP99Ratio: round(beside.latency.p99 / Math.max(1, alone.latency.p99)),
      readersErrors: alone.errors + alone.non2xx + beside.errors + beside.non2xx,
      slowBodyClients: options.misbehaving,
      slowBodyStatuses: slowStatuses,
      oversizedStatuses,
      followers: options.followers,
      followerApps: followerApps.length,
      openP50Ms: round(percentile(openMs, 0.5), 0),
      openP99Ms: round(percentile(openMs, 0.99), 0),
      openFailures,
      apiRssBeforeMB: round(rssBefore, 1),
      apiRssFollowingMB: round(rssFollowing, 1),
      followerMB: round((rssFollowing - rssBefore) / Math.max(1, options.followers), 3),
      linesPerPod: total,
      pods: 2,
      followersComplete: complete,
      gaps,
      repeats,
      failedFollowers,
      endedBeforeRestart: endedAt.filter((t) => t < restartedAt).length,
      endedAfterRestart: endedAt.filter((t) => t >= restartedAt).length,
      errorRecords,
      reconnects,
      restartMs,
      followersResumedMs,
    };
  } finally {
    await api?.stop("SIGKILL");
    await logs?.remove();
    await operator.stop().catch(() => {});
    await Promise.allSettled([
      client.delete(NAMESPACE, undefined, namespace),
      client.delete(NAMESPACE, undefined, gatewayNamespace),
      client.delete(PROFILE, undefined, profile),
    ]);
    client.close();
    await postgres.stop();
  }
}

/** Resident memory of a process, in MB (0 when it cannot be read). */
function rssMB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return residentKB(pid) / 1024;
  } catch {
    return 0;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** autocannon's answers by status. */
function statusCounts(result: autocannon.Result): Record<string, number> {
  const stats = (result as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  return Object.fromEntries(Object.entries(stats).map(([status, { count }]) => [status, count]));
}

/**
 * A client that sends a JSON body one byte a second, for longer than the server's request timeout allows: resolves
 * with the status it was answered (or how the connection ended).
 */
function slowBody(port: number, path: string, token: string, going: () => boolean): Promise<string> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ spec: { image: "registry.example.com/slow/web:1.0.0" } });
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": body.length },
    });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length && going()) req.write(body[sent++]!);
    }, 1000);
    const finish = (outcome: string) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      req.destroy();
      resolve(outcome);
    };
    const giveUp = setTimeout(() => finish("no answer in 30 s"), 30_000);
    req.on("response", (res) => {
      res.resume();
      finish(String(res.statusCode));
    });
    req.on("error", (error) => finish(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** What made a fetch fail: its cause's code or message (fetch itself only says "fetch failed"). */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
