// The App operator against a real control plane: kube-apiserver decides validation and SSA merges,
// kube-controller-manager runs Deployments and garbage collection, kube-scheduler + kwok run the pods.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, PROFILE } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import {
  BACKEND_TRAFFIC_POLICY,
  DEPLOYMENT,
  GRPC_ROUTE,
  HPA,
  HTTP_ROUTE,
  RESOURCE_QUOTA,
  SECRET,
  SERVICE,
} from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

type Condition = { type: string; status: string; reason: string; message: string };
type AppStatus = {
  conditions?: Condition[];
  deploymentId?: string;
  url?: string;
  urls?: string[];
  readyReplicas?: number;
  observedGeneration?: number;
};

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;
let otherNs: string;
const shard = newShard();
const profileName = `web-${shard}`;
const gatewayNs = `gw-${shard}`;

const labels = { [SHARD_LABEL]: shard };

function app(name: string, spec: Record<string, unknown>, namespace = ns): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace, labels },
    spec: { profile: profileName, ...spec },
  };
}

const get = (resource: ResourceType, name: string, namespace: string | undefined = ns) =>
  client.find(resource, namespace, name);
const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status as AppStatus | undefined)?.conditions ?? []).find((c) => c.type === type);

async function appWhen(
  name: string,
  predicate: (status: AppStatus) => boolean,
  what: string,
  namespace = ns,
  timeoutMs = 90_000,
): Promise<KubeObject> {
  return eventually(
    `${namespace}/${name}: ${what}`,
    async () => {
      const live = await get(APP, name, namespace);
      return live && predicate((live.status ?? {}) as AppStatus) ? live : undefined;
    },
    { timeoutMs },
  );
}

const isReady = (s: AppStatus) => s.conditions?.find((c) => c.type === "Ready")?.status === "True";
const hasReason = (type: string, reason: string) => (s: AppStatus) =>
  s.conditions?.find((c) => c.type === type)?.reason === reason;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("app");
  otherNs = await kube.namespace("app-other");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" }],
  });
  await kube.core.patchNamespace({
    name: otherNs,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "globex" }],
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
      baseDomain: "apps.example.com",
      gateway: { name: "public", namespace: gatewayNs },
      defaults: { cpu: "100m", memory: "128Mi", replicas: 1, idleTimeout: "120s" },
      limits: { maxCpu: "64", maxMemory: "8Gi", maxReplicas: 20 },
      env: [{ name: "REGION", value: "eu-1" }],
      telemetry: { tracingEndpoint: "http://otel.observability:4318" },
      // Custom hostnames need a grant; both tenants get one over the same name, so that the claim decides.
      domainGrants: [
        { tenant: "acme", domains: [`store-${shard}.example.com`] },
        { tenant: "globex", domains: [`store-${shard}.example.com`] },
      ],
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

describe("the Profile reconciler", () => {
  it("reports a Profile Ready when its gateway exists", async () => {
    const profile = await eventually("profile Ready", async () => {
      const p = await get(PROFILE, profileName, undefined);
      return condition(p, "Ready")?.status === "True" ? p : undefined;
    });
    expect(condition(profile, "Ready")?.reason).toBe("Available");
    expect((profile.status as { observedGeneration?: number }).observedGeneration).toBe(profile.metadata.generation);
  });

  it("reports GatewayNotFound for a missing gateway", async () => {
    const name = `nogw-${shard}`;
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name, labels },
      spec: { baseDomain: "x.example.com", gateway: { name: "missing", namespace: gatewayNs } },
    });
    try {
      const profile = await eventually("GatewayNotFound", async () => {
        const p = await get(PROFILE, name, undefined);
        return condition(p, "Ready")?.reason === "GatewayNotFound" ? p : undefined;
      });
      expect(condition(profile, "Ready")?.message).toMatch(/missing does not exist/);
    } finally {
      await kube.objects.delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name } });
    }
  });
});

/** The HTTP App most tests below evolve; each step changes only what it names. */
function shopSpec(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    project: "shop",
    ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
    health: { readiness: { http: { path: "/healthz" } } },
    replicas: 2,
    env: [{ name: "LOG_LEVEL", value: "info" }],
    secretEnv: [{ name: "DB_PASSWORD", secretKey: "db-password" }],
    requestTimeout: "30s",
    ...overrides,
  };
}

