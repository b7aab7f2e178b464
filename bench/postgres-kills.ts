// Postgres killed mid-write, long form: kill -9 of every Postgres server process 20 times while loco-api takes
// writes (members straight into the database, Apps through the cluster and back by the mirror) and reads, and the
// mirror follows 20 GitOps-style App changes a second. The scenario and its checks are in
// test/support/postgres-kills.ts (the CI test runs it with 3 kills).
//
//   npm run bench:postgres-kills     (BENCH_KILLS=20, BENCH_UP_MS=5000, BENCH_DOWN_MS=3000, BENCH_CHANGES_PER_S=20,
//                                     BENCH_APPS=50, BENCH_API_CLIENTS=4)
//
// Everything is real and private to the run: a control plane (hack/control-plane), a PostgreSQL server with
// synchronous commits, the operator with its mirror, loco-api as its own process. Prints its figures and writes
// bench/results/postgres-kills.json; exits 1 when an acknowledged write was lost, a row doubled, or the API answered
// anything but a success or a 503 with Retry-After.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { runPostgresKills } from "../test/support/postgres-kills.ts";

const kills = Number(process.env.BENCH_KILLS ?? 20);
const upMs = Number(process.env.BENCH_UP_MS ?? 5000);
const downMs = Number(process.env.BENCH_DOWN_MS ?? 3000);
const changesPerSecond = Number(process.env.BENCH_CHANGES_PER_S ?? 20);
const apps = Number(process.env.BENCH_APPS ?? 50);
const apiClients = Number(process.env.BENCH_API_CLIENTS ?? 4);
const log = (message: string) => process.stdout.write(`${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const dir = mkdtempSync(join(tmpdir(), "loco-bench-pgkill-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
let failed = false;
try {
  await installLocoCrds(plane.kubeconfig);
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const result = await runPostgresKills({
    kubeconfig: plane.kubeconfig,
    ownerPid: process.pid,
    shard: { label: "loco.dev/bench-shard", value: "b1" },
    kills,
    upMs,
    downMs,
    changesPerSecond,
    apps,
    apiClients,
    log,
  });
  const { unexpected, apiInternalErrors, ...figures } = result;
  const results = {
    ...figures,
    durationS: round((performance.now() - started) / 1000),
    unexpectedAnswers: unexpected.length,
    loadAverage1m: round((loadBefore + loadavg()[0]!) / 2),
  };
  log(JSON.stringify(results, null, 2));
  for (const line of [...unexpected, ...apiInternalErrors.filter((l) => l.includes('"level":50'))]) log(line);
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "postgres-kills.json"), `${JSON.stringify(results, null, 2)}\n`);
  failed =
    unexpected.length > 0 ||
    result.unavailableWithoutRetryAfter > 0 ||
    result.lostMemberWrites > 0 ||
    result.lostAppWrites > 0 ||
    result.unauditedWrites > 0 ||
    result.duplicateRows > 0;
} finally {
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
