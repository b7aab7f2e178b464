#!/usr/bin/env node
// loco-resurrector: rebuilds a lost cluster's loco state from the database. See `loco-resurrector --help`.
import { connectDatabase, type DatabaseHandle } from "../db/connect.ts";
import { type KeyRing, loadKeyRing, SecretCryptoError } from "../db/secret-crypto.ts";
import { StorageError } from "../db/storage-error.ts";
import { loadKubeAccess } from "../kube/kube-access.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { startTelemetry, telemetrySettings } from "../kube/telemetry.ts";
import { EXIT, loadResurrectorConfig, UsageError } from "./config.ts";
import { MissingKeyError } from "./database.ts";
import { applyJson, applyText, healthText, planJson, planText } from "./output.ts";
import { apply, ClusterUnavailableError, plan, probe, watch } from "./resurrect.ts";

const print = (text: string) => process.stdout.write(text);
const json = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);

async function main(): Promise<number> {
  const config = loadResurrectorConfig(process.argv.slice(2), process.env);
  // Spans of the probe, plan and apply phases and the restore counters (a no-op, loading nothing, when off).
  const telemetry = await startTelemetry({
    ...telemetrySettings(config.otlpEndpoint, process.env),
    serviceName: "loco-resurrector",
  });
  // Not client-node's KubeConfig unless the kubeconfig needs it: loading it costs about 80 MB (kube/kube-access.ts).
  const kubeConfig = await loadKubeAccess(config.kubeconfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no cluster in the kubeconfig)";
  const keyRing: KeyRing | undefined =
    process.env.LOCO_KEK_FILE || process.env.LOCO_KEK ? loadKeyRing(process.env) : undefined;
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-resurrector" });
  let database: DatabaseHandle | undefined;
  try {
    if (config.command === "probe") {
      const health = await probe({ client, server, db: undefined as never, keyRing });
      if (config.output === "json") json(health);
      else print(healthText(health));
      return health.ready ? EXIT.ok : EXIT.clusterUnavailable;
    }
    database = await connectDatabase(config.databaseUrl);
    const context = {
      client,
      server,
      db: database.db,
      keyRing,
      log: (message: string) => {
        if (config.output === "text") process.stderr.write(`${message}\n`);
      },
    };
    if (config.command === "plan") {
      const result = await plan(context, { force: config.force });
      if (config.output === "json") json(planJson(result));
      else print(planText(result));
      return config.detailedExitcode && result.plan.pending > 0 ? EXIT.changesPending : EXIT.ok;
    }
    if (config.command === "apply") {
      const result = await apply(context, { force: config.force, concurrency: config.concurrency });
      if (config.output === "json") json(applyJson(result));
      else print(applyText(result));
      return result.outcome.failed.length > 0 ? EXIT.applyFailed : EXIT.ok;
    }
    const abort = new AbortController();
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => abort.abort());
    await watch(context, {
      intervalMs: config.interval,
      concurrency: config.concurrency,
      signal: abort.signal,
      onEvent: (event) => {
        const at = new Date().toISOString();
        if (config.output === "json") {
          const body = event.event === "restored" ? { event: event.event, ...applyJson(event.result) } : event;
          print(`${JSON.stringify({ at, ...body })}\n`);
        } else if (event.event === "restored") print(`${at} ${applyText(event.result)}`);
        else if (event.event === "unavailable") print(`${at} cluster unavailable: ${event.problem}\n`);
        else if (event.event === "error") print(`${at} error: ${event.message}\n`);
        else if (event.event === "adopted") print(`${at} wrote the sentinel into cluster ${event.clusterUid}\n`);
      },
    });
    return EXIT.ok;
  } finally {
    await database?.close();
    client.close();
    // Exports what is buffered before the process exits.
    await telemetry.shutdown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      (error.exitCode === 0 ? process.stdout : process.stderr).write(`${message}\n`);
      process.exit(error.exitCode);
    }
    if (error instanceof ClusterUnavailableError) {
      process.stderr.write(`${message}\n`);
      process.exit(EXIT.clusterUnavailable);
    }
    if (error instanceof StorageError || error instanceof MissingKeyError || error instanceof SecretCryptoError) {
      process.stderr.write(
        `loco-resurrector cannot read the database: ${message}\n${error instanceof StorageError ? "Check --database-url (or LOCO_DATABASE_URL) and that the database is up.\n" : ""}`,
      );
      process.exit(EXIT.databaseUnavailable);
    }
    process.stderr.write(`loco-resurrector failed: ${message}\n`);
    process.exit(EXIT.applyFailed);
  },
);
