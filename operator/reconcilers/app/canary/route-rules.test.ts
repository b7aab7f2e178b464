import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../../kube/types.ts";
import { keepForeignRules } from "./route-rules.ts";

const route = (rules: unknown[]): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "shop", namespace: "acme-prod" },
  spec: { hostnames: ["shop.example.com"], rules },
});

const locoRule = (stable: number, canary: number) => ({
  matches: [{ path: { type: "PathPrefix", value: "/" } }],
  backendRefs: [
    { group: "", kind: "Service", name: "shop", port: 8080, weight: stable },
    { group: "", kind: "Service", name: "shop-canary", port: 8080, weight: canary },
  ],
});
const foreignRule = {
  matches: [{ path: { type: "PathPrefix", value: "/legacy" } }],
  backendRefs: [{ name: "legacy", port: 80 }],
};
const header = { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-team", value: "a" }] } };

describe("keepForeignRules", () => {
  it("adds only the live resourceVersion (a conditional write) when the live route has only loco's rule", () => {
    const desired = route([locoRule(90, 10)]);
    const live = route([locoRule(100, 0)]);
    live.metadata.resourceVersion = "42";
    expect(keepForeignRules(desired, live, "shop")).toEqual({
      ...desired,
      metadata: { ...desired.metadata, resourceVersion: "42" },
    });
    expect(keepForeignRules(desired, undefined, "shop")).toBe(desired);
  });

  it("keeps others' rules after loco's and the filters others put on loco's rule, with loco's new weights", () => {
    const live = route([{ ...locoRule(100, 0), filters: [header] }, foreignRule]);
    const merged = keepForeignRules(route([locoRule(50, 50)]), live, "shop");
    expect((merged?.spec as { rules?: unknown[] } | undefined)?.rules).toEqual([
      { filters: [header], ...locoRule(50, 50) },
      foreignRule,
    ]);
  });

  it("treats the testers' rule to the canary Service as loco's: dropped when loco no longer wants it, not carried", () => {
    const testers = {
      matches: [
        { path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "x-canary", value: "1" }] },
      ],
      backendRefs: [{ group: "", kind: "Service", name: "shop-canary", port: 8080, weight: 1 }],
    };
    const live = route([locoRule(90, 10), testers, foreignRule]);
    const merged = keepForeignRules(route([locoRule(100, 0)]), live, "shop", "shop-canary");
    expect((merged?.spec as { rules?: unknown[] } | undefined)?.rules).toEqual([locoRule(100, 0), foreignRule]);
    const kept = keepForeignRules(route([locoRule(50, 50), testers]), live, "shop", "shop-canary");
    expect((kept?.spec as { rules?: unknown[] } | undefined)?.rules).toEqual([locoRule(50, 50), testers, foreignRule]);
  });
});
