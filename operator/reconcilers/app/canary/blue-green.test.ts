// Blue-green's pure pieces (ADR 0012): the steps it walks on the canary machine and its preview route.
import { describe, expect, it } from "vitest";
import { RolloutSpec, rolloutSteps } from "../../../../crds/app-rollout.ts";
import type { KubeObject } from "../../../../kube/types.ts";
import { desiredPreviewRoute } from "./canary-desired.ts";

describe("rolloutSteps", () => {
  const steps = (input: unknown) => rolloutSteps(RolloutSpec.parse(input));
  it("waits for a promotion by default, after green is up and its analysis passed", () => {
    expect(steps({ strategy: "blueGreen" })).toEqual([{ setWeight: 0 }, { pause: {} }]);
    const analysed = steps({ strategy: "blueGreen", blueGreen: { analysis: { successRate: { minPercent: 99 } } } });
    expect(analysed.map((s) => Object.keys(s)[0])).toEqual(["setWeight", "analysis", "pause"]);
    expect(analysed[2]).toEqual({ pause: {} });
  });
  it("promotes by itself after autoPromoteAfter, and leaves a canary's steps as they are", () => {
    expect(steps({ strategy: "blueGreen", blueGreen: { autoPromoteAfter: "0s" } }).at(-1)).toEqual({
      pause: { duration: "0s" },
    });
    expect(steps({ strategy: "canary", steps: [{ setWeight: 10 }] })).toEqual([{ setWeight: 10 }]);
    expect(steps({})).toEqual([]);
  });
});

describe("desiredPreviewRoute", () => {
  const main: KubeObject = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "shop", namespace: "acme-prod", labels: { "loco.dev/app": "shop" } },
    spec: {
      parentRefs: [{ name: "public" }],
      hostnames: ["shop-acme.apps.example.com"],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/api" } }],
          backendRefs: [
            { group: "", kind: "Service", name: "shop", port: 8080, weight: 100 },
            { group: "", kind: "Service", name: "shop-canary", port: 8080, weight: 0 },
          ],
        },
        { matches: [{ headers: [{ name: "x" }] }], backendRefs: [{ name: "shop-canary", port: 8080, weight: 1 }] },
      ],
    },
  };
  it("serves only the preview hostname, with the main rule's matches, all to green", () => {
    expect(desiredPreviewRoute(main, "shop", "next.shop.example.com")).toEqual({
      ...main,
      metadata: { ...main.metadata, name: "shop-preview" },
      spec: {
        parentRefs: [{ name: "public" }],
        hostnames: ["next.shop.example.com"],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/api" } }],
            backendRefs: [{ group: "", kind: "Service", name: "shop-canary", port: 8080, weight: 1 }],
          },
        ],
      },
    });
    expect(desiredPreviewRoute(undefined, "shop", "next.shop.example.com")).toBeUndefined();
  });
});
