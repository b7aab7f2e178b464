// Mirror lag: how long from a change accepted by the apiserver until its row is visible in Postgres, under a churn
// of 20 changes per second, with the operator (and its mirror) running as in production.
//
//   npm run bench:mirror-lag        (BENCH_SECONDS=30, BENCH_RATE=20)
//
// Prints its figures and writes bench/results/mirror-lag.json (p50Ms, p99Ms, maxMs, samples, ratePerSecond).
import { churnWithLag, quantile, startMirrorBench, writeResults } from "./support/mirror-churn.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const rate = Number(process.env.BENCH_RATE ?? 20);

const bench = await startMirrorBench({ name: "lag", apps: 50 });
try {
  const started = performance.now();
  const { sent, lags } = await churnWithLag(bench, {
    ratePerSecond: rate,
    until: () => performance.now() - started >= seconds * 1000,
    tag: () => undefined,
  });
  const ms = lags.map((l) => l.ms);
  const results = {
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    maxMs: Math.round(Math.max(...ms) * 10) / 10,
    samples: ms.length,
    lost: sent - ms.length,
    ratePerSecond: rate,
    seconds,
  };
  process.stdout.write(
    `Mirror lag under ${rate} changes/s for ${seconds} s: p50 ${results.p50Ms} ms, p99 ${results.p99Ms} ms, max ${results.maxMs} ms (${results.samples} changes, ${results.lost} not seen)\n`,
  );
  writeResults("mirror-lag", results);
} finally {
  await bench.stop();
}