describe("an HTTP App", () => {
  it("becomes a Deployment, Service, HTTPRoute, traffic policy and Secret, then Ready with a URL and deployment id", async () => {
    await kube.apply(app("shop", shopSpec({ image: "registry.example.com/acme/shop:1.0.0" })));
    const ready = await appWhen("shop", isReady, "Ready");
    const status = ready.status as AppStatus;
    // The Profile's Gateway has one listener, plain HTTP on 80: the URL is what a browser can open there.
    expect(status.url).toBe("http://shop-acme.apps.example.com");
    expect(status.deploymentId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(status.readyReplicas).toBe(2);
    expect(status.observedGeneration).toBe(ready.metadata.generation);

    const deployment = (await get(DEPLOYMENT, "shop"))!;
    const template = (
      deployment.spec as {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            containers: {
              env: { name: string; value?: string; valueFrom?: unknown }[];
              readinessProbe?: unknown;
              resources?: unknown;
            }[];
          };
        };
      }
    ).template;
    expect(template.metadata.annotations["loco.dev/deployment-id"]).toBe(status.deploymentId);
    const env = Object.fromEntries(template.spec.containers[0]!.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      LOCO_APP_NAME: "shop",
      LOCO_APP_VERSION: "1.0.0",
      LOCO_PROFILE: profileName,
      LOCO_TENANT: "acme",
      LOCO_DEPLOYMENT_ID: status.deploymentId,
      LOCO_TRACING_ENDPOINT: "http://otel.observability:4318",
      REGION: "eu-1",
      LOG_LEVEL: "info",
      DB_PASSWORD: { secretKeyRef: { name: "shop-secrets", key: "db-password" } },
    });
    expect(template.spec.containers[0]!.readinessProbe).toMatchObject({ httpGet: { path: "/healthz", port: "http" } });
    expect(template.spec.containers[0]!.resources).toMatchObject({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "128Mi" },
    });
    expect((deployment.spec as { strategy: unknown }).strategy).toMatchObject({ rollingUpdate: { maxUnavailable: 0 } });
    expect(deployment.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "loco",
      "loco.dev/tenant": "acme",
      "loco.dev/app": "shop",
    });
    expect(deployment.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "App", name: "shop", uid: ready.metadata.uid, controller: true }),
    ]);

    const route = (await get(HTTP_ROUTE, "shop"))!;
    expect(route.spec).toMatchObject({
      hostnames: ["shop-acme.apps.example.com"],
      parentRefs: [{ name: "public", namespace: gatewayNs }],
      rules: [{ backendRefs: [{ name: "shop", port: 8080 }] }],
    });
    expect((await get(SERVICE, "shop"))?.spec).toMatchObject({
      ports: [{ name: "http", port: 8080, targetPort: "http" }],
      selector: { "loco.dev/app": "shop" },
    });
    expect((await get(BACKEND_TRAFFIC_POLICY, "shop"))?.spec).toMatchObject({
      timeout: { http: { requestTimeout: "30s", connectionIdleTimeout: "120s" } },
    });
    expect(await get(SECRET, "shop-secrets")).toBeDefined();
    expect(await get(HPA, "shop")).toBeUndefined();
  });

  it("takes its URL's scheme and port from the Gateway's listener, and follows a change of listeners", async () => {
    const gatewayWith = (listeners: Record<string, unknown>[]) =>
      kube.apply({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "public", namespace: gatewayNs },
        spec: { gatewayClassName: "envoy", listeners },
      });
    const http = { name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } };
    const https = {
      name: "https",
      port: 8443,
      protocol: "HTTPS",
      tls: { mode: "Terminate", certificateRefs: [{ name: "public-tls" }] },
      allowedRoutes: { namespaces: { from: "All" } },
    };
    try {
      // The Profile names no listener: the route attaches to both, and the TLS one gives the URL.
      await gatewayWith([http, https]);
      await appWhen("shop", (s) => s.url === "https://shop-acme.apps.example.com:8443", "an https URL on port 8443");
    } finally {
      await gatewayWith([http]);
    }
    await appWhen("shop", (s) => s.url === "http://shop-acme.apps.example.com", "an http URL again");
  });

  it("rolls out a new deployment id on an image change, and is Ready only once the new pods are available", async () => {
    const before = ((await appWhen("shop", isReady, "Ready")).status as AppStatus).deploymentId;
    // A request no node can satisfy (the kwok node has 32 CPUs): the new pods stay Pending, the old ones keep serving.
    await kube.apply(
      app("shop", shopSpec({ image: "registry.example.com/acme/shop:1.1.0", resources: { cpu: "48" } })),
    );
    const rolling = await appWhen(
      "shop",
      (s) =>
        s.deploymentId !== before && s.conditions?.find((c) => c.type === "DeploymentReady")?.reason === "Progressing",
      "rolling out",
    );
    const stuckId = (rolling.status as AppStatus).deploymentId;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stillRolling = (await get(APP, "shop"))!;
    expect(condition(stillRolling, "Ready")?.status).not.toBe("True");
    expect((stillRolling.status as AppStatus).deploymentId).toBe(stuckId);
    expect(
      (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: "loco.dev/app=shop" })).items.filter(
        (p) => p.status?.phase === "Running",
      ),
    ).toHaveLength(2);

    await kube.apply(app("shop", shopSpec({ image: "registry.example.com/acme/shop:1.1.0" })));
    const done = await appWhen(
      "shop",
      (s) => isReady(s) && s.deploymentId !== stuckId && s.deploymentId !== before,
      "Ready on a new deployment",
    );
    const deployment = (await get(DEPLOYMENT, "shop"))!;
    const dstatus = deployment.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number };
    expect(dstatus.updatedReplicas).toBe(2);
    expect(dstatus.availableReplicas).toBe(2);
    expect(dstatus.replicas).toBe(2);
    expect((done.status as AppStatus).deploymentId).toBe(
      (deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations["loco.dev/deployment-id"],
    );
  });

  it("keeps the deployment id when nothing about the pods changes", async () => {
    const ready = await appWhen("shop", isReady, "Ready");
    const id = (ready.status as AppStatus).deploymentId;
    // The generation moves only with the Deployment's spec (its status keeps changing as kube-controller-manager
    // works, so its resourceVersion is no measure of what loco wrote).
    const deploymentGeneration = (await get(DEPLOYMENT, "shop"))!.metadata.generation;
    // A metadata-only change and a full resync: no new deployment.
    await client.request("PATCH", `/apis/loco.dev/v1alpha1/namespaces/${ns}/apps/shop`, {
      body: { metadata: { annotations: { "example.com/owner": "team-a" } } },
      contentType: "application/merge-patch+json",
    });
    operator.resync();
    await operator.idle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(((await get(APP, "shop"))!.status as AppStatus).deploymentId).toBe(id);
    expect((await get(DEPLOYMENT, "shop"))!.metadata.generation).toBe(deploymentGeneration);
  });

  it("repairs drift: a deleted Service and a hand-edited Deployment and route come back", async () => {
    await appWhen("shop", isReady, "Ready");
    await client.delete(SERVICE, ns, "shop");
    await client.request("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/shop`, {
      body: { spec: { replicas: 5 } },
      contentType: "application/merge-patch+json",
    });
    await client.request("PATCH", `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/shop`, {
      body: { spec: { hostnames: ["hijacked.example.com"] } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the Service to be recreated", async () => ((await get(SERVICE, "shop")) ? true : undefined));
    await eventually(
      "replicas to be 2 again",
      async () =>
        ((await get(DEPLOYMENT, "shop"))?.spec as { replicas?: number } | undefined)?.replicas === 2 || undefined,
    );
    await eventually(
      "the hostname to be restored",
      async () =>
        ((await get(HTTP_ROUTE, "shop"))?.spec as { hostnames?: string[] } | undefined)?.hostnames?.[0] ===
          "shop-acme.apps.example.com" || undefined,
    );
  });

  it("injects LOCO_<APP>_URL for other Apps of the same project", async () => {
    await kube.apply(app("shop-worker", { project: "shop", image: "registry.example.com/acme/worker:1" }));
    await appWhen("shop-worker", isReady, "Ready");
    const env = (
      (await get(DEPLOYMENT, "shop-worker"))!.spec as {
        template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
      }
    ).template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === "LOCO_SHOP_URL")?.value).toBe(`http://shop.${ns}.svc.cluster.local:8080`);
    // A worker has no ports: no Service, no route, and it is still Ready.
    expect(await get(SERVICE, "shop-worker")).toBeUndefined();
    expect(await get(HTTP_ROUTE, "shop-worker")).toBeUndefined();
  });
});

