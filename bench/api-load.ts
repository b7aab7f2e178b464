// The API under load, long form: 200 keep-alive clients for 60 s, each a loop of 4 reads and 1 deploy of its own
// App; readers' p99 alone and beside slow-body and oversized-body clients (which must get 408 and 413); then 500
// followers of an App's logs (the CLI's follow logic) across an API restart, each checked for every line of every
// replica once. The scenario and its checks are in test/support/api-load.ts (the CI test runs it small).
//
//   npm run bench:api-load     (BENCH_CLIENTS=200, BENCH_SECONDS=60, BENCH_READERS=50, BENCH_READER_SECONDS=15,
//                               BENCH_MISBEHAVING=20, BENCH_FOLLOWERS=500, BENCH_LINES_PER_S=20)
//
// Everything is real and private to the run: a control plane, a PostgreSQL server, the operator with its mirror, and
// loco-api as its own process (request timeout 15 s, so that a slow body is cut within the run). Prints its figures
// and writes bench/results/api-load.json; exits 1 when a check fails.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { runApiLoad } from "../test/support/api-load.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (message: string) => process.stdout.write(`${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const dir = mkdtempSync(join(tmpdir(), "loco-bench-load-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
let failed = false;
try {
  await installLocoCrds(plane.kubeconfig);
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const result = await runApiLoad({
    kubeconfig: plane.kubeconfig,
    ownerPid: process.pid,
    shard: { label: "loco.dev/bench-shard", value: "b1" },
    clients: env("BENCH_CLIENTS", 200),
    seconds: env("BENCH_SECONDS", 60),
    readers: env("BENCH_READERS", 50),
    readerSeconds: env("BENCH_READER_SECONDS", 15),
    misbehaving: env("BENCH_MISBEHAVING", 20),
    followers: env("BENCH_FOLLOWERS", 500),
    linesPerSecond: env("BENCH_LINES_PER_S", 20),
    log,
  });
  const results = {
    ...result,
    durationS: round((performance.now() - started) / 1000),
    loadAverage1m: round((loadBefore + loadavg()[0]!) / 2),
  };
  log(JSON.stringify(results, null, 2));
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "api-load.json"), `${JSON.stringify(results, null, 2)}\n`);
  failed =
    result.errors + result.non2xx + result.timeouts + result.readersErrors > 0 ||
    Object.keys(result.slowBodyStatuses).some((s) => s !== "408") ||
    Object.keys(result.oversizedStatuses).some((s) => s !== "413") ||
    result.gaps + result.repeats > 0 ||
    result.followersComplete !== result.followers;
} finally {
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
