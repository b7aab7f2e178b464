#!/usr/bin/env node
// loco-api: the multi-tenant HTTP API. Migrates the database, shows the bootstrap token on first start, serves
// until SIGTERM/SIGINT, then stops accepting, lets requests in flight finish (bounded) and closes its clients.
import { KubeConfig } from "@kubernetes/client-node";
import { revokeBootstrapTokens } from "../db/bootstrap-token.ts";
import { connectDatabase } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { createLogger } from "../kube/logger.ts";
import { Authenticator } from "./auth/authenticate.ts";
import { OidcVerifier } from "./auth/oidc-verifier.ts";
import { bootstrapNotice, bootstrapToken, writeBootstrapTokenFile } from "./bootstrap.ts";
import { ConfigError, loadApiConfig } from "./config.ts";
import { reportLegacyTenants } from "./legacy-tenants.ts";
import { API_VERSION, buildServer } from "./server.ts";
import { startApiTelemetry } from "./telemetry.ts";
import { grantApiAccessToTenantNamespaces } from "./tenant-api-access.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadApiConfig>;
  try {
    config = loadApiConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      (error.exitCode === 0 ? process.stdout : process.stderr).write(`${error.message}\n`);
      process.exit(error.exitCode);
    }
    throw error;
  }
  // Before the first query and request, so that both are traced (a no-op, loading nothing, when off).
  const { telemetry, server: requestTelemetry } = await startApiTelemetry({
    otlpEndpoint: config.otlpEndpoint,
    metricsAddress: config.metricsAddress,
    serviceVersion: API_VERSION,
  });
  const log = createLogger("loco-api", config.logLevel);
  const database = await connectDatabase(config.databaseUrl);
  await migrateToLatest(database.db);
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  const kube = await KubeClient.create(kubeConfig, { userAgent: "loco-api" });
  await reportLegacyTenants(database.db, log);
  if (config.apiAccess) await grantApiAccessToTenantNamespaces(kube, config.apiAccess, config.objectLabels, log);
  const oidc =
    config.oidcIssuer && config.oidcAudience
      ? new OidcVerifier({
          issuer: config.oidcIssuer,
          audience: config.oidcAudience,
          algorithms: config.oidcAlgorithms,
          groupsClaim: config.oidcGroupsClaim,
        })
      : undefined;
  const authenticator = new Authenticator({
    db: database.db,
    oidc,
    platformAdmins: config.platformAdmins,
    platformAdminGroups: config.platformAdminGroups,
    log,
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
    ...(requestTelemetry ? { telemetry: requestTelemetry } : {}),
  });

  if (config.bootstrap) {
    const minted = await bootstrapToken(database.db, {
      platformAdminsConfigured: config.platformAdmins.length > 0 || config.platformAdminGroups.length > 0,
      ttlMs: config.bootstrapTokenTtl,
    });
    if (minted) {
      // Shown once, on stdout (not the log stream) or only in the file; only its hash is stored.
      if (config.bootstrapTokenFile) {
        try {
          writeBootstrapTokenFile(config.bootstrapTokenFile, minted.secret);
        } catch (error) {
          // Nobody could ever use it: revoke it, so that the next start mints one again.
          await revokeBootstrapTokens(database.db);
          throw new Error(
            `could not write the bootstrap token to ${config.bootstrapTokenFile} (${error instanceof Error ? error.message : String(error)}); fix --bootstrap-token-file and start again`,
          );
        }
      }
      process.stdout.write(bootstrapNotice(minted, config.bootstrapTokenFile));
      log.info({ token: minted.id, expiresAt: minted.expiresAt }, "Minted the bootstrap token");
    }
  }

  await app.listen({ host: config.address.host, port: config.address.port });
  log.info(
    {
      address: config.address,
      oidc: Boolean(oidc),
      telemetry: { otlp: telemetry.tracing, metrics: telemetry.metricsAddress },
    },
    "Started loco-api",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    accepting = false;
    log.info({ signal }, "Stopping loco-api: finishing requests in flight");
    const deadline = setTimeout(() => {
      log.warn({}, "Requests in flight did not finish in time; exiting");
      process.exit(1);
    }, config.shutdownTimeout);
    deadline.unref();
    await app.close();
    kube.close();
    await database.close();
    await telemetry.shutdown();
    log.info({}, "Stopped loco-api");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`loco-api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
