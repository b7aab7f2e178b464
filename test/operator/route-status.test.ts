// The Gateway's verdict reaches the App, against the real control plane. No Gateway controller runs here, so this
// test plays one: it writes the Gateway's and the routes' status through their status subresources, exactly as a
// controller such as Envoy Gateway does, and checks the App's RoutesReady. Without a controller (the Gateway still
// in its CRD-default "Waiting for controller" state) nothing is awaited: Apps are Routed as soon as routes exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { GATEWAY, GRPC_ROUTE, HTTP_ROUTE } from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

type Condition = { type: string; status: string; reason: string; message: string };

const CONTROLLER = "gateway.example.com/test-controller";
const CONTROLLER_MANAGER = "test-gateway-controller";
const shard = newShard();
const tenant = `routes${shard}`;
const profileName = `routes-${shard}`;
const gatewayNs = `gw-routes-${shard}`;
const labels = { [SHARD_LABEL]: shard };

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;

function app(name: string, protocol: "HTTP" | "GRPC", routes?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace: ns, labels },
    spec: {
      profile: profileName,
      image: "registry.example.com/web:1",
      replicas: 0,
      ports: [{ name: protocol.toLowerCase(), port: 8080, protocol }],
      ...(routes ? { routes } : {}),
    },
  };
}

const routesReady = async (name: string) =>
  ((await client.find(APP, ns, name))?.status as { conditions?: Condition[] } | undefined)?.conditions?.find(
    (c) => c.type === "RoutesReady",
  );

function routesReadyWith(name: string, reason: string, status: string): Promise<Condition> {
  return eventually(`${ns}/${name} RoutesReady ${status} ${reason}`, async () => {
    const condition = await routesReady(name);
    return condition?.reason === reason && condition.status === status ? condition : undefined;
  });
}

const readyOf = async (name: string) =>
  ((await client.find(APP, ns, name))?.status as { conditions?: Condition[] } | undefined)?.conditions?.find(
    (c) => c.type === "Ready",
  );

const condition = (type: string, status: string, reason: string, message: string, observedGeneration: number) => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
});

/** What a Gateway controller writes when it takes (or refuses) the Gateway. */
async function writeGatewayStatus(accepted: "True" | "False", reason: string, message: string): Promise<void> {
  const gateway = await client.get(GATEWAY, gatewayNs, "public");
  await client.apply(
    GATEWAY,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: gatewayNs },
      status: {
        conditions: [
          condition("Accepted", accepted, reason, message, gateway.metadata.generation ?? 1),
          condition("Programmed", accepted, reason, message, gateway.metadata.generation ?? 1),
        ],
      },
    },
    CONTROLLER_MANAGER,
    "status",
  );
}

/** What a Gateway controller writes on a route it has judged, for the route's current generation. */
async function writeRouteStatus(
  resource: ResourceType,
  name: string,
  verdict: { accepted: [string, string, string]; resolved: [string, string, string] },
): Promise<void> {
  const route = await client.get(resource, ns, name);
  const generation = route.metadata.generation ?? 1;
  await client.apply(
    resource,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: resource.kind,
      metadata: { name, namespace: ns },
      status: {
        parents: [
          {
            parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: gatewayNs },
            controllerName: CONTROLLER,
            conditions: [
              condition("Accepted", ...verdict.accepted, generation),
              condition("ResolvedRefs", ...verdict.resolved, generation),
            ],
          },
        ],
      },
    },
    CONTROLLER_MANAGER,
    "status",
  );
}

const ACCEPTED = {
  accepted: ["True", "Accepted", "Route is accepted"],
  resolved: ["True", "ResolvedRefs", "Resolved all the Object references for the Route"],
} satisfies Parameters<typeof writeRouteStatus>[2];

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("routes");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: tenant }],
  });
  await kube.core.createNamespace({ body: { metadata: { name: gatewayNs, labels: { "loco.dev/test": "true" } } } });
  await kube.apply({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: gatewayNs },
    spec: {
      gatewayClassName: "envoy",
      listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
    },
  });
  await kube.apply({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name: profileName, labels },
    spec: {
      baseDomain: `routes-${shard}.example.com`,
      gateway: { name: "public", namespace: gatewayNs },
      domainGrants: [{ tenant, domains: [`${tenant}.example.org`] }],
    },
  });
  operator = await startTestOperator(shard);
  client = operator.client;
});

afterAll(async () => {
  await operator?.stop();
  await kube.core.deleteNamespace({ name: gatewayNs }).catch(() => {});
  await kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: profileName } })
    .catch(() => {});
  await kube.cleanup();
});

