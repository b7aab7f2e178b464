// The local platform's one process: the operator (with its state mirror), the API and the resurrector's watch, on
// ONE database — by default an embedded PGlite folder, which only one process can open (docs/adr/0006). On the
// first start it makes the tenant, with the local user as its owner, and a token the CLI is configured with.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { loadApiConfig } from "../../api/config.ts";
import { type RunningApi, startApi } from "../../api/start.ts";
import { countTenants } from "../../api/store/tenants.ts";
import { mintToken } from "../../api/store/tokens.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { type KeyRing, loadKeyRing } from "../../db/secret-crypto.ts";
import { listClusterResources } from "../../db/stores/resources.ts";
import { type KubeAccess, loadKubeAccess } from "../../kube/kube-access.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { createLogger } from "../../kube/logger.ts";
import { loadOperatorConfig } from "../../operator/config.ts";
import { type RunningOperator, startOperator } from "../../operator/operator.ts";
import { operatorOptionsOf } from "../../operator/options.ts";
import { type WatchEvent, watch } from "../../resurrector/resurrect.ts";
import { writePrivateFile } from "./private-file.ts";

export interface PlatformOptions {
  /** The local platform's folder (`.loco`): key, database, CLI token and the platform's own state. */
  dir: string;
  kubeconfig: string;
  apiPort: number;
  operatorPort: number;
  /** postgres://… to use a server; default: the embedded database in `<dir>/db`. */
  databaseUrl?: string;
  /** The local OpenID Provider (the CLI's device flow logs in there). */
  oidc?: { issuer: string; clientId: string };
  /** The local user: platform admin and the tenant's first owner. */
  user: string;
  tenant: string;
}

/** What the platform tells `npm start` (written to `<dir>/platform.json` once it serves). */
export interface PlatformReport {
  pid: number;
  apiUrl: string;
  database: string;
  /** Objects the resurrector put back because the cluster had lost them (0 when nothing was lost). */
  restored: number;
  /** The tenant was created on this start. */
  seeded: boolean;
}

/** The CLI's credential for the local API, handed to `npm start` through a 0600 file in the platform's folder. */
export interface LocalCliToken {
  server: string;
  tenant: string;
  token: string;
  subject: string;
}

export const reportPath = (dir: string) => join(dir, "platform.json");
export const cliTokenPath = (dir: string) => join(dir, "cli-token.json");
export const keyPath = (dir: string) => join(dir, "kek");
export const databaseUrlOf = (options: Pick<PlatformOptions, "dir" | "databaseUrl">) =>
  options.databaseUrl ?? `pglite:${join(options.dir, "db")}`;

/** The key that encrypts mirrored secret values: generated once into `<dir>/kek` (0600) and reused. */
export function ensureLocalKey(dir: string): KeyRing {
  const path = keyPath(dir);
  if (!existsSync(path)) {
    const id = `local-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    writePrivateFile(path, `${id}:${randomBytes(32).toString("base64")}\n`);
  }
  chmodSync(path, 0o600);
  return loadKeyRing({ LOCO_KEK_FILE: path });
}

export interface RunningPlatform {
  report: PlatformReport;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const log = createLogger("loco-platform");
  const keyRing = ensureLocalKey(options.dir);
  const databaseUrl = databaseUrlOf(options);
  const database = await connectDatabase(databaseUrl);
  await migrateToLatest(database.db);
  const kubeConfig = await loadKubeAccess(options.kubeconfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? "";

  const stops: (() => Promise<void>)[] = [() => database.close()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => {});
  };
  try {
    const restored = await startResurrector({ database, keyRing, kubeConfig, server, stops });
    const operator = await startLocalOperator(options, { database, keyRing, kubeConfig });
    stops.push(() => operator.stop());
    const api = await startLocalApi(options, { database, databaseUrl, keyRing });
    stops.push(() => api.stop());
    const seeded = await seedTenant(options, database, api, operator);
    const report: PlatformReport = {
      pid: process.pid,
      apiUrl: api.url,
      database: databaseUrl.startsWith("pglite:") ? databaseUrl : databaseUrl.replace(/:[^:@/]*@/, ":***@"),
      restored,
      seeded,
    };
    writePrivateFile(reportPath(options.dir), `${JSON.stringify(report, null, 2)}\n`);
    log.info(report, "The local platform is serving");
    return { report, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The resurrector's watch, as in a real installation: its first pass (awaited) puts back what a lost cluster had
 * (etcd's data gone while the database survived), or marks a cluster that has loco objects as the mirrored one.
 */
async function startResurrector(context: {
  database: DatabaseHandle;
  keyRing: KeyRing;
  kubeConfig: KubeAccess;
  server: string;
  stops: (() => Promise<void>)[];
}): Promise<number> {
  const log = createLogger("loco-resurrector");
  const client = await KubeClient.create(context.kubeConfig, { userAgent: "loco-resurrector" });
  const abort = new AbortController();
  let first: (restored: number) => void = () => {};
  const firstPass = new Promise<number>((resolve) => {
    first = resolve;
  });
  const onEvent = (event: WatchEvent) => {
    if (event.event === "restored") {
      const { created, updated, failed } = event.result.outcome;
      log.info({ created, updated, failed: failed.length }, "Restored the cluster from the database");
      first(created + updated);
    } else {
      if (event.event === "error" || event.event === "unavailable") log.warn(event, "Resurrector probe");
      first(0);
    }
  };
  const watching = watch(
    { client, server: context.server, db: context.database.db, keyRing: context.keyRing },
    { intervalMs: 30_000, concurrency: 8, signal: abort.signal, onEvent },
  );
  context.stops.push(async () => {
    abort.abort();
    await watching;
    client.close();
  });
  return firstPass;
}

async function startLocalOperator(
  options: PlatformOptions,
  context: { database: DatabaseHandle; keyRing: KeyRing; kubeConfig: KubeAccess },
): Promise<RunningOperator> {
  const log = createLogger("loco-operator");
  const config = loadOperatorConfig(
    [
      "--kubeconfig",
      options.kubeconfig,
      "--no-leader-elect",
      "--health-address",
      `127.0.0.1:${options.operatorPort}`,
      // Fast feedback on one machine: a local user tries triggers by hand.
      "--min-trigger-interval",
      "10s",
      // Where Run tasks reach the API (LOCO_SERVER beside a Run's credential): everything runs on this machine.
      "--api-url",
      `http://127.0.0.1:${options.apiPort}`,
    ],
    {},
  );
  return startOperator({
    ...operatorOptionsOf(config, {
      kubeConfig: context.kubeConfig,
      log,
      onLostLeadership: () => {},
    }),
    database: context.database,
    keyRing: context.keyRing,
  });
}

