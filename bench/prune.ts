// Prune under load: `loco-db prune` deletes 100,000 task-log rows (and a few thousand soft-deleted mirror rows) while
// the operator's mirror follows a churn of 20 App changes per second, as in production (real control plane, operator
// and Postgres). The figure that matters is the mirror's lag while the prune runs: batches of one short transaction
// each should leave it where it is without a prune (bench/mirror-lag.ts).
//
//   node bench/prune.ts        (BENCH_ROWS=100000, BENCH_RATE=20, BENCH_BATCH=1000)
//
// Prints its figures and writes bench/results/prune.json (rows, pruneMs, lagP50Ms, lagP99Ms, lagMaxMs, samples, …).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { connectDatabase } from "../db/connect.ts";
import { prune } from "../db/prune.ts";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { silentLogger } from "../kube/logger.ts";
import { startOperator } from "../operator/operator.ts";
import { applyApps, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { privateServer } from "../test/support/postgres-server.ts";

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const deletedRows = Math.round(rows / 20);
const rate = Number(process.env.BENCH_RATE ?? 20);
const batchSize = Number(process.env.BENCH_BATCH ?? 1000);
const log = (message: string) => process.stdout.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), "loco-bench-prune-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
const postgres = await privateServer(process.pid);
try {
  await installLocoCrds(plane.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  const operator = await startOperator({ kubeConfig, log: silentLogger, databaseUrl: postgres.url, resyncMs: 0 });
  const fleet = await prepareFleet(operator.client, { shard: "prune", shardLabel: "loco.dev/bench-shard", apps: 50 });
  await applyApps(operator.client, fleet.apps);
  await operator.idle();
  await operator.mirror?.drained();
  const reader = await connectDatabase(postgres.url);
  const pruner = await connectDatabase(postgres.url);

  // History 40 days old: task logs of 20 lines each (about 2 KB a row), and soft-deleted Apps.
  const seeded = performance.now();
  const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
  await sql`
    INSERT INTO task_logs (run_uid, task, attempt, namespace, run, captured_at, line_count, lines)
    SELECT gen_random_uuid(), 'build', 1, 'bench-history', 'run-' || i, ${old}::timestamptz, 20,
           (SELECT jsonb_agg(jsonb_build_object('time', ${old}::text, 'stream', 'stdout',
                   'line', 'step ' || j || ' of the build wrote this line of output to its log')) FROM generate_series(1, 20) j)
    FROM generate_series(1, ${rows}) i`.execute(pruner.db);
  await sql`
    INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, status, created_at, deleted_at)
    SELECT gen_random_uuid(), 'App', 'bench-history', 'gone-' || i, 'bench', '1', '{}'::jsonb, '{}'::jsonb,
           ${old}::timestamptz, ${old}::timestamptz
    FROM generate_series(1, ${deletedRows}) i`.execute(pruner.db);
  log(
    `Seeded ${rows} task-log rows and ${deletedRows} deleted mirror rows in ${Math.round(performance.now() - seeded)} ms`,
  );
  // The seeding's own writes (checkpoint, statistics) are not the prune's cost: settle them before measuring.
  await sql`CHECKPOINT`.execute(pruner.db);
  await sql`VACUUM ANALYZE task_logs`.execute(pruner.db);
  await sql`VACUUM ANALYZE resources`.execute(pruner.db);

  const pending = new Map<string, { uid: string; version: string; at: number; duringPrune: boolean }>();
  const history = new Map<string, string[]>();
  const lags: { ms: number; duringPrune: boolean }[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      if (pending.size > 0) {
        const uids = [...new Set([...pending.values()].map((p) => p.uid))];
        const { rows: seen } = await sql<{ uid: string; resource_version: string }>`
          SELECT uid::text, resource_version FROM resources WHERE uid = ANY(${uids}::uuid[])`.execute(reader.db);
        const now = performance.now();
        const versions = new Map(seen.map((r) => [r.uid, r.resource_version]));
        for (const [key, change] of pending) {
          const version = versions.get(change.uid);
          const produced = history.get(change.uid) ?? [];
          if (version !== undefined && produced.indexOf(version) >= produced.indexOf(change.version)) {
            lags.push({ ms: now - change.at, duringPrune: change.duringPrune });
            pending.delete(key);
          }
        }
      }
      await sleep(10);
    }
  })();

  let pruning = false;
  let pruneMs = 0;
  let report: Awaited<ReturnType<typeof prune>> | undefined;
  const started = performance.now();
  const pruneRun = (async () => {
    await sleep(10_000); // changes first: the lag without a prune on the same machine, for comparison
    pruning = true;
    const at = performance.now();
    report = await prune(pruner.db, { cutoff: new Date(Date.now() - 30 * 86_400_000), batchSize });
    pruneMs = performance.now() - at;
    pruning = false;
  })();
  let sent = 0;
  let pruneDone = false;
  void pruneRun.then(() => {
    pruneDone = true;
  });
  // Changes go on until the prune has finished and three seconds more.
  let doneAt: number | undefined;
  while (doneAt === undefined || performance.now() < doneAt) {
    if (pruneDone && doneAt === undefined) doneAt = performance.now() + 3000;
    const app = fleet.apps[sent % fleet.apps.length]!;
    const at = performance.now();
    const duringPrune = pruning;
    const updated = await operator.client.request<{ metadata: { uid: string; resourceVersion: string } }>(
      "PATCH",
      `/apis/loco.dev/v1alpha1/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}`,
      {
        body: { metadata: { annotations: { "bench.loco.dev/change": String(sent) } } },
        contentType: "application/merge-patch+json",
      },
    );
    pending.set(String(sent), {
      uid: updated.metadata.uid,
      version: updated.metadata.resourceVersion,
      at,
      duringPrune,
    });
    history.set(updated.metadata.uid, [...(history.get(updated.metadata.uid) ?? []), updated.metadata.resourceVersion]);
    sent++;
    const next = started + (sent * 1000) / rate;
    await sleep(Math.max(0, next - performance.now()));
  }
  await pruneRun;
  polling = false;
  await Promise.race([poller, sleep(30_000)]);
  await operator.stop();
  const { rows: left } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_logs`.execute(reader.db);
  await reader.close();
  await pruner.close();

  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN) * 10) / 10;
  };
  const during = lags.filter((l) => l.duringPrune).map((l) => l.ms);
  const outside = lags.filter((l) => !l.duringPrune).map((l) => l.ms);
  const results = {
    rows,
    deletedMirrorRows: deletedRows,
    batchSize,
    pruned: report,
    rowsLeft: left[0]?.n ?? null,
    pruneMs: Math.round(pruneMs),
    lagP50Ms: quantile(during, 0.5),
    lagP99Ms: quantile(during, 0.99),
    lagMaxMs: Math.round(Math.max(...during) * 10) / 10,
    samples: during.length,
    lagP99WithoutPruneMs: quantile(outside, 0.99),
    samplesWithoutPrune: outside.length,
    lost: sent - lags.length,
    ratePerSecond: rate,
    // The machine's load while it ran (1-minute average) and its cores: the lag is CPU-bound on a shared machine.
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    cores: availableParallelism(),
  };
  log(
    `Pruned ${rows} task-log rows in ${results.pruneMs} ms while the mirror followed ${rate} changes/s: lag p50 ${results.lagP50Ms} ms, p99 ${results.lagP99Ms} ms, max ${results.lagMaxMs} ms (${results.samples} changes; p99 without a prune ${results.lagP99WithoutPruneMs} ms)`,
  );
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "prune.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await postgres.stop();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