describe("gRPC and autoscaled Apps", () => {
  it("gets a GRPCRoute for a gRPC port and an HPA when max > min", async () => {
    await kube.apply(
      app("cart", {
        image: "registry.example.com/acme/cart:2",
        ports: [{ name: "grpc", port: 9090, protocol: "GRPC" }],
        routes: { grpc: { services: ["shop.v1.Cart"] } },
        health: { liveness: { grpc: {} } },
        autoscale: { min: 2, max: 5, targetCPU: 70 },
      }),
    );
    const ready = await appWhen("cart", isReady, "Ready");
    expect((ready.status as AppStatus).url).toBe("grpc://cart-acme.apps.example.com"); // plain HTTP listener: h2c
    expect((await get(GRPC_ROUTE, "cart"))?.spec).toMatchObject({
      hostnames: ["cart-acme.apps.example.com"],
      rules: [{ matches: [{ method: { service: "shop.v1.Cart" } }], backendRefs: [{ name: "cart", port: 9090 }] }],
    });
    expect((await get(HPA, "cart"))?.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 5,
      scaleTargetRef: { kind: "Deployment", name: "cart" },
    });
    const deployment = (await get(DEPLOYMENT, "cart"))!;
    expect(
      (deployment.spec as { template: { spec: { containers: { livenessProbe?: unknown }[] } } }).template.spec
        .containers[0]!.livenessProbe,
    ).toMatchObject({ grpc: { port: 9090 } });
    expect(await get(HTTP_ROUTE, "cart")).toBeUndefined();
  });

  it("removes the HPA when autoscaling is turned off (prune), and fixes replicas instead", async () => {
    await kube.apply(
      app("cart", {
        image: "registry.example.com/acme/cart:2",
        ports: [{ name: "grpc", port: 9090, protocol: "GRPC" }],
        replicas: 3,
      }),
    );
    await eventually("the HPA to be pruned", async () => ((await get(HPA, "cart")) === undefined ? true : undefined));
    await appWhen("cart", (s) => isReady(s) && s.readyReplicas === 3, "Ready with 3 replicas");
  });
});

