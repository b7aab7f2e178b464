// Mirror lag: how long from a change accepted by the apiserver until its row is visible in Postgres, under a churn
// of 20 changes per second, with the operator (and its mirror) running as in production.
//
//   npm run bench:mirror-lag        (BENCH_SECONDS=30, BENCH_RATE=20)
//
// Prints its figures and writes bench/results/mirror-lag.json (p50Ms, p99Ms, maxMs, samples, ratePerSecond).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { connectDatabase } from "../db/connect.ts";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { silentLogger } from "../kube/logger.ts";
import { startOperator } from "../operator/operator.ts";
import { applyApps, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { privateServer } from "../test/support/postgres-server.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const rate = Number(process.env.BENCH_RATE ?? 20);
const log = (message: string) => process.stdout.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), "loco-bench-mirror-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
const postgres = await privateServer(process.pid);
try {
  await installLocoCrds(plane.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  const operator = await startOperator({ kubeConfig, log: silentLogger, databaseUrl: postgres.url, resyncMs: 0 });
  const fleet = await prepareFleet(operator.client, { shard: "lag", shardLabel: "loco.dev/bench-shard", apps: 50 });
  await applyApps(operator.client, fleet.apps);
  await operator.idle();
  await operator.mirror?.drained();
  const reader = await connectDatabase(postgres.url);

  // Each change: a new annotation value on one of the Apps; its row is visible when it has that resourceVersion.
  const pending = new Map<string, { uid: string; version: string; at: number }>();
  /** Every resourceVersion our changes produced, per object, in order. */
  const history = new Map<string, string[]>();
  const lags: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      if (pending.size > 0) {
        const uids = [...new Set([...pending.values()].map((p) => p.uid))];
        const { rows } = await sql<{ uid: string; resource_version: string }>`
          SELECT uid::text, resource_version FROM resources WHERE uid = ANY(${uids}::uuid[])`.execute(reader.db);
        const now = performance.now();
        const seen = new Map(rows.map((r) => [r.uid, r.resource_version]));
        for (const [key, change] of pending) {
          // resourceVersions are opaque (never compared as numbers): the row shows this change when it holds
          // this version or one our later changes to the same object produced.
          const version = seen.get(change.uid);
          const produced = history.get(change.uid) ?? [];
          if (version !== undefined && produced.indexOf(version) >= produced.indexOf(change.version)) {
            lags.push(now - change.at);
            pending.delete(key);
          }
        }
      }
      await sleep(10);
    }
  })();

  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const app = fleet.apps[sent % fleet.apps.length]!;
    const at = performance.now();
    const updated = await operator.client.request<{ metadata: { uid: string; resourceVersion: string } }>(
      "PATCH",
      `/apis/loco.dev/v1alpha1/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}`,
      {
        body: { metadata: { annotations: { "bench.loco.dev/change": String(sent) } } },
        contentType: "application/merge-patch+json",
      },
    );
    pending.set(String(sent), { uid: updated.metadata.uid, version: updated.metadata.resourceVersion, at });
    history.set(updated.metadata.uid, [...(history.get(updated.metadata.uid) ?? []), updated.metadata.resourceVersion]);
    sent++;
    const next = started + (sent * 1000) / rate;
    await sleep(Math.max(0, next - performance.now()));
  }
  polling = false;
  await Promise.race([poller, sleep(30_000)]);
  await operator.stop();
  await reader.close();

  lags.sort((a, b) => a - b);
  const quantile = (q: number) =>
    Math.round((lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN) * 10) / 10;
  const results = {
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    maxMs: Math.round((lags.at(-1) ?? Number.NaN) * 10) / 10,
    samples: lags.length,
    lost: sent - lags.length,
    ratePerSecond: rate,
    seconds,
  };
  log(
    `Mirror lag under ${rate} changes/s for ${seconds} s: p50 ${results.p50Ms} ms, p99 ${results.p99Ms} ms, max ${results.maxMs} ms (${results.samples} changes, ${results.lost} not seen)`,
  );
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "mirror-lag.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await postgres.stop();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
