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
import { runPostgresKills } from "../test/support/postgres-kills.ts";
import { benchLog, envNumber, runScenarioBench } from "./scenario-bench.ts";

await runScenarioBench(
  "postgres-kills",
  (kubeconfig) =>
    runPostgresKills({
      kubeconfig,
      ownerPid: process.pid,
      shard: { label: "loco.dev/bench-shard", value: "b1" },
      kills: envNumber("BENCH_KILLS", 20),
      upMs: envNumber("BENCH_UP_MS", 5000),
      downMs: envNumber("BENCH_DOWN_MS", 3000),
      changesPerSecond: envNumber("BENCH_CHANGES_PER_S", 20),
      apps: envNumber("BENCH_APPS", 50),
      apiClients: envNumber("BENCH_API_CLIENTS", 4),
      log: benchLog,
    }),
  (result) => {
    const { unexpected, apiInternalErrors, ...figures } = result;
    return {
      figures: { ...figures, unexpectedAnswers: unexpected.length },
      notes: [...unexpected, ...apiInternalErrors.filter((line) => line.includes('"level":50'))],
      failed:
        unexpected.length > 0 ||
        result.unavailableWithoutRetryAfter > 0 ||
        result.lostMemberWrites > 0 ||
        result.lostAppWrites > 0 ||
        result.unauditedWrites > 0 ||
        result.duplicateRows > 0,
    };
  },
);
