// Prune under load: `loco-db prune` deletes 100,000 task-log rows (and a few thousand soft-deleted mirror rows) while
// the operator's mirror follows a churn of 20 App changes per second, as in production (real control plane, operator
// and Postgres). The figure that matters is the mirror's lag while the prune runs: batches of one short transaction
// each should leave it where it is without a prune (bench/mirror-lag.ts).
//
//   node bench/prune.ts        (BENCH_ROWS=100000, BENCH_RATE=20, BENCH_BATCH=1000)
//
// Prints its figures and writes bench/results/prune.json (rows, pruneMs, lagP50Ms, lagP99Ms, lagMaxMs, samples, …).
import { availableParallelism, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { connectDatabase } from "../db/connect.ts";
import { prune } from "../db/prune.ts";
import { churnWithLag, quantile, startMirrorBench, writeResults } from "./support/mirror-churn.ts";

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const deletedRows = Math.round(rows / 20);
const rate = Number(process.env.BENCH_RATE ?? 20);
const batchSize = Number(process.env.BENCH_BATCH ?? 1000);
const log = (message: string) => process.stdout.write(`${message}\n`);

const bench = await startMirrorBench({ name: "prune", apps: 50 });
try {
  const pruner = await connectDatabase(bench.databaseUrl);

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

  let pruning = false;
  let pruneMs = 0;
  let report: Awaited<ReturnType<typeof prune>> | undefined;
  let doneAt: number | undefined;
  const pruneRun = (async () => {
    await sleep(10_000); // changes first: the lag without a prune on the same machine, for comparison
    pruning = true;
    const at = performance.now();
    report = await prune(pruner.db, { cutoff: new Date(Date.now() - 30 * 86_400_000), batchSize });
    pruneMs = performance.now() - at;
    pruning = false;
    // Changes go on until the prune has finished and three seconds more.
    doneAt = performance.now() + 3000;
  })();
  const { sent, lags } = await churnWithLag(bench, {
    ratePerSecond: rate,
    until: () => doneAt !== undefined && performance.now() >= doneAt,
    tag: () => pruning,
  });
  await pruneRun;
  const { rows: left } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_logs`.execute(bench.reader.db);
  await pruner.close();

  const during = lags.filter((l) => l.tag).map((l) => l.ms);
  const outside = lags.filter((l) => !l.tag).map((l) => l.ms);
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
  writeResults("prune", results);
} finally {
  await bench.stop();
}
