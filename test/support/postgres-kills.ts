// The "Postgres killed mid-write" scenario, shared by its CI test (test/api/postgres-kills.test.ts, small counts) and
// its benchmark (bench/postgres-kills.ts, 20 kills): a private Postgres server (commits acknowledged only once their
// WAL left the server, as in production), the operator with its mirror in this process, loco-api as its own process,
// and three kinds of load at once:
// - API writes that end in the database directly (a member added per request) and through the cluster (an App put
//   with a new idle timeout each time, mirrored back by the operator), plus reads;
// - GitOps-style changes written to the apiserver directly, `changesPerSecond` of them, that the mirror follows;
// - `kill -9` of every server process (postmaster and backends), `kills` times, each down `downMs`, then restarted.
// Afterwards: every write the API acknowledged is in the database; the mirror holds every App at its live
// resourceVersion, once; and every API answer was a success or a 503 with Retry-After — never a 500 or a dropped
// connection. No vitest imports: the benchmark uses it too.
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { connectDatabase } from "../../db/connect.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { startOperator } from "../../operator/operator.ts";
import { type ApiProcess, spawnApi } from "./api-process.ts";
import { mapLimit } from "./fleet.ts";
import { privateServer } from "./postgres-server.ts";
import { applyTestGatewayAndProfile } from "./test-gateway.ts";

export interface PostgresKillOptions {
  kubeconfig: string;
  ownerPid: number;
  /** Label (key=value) put on every object of the run, which the operator's selector matches. */
  shard: { label: string; value: string };
  kills: number;
  /** How long the server stays up between kills, and down after each. */
  upMs: number;
  downMs: number;
  changesPerSecond: number;
  /** Apps changed by the GitOps-style writer, round robin. */
  apps: number;
  /** Concurrent API clients of each kind (members, App puts, reads). */
  apiClients: number;
  log?: (message: string) => void;
}

