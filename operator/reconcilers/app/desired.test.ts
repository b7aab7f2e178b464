import { describe, expect, it } from "vitest";
import type { AppSpec } from "../../../crds/app.ts";
import type { ProfileSpec } from "../../../crds/profile.ts";
import type { KubeObject } from "../../../kube/types.ts";
import {
  type AppInputs,
  appUrls,
  defaultHostname,
  desiredAutoscaler,
  desiredDeployment,
  desiredGrpcRoute,
  desiredHttpRoute,
  desiredService,
  desiredTrafficPolicy,
  imageVersion,
  limitViolation,
  protocolsWithoutDefaultHostname,
  requestedHostnames,
  templateHash,
} from "./desired.ts";
import { deploymentCondition } from "./status.ts";

const profile: ProfileSpec = {
  baseDomain: "apps.example.com",
  gateway: { name: "public", namespace: "loco-system" },
  hostnameTemplate: "{app}-{tenant}.{baseDomain}",
  defaults: { cpu: "100m", memory: "128Mi", replicas: 2, idleTimeout: "60s" },
  limits: { maxCpu: "2", maxMemory: "2Gi", maxReplicas: 5 },
  env: [
    { name: "REGION", value: "eu" },
    { name: "LOG_LEVEL", value: "warn" },
  ],
};

const spec = (overrides: Partial<AppSpec> = {}): AppSpec => ({
  profile: "prod",
  image: "registry.example.com/acme/api:1.2.3",
  ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
  paused: false,
  ...overrides,
});

const inputs = (overrides: Partial<AppSpec> = {}, extra: Partial<AppInputs> = {}): AppInputs => {
  const s = spec(overrides);
  const base: AppInputs = {
    app: { name: "api", namespace: "acme-prod", uid: "uid-1" },
    spec: s,
    profileName: "prod",
    profile,
    tenant: "acme",
    owner: {
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      name: "api",
      uid: "uid-1",
      controller: true,
      blockOwnerDeletion: true,
    },
    siblings: [],
    routes: { http: [], grpc: [] },
    secretHash: undefined,
    ...extra,
  };
  return { ...base, routes: extra.routes ?? requestedHostnames(base) };
};