// One sequence: the gateway's controller state is shared by every App of the Profile.
describe("route status from the gateway", () => {
  it("waits for nobody while no controller has taken the Gateway (as on the local platform)", async () => {
    const gateway = await client.get(GATEWAY, gatewayNs, "public");
    // The CRD's own default: a Gateway no controller has seen.
    expect((gateway.status as { conditions?: Condition[] }).conditions?.[0]).toMatchObject({
      type: "Accepted",
      status: "Unknown",
      reason: "Pending",
    });
    await kube.apply(app("web", "HTTP"));
    const routed = await routesReadyWith("web", "Routed", "True");
    expect(routed.message).toBe(
      `Routed web-${tenant}.routes-${shard}.example.com through gateway ${gatewayNs}/public.`,
    );
    await eventually("web Ready", async () => ((await readyOf("web"))?.status === "True" ? true : undefined));
  });

  it("waits for the verdict once a controller takes the Gateway, and says Routed when it accepts the route", async () => {
    await writeGatewayStatus("True", "Accepted", "The Gateway has been scheduled");
    const waiting = await routesReadyWith("web", "WaitingForGateway", "Unknown");
    expect(waiting.message).toBe(`Waiting for gateway ${gatewayNs}/public to accept HTTPRoute web.`);
    expect((await readyOf("web"))?.status).toBe("Unknown");

    await writeRouteStatus(HTTP_ROUTE, "web", ACCEPTED);
    const routed = await routesReadyWith("web", "Routed", "True");
    expect(routed.message).toContain("which accepted the routes");
    await eventually("web Ready again", async () => ((await readyOf("web"))?.status === "True" ? true : undefined));
  });

  it("reports the gateway's refusal with its reason and message, and no other tenant's names", async () => {
    await writeRouteStatus(HTTP_ROUTE, "web", {
      accepted: ["False", "NotAllowedByListeners", "No listener allows this route; globexq1-prod/shop holds it"],
      resolved: ["True", "ResolvedRefs", "Resolved all the Object references for the Route"],
    });
    const refused = await routesReadyWith("web", "RouteNotAccepted", "False");
    expect(refused.message).toContain(
      `Gateway ${gatewayNs}/public did not accept HTTPRoute web (NotAllowedByListeners:`,
    );
    expect(refused.message).not.toContain("globexq1");
    const ready = await eventually("web not Ready", async () => {
      const r = await readyOf("web");
      return r?.status === "False" ? r : undefined;
    });
    expect(ready.reason).toBe("RouteNotAccepted");

    await writeRouteStatus(HTTP_ROUTE, "web", {
      accepted: ["True", "Accepted", "Route is accepted"],
      resolved: ["False", "BackendNotFound", `Service ${ns}/web not found`],
    });
    const unresolved = await routesReadyWith("web", "RouteRefsNotResolved", "False");
    expect(unresolved.message).toContain(`(BackendNotFound: Service ${ns}/web not found)`);
  });

  it("treats a verdict on an older generation of the route as no verdict: a changed route waits again", async () => {
    await writeRouteStatus(HTTP_ROUTE, "web", ACCEPTED);
    await routesReadyWith("web", "Routed", "True");
    // New hostnames: the operator changes the route's spec, so the controller's verdict is about the old one.
    await kube.apply(app("web", "HTTP", { http: { hostnames: [`shop.${tenant}.example.org`] } }));
    await routesReadyWith("web", "WaitingForGateway", "Unknown");
    await writeRouteStatus(HTTP_ROUTE, "web", ACCEPTED);
    await routesReadyWith("web", "Routed", "True");
  });

  it("reads a GRPCRoute's status the same way", async () => {
    await kube.apply(app("api", "GRPC"));
    await routesReadyWith("api", "WaitingForGateway", "Unknown");
    await writeRouteStatus(GRPC_ROUTE, "api", {
      accepted: ["True", "Accepted", "Route is accepted"],
      resolved: ["False", "InvalidKind", "Backend kind is not supported"],
    });
    const unresolved = await routesReadyWith("api", "RouteRefsNotResolved", "False");
    expect(unresolved.message).toContain("GRPCRoute api (InvalidKind: Backend kind is not supported)");
    await writeRouteStatus(GRPC_ROUTE, "api", ACCEPTED);
    await routesReadyWith("api", "Routed", "True");
  });

  it("refuses every App's routes when the controller refuses the Gateway itself", async () => {
    await writeGatewayStatus("False", "InvalidParameters", "The GatewayClass parameters are invalid");
    const web = await routesReadyWith("web", "GatewayNotAccepted", "False");
    expect(web.message).toContain(`Gateway ${gatewayNs}/public is not accepted by its controller (InvalidParameters:`);
    await routesReadyWith("api", "GatewayNotAccepted", "False");
  });
});
