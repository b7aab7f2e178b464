// Blue-green rollouts (ADR 0012) against the real control plane and a real Prometheus: the new version comes up at
// full size beside the active one, reachable only through a preview route on a granted hostname; promotion switches
// the main route's weights to it at once and the old version goes after its delay; failed analysis leaves traffic on
// the active version and removes the new one. No data plane here: what is verified is the route objects and the
// Deployments the apiserver holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, GRPC_ROUTE, HTTP_ROUTE } from "../../kube/resources.ts";
import type { ResourceType } from "../../kube/types.ts";
import { eventually, type TestKube } from "../support/kube.ts";
import { startTestOperator } from "../support/operator.ts";
import { type RolloutBed, rolloutApp, rolloutTestWorld, startRolloutBed } from "../support/rollout-bed.ts";
import { rolloutWorld } from "../support/rollout-world.ts";

const { shard, tenant, world } = rolloutTestWorld("bluegreen");
const granted = `preview.${tenant}.example.org`;

let bed: RolloutBed;
let kube: TestKube;
let client: KubeClient;
let ns: string;

const app = (name: string, image: string, blueGreen: unknown, protocol: "HTTP" | "GRPC" = "HTTP") =>
  rolloutApp(world, ns, { name, image, protocol, rollout: { strategy: "blueGreen", blueGreen } });

const { status, phase, weights, imageOf, replicasOf, request, ready } = rolloutWorld(() => ({ client, ns }));

/** Creates the App at :1, waits until it is Ready, then deploys :2: the new ("green") version. */
async function rollOut(name: string, blueGreen: unknown, protocol: "HTTP" | "GRPC" = "HTTP"): Promise<void> {
  await kube.apply(app(name, "registry.example.com/shop:1", blueGreen, protocol));
  await ready(name);
  await kube.apply(app(name, "registry.example.com/shop:2", blueGreen, protocol));
}

const gone = (resource: ResourceType, name: string) =>
  eventually(`${resource.kind} ${name} gone`, async () => ((await client.find(resource, ns, name)) ? undefined : true));

beforeAll(async () => {
  const target = (name: string, path: string) => (ns: string, address: string) => ({
    job: `green-${name}`,
    address,
    path,
    labels: { loco_tenant: tenant, namespace: ns, loco_canary_of: name },
  });
  bed = await startRolloutBed({
    shard,
    world,
    profile: { domainGrants: [{ tenant, domains: [granted] }] },
    metrics: {
      pods: [
        { path: "/healthy/metrics", traffic: [{ status: 200, perSecond: 50, buckets: [[0.05, 1]] }] },
        { path: "/failing/metrics", traffic: [{ status: 500, perSecond: 50, buckets: [[0.05, 1]] }] },
      ],
      targets: (ns, address) => [
        target("auto", "/healthy/metrics")(ns, address),
        target("grfail", "/failing/metrics")(ns, address),
      ],
    },
  });
  ({ kube, ns, client } = bed);
}, 120_000);

afterAll(() => bed?.stop());