const rollout = { deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y", deployedAt: "2026-01-01T00:00:00.000Z" };
type Container = { env: { name: string; value?: string; valueFrom?: unknown }[]; resources?: unknown; image: string };
const containerOf = (d: ReturnType<typeof desiredDeployment>) =>
  (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

describe("desiredDeployment", () => {
  it("is deterministic: the same inputs give identical objects and template hashes", () => {
    expect(desiredDeployment(inputs(), rollout)).toEqual(desiredDeployment(inputs(), rollout));
    expect(templateHash(inputs())).toBe(templateHash(inputs()));
  });

  it("changes the template hash for a new image or a new secret value, not for a new deployment id", () => {
    expect(templateHash(inputs({ image: "registry.example.com/acme/api:1.2.4" }))).not.toBe(templateHash(inputs()));
    expect(templateHash(inputs({}, { secretHash: "abc" }))).not.toBe(templateHash(inputs()));
    const a = desiredDeployment(inputs(), rollout);
    const b = desiredDeployment(inputs(), { ...rollout, deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Z" });
    expect(a.metadata.annotations?.["loco.dev/template-hash"]).toBe(b.metadata.annotations?.["loco.dev/template-hash"]);
  });

  it("injects loco's variables, then the profile's, then the app's (later wins), then secret references", () => {
    const env = containerOf(
      desiredDeployment(
        inputs(
          {
            env: [{ name: "LOG_LEVEL", value: "debug" }],
            secretEnv: [{ name: "DB_URL", secretKey: "db-url" }],
            project: "shop",
          },
          {
            siblings: [
              { name: "web", port: 3000 },
              { name: "api", port: 8080 },
              { name: "worker", port: undefined },
            ],
          },
        ),
        rollout,
      ),
    ).env;
    expect(env.map((e) => e.name)).toEqual([
      "LOCO_APP_NAME",
      "LOCO_APP_VERSION",
      "LOCO_PROFILE",
      "LOCO_TENANT",
      "LOCO_DEPLOYMENT_ID",
      "LOCO_WEB_URL",
      "REGION",
      "LOG_LEVEL",
      "DB_URL",
    ]);
    expect(env.find((e) => e.name === "LOG_LEVEL")?.value).toBe("debug");
    expect(env.find((e) => e.name === "LOCO_WEB_URL")?.value).toBe("http://web.acme-prod.svc.cluster.local:3000");
    expect(env.find((e) => e.name === "LOCO_APP_VERSION")?.value).toBe("1.2.3");
    expect(env.find((e) => e.name === "DB_URL")?.valueFrom).toEqual({
      secretKeyRef: { name: "api-secrets", key: "db-url" },
    });
  });

  it("takes resources from the profile's defaults and sets memory as the limit only", () => {
    expect(containerOf(desiredDeployment(inputs(), rollout)).resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "128Mi" },
    });
  });

  it("builds pods that pass the restricted Pod Security Standard unless the Profile chooses baseline", () => {
    type PodSpec = { securityContext?: unknown; containers: { securityContext?: unknown }[] };
    const podOf = (d: ReturnType<typeof desiredDeployment>) =>
      (d.spec as { template: { spec: PodSpec } }).template.spec;
    const restricted = podOf(desiredDeployment(inputs(), rollout));
    expect(restricted.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(restricted.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    const baselineInputs = inputs({}, { profile: { ...profile, podSecurity: "baseline" } });
    const baseline = podOf(desiredDeployment(baselineInputs, rollout));
    expect(baseline.securityContext).toBeUndefined();
    expect(baseline.containers[0]!.securityContext).toBeUndefined();
    // A Profile that changes level rolls the App's pods.
    expect(templateHash(baselineInputs)).not.toBe(templateHash(inputs()));
  });

  it("leaves replicas to the HPA when autoscaled, and fixes them otherwise", () => {
    const autoscaled = desiredDeployment(inputs({ autoscale: { min: 2, max: 4, targetCPU: 70 } }), rollout);
    expect((autoscaled.spec as { replicas?: number }).replicas).toBeUndefined();
    expect(desiredAutoscaler(inputs({ autoscale: { min: 2, max: 4, targetCPU: 70 } }))?.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 4,
    });
    expect(
      (
        desiredDeployment(inputs({ autoscale: { min: 3, max: 3, targetCPU: 70 } }), rollout).spec as {
          replicas?: number;
        }
      ).replicas,
    ).toBe(3);
    expect(desiredAutoscaler(inputs({ autoscale: { min: 3, max: 3, targetCPU: 70 } }))).toBeUndefined();
    expect((desiredDeployment(inputs(), rollout).spec as { replicas?: number }).replicas).toBe(2);
  });
});

describe("routes and services", () => {
  it("routes an HTTP App on its default hostname through the profile's gateway", () => {
    expect(desiredHttpRoute(inputs())?.spec).toMatchObject({
      hostnames: ["api-acme.apps.example.com"],
      parentRefs: [{ name: "public", namespace: "loco-system" }],
    });
    expect(desiredGrpcRoute(inputs())).toBeUndefined();
    expect(desiredService(inputs())?.spec).toMatchObject({
      ports: [{ name: "http", port: 8080, targetPort: "http", appProtocol: "http" }],
    });
  });

  it("builds no HTTPRoute for hostnames that were refused", () => {
    expect(desiredHttpRoute(inputs({}, { routes: { http: [], grpc: [] } }))).toBeUndefined();
    expect(desiredTrafficPolicy(inputs({}, { routes: { http: [], grpc: [] } }))).toBeUndefined();
  });

  it("matches gRPC services exactly and speaks h2c to the backend", () => {
    const grpc = inputs({
      ports: [{ name: "grpc", port: 9090, protocol: "GRPC" }],
      routes: { grpc: { services: ["shop.v1.Cart"] } },
    });
    expect(desiredGrpcRoute(grpc)?.spec).toMatchObject({
      rules: [{ matches: [{ method: { type: "Exact", service: "shop.v1.Cart" } }] }],
    });
    expect(desiredService(grpc)?.spec).toMatchObject({ ports: [{ appProtocol: "kubernetes.io/h2c" }] });
    expect(appUrls(grpc.routes, grpc.spec, { secure: true })).toEqual(["grpcs://api-acme.apps.example.com"]);
  });

  it("sets idle and request timeouts on the traffic policy, the idle one defaulting from the profile", () => {
    expect(desiredTrafficPolicy(inputs({ requestTimeout: "30s" }))?.spec).toMatchObject({
      timeout: { http: { requestTimeout: "30s", connectionIdleTimeout: "60s" } },
    });
  });

  it("adds the testers' header rule to the canary beside the weighted rule, on HTTP and gRPC routes alike", () => {
    const testers = { name: "x-canary", value: "always" };
    const rulesOf = (route: KubeObject | undefined) =>
      (route?.spec as { rules?: { matches?: unknown }[] } | undefined)?.rules ?? [];
    const canaryRef = { group: "", kind: "Service", name: "api-canary", weight: 1 };
    const http = desiredHttpRoute(inputs({ routes: { http: { pathPrefixes: ["/api", "/v2"] } } }), {
      canaryWeight: 10,
      testers,
    });
    expect(rulesOf(http)).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/api" } }, { path: { type: "PathPrefix", value: "/v2" } }],
        backendRefs: [
          { group: "", kind: "Service", name: "api", port: 8080, weight: 90 },
          { group: "", kind: "Service", name: "api-canary", port: 8080, weight: 10 },
        ],
      },
      {
        matches: [
          { path: { type: "PathPrefix", value: "/api" }, headers: [{ type: "Exact", ...testers }] },
          { path: { type: "PathPrefix", value: "/v2" }, headers: [{ type: "Exact", ...testers }] },
        ],
        backendRefs: [{ ...canaryRef, port: 8080 }],
      },
    ]);
    const grpcPorts = { ports: [{ name: "grpc", port: 9090, protocol: "GRPC" as const }] };
    const anyService = desiredGrpcRoute(inputs(grpcPorts), { canaryWeight: 0, testers });
    expect(rulesOf(anyService)[1]).toEqual({
      matches: [{ headers: [{ type: "Exact", ...testers }] }],
      backendRefs: [{ ...canaryRef, port: 9090 }],
    });
    const oneService = desiredGrpcRoute(inputs({ ...grpcPorts, routes: { grpc: { services: ["shop.v1.Cart"] } } }), {
      canaryWeight: 0,
      testers,
    });
    expect(rulesOf(oneService)[1]?.matches).toEqual([
      { method: { type: "Exact", service: "shop.v1.Cart" }, headers: [{ type: "Exact", ...testers }] },
    ]);
    // No testers, no extra rule.
    expect(rulesOf(desiredHttpRoute(inputs(), { canaryWeight: 10 }))).toHaveLength(1);
  });

  it("gives a worker without ports no Service and no routes", () => {
    const worker = inputs({ ports: undefined });
    expect(desiredService(worker)).toBeUndefined();
    expect(requestedHostnames(worker)).toEqual({ http: [], grpc: [] });
  });
});

