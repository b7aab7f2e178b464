// Header routing of testers to a canary (ADR 0010), against the real control plane: while a rollout is in flight the
// App's HTTPRoute or GRPCRoute carries a second rule of loco's, matching the testers' header, that sends those
// requests all to the canary Service; the rule goes when the rollout ends. Others' rules and filters survive. There
// is no data plane here, so what is verified is the route objects the apiserver accepted.
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../kube/kube-client.ts";
import { GRPC_ROUTE, HTTP_ROUTE } from "../../kube/resources.ts";
import type { ResourceType } from "../../kube/types.ts";
import { eventually, type TestKube } from "../support/kube.ts";
import { type RolloutBed, rolloutApp, rolloutTestWorld, startRolloutBed } from "../support/rollout-bed.ts";
import { type RolloutView as Rollout, rolloutWorld, TEAM_FILTER, TEAM_RULE } from "../support/rollout-world.ts";

type Rule = {
  matches?: Record<string, unknown>[];
  filters?: unknown[];
  backendRefs?: { name: string; weight?: number }[];
};

const { shard, world } = rolloutTestWorld("testers");
const headerRoute = { name: "x-canary", value: "always" };
const header = { type: "Exact", ...headerRoute };

let bed: RolloutBed;
let kube: TestKube;
let client: KubeClient;
let ns: string;

const app = (name: string, image: string, protocol: "HTTP" | "GRPC", routes?: unknown) =>
  rolloutApp(world, ns, {
    name,
    image,
    protocol,
    routes,
    rollout: { strategy: "canary", steps: [{ setWeight: 10 }, { pause: {} }], headerRoute },
  });

const rulesOf = async (resource: ResourceType, name: string) =>
  ((await client.get(resource, ns, name)).spec as { rules: Rule[] }).rules;

const { phase, ready, request, addTeamRule } = rolloutWorld(() => ({ client, ns }));

/** Creates the App at :1, waits until Ready, deploys :2 and waits for the canary to pause at 10%. */
async function pausedCanary(name: string, protocol: "HTTP" | "GRPC", routes?: unknown): Promise<Rollout> {
  await kube.apply(app(name, "registry.example.com/shop:1", protocol, routes));
  await ready(name);
  await kube.apply(app(name, "registry.example.com/shop:2", protocol, routes));
  return phase(name, "Paused");
}

beforeAll(async () => {
  bed = await startRolloutBed({ shard, world });
  ({ kube, ns, client } = bed);
}, 120_000);

afterAll(() => bed?.stop());

describe("header routing of testers to the canary", () => {
  it("adds an HTTPRoute rule for the header during the rollout, keeps others' rule and filter, and drops it on promotion", async () => {
    const paths = { http: { pathPrefixes: ["/api", "/admin"] } };
    await kube.apply(app("tester", "registry.example.com/shop:1", "HTTP", paths));
    await eventually(
      "tester route",
      async () => (await client.get(HTTP_ROUTE, ns, "tester").catch(() => undefined)) ?? undefined,
    );
    // Another tool's rule and its filter on loco's rule, under its own field manager.
    await addTeamRule("tester");
    const filter = TEAM_FILTER;
    const foreign = TEAM_RULE;
    const paused = await pausedCanary("tester", "HTTP", paths);
    const during = await eventually("tester's testers rule", async () => {
      const rules = await rulesOf(HTTP_ROUTE, "tester");
      return rules.length === 3 ? rules : undefined;
    });
    expect(during[0]?.backendRefs?.map((r) => `${r.name}=${r.weight}`)).toEqual(["tester=90", "tester-canary=10"]);
    expect(during[0]?.filters).toEqual([filter]);
    expect(during[1]).toMatchObject({
      matches: [
        { path: { type: "PathPrefix", value: "/api" }, headers: [header] },
        { path: { type: "PathPrefix", value: "/admin" }, headers: [header] },
      ],
      backendRefs: [{ name: "tester-canary", port: 8080, weight: 1 }],
    });
    expect(during[2]).toMatchObject(foreign);

    await request("tester", "promote", paused.deploymentId);
    await phase("tester", "Completed");
    const after = await eventually("tester's testers rule gone", async () => {
      const rules = await rulesOf(HTTP_ROUTE, "tester");
      return rules.length === 2 ? rules : undefined;
    });
    expect(after[0]?.backendRefs?.map((r) => `${r.name}=${r.weight}`)).toEqual(["tester=100", "tester-canary=0"]);
    expect(isDeepStrictEqual(after[0]?.filters, [filter])).toBe(true);
    expect(after[1]).toMatchObject(foreign);
    expect(JSON.stringify(after)).not.toContain("x-canary");
  }, 120_000);

  it("adds a GRPCRoute header rule per service during the rollout and drops it on abort", async () => {
    const services = { grpc: { services: ["shop.v1.Cart", "shop.v1.Orders"] } };
    const paused = await pausedCanary("grtester", "GRPC", services);
    const during = await eventually("grtester's testers rule", async () => {
      const rules = await rulesOf(GRPC_ROUTE, "grtester");
      return rules.length === 2 ? rules : undefined;
    });
    expect(during[1]).toMatchObject({
      matches: [
        { method: { type: "Exact", service: "shop.v1.Cart" }, headers: [header] },
        { method: { type: "Exact", service: "shop.v1.Orders" }, headers: [header] },
      ],
      backendRefs: [{ name: "grtester-canary", port: 8080, weight: 1 }],
    });
    await request("grtester", "abort", paused.deploymentId);
    await phase("grtester", "Aborted");
    const after = await eventually("grtester's testers rule gone", async () => {
      const rules = await rulesOf(GRPC_ROUTE, "grtester");
      return rules.length === 1 ? rules : undefined;
    });
    expect(after[0]?.backendRefs?.map((r) => `${r.name}=${r.weight}`)).toEqual(["grtester=100", "grtester-canary=0"]);
  }, 90_000);
});
