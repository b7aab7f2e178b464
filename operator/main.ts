#!/usr/bin/env node
// loco-operator: reconciles Profiles and Apps into running, routed services.
import { type KeyRing, loadKeyRing } from "../db/secret-crypto.ts";
import { loadKubeAccess } from "../kube/kube-access.ts";
import { createLogger } from "../kube/logger.ts";
import { startTelemetry, telemetrySettings } from "../kube/telemetry.ts";
import { ConfigError, loadOperatorConfig } from "./config.ts";
import { startOperator } from "./operator.ts";
import { operatorOptionsOf } from "./options.ts";

async function main(): Promise<void> {
  const config = loadOperatorConfig(process.argv.slice(2), process.env);
  // Before anything else, so that every span and metric from here on is exported (a no-op when off).
  const telemetry = await startTelemetry({
    ...telemetrySettings(config.otlpEndpoint, process.env),
    serviceName: "loco-operator",
  });
  const log = createLogger("loco-operator", config.logLevel);
  // Not client-node's KubeConfig unless the kubeconfig needs it: loading it costs about 80 MB (kube/kube-access.ts).
  const kubeConfig = await loadKubeAccess(config.kubeconfig);
  log.info(
    { server: kubeConfig.getCurrentCluster()?.server, leaderElect: config.leaderElect, telemetry: telemetry.enabled },
    "Starting loco-operator",
  );
  // Secret values are mirrored only under a key-encryption key; a malformed key is an error, a missing one a warning.
  const keyRing: KeyRing | undefined =
    config.databaseUrl && (process.env.LOCO_KEK_FILE || process.env.LOCO_KEK) ? loadKeyRing(process.env) : undefined;
  const operator = await startOperator({
    ...operatorOptionsOf(config, {
      kubeConfig,
      log,
      onLostLeadership: () => {
        log.error({}, "Lost leadership; exiting so that a fresh process campaigns again");
        process.exit(1);
      },
    }),
    ...(keyRing ? { keyRing } : {}),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "Shutting down");
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    operator
      .stop()
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    (error.exitCode === 0 ? process.stdout : process.stderr).write(`${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`loco-operator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
