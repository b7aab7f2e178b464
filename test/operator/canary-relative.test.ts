// Canary analysis with thresholds relative to the stable version (ADR 0010), against the real control plane and a
// real Prometheus: the canary's series are compared with the stable pods' over the same window, by real PromQL. The
// test exporter stands in for both versions' pods, under the target labels a cluster's scrape would give them
// (loco_app for stable pods, loco_canary_of for canary pods). Weights are verified on the route objects only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../kube/kube-client.ts";
import { HTTP_ROUTE } from "../../kube/resources.ts";
import type { TestKube } from "../support/kube.ts";
import type { ScrapeTarget } from "../support/prometheus-server.ts";
import { type RolloutBed, rolloutApp, rolloutTestWorld, startRolloutBed } from "../support/rollout-bed.ts";
import { rolloutWorld } from "../support/rollout-world.ts";
import type { StatusTraffic } from "../support/traffic-exporter.ts";

const { shard, tenant, world } = rolloutTestWorld("relative");

let bed: RolloutBed;
let kube: TestKube;
let client: KubeClient;
let ns: string;

const fast: [number, number][] = [[0.05, 1]]; // every request within 50 ms: p95 48.75 ms by interpolation
const slow: [number, number][] = [
  [0.05, 0.5],
  [0.25, 1],
]; // half within 50 ms, the rest within 250 ms: p95 235 ms
const traffic = (ok: number, errors: number, buckets = fast): StatusTraffic[] => [
  { status: 200, perSecond: ok, buckets },
  ...(errors > 0 ? [{ status: 500, perSecond: errors, buckets }] : []),
];

/** Per App: what its stable pods and its canary pods serve. */
const PODS = {
  // Stable 0.5% errors, canary 1%: 0.5 points lower, within 1 point.
  even: { stable: traffic(99.5, 0.5), canary: traffic(99, 1) },
  // Same success, but the canary is nearly five times slower at p95.
  laggard: { stable: traffic(50, 0), canary: traffic(50, 0, slow) },
  // A healthy canary whose stable version has almost no traffic to compare with.
  lonely: { stable: traffic(0.1, 0), canary: traffic(50, 0) },
};
type Name = keyof typeof PODS;

const app = (name: Name, image: string, steps: unknown[]) =>
  rolloutApp(world, ns, { name, image, rollout: { strategy: "canary", steps } });

const { status, rolloutWith, ready, weights: routeWeights } = rolloutWorld(() => ({ client, ns }));
const weights = (name: string) => routeWeights(HTTP_ROUTE, name);

/** Creates the App at :1, waits until it is Ready, then deploys :2, which starts the canary. */
async function rollOut(name: Name, steps: unknown[]): Promise<void> {
  await kube.apply(app(name, "registry.example.com/shop:1", steps));
  await ready(name);
  await kube.apply(app(name, "registry.example.com/shop:2", steps));
}

beforeAll(async () => {
  const names = Object.keys(PODS) as Name[];
  bed = await startRolloutBed({
    shard,
    world,
    metrics: {
      pods: names.flatMap((name) => [
        { path: `/${name}/stable/metrics`, traffic: PODS[name].stable },
        { path: `/${name}/canary/metrics`, traffic: PODS[name].canary },
      ]),
      targets: (ns, address) =>
        names.flatMap((name): ScrapeTarget[] => [
          {
            job: `stable-${name}`,
            address,
            path: `/${name}/stable/metrics`,
            labels: { loco_tenant: tenant, namespace: ns, loco_app: name },
          },
          {
            job: `canary-${name}`,
            address,
            path: `/${name}/canary/metrics`,
            labels: { loco_tenant: tenant, namespace: ns, loco_canary_of: name },
          },
        ]),
    },
  });
  ({ kube, ns, client } = bed);
}, 120_000);

afterAll(() => bed?.stop());

describe("canary analysis relative to the stable version", () => {
  it("passes a canary whose success rate is within maxDropPoints of the stable version's, and promotes it", async () => {
    const steps = [
      { setWeight: 20 },
      { analysis: { successRate: { maxDropPoints: 1 }, interval: "3s", count: 2, minRequests: 10 } },
      { setWeight: 100 },
    ];
    await rollOut("even", steps);
    const analysing = await rolloutWith("even", (r) => r.phase === "Analysing", "analysing");
    expect(await weights("even")).toBe("even=80,even-canary=20");
    // Both checks pass on the comparison (the message of each names both rates), then the rollout completes.
    const passed = await rolloutWith("even", (r) => (r.analysis?.passed ?? 0) >= 1, "one check passed", 30_000);
    expect(passed.message).toMatch(/success rate 99(\.\d+)?% against the stable version's 99\.5% is within/);
    const done = await rolloutWith("even", (r) => r.phase === "Completed", "completed", 60_000);
    expect(done.deploymentId).toBe(analysing.deploymentId);
    expect(await weights("even")).toBe("even=100,even-canary=0");
  }, 120_000);

  it("rolls back a canary whose p95 latency exceeds the stable version's by more than maxIncreasePercent", async () => {
    const steps = [
      { setWeight: 10 },
      {
        analysis: {
          latency: { percentile: 95, maxIncreasePercent: 20 },
          interval: "3s",
          count: 3,
          minRequests: 10,
        },
      },
      { setWeight: 100 },
    ];
    await rollOut("laggard", steps);
    await rolloutWith("laggard", (r) => r.phase === "Analysing", "analysing");
    expect(await weights("laggard")).toBe("laggard=90,laggard-canary=10");
    const rolledBack = await rolloutWith("laggard", (r) => r.phase === "RolledBack", "rolled back", 30_000);
    expect(rolledBack.message).toMatch(
      /p95 latency 23\d(\.\d+)? ms against the stable version's 4\d(\.\d+)? ms is above the 5\d(\.\d+)? ms its 20% allowance gives/,
    );
    expect(await weights("laggard")).toBe("laggard=100,laggard-canary=0");
    expect((await status("laggard")).conditions?.find((c) => c.type === "Rollout")).toMatchObject({
      status: "False",
      reason: "RolledBack",
    });
  }, 90_000);

  it("holds the step when the stable version has too little traffic to compare with — never passed or failed", async () => {
    const steps = [
      { setWeight: 10 },
      { analysis: { successRate: { maxDropPoints: 1 }, interval: "2s", count: 1, minRequests: 20 } },
      { setWeight: 100 },
    ];
    await rollOut("lonely", steps);
    const held = await rolloutWith("lonely", (r) => (r.analysis?.inconclusive ?? 0) >= 2, "inconclusive twice", 30_000);
    expect(held).toMatchObject({ phase: "Analysing", step: 1, weight: 10, analysis: { passed: 0, failed: 0 } });
    expect(held.message).toContain("stable request(s) in the last 2s, fewer than the 20 a comparison needs");
    expect(await weights("lonely")).toBe("lonely=90,lonely-canary=10");
  }, 60_000);
});