export interface PostgresKillResult {
  kills: number;
  downMs: number;
  upMs: number;
  changesPerSecond: number;
  /** Changes the GitOps-style writer made (the apiserver acknowledged them). */
  clusterChanges: number;
  apiRequests: number;
  /** Count of answers by HTTP status ("error" for a request that got no answer). */
  apiStatuses: Record<string, number>;
  /** The same by request: "PUT member 200", "GET apps 503", … */
  apiStatusesByRequest: Record<string, number>;
  /** 503s without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** A few of the answers that were neither a success nor a 503 (status, method, path, body). */
  unexpected: string[];
  /** The API's log of its internal errors (their causes), the first few. */
  apiInternalErrors: string[];
  acknowledgedMemberWrites: number;
  lostMemberWrites: number;
  acknowledgedAppWrites: number;
  /** App puts acknowledged whose value (or a later one) the mirror does not hold once caught up. */
  lostAppWrites: number;
  /** Acknowledged writes without their audit record. */
  unauditedWrites: number;
  /** From the last restart to the mirror holding every App at its live resourceVersion. */
  mirrorCatchUpMs: number;
  duplicateRows: number;
  /** From each restart to the API's first successful write afterwards: median and worst. */
  recoveryMedianMs: number;
  recoveryMaxMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runPostgresKills(options: PostgresKillOptions): Promise<PostgresKillResult> {
  const log = options.log ?? (() => {});
  const labels = { [options.shard.label]: options.shard.value };
  const selector = `${options.shard.label}=${options.shard.value}`;
  const tenant = `pgk${options.shard.value}`;
  const profile = `pgk${options.shard.value}`;
  const postgres = await privateServer(options.ownerPid, { durableCommits: true });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(options.kubeconfig);
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-test-postgres-kills" });
  const operator = await startOperator({
    kubeConfig,
    log: silentLogger,
    selector,
    concurrency: 4,
    resyncMs: 0,
    databaseUrl: postgres.url,
  });
  let api: ApiProcess | undefined;
  const gatewayNamespace = `pgk-gw-${options.shard.value}`;
  const namespace = `${tenant}-${profile}`;
  try {
    await applyTestGatewayAndProfile(client, {
      name: profile,
      labels,
      baseDomain: `${options.shard.value}.pgk.example.com`,
      gatewayNamespace,
    });
    api = await spawnApi({
      databaseUrl: postgres.url,
      kubeconfig: options.kubeconfig,
      args: ["--object-labels", selector],
    });
    const admin = api.bootstrap;
    if (!admin) throw new Error(`loco-api printed no bootstrap token:\n${api.output()}`);
    const call = (method: string, path: string, body?: unknown, token = admin) =>
      fetch(`${api!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    await until("the Profile in the mirror", async () => (await call("GET", `/v1/profiles/${profile}`)).status === 200);
    const created = await call("POST", "/v1/tenants", { name: tenant, owner: "pgk-owner" });
    if (created.status !== 201)
      throw new Error(`Creating the tenant failed: ${created.status} ${await created.text()}`);
    const minted = await call("POST", `/v1/tenants/${tenant}/tokens`, { name: "writer", role: "admin" });
    if (minted.status !== 201) throw new Error(`Minting a token failed: ${minted.status} ${await minted.text()}`);
    const token = ((await minted.json()) as { secret: string }).secret;

    const appSpec = (n: number) => ({
      profile,
      image: "registry.example.com/pgk/web:1.0.0",
      ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
      resources: { cpu: "10m", memory: "16Mi" },
      // A change the operator carries to the BackendTrafficPolicy only: no new pods for each of thousands of changes.
      idleTimeout: `${60 + n}s`,
    });
    const gitopsApps: KubeObject[] = Array.from({ length: options.apps }, (_, i) => ({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: `g${i}`, namespace, labels },
      spec: appSpec(0),
    }));
    await mapLimit(gitopsApps, 8, (app) => client.apply(APP, app, "loco-test-gitops"));

    // --- The load. ---
    let stopping = false;
    const statuses: Record<string, number> = {};
    const byRequest: Record<string, number> = {};
    const unexpected: string[] = [];
    let unavailableWithoutRetryAfter = 0;
    let apiRequests = 0;
    const acknowledgedMembers: string[] = [];
    /** App name → the highest idle-timeout counter the API acknowledged. */
    const acknowledgedApps = new Map<string, number>();
    const acknowledged: { at: number }[] = [];
    const record = async (method: string, path: string, response: Response | Error): Promise<boolean> => {
      apiRequests++;
      if (response instanceof Error) {
        statuses.error = (statuses.error ?? 0) + 1;
        if (unexpected.length < 10) unexpected.push(`${method} ${path}: no answer (${response.message})`);
        return false;
      }
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      const kind = `${method} ${path.includes("/members/") ? "member" : path.includes("/apps/") ? "app" : "apps"}`;
      byRequest[`${kind} ${response.status}`] = (byRequest[`${kind} ${response.status}`] ?? 0) + 1;
      const body = await response.text();
      if (response.status === 503 && !response.headers.get("retry-after")) unavailableWithoutRetryAfter++;
      if (response.ok) return true;
      if (response.status !== 503 && unexpected.length < 10) {
        unexpected.push(`${method} ${path}: ${response.status} ${body.slice(0, 300)}`);
      }
      return false;
    };
    const send = async (method: string, path: string, body?: unknown): Promise<boolean> => {
      const response = await call(method, path, body, token).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
      const ok = await record(method, path, response);
      if (!ok) await sleep(100);
      return ok;
    };
    const memberWriter = async (worker: number) => {
      for (let n = 0; !stopping; n++) {
        const subject = `m${worker}x${n}`;
        if (await send("PUT", `/v1/tenants/${tenant}/members/${subject}`, { role: "viewer" })) {
          acknowledgedMembers.push(subject);
          acknowledged.push({ at: Date.now() });
        }
      }
    };
    const appWriter = async (worker: number) => {
      const name = `w${worker}`;
      for (let n = 1; !stopping; n++) {
        if (await send("PUT", `/v1/tenants/${tenant}/apps/${name}?profile=${profile}`, { spec: appSpec(n) })) {
          acknowledgedApps.set(name, n);
          acknowledged.push({ at: Date.now() });
        }
      }
    };
    const reader = async () => {
      while (!stopping) await send("GET", `/v1/tenants/${tenant}/apps?profile=${profile}`);
    };
    let clusterChanges = 0;
    const gitops = async () => {
      const interval = 1000 / options.changesPerSecond;
      const started = Date.now();
      const inFlight = new Set<Promise<unknown>>();
      for (let n = 1; !stopping; n++) {
        const app = gitopsApps[n % gitopsApps.length]!;
        const change = client
          .apply(APP, { ...app, spec: appSpec(n) }, "loco-test-gitops")
          .then(() => clusterChanges++)
          .catch((error: unknown) => log(`A GitOps change failed: ${String(error)}`));
        inFlight.add(change);
        void change.finally(() => inFlight.delete(change));
        await sleep(Math.max(0, started + n * interval - Date.now()));
      }
      await Promise.all(inFlight);
    };
    const workers = [
      gitops(),
      ...Array.from({ length: options.apiClients }, (_, i) => memberWriter(i)),
      ...Array.from({ length: options.apiClients }, (_, i) => appWriter(i)),
      ...Array.from({ length: options.apiClients }, () => reader()),
    ];

    // --- The faults. ---
    const restarts: number[] = [];
    let lastRestart = Date.now();
    try {
      for (let kill = 1; kill <= options.kills; kill++) {
        await sleep(options.upMs);
        await postgres.crash();
        log(`Killed Postgres (${kill} of ${options.kills})`);
        await sleep(options.downMs);
        lastRestart = Date.now();
        await postgres.resume();
        restarts.push(lastRestart);
      }
      await sleep(options.upMs);
    } finally {
      stopping = true;
      await Promise.all(workers);
    }

    // --- The checks. ---
    const reader2 = await connectDatabase(postgres.url);
    try {
      const live = new Map<string, KubeObject>();
      let mirrorCatchUpMs = 0;
      await until(
        "every App in the mirror at its live resourceVersion",
        async () => {
          const items = (await client.list<KubeObject>(APP, namespace)).items;
          live.clear();
          for (const item of items) live.set(item.metadata.uid ?? "", item);
          const { rows } = await sql<{ uid: string; resource_version: string }>`
            SELECT uid::text, resource_version FROM resources
            WHERE kind = 'App' AND namespace = ${namespace} AND deleted_at IS NULL`.execute(reader2.db);
          const mirrored = new Map(rows.map((r) => [r.uid, r.resource_version]));
          const caughtUp =
            rows.length === items.length &&
            items.every((app) => mirrored.get(app.metadata.uid ?? "") === app.metadata.resourceVersion);
          if (caughtUp) mirrorCatchUpMs = Date.now() - lastRestart;
          return caughtUp;
        },
        120_000,
      );
      const { rows: duplicates } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM (
          SELECT 1 FROM resources WHERE deleted_at IS NULL GROUP BY kind, namespace, name HAVING count(*) > 1
        ) d`.execute(reader2.db);
      const members = new Set(
        (await reader2.db.selectFrom("members").select("subject").where("tenant", "=", tenant).execute()).map(
          (m) => m.subject,
        ),
      );
      const lostMemberWrites = acknowledgedMembers.filter((subject) => !members.has(subject)).length;
      const mirroredSpecs = await reader2.db
        .selectFrom("resources")
        .select(["name", "spec"])
        .where("kind", "=", "App")
        .where("namespace", "=", namespace)
        .where("deleted_at", "is", null)
        .execute();
      const counterOf = (spec: unknown) =>
        Number(/^(\d+)s$/.exec(String((spec as { idleTimeout?: string })?.idleTimeout))?.[1] ?? 0) - 60;
      const mirroredCounter = new Map(mirroredSpecs.map((r) => [r.name, counterOf(r.spec)]));
      const lostAppWrites = [...acknowledgedApps].filter(([name, n]) => (mirroredCounter.get(name) ?? -1) < n).length;
      const audited = new Set(
        (
          await reader2.db
            .selectFrom("audit_log")
            .select("target")
            .where("tenant", "=", tenant)
            .where("outcome", "=", "succeeded")
            .execute()
        ).map((a) => a.target),
      );
      const unauditedWrites = acknowledgedMembers.filter((subject) => !audited.has(`Member/${subject}`)).length;
      const recoveries = restarts.map((at) => {
        const first = acknowledged.find((a) => a.at >= at);
        return first ? first.at - at : Number.POSITIVE_INFINITY;
      });
      const sorted = [...recoveries].sort((a, b) => a - b);
      return {
        kills: options.kills,
        downMs: options.downMs,
        upMs: options.upMs,
        changesPerSecond: options.changesPerSecond,
        clusterChanges,
        apiRequests,
        apiStatuses: statuses,
        apiStatusesByRequest: byRequest,
        unavailableWithoutRetryAfter,
        unexpected,
        apiInternalErrors: api
          .output()
          .split("\n")
          .filter((line) => line.includes("Failed to handle the request") || line.includes("Answered with an error"))
          .slice(0, 5),
        acknowledgedMemberWrites: acknowledgedMembers.length,
        lostMemberWrites,
        acknowledgedAppWrites: acknowledged.length - acknowledgedMembers.length,
        lostAppWrites,
        unauditedWrites,
        mirrorCatchUpMs,
        duplicateRows: duplicates[0]?.n ?? 0,
        recoveryMedianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        recoveryMaxMs: sorted.at(-1) ?? 0,
      };
    } finally {
      await reader2.close();
    }
  } finally {
    await api?.stop("SIGKILL");
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

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(250);
  }
}