describe("limitViolation", () => {
  it.each([
    [{ resources: { cpu: "3" } }, /cpu 3 is above the profile's limit of 2/],
    [{ resources: { memory: "4Gi" } }, /memory 4Gi is above the profile's limit of 2Gi/],
    [{ replicas: 6 }, /replicas 6 is above the profile's limit of 5/],
    [{ autoscale: { min: 1, max: 9, targetCPU: 80 } }, /autoscale.max 9 is above/],
  ])("refuses %j", (overrides, message) => {
    expect(limitViolation(spec(overrides as Partial<AppSpec>), profile)?.message).toMatch(message);
  });

  it("accepts an App within the limits, and checks registries when the profile restricts them", () => {
    expect(limitViolation(spec({ resources: { cpu: "1500m" } }), profile)).toBeUndefined();
    const restricted = { ...profile, allowedRegistries: ["registry.example.com/acme"] };
    expect(limitViolation(spec(), restricted)).toBeUndefined();
    expect(limitViolation(spec({ image: "docker.io/evil/miner:1" }), restricted)?.reason).toBe("RegistryNotAllowed");
  });
});

describe("imageVersion", () => {
  it.each([
    ["registry.example.com:5000/acme/api:1.2.3", "1.2.3"],
    ["registry.example.com:5000/acme/api", "latest"],
    [`api@sha256:${"a".repeat(64)}`, `sha256:${"a".repeat(64)}`],
  ])("reads %s as %s", (image, version) => {
    expect(imageVersion(image)).toBe(version);
  });
});

describe("deploymentCondition", () => {
  const deployment = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", generation },
    spec,
    status: { observedGeneration: 2, ...status },
  });

  it("is True only when every replica runs the new template and enough are available", () => {
    expect(
      deploymentCondition(deployment({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), "X")
        .status,
    ).toBe("True");
    expect(
      deploymentCondition(deployment({ replicas: 2 }, { replicas: 3, updatedReplicas: 2, availableReplicas: 2 }), "X"),
    ).toMatchObject({ status: "Unknown", message: expect.stringMatching(/1 old replica/) });
    expect(
      deploymentCondition(deployment({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), "X")
        .status,
    ).toBe("Unknown");
    expect(
      deploymentCondition(
        deployment({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 3),
        "X",
      ).status,
    ).toBe("Unknown");
  });

  it("waits for an autoscaled App's minimum, and fails on a progress deadline", () => {
    expect(
      deploymentCondition(
        deployment({ replicas: 1 }, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
        "X",
        2,
      ).status,
    ).toBe("Unknown");
    expect(
      deploymentCondition(
        deployment(
          { replicas: 1 },
          {
            conditions: [
              { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "stuck" },
            ],
          },
        ),
        "X",
      ),
    ).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
  });

  it("fails with the cluster's own words when it refuses the pods, and recovers once it creates them", () => {
    const quota =
      'pods "api-1" is forbidden: exceeded quota: loco-tenant-quota, requested: pods=1, used: pods=0, limited: pods=0';
    expect(
      deploymentCondition(
        deployment(
          { replicas: 1 },
          {
            replicas: 0,
            conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: quota }],
          },
        ),
        "X",
      ),
    ).toEqual({
      type: "DeploymentReady",
      status: "False",
      reason: "PodsRefused",
      message: `The cluster refused to create the pods of deployment X: ${quota}`,
    });
    expect(
      deploymentCondition(
        deployment(
          { replicas: 1 },
          {
            replicas: 1,
            updatedReplicas: 1,
            availableReplicas: 1,
            conditions: [{ type: "ReplicaFailure", status: "False" }],
          },
        ),
        "X",
      ).status,
    ).toBe("True");
  });
});

describe("defaultHostname", () => {
  const hostname = (app: string, tenant: string, extra: Partial<AppInputs> = {}) =>
    defaultHostname({ ...inputs({}, extra), app: { name: app, namespace: `${tenant}-prod`, uid: "u" }, tenant });

  it("maps App and tenant to {app}-{tenant} and back: the tenant is what follows the last '-'", () => {
    expect(hostname("shop-api", "acme")).toBe("shop-api-acme.apps.example.com");
    const apps = ["shop", "shop-api", "api", "a-b-c", "x1"];
    const tenants = ["acme", "api", "apiacme", "t1", "0"];
    const seen = new Map<string, string>();
    for (const app of apps) {
      for (const tenant of tenants) {
        const host = hostname(app, tenant)!;
        expect(seen.get(host), `${app} of ${tenant} and ${seen.get(host)} share ${host}`).toBeUndefined();
        seen.set(host, `${app} of ${tenant}`);
        const label = host.split(".")[0]!;
        expect([label.slice(0, label.lastIndexOf("-")), label.slice(label.lastIndexOf("-") + 1)]).toEqual([
          app,
          tenant,
        ]);
      }
    }
  });

  it("gives a tenant named before the tenant-name rule no default, so it never gets another tenant's hostname", () => {
    // shop of api-acme would be shop-api-acme: the default hostname of shop-api of acme.
    expect(hostname("shop", "api-acme")).toBeUndefined();
    const legacy = inputs({}, { tenant: "api-acme", app: { name: "shop", namespace: "api-acme-prod", uid: "u" } });
    expect(requestedHostnames(legacy)).toEqual({ http: [], grpc: [] });
    expect(protocolsWithoutDefaultHostname(legacy)).toEqual(["http"]);
    // Hostnames it names itself are its own to claim (first come, first served, as for every App).
    const named = inputs(
      { routes: { http: { hostnames: ["shop.api-acme.example.com"] } } },
      { tenant: "api-acme", app: { name: "shop", namespace: "api-acme-prod", uid: "u" } },
    );
    expect(requestedHostnames(named).http).toEqual(["shop.api-acme.example.com"]);
    expect(protocolsWithoutDefaultHostname(named)).toEqual([]);
    expect(protocolsWithoutDefaultHostname(inputs())).toEqual([]);
  });

  it("keeps the namespace's own name as the tenant of a namespace without a tenant label", () => {
    expect(hostname("shop", "team-x", { tenantIsNamespaceName: true })).toBe("shop-team-x.apps.example.com");
  });
});
