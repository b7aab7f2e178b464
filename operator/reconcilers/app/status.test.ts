import { describe, expect, it } from "vitest";
import type { Condition } from "../../runtime/conditions.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import {
  AppCondition,
  markAppReady,
  markDeployment,
  markDeploymentNotOwned,
  markLimitViolated,
  markNoDefaultHostname,
  markNoRoutes,
  markPaused,
  markProfileNotFound,
  markProfileResolved,
  markRouteConflict,
  markRouted,
  markRoutesNotOwned,
} from "./status.ts";

const stamp: ConditionStamp = { generation: 3, now: "2026-12-05T10:00:00.000Z" };
type Mark = (c: Condition[]) => Condition[];

const resolved: Mark = (c) => markProfileResolved(c, stamp, "standard");
const available: Mark = (c) =>
  markDeployment(
    c,
    stamp,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    },
    "01J",
  );
const routed: Mark = (c) => markRouted(c, stamp, ["web.example.com"], { namespace: "gw", name: "public" });

describe("App condition set", () => {
  it.each<[string, Mark[], "True" | "False" | "Unknown", string]>([
    ["nothing marked yet", [], "Unknown", "Pending"],
    ["profile, deployment and routes ready", [resolved, available, routed], "True", "Available"],
    ["no ports to route", [resolved, available, (c) => markNoRoutes(c, stamp)], "True", "Available"],
    ["paused", [resolved, (c) => markPaused(c, stamp), routed], "Unknown", "Paused"],
    ["profile missing", [(c) => markProfileNotFound(c, stamp, "gold", ["standard"])], "False", "ProfileNotFound"],
    [
      "over the profile's limits",
      [resolved, (c) => markLimitViolated(c, stamp, { reason: "LimitExceeded", message: "Too many replicas." })],
      "False",
      "LimitExceeded",
    ],
    ["deployment not owned", [resolved, (c) => markDeploymentNotOwned(c, stamp, "web"), routed], "False", "NotOwned"],
    [
      "deployment rolling out",
      [resolved, (c) => markDeployment(c, stamp, undefined, "01J"), routed],
      "Unknown",
      "Progressing",
    ],
    [
      "no default hostname",
      [resolved, available, (c) => markNoDefaultHostname(c, stamp, "http")],
      "False",
      "NoDefaultHostname",
    ],
    [
      "route conflict",
      [
        resolved,
        available,
        (c) =>
          markRouteConflict(c, stamp, [
            { claim: { protocol: "http", host: "web.example.com", service: "*" }, ownApp: undefined },
          ]),
      ],
      "False",
      "RouteConflict",
    ],
    [
      "route not owned",
      [resolved, available, (c) => markRoutesNotOwned(c, stamp, ["HTTPRoute web"])],
      "False",
      "NotOwned",
    ],
    // The first False dependent decides, in the order ProfileResolved, DeploymentReady, RoutesReady.
    [
      "deployment failure before route failure",
      [resolved, (c) => markDeploymentNotOwned(c, stamp, "web"), (c) => markNoDefaultHostname(c, stamp, "http")],
      "False",
      "NotOwned",
    ],
  ])("%s → Ready %s (%s)", (_name, marks, status, reason) => {
    const marked = marks.reduce<Condition[]>((c, m) => m(c), []);
    const { conditions, ready } = markAppReady(marked, stamp);
    expect(ready).toMatchObject({ type: AppCondition.Ready, status, reason });
    expect(conditions.find((c) => c.type === AppCondition.Ready)).toMatchObject({
      status,
      reason,
      observedGeneration: 3,
    });
  });

  it("keeps lastTransitionTime when a mark does not change the status", () => {
    const first = markRouted([], stamp, ["a.example.com"], { namespace: "gw", name: "public" });
    const later = markRouted(first, { generation: 4, now: "2026-12-05T11:00:00.000Z" }, ["b.example.com"], {
      namespace: "gw",
      name: "public",
    });
    expect(later[0]).toMatchObject({ lastTransitionTime: stamp.now, observedGeneration: 4 });
    expect(later[0]?.message).toContain("b.example.com");
  });

  it("names the holder of a conflict only when it is one of the tenant's own Apps", () => {
    const [own] = markRouteConflict([], stamp, [
      { claim: { protocol: "grpc", host: "api.example.com", service: "shop.Cart" }, ownApp: "acme-prod/cart" },
    ]);
    expect(own?.message).toBe(
      "api.example.com (shop.Cart) is already served by your App acme-prod/cart; choose another hostname in spec.routes.",
    );
    const [foreign] = markRouteConflict([], stamp, [
      { claim: { protocol: "http", host: "shop.example.com", service: "*" }, ownApp: undefined },
    ]);
    expect(foreign?.message).toBe(
      "shop.example.com is already taken by another tenant; choose another hostname in spec.routes.",
    );
  });
});
