#!/usr/bin/env node
// loco-api: the multi-tenant HTTP API. Migrates the database, shows the bootstrap token on first start, serves
// until SIGTERM/SIGINT, then stops accepting, lets requests in flight finish (bounded) and closes its clients.
import { type KeyRing, loadKeyRing } from "../db/secret-crypto.ts";
import { createLogger } from "../kube/logger.ts";
import { bootstrapNotice } from "./bootstrap.ts";
import { ConfigError, loadApiConfig } from "./config.ts";
import { API_VERSION } from "./server.ts";
import { startApi } from "./start.ts";
import { startApiTelemetry } from "./telemetry.ts";

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
  // Optional, like the operator's: the same keys, read the same way; a key that is set but unreadable stops the start.
  const keyRing: KeyRing | undefined =
    process.env.LOCO_KEK_FILE || process.env.LOCO_KEK ? loadKeyRing(process.env) : undefined;
  const api = await startApi({
    config,
    log,
    ...(keyRing ? { keyRing } : {}),
    ...(requestTelemetry ? { telemetry: requestTelemetry } : {}),
  });
  if (api.bootstrap) {
    // Shown once, on stdout (not the log stream) or only in the file; only its hash is stored.
    process.stdout.write(bootstrapNotice(api.bootstrap, config.bootstrapTokenFile));
    log.info({ token: api.bootstrap.id, expiresAt: api.bootstrap.expiresAt }, "Minted the bootstrap token");
  }
  log.info({ telemetry: { otlp: telemetry.tracing, metrics: telemetry.metricsAddress } }, "loco-api is serving");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "Stopping loco-api: finishing requests in flight");
    const deadline = setTimeout(() => {
      log.warn({}, "Requests in flight did not finish in time; exiting");
      process.exit(1);
    }, config.shutdownTimeout);
    deadline.unref();
    await api.stop();
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
