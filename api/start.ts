// Starts loco-api in this process: migrations, the Kubernetes client, authentication, the bootstrap token, the
// server on its address. api/main.ts runs it as a program; the local platform (hack/local/) runs it beside the
// operator on one embedded database, which is why the database can be handed in instead of opened here.
import type { FastifyInstance } from "fastify";
import { revokeBootstrapTokens } from "../db/bootstrap-token.ts";
import { connectDatabase, type DatabaseHandle } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import { loadKubeAccess } from "../kube/kube-access.ts";
import { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import { Authenticator } from "./auth/authenticate.ts";
import { OidcVerifier } from "./auth/oidc-verifier.ts";
import { bootstrapToken, type MintedBootstrapToken, writeBootstrapTokenFile } from "./bootstrap.ts";
import type { ApiConfig } from "./config.ts";
import { reportLegacyTenants } from "./legacy-tenants.ts";
import { DeliveryWorker } from "./notifications/delivery-worker.ts";
import { buildServer } from "./server.ts";
import type { ApiTelemetry } from "./telemetry.ts";
import { grantApiAccessToTenantNamespaces } from "./tenant-api-access.ts";

export interface StartApiOptions {
  config: ApiConfig;
  log: Logger;
  /** An open database the caller owns (and closes); without it, `config.databaseUrl` is opened and closed here. */
  database?: DatabaseHandle;
  telemetry?: ApiTelemetry;
  /**
   * The key-encryption keys (the operator's, from LOCO_KEK_FILE / LOCO_KEK) that seal webhook signing secrets.
   * Without them the API serves everything but webhooks: adding one answers 503 and no delivery worker runs.
   */
  keyRing?: KeyRing;
}

export interface RunningApi {
  app: FastifyInstance;
  /** http://host:port the server listens on. */
  url: string;
  /** Minted on this start (first start only), to be shown once by the caller. */
  bootstrap: MintedBootstrapToken | undefined;
  /** Stops accepting, lets requests in flight finish, closes the clients (and the database if opened here). */
  stop(): Promise<void>;
}

export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { config, log } = options;
  const database = options.database ?? (await connectDatabase(config.databaseUrl));
  const ownsDatabase = options.database === undefined;
  await migrateToLatest(database.db);
  // Not client-node's KubeConfig unless the kubeconfig needs it: loading it costs about 80 MB (kube/kube-access.ts).
  const kubeConfig = await loadKubeAccess(config.kubeconfig);
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
    kube,
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
    ...(options.keyRing ? { keyRing: options.keyRing } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
  });

  let bootstrap: MintedBootstrapToken | undefined;
  if (config.bootstrap) {
    bootstrap = await bootstrapToken(database.db, {
      platformAdminsConfigured: config.platformAdmins.length > 0 || config.platformAdminGroups.length > 0,
      ttlMs: config.bootstrapTokenTtl,
    });
    if (bootstrap && config.bootstrapTokenFile) {
      try {
        writeBootstrapTokenFile(config.bootstrapTokenFile, bootstrap.secret);
      } catch (error) {
        // Nobody could ever use it: revoke it, so that the next start mints one again.
        await revokeBootstrapTokens(database.db);
        throw new Error(
          `could not write the bootstrap token to ${config.bootstrapTokenFile} (${error instanceof Error ? error.message : String(error)}); fix --bootstrap-token-file and start again`,
        );
      }
    }
  }

  const url = await app.listen({ host: config.address.host, port: config.address.port });
  // Every replica drains the shared webhook queue; claims in Postgres keep them from sending a delivery twice.
  // Without the key ring no secret can be opened to sign with, so there is nothing to drain with.
  const webhooks = options.keyRing
    ? new DeliveryWorker({
        db: database.db,
        keyRing: options.keyRing,
        log,
        allowed: new Set(config.webhookAllowAddresses),
      })
    : undefined;
  webhooks?.start();
  if (!webhooks) {
    log.warn(
      {},
      "No key-encryption key (LOCO_KEK_FILE / LOCO_KEK): webhooks cannot be added and none are delivered; give loco-api the operator's key",
    );
  }
  log.info({ address: config.address, oidc: Boolean(oidc), webhooks: Boolean(webhooks) }, "Started loco-api");
  return {
    app,
    url,
    bootstrap,
    stop: async () => {
      accepting = false;
      await app.close();
      await webhooks?.stop();
      kube.close();
      if (ownsDatabase) await database.close();
    },
  };
}
