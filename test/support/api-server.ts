// The loco API as a disposable fixture: a real HTTP server on loopback over the test run's real Postgres and
// kube-apiserver, optionally trusting a real OpenID Provider. Only the configuration differs from loco-api's main.
import type { AddressInfo } from "node:net";
import { Authenticator } from "../../api/auth/authenticate.ts";
import { OidcVerifier } from "../../api/auth/oidc-verifier.ts";
import { bootstrapToken } from "../../api/bootstrap.ts";
import { loadApiConfig } from "../../api/config.ts";
import { buildServer } from "../../api/server.ts";
import type { ApiTelemetry } from "../../api/telemetry.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import type { KeyRing } from "../../db/secret-crypto.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { createLogger, type Logger, silentLogger } from "../../kube/logger.ts";
import type { RestClientMetrics } from "../../kube/metrics.ts";
import { testKubeConfig } from "./operator.ts";
import { testKeyRing } from "./test-key-ring.ts";

export interface TestApi {
  url: string;
  database: DatabaseHandle;
  kube: KubeClient;
  /** The first-start bootstrap token (platform admin), when one was minted. */
  bootstrap: string | undefined;
  /** fetch against the API with an optional bearer credential; JSON bodies are encoded. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  stop(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Aborts the request (a client hanging up mid-stream). */
  signal?: AbortSignal;
}

export async function startTestApi(options: {
  databaseUrl: string;
  /** An already-open database to serve from instead of connecting to databaseUrl; the caller closes it. */
  database?: DatabaseHandle;
  /** Extra loco-api flags, e.g. ["--rate-limit-per-ip", "5"]. */
  args?: string[];
  oidc?: { issuer: string; audience: string; clientId?: string };
  platformAdmins?: string[];
  objectLabels?: Record<string, string>;
  /** Request telemetry (api/telemetry.ts), for tests that start the OpenTelemetry SDK. */
  telemetry?: ApiTelemetry;
  /** The server's logger (default: silent, or LOCO_TEST_LOG's level on stderr). */
  log?: Logger;
  /** Observes every request the API's Kubernetes client sends (the client's own rest_client metrics hook). */
  kubeMetrics?: RestClientMetrics;
  /** The loopback port to listen on (default: any free one). */
  listenPort?: number;
  /** The console build to serve ("" for none); default: the one in dist/console, if built. */
  consoleDir?: string;
  /** The key-encryption keys that seal webhook secrets (default: the test key; null: none, as without LOCO_KEK). */
  keyRing?: KeyRing | null;
}): Promise<TestApi> {
  const labels = Object.entries(options.objectLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const config = loadApiConfig(
    [
      "--address",
      "127.0.0.1:0",
      "--database-url",
      options.databaseUrl,
      ...(options.oidc ? ["--oidc-issuer", options.oidc.issuer, "--oidc-audience", options.oidc.audience] : []),
      ...(options.oidc?.clientId ? ["--oidc-client-id", options.oidc.clientId] : []),
      ...(options.platformAdmins?.length ? ["--platform-admins", options.platformAdmins.join(",")] : []),
      ...(labels ? ["--object-labels", labels] : []),
      ...(options.args ?? []),
    ],
    {},
  );
  const log =
    options.log ??
    (process.env.LOCO_TEST_LOG ? createLogger("loco-api-test", process.env.LOCO_TEST_LOG) : silentLogger);
  const database = options.database ?? (await connectDatabase(options.databaseUrl));
  await migrateToLatest(database.db);
  const kubeConfig = testKubeConfig();
  const kube = await KubeClient.create(kubeConfig, {
    userAgent: "loco-api-test",
    ...(options.kubeMetrics ? { metrics: options.kubeMetrics } : {}),
  });
  const oidc = config.oidcIssuer
    ? new OidcVerifier({
        issuer: config.oidcIssuer,
        audience: config.oidcAudience!,
        algorithms: config.oidcAlgorithms,
        groupsClaim: config.oidcGroupsClaim,
        // Expiry tests wait seconds, not the production tolerance.
        clockToleranceSeconds: 0,
      })
    : undefined;
  const authenticator = new Authenticator({
    db: database.db,
    oidc,
    platformAdmins: config.platformAdmins,
    platformAdminGroups: config.platformAdminGroups,
    kube,
  });
  let accepting = true;
  const app = await buildServer({
    config,
    db: database.db,
    kube,
    kubeConfig,
    authenticator,
    oidc,
    log,
    accepting: () => accepting,
    ...(options.keyRing !== null ? { keyRing: options.keyRing ?? testKeyRing } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
  });
  const bootstrap = await bootstrapToken(database.db, {
    platformAdminsConfigured: config.platformAdmins.length > 0,
    ttlMs: config.bootstrapTokenTtl,
  });
  await app.listen({ host: "127.0.0.1", port: options.listenPort ?? 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    database,
    kube,
    bootstrap: bootstrap?.secret,
    call(method, path, call = {}) {
      const headers: Record<string, string> = { ...call.headers };
      if (call.token) headers.authorization = `Bearer ${call.token}`;
      let body: string | undefined;
      if (call.body !== undefined) {
        body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
        headers["content-type"] ??= "application/json";
      }
      return fetch(`${url}${path}`, { method, headers, body, ...(call.signal ? { signal: call.signal } : {}) });
    },
    async stop() {
      accepting = false;
      await app.close();
      kube.close();
      if (!options.database) await database.close();
    },
  };
}
