// The disaster drill: a cluster with three tenants loses etcd; the resurrector rebuilds it from the mirror, and every
// hostname is held by the same App as before — including one two tenants contest, held by the one that sorts last
// (restored last), so a rebuild that left the claims to whichever App came back first would give it away.
// It runs on a control plane of its own (wiping the shared one would take every other test file with it), with
// the real operator mirroring to a real Postgres database the whole time — including through the wipe.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, HOSTNAME_CLAIM, PIPELINE, PROFILE, RUN } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { parseKeyRing } from "../../db/secret-crypto.ts";
import { SecretStore } from "../../db/secret-store.ts";
import {
  type ControlPlaneState,
  restartWithEmptyEtcd,
  startControlPlane,
  stopControlPlane,
} from "../../hack/control-plane/control-plane.ts";
import { resourcePath } from "../../kube/kube-client.ts";
import { createLogger, silentLogger } from "../../kube/logger.ts";
import { GATEWAY, HTTP_ROUTE, JOB, NAMESPACE, RESOURCE_QUOTA, ROLE_BINDING, SECRET } from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import { type RunningOperator, startOperator } from "../../operator/operator.ts";
import { createTestDatabase } from "../support/database.ts";
import { listAll } from "../support/fleet.ts";
import { installLocoCrds } from "../support/install-crds.ts";
import { eventually } from "../support/kube.ts";

const TENANTS = ["acme", "globex", "initech"];
const PROFILES = ["dev", "prod"];
const APPS = ["web", "worker"];
const KEK = `drill-1:${randomBytes(32).toString("base64")}`;
const resurrector = new URL("../../resurrector/main.ts", import.meta.url).pathname;

const root = mkdtempSync(join(tmpdir(), "loco-test-drill-"));
const dir = join(root, "cluster");
const auditLog = join(root, "audit.log");
const namespaces = TENANTS.flatMap((t) => PROFILES.map((p) => `${t}-${p}`));
/** A custom hostname granted to two tenants: initech's App takes it first, acme's asks later and is refused. */
const CONTESTED = "www.shop.drill.example.org";
const HOLDER = { namespace: "initech-prod", app: "storefront" };
const LOSER = { namespace: "acme-prod", app: "storefront" };
/** One claim per web App's default hostname, and the contested one. */
const claimCount = namespaces.length + 1;

let cluster: ControlPlaneState;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let reader: DatabaseHandle;
let operator: RunningOperator;
/** The secret values written before the disaster, by `namespace/app` then key. */
const secretValues = new Map<string, Record<string, string>>();

const manager = "drill";
type TaskEnv = { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
const apply = (resource: ResourceType, object: KubeObject) => operator.client.apply(resource, object, manager);

/** What the platform install provides in any cluster (not loco state): a Gateway for the Profiles to use. */
async function installPlatform(): Promise<void> {
  await apply(NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: "drill-gateway" } });
  await apply(GATEWAY, {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: "drill-gateway" },
    spec: {
      gatewayClassName: "envoy",
      listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
    },
  });
}

