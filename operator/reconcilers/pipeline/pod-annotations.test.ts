import { describe, expect, it } from "vitest";
import { podAnnotationPattern } from "../../../crds/profile.ts";
import { annotationAllowed, policyForNamespace } from "./pod-annotations.ts";

describe("annotationAllowed", () => {
  it("matches exact keys and prefixes ending in *, nothing else", () => {
    const patterns = ["sidecar.istio.io/inject", "example.com/trace-*", "loco.dev/*"];
    expect(annotationAllowed("sidecar.istio.io/inject", patterns)).toBe(true);
    expect(annotationAllowed("sidecar.istio.io/injectx", patterns)).toBe(false);
    expect(annotationAllowed("example.com/trace-id", patterns)).toBe(true);
    expect(annotationAllowed("example.com/trace", patterns)).toBe(false);
    expect(annotationAllowed("loco.dev/test-hold", patterns)).toBe(true);
    expect(annotationAllowed("k8s.v1.cni.cncf.io/networks", patterns)).toBe(false);
    expect(annotationAllowed("anything", [])).toBe(false);
    // A lone * (which the schema refuses) allows nothing rather than everything.
    expect(annotationAllowed("k8s.v1.cni.cncf.io/networks", ["*"])).toBe(false);
  });
});

describe("podAnnotationPattern", () => {
  it("takes annotation keys and prefixes, and refuses a lone *", () => {
    for (const ok of ["sidecar.istio.io/inject", "sidecar.istio.io/*", "example.com/trace-*", "plain", "plain-*"]) {
      expect(podAnnotationPattern().safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["*", "", "*/x", "Example.com/x", "a/b/*x", "with space"]) {
      expect(podAnnotationPattern().safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("policyForNamespace", () => {
  const cache = (objects: Record<string, unknown>) => ({
    get: (key: string) => objects[key] as never,
  });
  it("combines the operator's patterns with those of the Profile the namespace's label names", () => {
    const policy = policyForNamespace(
      "acme-prod",
      {
        namespaces: cache({ "acme-prod": { metadata: { labels: { "loco.dev/profile": "prod" } } } }),
        profiles: cache({
          prod: { metadata: { name: "prod" }, spec: { runs: { allowedPodAnnotations: ["a.io/*"] } } },
        }),
      },
      ["b.io/x"],
    );
    expect(policy).toEqual({ allowed: ["b.io/x", "a.io/*"], profile: "prod", profileFound: true });
    expect(policyForNamespace("loose", { namespaces: cache({}), profiles: cache({}) }, [])).toEqual({
      allowed: [],
      profile: undefined,
      profileFound: false,
    });
  });
});