/** The API beside the operator, with its key ring (webhook secrets are sealed with it). */
function startLocalApi(
  options: PlatformOptions,
  context: { database: DatabaseHandle; databaseUrl: string; keyRing: KeyRing },
): Promise<RunningApi> {
  const { database, databaseUrl, keyRing } = context;
  const config = loadApiConfig(
    [
      "--address",
      `127.0.0.1:${options.apiPort}`,
      "--kubeconfig",
      options.kubeconfig,
      "--database-url",
      databaseUrl,
      "--platform-admins",
      options.user,
      "--no-bootstrap",
      "--simulated-nodes",
      ...(options.oidc
        ? [
            "--oidc-issuer",
            options.oidc.issuer,
            "--oidc-audience",
            `http://127.0.0.1:${options.apiPort}`,
            "--oidc-client-id",
            options.oidc.clientId,
          ]
        : []),
    ],
    // Only what a developer may set for the local API; the rest of the environment is not its configuration.
    { LOCO_API_WEBHOOK_ALLOW_ADDRESSES: process.env.LOCO_API_WEBHOOK_ALLOW_ADDRESSES },
  );
  return startApi({ config, log: createLogger("loco-api"), database, keyRing });
}

/**
 * First start only (no tenant yet): the tenant, made through the API like any tenant (namespaces per Profile with
 * quotas, RBAC and pod security), with the local user as its owner, and an owner token for the CLI.
 */
async function seedTenant(
  options: PlatformOptions,
  database: DatabaseHandle,
  api: RunningApi,
  operator: RunningOperator,
): Promise<boolean> {
  if ((await countTenants(database.db)) > 0) return false;
  await operator.leading;
  // The API creates a namespace per Profile it finds in the mirror: wait until the operator has mirrored them.
  const deadline = Date.now() + 60_000;
  while ((await listClusterResources(database.db, { kind: "Profile", limit: 100 })).length === 0) {
    if (Date.now() > deadline) throw new Error("No Profile reached the database within 60 s; see the operator's log");
    await sleep(250);
  }
  const admin = await mintToken(database.db, {
    tenant: null,
    name: "local-platform-setup",
    role: "platform-admin",
    createdBy: "loco-local-platform",
    expiresAt: new Date(Date.now() + 5 * 60_000),
    boundToMembership: false,
  });
  try {
    const answer = await api.app.inject({
      method: "POST",
      url: "/v1/tenants",
      headers: { authorization: `Bearer ${admin.secret}`, "content-type": "application/json" },
      payload: { name: options.tenant, displayName: "Local tenant", owner: options.user },
    });
    if (answer.statusCode !== 201) {
      throw new Error(`Creating tenant ${options.tenant} answered ${answer.statusCode}: ${answer.body}`);
    }
  } finally {
    await sql`UPDATE api_tokens SET revoked_at = now() WHERE id = ${admin.token.id}`.execute(database.db);
  }
  const cli = await mintToken(database.db, {
    tenant: options.tenant,
    name: "local-cli",
    role: "owner",
    createdBy: options.user,
    expiresAt: new Date(Date.now() + 365 * 24 * 3_600_000),
    boundToMembership: true,
  });
  const handoff: LocalCliToken = { server: api.url, tenant: options.tenant, token: cli.secret, subject: options.user };
  writePrivateFile(cliTokenPath(options.dir), `${JSON.stringify(handoff, null, 2)}\n`);
  return true;
}

/** The token file `npm start` configures the CLI from, if the platform ever wrote one. */
export function readCliToken(dir: string): LocalCliToken | undefined {
  const path = cliTokenPath(dir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as LocalCliToken;
}
