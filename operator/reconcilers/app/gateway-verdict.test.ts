import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../kube/types.ts";
import { type AppliedRoute, gatewayVerdict, withoutForeignNames } from "./gateway-verdict.ts";

const gateway = { namespace: "gw", name: "public" };
type Cond = { type: string; status: string; reason?: string; message?: string; observedGeneration?: number };

function gatewayObject(accepted: string | undefined): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: "gw" },
    status: accepted
      ? { conditions: [{ type: "Accepted", status: accepted, reason: "Why", message: "Because." }] }
      : {},
  };
}

function route(parents: { ref?: Record<string, string>; conditions: Cond[] }[], generation = 2): AppliedRoute {
  return {
    kind: "HTTPRoute",
    route: {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "web", namespace: "acme-prod", generation },
      status: {
        parents: parents.map((p) => ({
          parentRef: p.ref ?? { name: "public", namespace: "gw" },
          controllerName: "example.com/gateway",
          conditions: p.conditions,
        })),
      },
    },
  };
}

const accepted: Cond = { type: "Accepted", status: "True", reason: "Accepted", observedGeneration: 2 };
const resolved: Cond = { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs", observedGeneration: 2 };

describe("gatewayVerdict", () => {
  it("does not wait when no controller serves the gateway (its Accepted is the CRD default Unknown, or it is missing)", () => {
    expect(gatewayVerdict(gateway, gatewayObject("Unknown"), [route([])], "acme-prod")).toEqual({ kind: "Unattended" });
    expect(gatewayVerdict(gateway, undefined, [route([])], "acme-prod")).toEqual({ kind: "Unattended" });
  });

  it("waits for a controller that serves the gateway but has not judged the route's current generation", () => {
    expect(gatewayVerdict(gateway, gatewayObject("True"), [route([])], "acme-prod")).toMatchObject({
      kind: "Waiting",
      message: "Waiting for gateway gw/public to accept HTTPRoute web.",
    });
    const stale = route([{ conditions: [{ ...accepted, observedGeneration: 1 }] }]);
    expect(gatewayVerdict(gateway, gatewayObject("True"), [stale], "acme-prod").kind).toBe("Waiting");
  });

  it("is Accepted when the entry for this gateway accepts the route, and ignores other parents' entries", () => {
    const other = { ref: { name: "internal", namespace: "gw" }, conditions: [{ ...accepted, status: "False" }] };
    const verdict = gatewayVerdict(
      gateway,
      gatewayObject("True"),
      [route([other, { conditions: [accepted, resolved] }])],
      "acme-prod",
    );
    expect(verdict).toEqual({ kind: "Accepted" });
  });

  it("reports a verdict a controller wrote even when the gateway shows no controller", () => {
    const refused = route([{ conditions: [{ ...accepted, status: "False", reason: "NotAllowedByListeners" }] }]);
    expect(gatewayVerdict(gateway, undefined, [refused], "acme-prod")).toMatchObject({
      kind: "Refused",
      reason: "RouteNotAccepted",
    });
  });

  it("refuses with the controller's reason and message, not-accepted before unresolved references", () => {
    const both = route([
      {
        conditions: [
          { ...resolved, status: "False", reason: "BackendNotFound", message: "Service acme-prod/web-x not found" },
          { ...accepted, status: "False", reason: "NoMatchingListenerHostname", message: "No listener matches." },
        ],
      },
    ]);
    expect(gatewayVerdict(gateway, gatewayObject("True"), [both], "acme-prod")).toEqual({
      kind: "Refused",
      reason: "RouteNotAccepted",
      message:
        "Gateway gw/public did not accept HTTPRoute web (NoMatchingListenerHostname: No listener matches.); its hostnames are not served: check them in spec.routes, or ask the platform admin whether the gateway's listeners allow them.",
    });
    const unresolved = route([
      { conditions: [accepted, { ...resolved, status: "False", reason: "BackendNotFound", message: "gone" }] },
    ]);
    expect(gatewayVerdict(gateway, gatewayObject("True"), [unresolved], "acme-prod")).toMatchObject({
      kind: "Refused",
      reason: "RouteRefsNotResolved",
    });
  });

  it("refuses every route when the controller refused the Gateway itself", () => {
    expect(gatewayVerdict(gateway, gatewayObject("False"), [route([])], "acme-prod")).toMatchObject({
      kind: "Refused",
      reason: "GatewayNotAccepted",
    });
  });

  it("keeps other namespaces' object names out of a controller's message", () => {
    const conflict = route([
      {
        conditions: [
          { ...accepted, status: "False", reason: "Conflicted", message: "hostname also used by globex-prod/shop" },
        ],
      },
    ]);
    const verdict = gatewayVerdict(gateway, gatewayObject("True"), [conflict], "acme-prod");
    expect(verdict.kind === "Refused" && verdict.message).toContain("also used by another namespace's object");
    expect(JSON.stringify(verdict)).not.toContain("globex");
  });
});

describe("withoutForeignNames", () => {
  it("keeps the App's own and the gateway's namespace, API versions and paths", () => {
    expect(
      withoutForeignNames("acme-prod/web and gw/public, other/thing, gateway.networking.k8s.io/v1 at /healthz", [
        "acme-prod",
        "gw",
      ]),
    ).toBe("acme-prod/web and gw/public, another namespace's object, gateway.networking.k8s.io/v1 at /healthz");
  });
});
