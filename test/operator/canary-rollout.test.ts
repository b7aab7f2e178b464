// Canary rollouts against the real control plane (kwok runs the pods) and a real Prometheus (ADR 0010). There is no
// data plane here (and there must be none: kwok's pod addresses are private), so traffic weights are verified on
// the route objects; the canaries' metrics come from a test exporter that Prometheus scrapes under the target labels
// a cluster's scrape configuration would give the canary pods.
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, GRPC_ROUTE, HTTP_ROUTE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus-server.ts";
import { rolloutWorld, ruleWeights, TEAM_FILTER } from "../support/rollout-world.ts";
import { createTenantGateway, removeTenantGateway } from "../support/tenant-gateway.ts";
import { startTrafficExporter, type TrafficExporter } from "../support/traffic-exporter.ts";

const shard = newShard();
const tenant = `canary${shard}`;
const profileName = `canary-${shard}`;
const gatewayNs = `gw-canary-${shard}`;
const labels = { [SHARD_LABEL]: shard };
const world = { prefix: "canary", tenant, gatewayNs, profileName, labels };

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;
let prometheus: RunningPrometheus;
let exporter: TrafficExporter;

/** Each canary "pod" the exporter stands in for: 50/s, all 200 (healthy), half 500 (failing), or 0.1/s (quiet). */
const CANARY_TRAFFIC = {
  healthy: [{ status: 200, perSecond: 50, buckets: [[0.05, 1]] as [number, number][] }],
  failing: [
    { status: 200, perSecond: 25, buckets: [[0.05, 1]] as [number, number][] },
    { status: 500, perSecond: 25, buckets: [[0.05, 1]] as [number, number][] },
  ],
  quiet: [{ status: 200, perSecond: 0.1, buckets: [[0.05, 1]] as [number, number][] }],
};

function app(name: string, image: string, steps: unknown[], protocol: "HTTP" | "GRPC" = "HTTP"): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace: ns, labels },
    spec: {
      profile: profileName,
      image,
      replicas: 2,
      ports: [{ name: protocol.toLowerCase(), port: 8080, protocol }],
      rollout: { strategy: "canary", steps },
    },
  };
}

const { status, condition, weights, rolloutWith, addTeamRule, recordRoute } = rolloutWorld(() => ({ client, ns }));

async function deploy(name: string, image: string): Promise<void> {
  const live = await client.get(APP, ns, name);
  const { ports, rollout } = live.spec as { ports: { protocol: "HTTP" | "GRPC" }[]; rollout: { steps: unknown[] } };
  await kube.apply(app(name, image, rollout.steps, ports[0]?.protocol));
}

/** Creates the App at image :1 and waits until its stable Deployment is available, so the next image is a canary. */
async function stableApp(name: string, steps: unknown[], protocol: "HTTP" | "GRPC" = "HTTP"): Promise<void> {
  await kube.apply(app(name, "registry.example.com/shop:1", steps, protocol));
  await eventually(`${name} Ready`, async () =>
    (await condition(name, "Ready"))?.status === "True" ? true : undefined,
  );
}

function canaryTarget(app: string, path: string) {
  return {
    job: `canary-${app}`,
    address: exporter.address,
    path,
    labels: { loco_tenant: tenant, namespace: ns, loco_canary_of: app },
  };
}

beforeAll(async () => {
  kube = testKube();
  exporter = await startTrafficExporter([
    { path: "/healthy/metrics", traffic: CANARY_TRAFFIC.healthy },
    { path: "/failing/metrics", traffic: CANARY_TRAFFIC.failing },
    { path: "/quiet/metrics", traffic: CANARY_TRAFFIC.quiet },
  ]);
  prometheus = await startPrometheus();
  ns = await createTenantGateway(kube, { ...world, profile: { telemetry: { queryEndpoint: prometheus.url } } });
  // The canary "pods" carry the namespace among their target labels, so they are scraped once it exists.
  prometheus.setTargets([
    canaryTarget("walker", "/healthy/metrics"),
    canaryTarget("breaker", "/failing/metrics"),
    canaryTarget("hush", "/quiet/metrics"),
  ]);
  await prometheus.waitForTargets(["canary-walker", "canary-breaker", "canary-hush"]);
  operator = await startTestOperator(shard);
  client = operator.client;
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await prometheus?.stop();
  await exporter?.stop();
  await removeTenantGateway(kube, world);
});