describe("a blue-green rollout", () => {
  it("runs green at full size behind a preview route, switches all traffic at once on promotion, then retires blue", async () => {
    const previewHostname = `manual.${granted}`;
    await rollOut("manual", { previewHostname, scaleDownDelay: "3s" });
    const paused = await phase("manual", "Paused");
    expect(await weights(HTTP_ROUTE, "manual")).toBe("manual=100,manual-canary=0");
    expect(await replicasOf("manual-canary")).toBe(2); // the stable version's full size, not a share
    expect(await imageOf("manual")).toBe("registry.example.com/shop:1");
    const preview = await client.get(HTTP_ROUTE, ns, "manual-preview");
    expect(preview.spec).toMatchObject({
      hostnames: [previewHostname],
      rules: [{ backendRefs: [{ name: "manual-canary", port: 8080, weight: 1 }] }],
    });
    expect((preview.spec as { rules: unknown[] }).rules).toHaveLength(1);

    await request("manual", "promote", paused.deploymentId);
    // The switch: all of the main route to green in one write, while blue still runs the old template.
    await eventually("manual switched", async () =>
      (await weights(HTTP_ROUTE, "manual")) === "manual=0,manual-canary=100" ? true : undefined,
    );
    expect(await imageOf("manual")).toBe("registry.example.com/shop:1");
    const done = await phase("manual", "Completed");
    expect(done.deploymentId).toBe(paused.deploymentId);
    expect(await imageOf("manual")).toBe("registry.example.com/shop:2");
    expect(await weights(HTTP_ROUTE, "manual")).toBe("manual=100,manual-canary=0");
    await eventually("manual green at 0", async () => ((await replicasOf("manual-canary")) === 0 ? true : undefined));
    await gone(HTTP_ROUTE, "manual-preview");
  }, 120_000);

  it("promotes by itself after autoPromoteAfter once green's analysis passed", async () => {
    await rollOut("auto", {
      previewHostname: `auto.${granted}`,
      autoPromoteAfter: "1s",
      scaleDownDelay: "1s",
      analysis: { successRate: { minPercent: 99 }, interval: "2s", count: 1, minRequests: 10 },
    });
    const analysing = await phase("auto", "Analysing");
    expect(await weights(HTTP_ROUTE, "auto")).toBe("auto=100,auto-canary=0");
    const done = await phase("auto", "Completed");
    expect(done.deploymentId).toBe(analysing.deploymentId);
    expect(await imageOf("auto")).toBe("registry.example.com/shop:2");
    await gone(HTTP_ROUTE, "auto-preview");
  }, 90_000);

  it("leaves a gRPC App's traffic on blue and removes green when green's analysis fails", async () => {
    await rollOut(
      "grfail",
      {
        previewHostname: `grfail.${granted}`,
        autoPromoteAfter: "0s",
        analysis: { successRate: { minPercent: 99 }, interval: "2s", count: 2, minRequests: 10 },
      },
      "GRPC",
    );
    await phase("grfail", "Analysing");
    const preview = await client.get(GRPC_ROUTE, ns, "grfail-preview");
    expect(preview.spec).toMatchObject({
      hostnames: [`grfail.${granted}`],
      rules: [{ backendRefs: [{ name: "grfail-canary", weight: 1 }] }],
    });
    const rolledBack = await phase("grfail", "RolledBack", 30_000);
    expect(rolledBack.message).toMatch(/success rate 0% is below the minimum of 99%/);
    expect(await weights(GRPC_ROUTE, "grfail")).toBe("grfail=100,grfail-canary=0");
    expect(await imageOf("grfail")).toBe("registry.example.com/shop:1");
    await eventually("grfail green at 0", async () => ((await replicasOf("grfail-canary")) === 0 ? true : undefined));
    await gone(GRPC_ROUTE, "grfail-preview");
  }, 90_000);

  it("aborting during the scale-down delay sends traffic straight back to blue, which never left", async () => {
    await rollOut("undo", { scaleDownDelay: "5m" });
    const paused = await phase("undo", "Paused");
    await request("undo", "promote", paused.deploymentId);
    await phase("undo", "Promoting");
    expect(await weights(HTTP_ROUTE, "undo")).toBe("undo=0,undo-canary=100");
    await request("undo", "abort", paused.deploymentId);
    await phase("undo", "Aborted");
    expect(await weights(HTTP_ROUTE, "undo")).toBe("undo=100,undo-canary=0");
    expect(await imageOf("undo")).toBe("registry.example.com/shop:1");
  }, 90_000);

  it("resumes after an operator restart during the scale-down delay: same rollout, traffic still on green", async () => {
    await rollOut("phoenix", { previewHostname: `phoenix.${granted}`, scaleDownDelay: "6s" });
    const paused = await phase("phoenix", "Paused");
    await request("phoenix", "promote", paused.deploymentId);
    await phase("phoenix", "Promoting");
    expect(await weights(HTTP_ROUTE, "phoenix")).toBe("phoenix=0,phoenix-canary=100");
    const restartedAt = Date.now();
    await bed.operator.stop();
    bed.operator = await startTestOperator(shard);
    client = bed.operator.client;
    const seen: string[] = [];
    const done = await eventually(
      "phoenix completed after the restart",
      async () => {
        const w = await weights(HTTP_ROUTE, "phoenix");
        if (seen.at(-1) !== w) seen.push(w);
        const r = (await status("phoenix")).rollout;
        return r?.phase === "Completed" ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // Never back on blue before the stable Deployment took the new version, and never started again.
    expect(seen).toEqual(["phoenix=0,phoenix-canary=100", "phoenix=100,phoenix-canary=0"]);
    expect(done.deploymentId).toBe(paused.deploymentId);
    expect(await imageOf("phoenix")).toBe("registry.example.com/shop:2");
    const events = await kube.core.listNamespacedEvent({ namespace: ns });
    const started = events.items.filter((e) => e.reason === "RolloutStarted" && e.involvedObject.name === "phoenix");
    // Started once, before the restart (the operator awaits its own status writes in its cache, so an older copy of
    // the App cannot start it again).
    expect(started.map((e) => [e.message?.includes(paused.deploymentId), e.count ?? 1])).toEqual([[true, 1]]);
    const last = started[0]?.lastTimestamp ?? started[0]?.firstTimestamp;
    expect(last ? last.getTime() : Number.POSITIVE_INFINITY).toBeLessThanOrEqual(restartedAt);
    await gone(HTTP_ROUTE, "phoenix-preview");
  }, 120_000);

  it("serves no preview route on a hostname the tenant was not granted, and says so", async () => {
    const settings = { previewHostname: "stray.example.net" };
    await kube.apply(app("stray", "registry.example.com/shop:1", settings));
    // A refused hostname is the user's to fix, so the App is not Ready (as for its main routes' hostnames).
    const refused = await eventually("stray's refusal", async () =>
      (await status("stray")).conditions?.find((c) => c.message.includes("stray.example.net")),
    );
    expect(refused).toMatchObject({ status: "False" });
    expect(refused.message).toContain("not inside a domain granted to tenant");
    await eventually("stray's stable Deployment", async () => client.find(DEPLOYMENT, ns, "stray"));
    await kube.apply(app("stray", "registry.example.com/shop:2", settings));
    await phase("stray", "Paused");
    expect(await weights(HTTP_ROUTE, "stray")).toBe("stray=100,stray-canary=0");
    expect(await client.find(HTTP_ROUTE, ns, "stray-preview")).toBeUndefined();
  }, 90_000);
});