async function createTenants(): Promise<void> {
  for (const profile of PROFILES) {
    await apply(PROFILE, {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: profile, labels: { "loco.dev/tier": profile } },
      spec: {
        baseDomain: `${profile}.drill.example.com`,
        gateway: { name: "public", namespace: "drill-gateway" },
        defaults: { replicas: 1, idleTimeout: "60s" },
        env: [{ name: "LOCO_ENVIRONMENT", value: profile }],
        domainGrants: [
          { tenant: "acme", domains: ["shop.drill.example.org"] },
          { tenant: "initech", domains: ["shop.drill.example.org"] },
        ],
      },
    });
  }
  for (const tenant of TENANTS) {
    for (const profile of PROFILES) {
      const namespace = `${tenant}-${profile}`;
      await apply(NAMESPACE, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: namespace,
          labels: { "loco.dev/tenant": tenant, "loco.dev/profile": profile },
          annotations: { "loco.dev/owner": `${tenant}@example.com` },
        },
      });
      const managed = { "app.kubernetes.io/managed-by": "loco", "loco.dev/tenant": tenant };
      await apply(RESOURCE_QUOTA, {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "tenant-quota", namespace, labels: managed },
        spec: { hard: { pods: "40", "requests.cpu": "8", "requests.memory": "16Gi" } },
      });
      await apply(ROLE_BINDING, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "tenant-developers", namespace, labels: managed },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${tenant}:developers` }],
      });
      for (const app of APPS) {
        await apply(APP, {
          apiVersion: "loco.dev/v1alpha1",
          kind: "App",
          metadata: { name: app, namespace, labels: { "loco.dev/team": tenant } },
          spec: {
            profile,
            project: "shop",
            image: `registry.example.com/${tenant}/${app}:1.0.${profile === "dev" ? 1 : 0}`,
            ...(app === "web" ? { ports: [{ name: "http", port: 8080, protocol: "HTTP" }] } : {}),
            resources: { cpu: "10m", memory: "32Mi" },
            env: [{ name: "LOG_LEVEL", value: "info" }],
            secretEnv: [
              { name: "DB_PASSWORD", secretKey: "db-password" },
              { name: "API_KEY", secretKey: "api-key" },
            ],
          },
        });
      }
    }
    await apply(PIPELINE, {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Pipeline",
      metadata: { name: "ci", namespace: `${tenant}-dev` },
      spec: {
        timeout: "1h",
        tasks: [
          {
            name: "test",
            image: "node:24",
            command: ["npm", "test"],
            secretEnv: [{ name: "REGISTRY_TOKEN", secretKey: "registry-token" }],
          },
          { name: "build", image: "node:24", command: ["npm", "run", "build"], dependsOn: { test: "Success" } },
        ],
      },
    });
    await apply(RUN, {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "migrate", namespace: `${tenant}-prod` },
      spec: { task: { image: "registry.example.com/tools:1", command: ["./migrate"] } },
    });
  }
}

const storefront = (at: { namespace: string; app: string }): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: at.app, namespace: at.namespace },
  spec: {
    profile: "prod",
    image: "registry.example.com/shop/storefront:2.0.0",
    ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
    routes: { http: { hostnames: [CONTESTED] } },
    resources: { cpu: "10m", memory: "32Mi" },
  },
});

type AppCondition = { type: string; status: string; reason?: string; message?: string };
const conditionOf = (app: KubeObject | undefined, type: string) =>
  ((app?.status as { conditions?: AppCondition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

/** The holder wins the contested hostname first; the loser, applied afterwards, is refused. */
async function contestHostname(): Promise<void> {
  await apply(APP, storefront(HOLDER));
  await eventually("initech's storefront to hold the contested hostname", async () =>
    conditionOf(await operator.client.find(APP, HOLDER.namespace, HOLDER.app), "RoutesReady")?.reason === "Routed"
      ? true
      : undefined,
  );
  await apply(APP, storefront(LOSER));
  await loserRefused();
}

async function loserRefused(): Promise<void> {
  const refused = await eventually("acme's storefront refused the contested hostname", async () => {
    const condition = conditionOf(await operator.client.find(APP, LOSER.namespace, LOSER.app), "RoutesReady");
    return condition?.reason === "RouteConflict" ? condition : undefined;
  });
  expect(refused.message).toBe(
    `${CONTESTED} is already taken by another tenant; choose another hostname in spec.routes.`,
  );
  expect(await operator.client.find(HTTP_ROUTE, LOSER.namespace, LOSER.app)).toBeUndefined();
}

/** Who holds each hostname, by `namespace/app`, with the holder App's live uid (a restored App has a new one). */
async function hostnameHolders(): Promise<Record<string, string[]>> {
  const holders: Record<string, string[]> = {};
  for (const claim of (await operator.client.list(HOSTNAME_CLAIM)).items) {
    const spec = claim.spec as { hostname: string; holders: { namespace: string; app: string; uid: string }[] };
    holders[spec.hostname] = [];
    for (const h of spec.holders) {
      const app = await operator.client.find(APP, h.namespace, h.app);
      holders[spec.hostname]!.push(
        `${h.namespace}/${h.app}${app?.metadata.uid === h.uid ? "" : " (uid not the App's)"}`,
      );
    }
  }
  return holders;
}

/** Secret values of each tenant's Pipeline (`ci.pipeline-secrets` in `<tenant>-dev`), by namespace. */
const pipelineSecretValues = new Map<string, Record<string, string>>();
/** The value of a key each Pipeline's Secret had and lost before the disaster, by namespace. */
const retiredPipelineSecrets = new Map<string, string>();

/** The secret values, written the way the API writes them: into the Secrets the operator made for each owner. */
async function writeSecretValues(): Promise<void> {
  for (const tenant of TENANTS) {
    const namespace = `${tenant}-dev`;
    const values = { "registry-token": `tok-${randomBytes(8).toString("hex")}` };
    pipelineSecretValues.set(namespace, values);
    await eventually(`the Secret of Pipeline ${namespace}/ci`, () =>
      operator.client.find(SECRET, namespace, "ci.pipeline-secrets"),
    );
    // A key set and then unset before the disaster (`loco pipeline secrets unset`): the rebuild must not bring it
    // back. It is unset only once the mirror has stored it, so the mirror sees both steps.
    const retired = { ...values, "retired-token": `old-${randomBytes(8).toString("hex")}` };
    retiredPipelineSecrets.set(namespace, retired["retired-token"]);
    const writePipelineSecret = (data: Record<string, string>) =>
      operator.client.apply(
        SECRET,
        { apiVersion: "v1", kind: "Secret", metadata: { name: "ci.pipeline-secrets", namespace }, stringData: data },
        "loco-api",
      );
    await writePipelineSecret(retired);
    await eventually(`the mirror to store ${namespace}'s retired pipeline secret`, async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM secret_versions
        WHERE namespace = ${namespace} AND app = 'ci.pipeline-secrets' AND key = 'retired-token'
          AND deleted_at IS NULL`.execute(reader.db);
      return rows[0]?.n === 1 ? true : undefined;
    });
    // Unset the way the API does (a merge patch of data): an apply that leaves a stringData key out keeps it.
    await operator.client.request("PATCH", resourcePath(SECRET, namespace, "ci.pipeline-secrets"), {
      body: { data: { "retired-token": null } },
      contentType: "application/merge-patch+json",
      query: { fieldManager: "loco-api" },
    });
  }
  for (const namespace of namespaces) {
    for (const app of APPS) {
      const values = { "db-password": `pw-${randomBytes(12).toString("hex")}`, "api-key": `key-${namespace}-${app}` };
      secretValues.set(`${namespace}/${app}`, values);
      await eventually(`the Secret of ${namespace}/${app}`, () =>
        operator.client.find(SECRET, namespace, `${app}-secrets`),
      );
      await operator.client.apply(
        SECRET,
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: `${app}-secrets`, namespace },
          stringData: values,
        },
        "loco-api",
      );
    }
  }
}

/** What must survive: labels, annotations and content of every restored object (nothing the cluster assigned). */
async function userState(): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  const content = (o: KubeObject) => {
    const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = o;
    return { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {}, ...rest };
  };
  for (const profile of PROFILES) {
    state[`Profile/${profile}`] = content(await operator.client.get(PROFILE, undefined, profile));
  }
  for (const namespace of namespaces) {
    state[`Namespace/${namespace}`] = content(await operator.client.get(NAMESPACE, undefined, namespace));
  }
  for (const resource of [RESOURCE_QUOTA, ROLE_BINDING, APP, PIPELINE]) {
    for (const object of await listAll(operator.client, resource, namespaces)) {
      state[`${resource.kind}/${object.metadata.namespace}/${object.metadata.name}`] = content(object);
    }
  }
  return state;
}

let lastNotReady = "";
async function allAppsReady(): Promise<boolean> {
  const apps = await listAll(operator.client, APP, namespaces).catch(() => []);
  const conditionsOf = (app: KubeObject) =>
    (app.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] })
      ?.conditions ?? [];
  const isLoser = (app: KubeObject) => app.metadata.namespace === LOSER.namespace && app.metadata.name === LOSER.app;
  const ready = apps.filter(
    (app) => isLoser(app) || conditionsOf(app).some((c) => c.type === "Ready" && c.status === "True"),
  );
  // Said when the wait times out: which Apps are not Ready, and why.
  lastNotReady = JSON.stringify(
    apps
      .filter((app) => !ready.includes(app))
      .slice(0, 3)
      .map((app) => ({ app: `${app.metadata.namespace}/${app.metadata.name}`, conditions: conditionsOf(app) })),
  );
  return ready.length === namespaces.length * APPS.length + 2;
}

function runResurrector(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [resurrector, ...args, "--kubeconfig", cluster.kubeconfig, "--database-url", database.url],
      { env: { ...process.env, LOCO_KEK: KEK, LOCO_KEK_FILE: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Delete requests the apiserver audited after `fromLine` (the policy records deletes only). */
function auditedDeletes(fromLine: number): { user: string; userAgent: string; resource: string; name: string }[] {
  if (!existsSync(auditLog)) return [];
  return readFileSync(auditLog, "utf8")
    .split("\n")
    .slice(fromLine)
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))
    .filter((event) => event.stage === "ResponseComplete" && (event.responseStatus?.code ?? 0) < 300)
    .map((event) => ({
      user: event.user?.username ?? "",
      userAgent: event.userAgent ?? "",
      resource: event.objectRef?.resource ?? "",
      name: `${event.objectRef?.namespace ?? ""}/${event.objectRef?.name ?? ""}`,
    }));
}
const auditLines = () => (existsSync(auditLog) ? readFileSync(auditLog, "utf8").split("\n").length - 1 : 0);

beforeAll(async () => {
  const policy = join(root, "audit-policy.yaml");
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      "  - level: Metadata",
      "    verbs: [delete, deletecollection]",
      "  - level: None",
      "",
    ].join("\n"),
  );
  [cluster, database] = await Promise.all([
    startControlPlane({
      dir,
      ownerPid: process.pid,
      apiserverArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, "--audit-log-maxsize=200"],
    }),
    createTestDatabase("loco_drill"),
  ]);
  await installLocoCrds(cluster.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfig);
  operator = await startOperator({
    kubeConfig,
    log: process.env.LOCO_TEST_LOG ? createLogger("drill-operator", process.env.LOCO_TEST_LOG) : silentLogger,
    databaseUrl: database.url,
    keyRing: parseKeyRing(KEK, "test"),
    concurrency: 8,
    resyncMs: 0,
  });
  reader = await connectDatabase(database.url);
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await stopControlPlane(dir);
  await reader?.close();
  await database?.drop();
  if (!process.env.LOCO_KEEP_TEST_ENV) rmSync(root, { recursive: true, force: true });
});

describe("the disaster drill", () => {
  it("rebuilds three tenants from the database after etcd is wiped, and a second apply does nothing", async () => {
    await installPlatform();
    await createTenants();
    await writeSecretValues();
    await contestHostname();
    await eventually("every App Ready before the disaster", async () => ((await allAppsReady()) ? true : undefined), {
      timeoutMs: 120_000,
    });
    const before = await userState();
    const holdersBefore = await hostnameHolders();
    expect(Object.keys(holdersBefore)).toHaveLength(claimCount);
    expect(holdersBefore[CONTESTED]).toEqual([`${HOLDER.namespace}/${HOLDER.app}`]);
    expect(JSON.stringify(holdersBefore)).not.toContain("uid not");
    const appCount = namespaces.length * APPS.length;
    const storefronts = 2;
    // The mirror holds everything, secret values included (encrypted), before the cluster goes.
    let mirrorSeen = "";
    await eventually("the mirror to hold every object and secret value", async () => {
      const { rows } = await sql<{ kind: string; n: number }>`
        SELECT kind, count(*)::int AS n FROM resources WHERE deleted_at IS NULL GROUP BY kind`.execute(reader.db);
      const counts = Object.fromEntries(rows.map((r) => [r.kind, r.n]));
      const { rows: secrets } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM secret_versions WHERE deleted_at IS NULL`.execute(reader.db);
      mirrorSeen = JSON.stringify({ ...counts, secretVersions: secrets[0]?.n });
      return counts.App === appCount + storefronts &&
        counts.HostnameClaim === claimCount &&
        counts.Profile === PROFILES.length &&
        counts.Namespace === namespaces.length &&
        counts.ResourceQuota === namespaces.length &&
        counts.RoleBinding === namespaces.length &&
        counts.Pipeline === TENANTS.length &&
        counts.Run === TENANTS.length &&
        secrets[0]?.n === appCount * 2 + TENANTS.length
        ? true
        : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; the mirror held ${mirrorSeen}`);
    });
    const runsInFlight = (
      await sql<{ name: string; namespace: string; finished: boolean }>`
        SELECT name, namespace, coalesce(status->'conditions' @> '[{"type":"Succeeded","status":"True"}]'
          OR status->'conditions' @> '[{"type":"Succeeded","status":"False"}]', false) AS finished
        FROM resources WHERE kind = 'Run' AND deleted_at IS NULL`.execute(reader.db)
    ).rows.filter((r) => !r.finished);

    // The disaster: every component stops, etcd's data is deleted, an empty cluster starts in its place. The
    // operator keeps running throughout and sees every object vanish.
    await restartWithEmptyEtcd(dir);
    await installPlatform();
    expect(await operator.client.find(APP, "acme-dev", "web").catch(() => undefined)).toBeUndefined();
    // The vanished objects were not mirrored as deleted: they belong to the old cluster.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const { rows: liveApps } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM resources WHERE kind = 'App' AND deleted_at IS NULL`.execute(reader.db);
    expect(liveApps[0]?.n).toBe(appCount + storefronts);

    const planned = await runResurrector(["plan", "-o", "json", "--detailed-exitcode"]);
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(3);
    const plan = JSON.parse(planned.stdout);
    // CRDs, Profiles, namespaces with a quota and a RoleBinding each, hostname claims, Apps and their Secrets (the
    // storefronts have none), Pipelines and theirs.
    const expectedCreates =
      5 + PROFILES.length + namespaces.length * 3 + claimCount + appCount * 2 + storefronts + TENANTS.length * 2;
    expect(plan.summary).toMatchObject({ create: expectedCreates, update: 0, differs: 0, stale: 0 });
    expect(plan.summary.interrupt + plan.summary.archive).toBe(TENANTS.length);
    expect(planned.stdout).not.toContain("pw-");

    const auditMark = auditLines();
    const applied = await runResurrector(["apply", "-o", "json"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const result = JSON.parse(applied.stdout).result;
    expect(result).toMatchObject({ created: expectedCreates, updated: 0, failed: [], runsRetired: TENANTS.length });
    expect(result.sentinelWritten).toBe(true);

    await eventually("every App Ready after the rebuild", async () => ((await allAppsReady()) ? true : undefined), {
      timeoutMs: 180_000,
    }).catch((error: Error) => {
      return Promise.all([
        operator.client.find(APP, "acme-dev", "web"),
        operator.client.find(
          { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true },
          "acme-dev",
          "web",
        ),
        Promise.resolve(operator.caches.deployments.get("acme-dev/web")),
        Promise.resolve(operator.caches.existing.deployments.get("acme-dev/web")),
      ]).then(([app, deployment, cached, existing]) => {
        throw new Error(
          `${error.message}; not Ready: ${lastNotReady}; app uid ${app?.metadata.uid}; live deployment ${JSON.stringify(deployment?.metadata)}; cached ${JSON.stringify(cached?.metadata)}; existing ${JSON.stringify(existing?.metadata)}; fresh ${JSON.stringify(operator.caches.deployments.stats)}`,
        );
      });
    });
    expect(await userState()).toEqual(before);
    // Each hostname is held by the same App as before (under its new uid), and the loser is still refused.
    await eventually("every claim held by its App's new uid", async () =>
      JSON.stringify(await hostnameHolders()).includes("uid not") ? undefined : true,
    );
    expect(await hostnameHolders()).toEqual(holdersBefore);
    await loserRefused();
    for (const [key, values] of secretValues) {
      const [namespace, app] = key.split("/") as [string, string];
      const secret = await operator.client.get(SECRET, namespace, `${app}-secrets`);
      const data = Object.fromEntries(
        Object.entries((secret.data ?? {}) as Record<string, string>).map(([k, v]) => [
          k,
          Buffer.from(v, "base64").toString(),
        ]),
      );
      expect(data).toEqual(values);
      expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "App", name: app, controller: true });
    }
    for (const [namespace, values] of pipelineSecretValues) {
      const secret = await operator.client.get(SECRET, namespace, "ci.pipeline-secrets");
      const data = (secret.data ?? {}) as Record<string, string>;
      expect(
        Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])),
      ).toEqual(values);
      expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Pipeline", name: "ci", controller: true });
    }
    const store = new SecretStore(reader.db, parseKeyRing(KEK, "test"));
    // Pipeline secrets round-trip through the mirror: stored encrypted (no value in any column as plain bytes), the
    // unset key kept only as history, and what the store returns is exactly what the cluster got back.
    for (const [namespace, values] of pipelineSecretValues) {
      const ref = { tenant: namespace.split("-")[0] as string, namespace, app: "ci.pipeline-secrets" };
      expect(await store.getApp(ref)).toEqual(values);
      const { rows } = await sql<Record<string, unknown>>`
        SELECT * FROM secret_versions WHERE namespace = ${namespace} AND app = 'ci.pipeline-secrets'`.execute(
        reader.db,
      );
      const stored = rows
        .flatMap((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString("latin1") : String(v))))
        .join("\n");
      for (const value of [...Object.values(values), retiredPipelineSecrets.get(namespace)!]) {
        expect(stored).not.toContain(value);
      }
    }
    for (const [key, values] of secretValues) {
      const [namespace, app] = key.split("/") as [string, string];
      expect(await store.getApp({ tenant: namespace.split("-")[0] as string, namespace, app })).toEqual(values);
    }
    // Garbage collection deleted nothing, and nobody deleted a restored object or a child the operator rebuilt.
    const deletes = auditedDeletes(auditMark);
    expect(deletes.filter((d) => d.userAgent.includes("garbage-collector"))).toEqual([]);
    expect(deletes.filter((d) => d.resource !== "pods" && d.resource !== "events")).toEqual([]);
    // Runs are not re-run; the ones that were running are recorded as interrupted.
    expect(await listAll(operator.client, RUN, namespaces)).toEqual([]);
    const { rows: interrupted } = await sql<{ name: string; namespace: string }>`
      SELECT name, namespace FROM events WHERE reason = 'Interrupted' AND kind = 'Run' ORDER BY namespace`.execute(
      reader.db,
    );
    expect(interrupted).toEqual(
      runsInFlight
        .map(({ name, namespace }) => ({ name, namespace }))
        .sort((a, b) => a.namespace.localeCompare(b.namespace)),
    );

    // Idempotence: the rebuilt cluster plans nothing, and a second apply writes nothing.
    const versionsOf = async () => {
      const versions: Record<string, string> = {};
      for (const resource of [APP, PIPELINE, RESOURCE_QUOTA, ROLE_BINDING, SECRET]) {
        for (const o of await listAll(operator.client, resource, namespaces)) {
          versions[`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`] = o.metadata.resourceVersion ?? "";
        }
      }
      for (const resource of [PROFILE, NAMESPACE, HOSTNAME_CLAIM]) {
        for (const o of (await operator.client.list(resource)).items) {
          versions[`${resource.kind}/${o.metadata.name}`] = o.metadata.resourceVersion ?? "";
        }
      }
      return versions;
    };
    // The operator rewrote each claim with its App's new uid; the plan compares against the mirror, so wait for it.
    await eventually("the mirror to hold the rewritten claims", async () => {
      const { rows } = await sql<{ name: string; spec: unknown }>`
        SELECT name, spec FROM resources WHERE kind = 'HostnameClaim' AND deleted_at IS NULL`.execute(reader.db);
      // Key order differs between jsonb and the apiserver's JSON.
      const canonical = (value: unknown) =>
        JSON.stringify(value, (_key, v) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
        );
      const mirrored = Object.fromEntries(rows.map((r) => [r.name, canonical(r.spec)]));
      const live = (await operator.client.list(HOSTNAME_CLAIM)).items;
      return live.length === rows.length && live.every((c) => mirrored[c.metadata.name ?? ""] === canonical(c.spec))
        ? true
        : undefined;
    });
    const replanned = await runResurrector(["plan", "-o", "json", "--detailed-exitcode"]);
    const replan = JSON.parse(replanned.stdout);
    expect(replan.items.filter((i: { action: string }) => i.action !== "unchanged")).toEqual([]);
    expect(replanned.code).toBe(0);
    expect(replan.summary).toMatchObject({
      create: 0,
      update: 0,
      differs: 0,
      extra: 0,
      interrupt: 0,
      archive: 0,
      stale: 0,
    });
    const versionsBefore = await versionsOf();
    const reapplied = await runResurrector(["apply", "-o", "json"]);
    expect(reapplied.code).toBe(0);
    expect(JSON.parse(reapplied.stdout).result).toMatchObject({
      created: 0,
      updated: 0,
      runsRetired: 0,
      sentinelWritten: false,
    });
    expect(await versionsOf()).toEqual(versionsBefore);

    // A Run of a restored Pipeline reads the restored values: its task's variable names the Pipeline's Secret, which
    // holds what was set before the disaster.
    for (const [namespace, values] of pipelineSecretValues) {
      await apply(RUN, {
        apiVersion: "loco.dev/v1alpha1",
        kind: "Run",
        metadata: { name: "after-drill", namespace },
        spec: { pipelineRef: { name: "ci" } },
      });
      const job = await eventually(`the first Job of Run ${namespace}/after-drill`, async () => {
        const jobs = await operator.client.list<
          KubeObject & { spec: { template: { spec: { containers: { env?: TaskEnv[] }[] } } } }
        >(JOB, namespace, { labelSelector: "loco.dev/run=after-drill,loco.dev/task=test" });
        return jobs.items[0];
      });
      const ref = job.spec.template.spec.containers[0]?.env?.find((e) => e.name === "REGISTRY_TOKEN")?.valueFrom
        ?.secretKeyRef;
      expect(ref).toEqual({ name: "ci.pipeline-secrets", key: "registry-token" });
      const secret = await operator.client.get(SECRET, namespace, ref!.name);
      const value = Buffer.from((secret.data as Record<string, string>)[ref!.key]!, "base64").toString();
      expect(value).toBe(values["registry-token"]);
    }
  }, 600_000);
});
