// Soak: the operator (with its mirror, and Node's flags as the image runs it) and the API as processes, 20 App
// changes a second (19 through the apiserver, 1 through the API's PATCH …/env) and 5 list reads a second through the
// API, for an hour by default. Figures: each process's live heap (V8's heap after its last full collection) and
// resident memory, their growth from the end of the warm-up (10 minutes) to the end, open file descriptors and
// sockets, and the watches held open. A leak is judged on the live heap: RSS also follows what V8 reserves.
// The control plane keeps Events for 5 minutes (BENCH_EVENT_TTL; Kubernetes' default is an hour): the operator
// caches the Events about loco objects while they exist, so with the default its heap would grow for the whole hour
// with them and say nothing about a leak.
//
//   npm run bench:soak     (BENCH_MINUTES=60 BENCH_WARMUP_MINUTES=10 BENCH_RATE=20 BENCH_API_RATE=1 BENCH_APPS=50
//                           BENCH_EVENT_TTL=5m)
//
// Prints a sample every 30 s and writes bench/results/soak.json.
import { loadavg } from "node:os";
import { growthPercent, runSoak } from "../test/support/soak.ts";
import { writeResults } from "./results.ts";

const minutes = Number(process.env.BENCH_MINUTES ?? 60);
const warmupMinutes = Number(process.env.BENCH_WARMUP_MINUTES ?? 10);
const changesPerSecond = Number(process.env.BENCH_RATE ?? 20);
const apps = Number(process.env.BENCH_APPS ?? 50);
const log = (message: string) => process.stdout.write(`${message}\n`);
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadavg()[0] ?? 0), 30_000);

const apiChangesPerSecond = Number(process.env.BENCH_API_RATE ?? 1);
const result = await runSoak({
  apps,
  changesPerSecond: changesPerSecond - apiChangesPerSecond,
  apiChangesPerSecond,
  apiWriteApps: 5,
  readsPerSecond: 5,
  durationMs: minutes * 60_000,
  sampleEveryMs: 30_000,
  eventTtl: process.env.BENCH_EVENT_TTL ?? "5m",
  log,
});
clearInterval(loadTimer);
const warmup = warmupMinutes * 60;
const warm = result.samples.filter((s) => s.atSeconds >= warmup);
const at = (list: typeof warm, pick: (s: (typeof warm)[number]) => number) => list.map(pick);
const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
const last = result.samples.at(-1);
const figures = {
  minutes,
  warmupMinutes,
  changesPerSecond,
  appCount: apps,
  apiChangesPerSecond,
  changesCount: last?.changes ?? 0,
  apiChangesCount: last?.apiChanges ?? 0,
  skippedTicksCount: last?.skippedChanges ?? 0,
  changeP99MaxMs: Math.max(...at(result.samples, (s) => s.changeP99Ms)),
  failedChangesCount: last?.failedChanges ?? 0,
  failedReadsCount: last?.failedReads ?? 0,
  lastChangesVisible: result.lastChangesVisible ? "yes" : "no",
  operatorHeapAtWarmupMB: warm[0]?.operator.heapMB ?? Number.NaN,
  operatorHeapEndMB: last?.operator.heapMB ?? Number.NaN,
  operatorHeapMaxMB: Math.max(...at(result.samples, (s) => s.operator.heapMB).filter(Number.isFinite)),
  operatorHeapGrowthPercent: growthPercent(result.samples, warmup, (s) => s.operator.heapMB),
  apiHeapAtWarmupMB: warm[0]?.api.heapMB ?? Number.NaN,
  apiHeapEndMB: last?.api.heapMB ?? Number.NaN,
  apiHeapMaxMB: Math.max(...at(result.samples, (s) => s.api.heapMB).filter(Number.isFinite)),
  apiHeapGrowthPercent: growthPercent(result.samples, warmup, (s) => s.api.heapMB),
  operatorRssAtWarmupMB: warm[0]?.operator.rssMB ?? Number.NaN,
  operatorRssEndMB: last?.operator.rssMB ?? Number.NaN,
  operatorRssMaxMB: Math.max(...at(result.samples, (s) => s.operator.rssMB)),
  operatorRssGrowthPercent: growthPercent(result.samples, warmup, (s) => s.operator.rssMB),
  apiRssAtWarmupMB: warm[0]?.api.rssMB ?? Number.NaN,
  apiRssEndMB: last?.api.rssMB ?? Number.NaN,
  apiRssMaxMB: Math.max(...at(result.samples, (s) => s.api.rssMB)),
  apiRssGrowthPercent: growthPercent(result.samples, warmup, (s) => s.api.rssMB),
  operatorFdsAtWarmupCount: warm[0]?.operator.fds ?? Number.NaN,
  operatorFdsEndCount: last?.operator.fds ?? Number.NaN,
  operatorFdsSpreadAfterWarmupCount: spread(at(warm, (s) => s.operator.fds)),
  apiFdsAtWarmupCount: warm[0]?.api.fds ?? Number.NaN,
  apiFdsEndCount: last?.api.fds ?? Number.NaN,
  apiFdsSpreadAfterWarmupCount: spread(at(warm, (s) => s.api.fds)),
  apiserverWatchesAtWarmupCount: warm[0]?.apiserverWatches ?? Number.NaN,
  apiserverWatchesEndCount: last?.apiserverWatches ?? Number.NaN,
  operatorWatchesAtWarmupCount: warm[0]?.operatorWatches ?? Number.NaN,
  operatorWatchesEndCount: last?.operatorWatches ?? Number.NaN,
  loadAverageMean1m: Math.round((loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)) * 10) / 10,
};
log(JSON.stringify(figures, null, 2));
writeResults("soak", figures);
