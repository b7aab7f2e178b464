// The API under load, long form: 200 keep-alive clients for 60 s, each a loop of 4 reads and 1 deploy of its own
// App; readers' p99 alone and beside slow-body and oversized-body clients (which must get 408 and 413); then 500
// followers of an App's logs (the CLI's follow logic; BENCH_FOLLOWER_APPS spreads them over more Apps), their open
// times and the API's memory per follower, across an API restart, each checked for every line of every replica once.
// Deploys the API sheds (503 with Retry-After, nothing done) are counted apart (`shed`); any other non-2xx fails
// it. The scenario and its checks are in test/support/api-load.ts (the CI test runs it small).
//
//   npm run bench:api-load     (BENCH_CLIENTS=200, BENCH_SECONDS=60, BENCH_READERS=50, BENCH_READER_SECONDS=15,
//                               BENCH_MISBEHAVING=20, BENCH_FOLLOWERS=500, BENCH_FOLLOWER_APPS=1,
//                               BENCH_LINES_PER_S=20, BENCH_CLUSTER_WRITES=<the API's default>)
//
// Everything is real and private to the run: a control plane, a PostgreSQL server, the operator with its mirror, and
// loco-api as its own process (request timeout 15 s, so that a slow body is cut within the run). Prints its figures
// and writes bench/results/api-load.json; exits 1 when a check fails.
import { runApiLoad } from "../test/support/api-load.ts";
import { benchLog, envNumber, runScenarioBench } from "./scenario-bench.ts";

await runScenarioBench(
  "api-load",
  (kubeconfig) =>
    runApiLoad({
      kubeconfig,
      ownerPid: process.pid,
      shard: { label: "loco.dev/bench-shard", value: "b1" },
      clients: envNumber("BENCH_CLIENTS", 200),
      seconds: envNumber("BENCH_SECONDS", 60),
      readers: envNumber("BENCH_READERS", 50),
      readerSeconds: envNumber("BENCH_READER_SECONDS", 15),
      misbehaving: envNumber("BENCH_MISBEHAVING", 20),
      followers: envNumber("BENCH_FOLLOWERS", 500),
      followerApps: envNumber("BENCH_FOLLOWER_APPS", 1),
      clusterWrites: envNumber("BENCH_CLUSTER_WRITES", 0),
      linesPerSecond: envNumber("BENCH_LINES_PER_S", 20),
      log: benchLog,
    }),
  (result) => ({
    failed:
      result.errors + result.failures + result.timeouts + result.readersErrors > 0 ||
      Object.keys(result.slowBodyStatuses).some((status) => status !== "408") ||
      Object.keys(result.oversizedStatuses).some((status) => status !== "413") ||
      result.gaps + result.repeats > 0 ||
      result.followersComplete !== result.followers,
  }),
);