describe("a canary rollout", () => {
  it("walks a healthy canary 10→50→100 through real analysis, the route's weights following each step, then promotes it", async () => {
    const steps = [
      { setWeight: 10 },
      { analysis: { successRate: { minPercent: 99 }, interval: "3s", count: 2, minRequests: 10 } },
      { setWeight: 50 },
      { pause: { duration: "2s" } },
      { setWeight: 100 },
      { pause: { duration: "2s" } },
    ];
    await stableApp("walker", steps);
    expect(await weights(HTTP_ROUTE, "walker")).toBe("walker=100,walker-canary=0");

    // Another tool adds a rule of its own and a filter on loco's rule (its own field manager, as kubectl or a
    // policy controller would): both must survive every weight loco writes.
    await addTeamRule("walker");
    const filter = TEAM_FILTER;
    const recording = await recordRoute(HTTP_ROUTE, "walker");
    await deploy("walker", "registry.example.com/shop:2");
    const done = await rolloutWith("walker", (r) => r.phase === "Completed", "promoted", 90_000);
    await eventually("the route's return to stable recorded", async () =>
      ruleWeights(recording.latest()) === "walker=100,walker-canary=0" ? true : undefined,
    );
    const versions = await recording.stop();
    const seen = versions.map(ruleWeights).filter((w, i, all) => i === 0 || all[i - 1] !== w);
    const foreignLost = versions
      .filter(
        (rules) =>
          !(
            rules.length === 2 &&
            rules[1]?.matches?.[0]?.path?.value === "/legacy" &&
            isDeepStrictEqual(rules[0]?.filters, [filter])
          ),
      )
      .map((rules) => JSON.stringify(rules));
    expect(seen).toEqual([
      "walker=100,walker-canary=0",
      "walker=90,walker-canary=10",
      "walker=50,walker-canary=50",
      "walker=0,walker-canary=100",
      "walker=100,walker-canary=0",
    ]);
    expect(foreignLost).toEqual([]);
    expect(done.analysis).toBeUndefined(); // left behind with its step
    const stable = await client.get(DEPLOYMENT, ns, "walker");
    const container = (stable.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
      .containers[0];
    expect(container?.image).toBe("registry.example.com/shop:2");
    const canary = await client.get(DEPLOYMENT, ns, "walker-canary");
    expect((canary.spec as { replicas: number }).replicas).toBe(0);
    expect((await status("walker")).deploymentId).toBe(done.deploymentId);
    expect(await condition("walker", "Rollout")).toMatchObject({ status: "True", reason: "Completed" });
    await eventually("walker Ready", async () =>
      (await condition("walker", "Ready"))?.status === "True" ? true : undefined,
    );
  }, 150_000);

  it("rolls a failing canary back by itself within one analysis interval, naming metric, value and threshold", async () => {
    const steps = [
      { setWeight: 20 },
      { analysis: { successRate: { minPercent: 99 }, interval: "3s", count: 3, minRequests: 10 } },
      { setWeight: 100 },
    ];
    await stableApp("breaker", steps);
    await deploy("breaker", "registry.example.com/shop:2");
    const analysing = await rolloutWith("breaker", (r) => r.phase === "Analysing", "analysing");
    expect(await weights(HTTP_ROUTE, "breaker")).toBe("breaker=80,breaker-canary=20");
    const rolledBack = await rolloutWith("breaker", (r) => r.phase === "RolledBack", "rolled back", 30_000);
    // The first check is due one interval (3 s) after the step began, and the rollback comes with it.
    expect(Date.now() - Date.parse(analysing.stepStartedAt)).toBeLessThan(3000 + 5000);
    expect(rolledBack.message).toMatch(/success rate 50(\.\d+)?% is below the minimum of 99%/);
    expect(await weights(HTTP_ROUTE, "breaker")).toBe("breaker=100,breaker-canary=0");
    await eventually("breaker canary at 0", async () => {
      const canary = await client.get(DEPLOYMENT, ns, "breaker-canary");
      return (canary.spec as { replicas: number }).replicas === 0 ? true : undefined;
    });
    const stable = await client.get(DEPLOYMENT, ns, "breaker");
    expect(JSON.stringify(stable.spec)).toContain("registry.example.com/shop:1");
    expect(await condition("breaker", "Rollout")).toMatchObject({ status: "False", reason: "RolledBack" });
    expect(await condition("breaker", "Ready")).toMatchObject({ status: "False", reason: "RolledBack" });
    // Never restarted: it holds for as long as the spec asks for the failed template.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect((await status("breaker")).rollout).toMatchObject({
      phase: "RolledBack",
      deploymentId: rolledBack.deploymentId,
    });
  }, 90_000);

  it("holds the step while the canary has too little traffic — inconclusive, never passed or failed", async () => {
    const steps = [
      { setWeight: 10 },
      { analysis: { successRate: { minPercent: 99 }, interval: "2s", count: 1, minRequests: 100 } },
      { setWeight: 100 },
    ];
    await stableApp("hush", steps);
    await deploy("hush", "registry.example.com/shop:2");
    const held = await rolloutWith("hush", (r) => (r.analysis?.inconclusive ?? 0) >= 2, "inconclusive twice", 30_000);
    expect(held).toMatchObject({ phase: "Analysing", step: 1, weight: 10, analysis: { passed: 0, failed: 0 } });
    expect(held.message).toContain("fewer than the 100 a check needs");
    expect(await weights(HTTP_ROUTE, "hush")).toBe("hush=90,hush-canary=10");
  }, 60_000);

  it("moves a gRPC App's GRPCRoute weights too, and aborts on request with traffic back on stable", async () => {
    await stableApp("grpcer", [{ setWeight: 30 }, { pause: {} }], "GRPC");
    expect(await weights(GRPC_ROUTE, "grpcer")).toBe("grpcer=100,grpcer-canary=0");
    await deploy("grpcer", "registry.example.com/shop:2");
    const paused = await rolloutWith("grpcer", (r) => r.phase === "Paused", "paused");
    expect(await weights(GRPC_ROUTE, "grpcer")).toBe("grpcer=70,grpcer-canary=30");
    // What `loco rollout abort` asks for: the annotation naming this rollout, under the API's own field manager.
    await client.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "grpcer", namespace: ns, annotations: { "loco.dev/rollout-abort": paused.deploymentId } },
      },
      "test-user",
    );
    await rolloutWith("grpcer", (r) => r.phase === "Aborted", "aborted");
    expect(await weights(GRPC_ROUTE, "grpcer")).toBe("grpcer=100,grpcer-canary=0");
    expect(await condition("grpcer", "Ready")).toMatchObject({ status: "False", reason: "RolloutAborted" });
  }, 60_000);
});