describe("conditions the user must act on", () => {
  it("leaves an object it does not own alone and reports NotOwned", async () => {
    await kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "legacy", namespace: ns, labels: { team: "ops" } },
      spec: { ports: [{ port: 80 }], selector: { app: "legacy" } },
    });
    await kube.apply(
      app("legacy", {
        image: "registry.example.com/acme/legacy:1",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
      }),
    );
    const live = await appWhen("legacy", hasReason("RoutesReady", "NotOwned"), "NotOwned");
    expect(condition(live, "Ready")?.status).toBe("False");
    expect(condition(live, "RoutesReady")?.message).toMatch(/Service legacy/);
    const service = (await get(SERVICE, "legacy"))!;
    expect(service.metadata.ownerReferences).toBeUndefined();
    expect(service.metadata.labels).toEqual({ team: "ops" });
    expect((service.spec as { ports: { port: number }[] }).ports[0]?.port).toBe(80);
  });

  it("refuses a hostname another App (any tenant) already serves, until the holder goes", async () => {
    await kube.apply(
      app("storefront", {
        image: "registry.example.com/acme/web:1",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        routes: { http: { hostnames: [`store-${shard}.example.com`] } },
      }),
    );
    await appWhen("storefront", isReady, "Ready");
    await kube.apply(
      app(
        "copycat",
        {
          image: "registry.example.com/globex/web:1",
          ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
          routes: { http: { hostnames: [`store-${shard}.example.com`] } },
        },
        otherNs,
      ),
    );
    const refused = await appWhen("copycat", hasReason("RoutesReady", "RouteConflict"), "RouteConflict", otherNs);
    // Another tenant's App: the message says the hostname is taken and names neither its namespace nor its App.
    expect(condition(refused, "RoutesReady")?.message).toBe(
      `store-${shard}.example.com is already taken by another tenant; choose another hostname in spec.routes.`,
    );
    expect(await get(HTTP_ROUTE, "copycat", otherNs)).toBeUndefined();
    expect(((await get(HTTP_ROUTE, "storefront"))?.spec as { hostnames: string[] } | undefined)?.hostnames).toEqual([
      `store-${shard}.example.com`,
    ]);

    await client.delete(APP, ns, "storefront");
    await appWhen("copycat", isReady, "Ready once the hostname is free", otherNs);
    expect(await get(HTTP_ROUTE, "copycat", otherNs)).toBeDefined();
  });

  it("reports ProfileNotFound, and recovers when the Profile appears", async () => {
    const missing = `later-${shard}`;
    await kube.apply({
      ...app("early", { image: "registry.example.com/acme/early:1" }),
      spec: { profile: missing, image: "registry.example.com/acme/early:1" },
    });
    const waiting = await appWhen("early", hasReason("ProfileResolved", "ProfileNotFound"), "ProfileNotFound");
    expect(condition(waiting, "Ready")).toMatchObject({ status: "False", reason: "ProfileNotFound" });
    expect(await get(DEPLOYMENT, "early")).toBeUndefined();
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: missing, labels },
      spec: { baseDomain: "later.example.com", gateway: { name: "public", namespace: gatewayNs } },
    });
    try {
      await appWhen("early", isReady, "Ready after the Profile appeared");
    } finally {
      await kube.objects.delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: missing } });
    }
  });

  it("refuses an App above the Profile's limits with LimitExceeded, without touching what runs", async () => {
    await kube.apply(app("greedy", { image: "registry.example.com/acme/greedy:1", resources: { cpu: "100" } }));
    const refused = await appWhen("greedy", hasReason("DeploymentReady", "LimitExceeded"), "LimitExceeded");
    expect(condition(refused, "Ready")).toMatchObject({ status: "False", reason: "LimitExceeded" });
    expect(condition(refused, "DeploymentReady")?.message).toMatch(/cpu 100 is above the profile's limit of 64/);
    expect(await get(DEPLOYMENT, "greedy")).toBeUndefined();
  });

  it("fails with PodsRefused, quoting the cluster, when the namespace's quota refuses the pods", async () => {
    // Its own namespace: a quota of zero pods would starve the other tests' Apps.
    const quotaNs = await kube.namespace("app-quota");
    await kube.core.patchNamespace({
      name: quotaNs,
      body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" }],
    });
    await kube.apply({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "tight", namespace: quotaNs },
      spec: { hard: { pods: "0" } },
    });
    // The quota admission counts against the status the resource-quota controller computes: wait for it.
    await eventually("the quota to be computed", async () => {
      const quota = await client.find(RESOURCE_QUOTA, quotaNs, "tight");
      return (quota?.status as { hard?: object } | undefined)?.hard ? true : undefined;
    });
    await kube.apply(app("crowded", { image: "registry.example.com/acme/crowded:1" }, quotaNs));
    const refused = await appWhen("crowded", hasReason("DeploymentReady", "PodsRefused"), "PodsRefused", quotaNs);
    expect(condition(refused, "Ready")).toMatchObject({ status: "False", reason: "PodsRefused" });
    expect(condition(refused, "DeploymentReady")?.message).toMatch(/exceeded quota: tight/);
  });
});

describe("deleting an App", () => {
  it("removes every child by garbage collection and leaves no finalizer", async () => {
    await kube.apply(
      app("doomed", {
        image: "registry.example.com/acme/doomed:1",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        autoscale: { min: 1, max: 3 },
      }),
    );
    const ready = await appWhen("doomed", isReady, "Ready");
    expect(ready.metadata.finalizers ?? []).toEqual([]);
    await client.delete(APP, ns, "doomed");
    for (const [resource, name] of [
      [DEPLOYMENT, "doomed"],
      [SERVICE, "doomed"],
      [HTTP_ROUTE, "doomed"],
      [BACKEND_TRAFFIC_POLICY, "doomed"],
      [HPA, "doomed"],
      [SECRET, "doomed-secrets"],
    ] as const) {
      await eventually(`${resource.kind} to be collected`, async () =>
        (await get(resource, name)) === undefined ? true : undefined,
      );
    }
    expect(await get(APP, "doomed")).toBeUndefined();
  });
});
