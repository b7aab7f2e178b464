// Issue #18, item 5: pods are restricted by default. Tenant namespaces carry the Pod Security Admission labels of
// their Profile's level (api/tenant-namespaces.ts), and the real apiserver's PodSecurity admission plugin (on by
// default) refuses a pod that breaks it. The pods loco's operator builds for Apps and Runs must pass it: with kwok, a
// pod the admission refused never exists (its ReplicaSet or Job reports FailedCreate), so they are asserted to exist
// and run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTenantNamespace, tenantNamespace } from "../../api/tenant-namespaces.ts";
import { APP, PROFILE, RUN } from "../../crds/kinds.ts";
import type { PodSecurityLevel } from "../../crds/profile.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { NAMESPACE, POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { ADMIN, type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator, testKubeConfig } from "../support/operator.ts";
import { rejection } from "../support/rejection.ts";

let kube: TestKube;
let admin: KubeClient;
let operator: RunningOperator;
const shard = newShard();
const labels = { [SHARD_LABEL]: shard };
// Tenant names have no '-' (crds/common.ts).
const tenant = `psa${shard}`;
const restrictedProfile = `strict-${shard}`;
const baselineProfile = `lax-${shard}`;
let restrictedNs: string;
let baselineNs: string;

function profile(name: string, podSecurity?: PodSecurityLevel): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name, labels },
    spec: {
      baseDomain: "apps.example.com",
      gateway: { name: "public", namespace: "gateways" },
      defaults: { cpu: "100m", memory: "128Mi" },
      ...(podSecurity ? { podSecurity } : {}),
    },
  };
}

/** A tenant namespace as the API makes it (tenant creation, first App or Run of a Profile). */
const ensure = (profileName: string, podSecurity: PodSecurityLevel) =>
  ensureTenantNamespace(admin, {
    tenant,
    profile: profileName,
    gatewayNamespace: "gateways",
    quota: {},
    defaultRequests: { cpu: "100m", memory: "128Mi" },
    extraLabels: { "loco.dev/test": "true" },
    podSecurity,
  });

/** A bare pod; `container` adds to (or overrides) its one container. */
function pod(name: string, container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "main", image: "busybox:1", ...container }], ...spec },
  };
}

/** What passes `restricted` (the same settings the operator's pods get). */
const restrictedPod = (name: string) =>
  pod(
    name,
    { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
    { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
  );

const podsOf = async (namespace: string, selector: string) =>
  (await admin.list(POD, namespace, { labelSelector: selector })).items;
const phaseOf = (p: KubeObject) => (p.status as { phase?: string } | undefined)?.phase;

beforeAll(async () => {
  kube = testKube();
  admin = await KubeClient.create(testKubeConfig());
  await kube.apply(profile(restrictedProfile));
  await kube.apply(profile(baselineProfile, "baseline"));
  restrictedNs = await ensure(restrictedProfile, "restricted");
  baselineNs = await ensure(baselineProfile, "baseline");
  operator = await startTestOperator(shard);
});

afterAll(async () => {
  await operator?.stop();
  for (const name of [restrictedNs, baselineNs]) {
    if (name) await admin?.delete(NAMESPACE, undefined, name).catch(() => {});
  }
  for (const name of [restrictedProfile, baselineProfile]) {
    await admin?.delete(PROFILE, undefined, name).catch(() => {});
  }
  admin?.close();
  await kube.cleanup();
});

describe("a tenant namespace of a restricted Profile", () => {
  it("carries the restricted Pod Security Admission labels", async () => {
    expect(restrictedNs).toBe(tenantNamespace(tenant, restrictedProfile));
    const namespace = await admin.find(NAMESPACE, undefined, restrictedNs);
    expect(namespace?.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
  });

  it("has a privileged pod, or one that may run as root, refused by the apiserver", async () => {
    const privileged = await rejection(
      kube.core.createNamespacedPod({
        namespace: restrictedNs,
        body: pod("privileged", { securityContext: { privileged: true } }),
      }),
    );
    expect(privileged.code).toBe(403);
    expect(privileged.message).toMatch(/violates PodSecurity "restricted:latest".*privileged/);

    const root = await rejection(kube.core.createNamespacedPod({ namespace: restrictedNs, body: pod("root") }));
    expect(root.code).toBe(403);
    expect(root.message).toMatch(/violates PodSecurity "restricted:latest".*runAsNonRoot/);

    // The control: the same pod with restricted's settings is admitted.
    await kube.core.createNamespacedPod({ namespace: restrictedNs, body: restrictedPod("fine") });
  });

  it("admits the pods the operator creates for an App", async () => {
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "worker", namespace: restrictedNs, labels },
      spec: { profile: restrictedProfile, image: "registry.example.com/acme/worker:1", replicas: 2 },
    });
    const appPods = await eventually(
      "2 Running pods of App worker",
      async () => {
        const pods = await podsOf(restrictedNs, "loco.dev/app=worker");
        return pods.length === 2 && pods.every((p) => phaseOf(p) === "Running") ? pods : undefined;
      },
      { timeoutMs: 60_000 },
    );
    for (const p of appPods) {
      expect((p.spec as { securityContext?: unknown }).securityContext).toMatchObject({ runAsNonRoot: true });
    }
    await admin.delete(APP, restrictedNs, "worker");
  });

  it("admits the pod the operator creates for a Run", async () => {
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "migrate", namespace: restrictedNs, labels },
      spec: {
        task: {
          image: "registry.example.com/acme/tool:1",
          command: ["./migrate"],
          timeout: "10m",
          podAnnotations: { "loco.dev/test-duration": "500ms" },
        },
      },
    });
    const run = await eventually(
      "Run migrate Succeeded",
      async () => {
        const live = await admin.find(RUN, restrictedNs, "migrate");
        const succeeded = (
          live?.status as { conditions?: { type: string; status: string }[] } | undefined
        )?.conditions?.find((c) => c.type === "Succeeded");
        return succeeded && succeeded.status !== "Unknown" ? { live, succeeded } : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(run.succeeded.status).toBe("True");
    const runPods = await podsOf(restrictedNs, "loco.dev/run=migrate");
    expect(runPods.map(phaseOf)).toEqual(["Succeeded"]);
  });
});

describe("a tenant namespace of a baseline Profile", () => {
  it("admits a pod that restricted refuses, and still refuses a privileged one", async () => {
    const namespace = await admin.find(NAMESPACE, undefined, baselineNs);
    expect(namespace?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    await kube.core.createNamespacedPod({ namespace: baselineNs, body: pod("root") });
    const privileged = await rejection(
      kube.core.createNamespacedPod({
        namespace: baselineNs,
        body: pod("privileged", { securityContext: { privileged: true } }),
      }),
    );
    expect(privileged.code).toBe(403);
    expect(privileged.message).toMatch(/violates PodSecurity "baseline:latest"/);
  });

  it("gets App pods without restricted's settings, which it admits", async () => {
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "legacy", namespace: baselineNs, labels },
      spec: { profile: baselineProfile, image: "registry.example.com/acme/legacy:1", replicas: 1 },
    });
    const [appPod] = await eventually(
      "a Running pod of App legacy",
      async () => {
        const pods = await podsOf(baselineNs, "loco.dev/app=legacy");
        return pods.length === 1 && phaseOf(pods[0]!) === "Running" ? pods : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect((appPod!.spec as { securityContext?: unknown }).securityContext ?? {}).not.toHaveProperty("runAsNonRoot");
  });
});

describe("through the API, a Profile that changes its level", () => {
  let world: ApiWorld;
  beforeAll(async () => {
    world = await startApiWorld("psa");
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("has its tenants' namespaces relabelled by the next App write in them", async () => {
    const [a] = world.tenants;
    const namespace = `${a.name}-${world.profile}`;
    const enforced = async () =>
      (await world.api.kube.get(NAMESPACE, undefined, namespace)).metadata.labels?.[
        "pod-security.kubernetes.io/enforce"
      ];
    // Made by POST /v1/tenants from a Profile that sets no level.
    expect(await enforced()).toBe("restricted");

    const adminToken = await world.token(ADMIN);
    const current = (await (
      await world.api.call("GET", `/v1/profiles/${world.profile}`, { token: adminToken })
    ).json()) as {
      spec: Record<string, unknown>;
    };
    const put = await world.api.call("PUT", `/v1/profiles/${world.profile}`, {
      token: adminToken,
      body: { spec: { ...current.spec, podSecurity: "baseline" } },
    });
    expect(put.status).toBe(200);
    await eventually("the baseline Profile in the mirror", async () => {
      const got = await world.api.call("GET", `/v1/profiles/${world.profile}`, { token: adminToken });
      return ((await got.json()) as { spec?: { podSecurity?: string } }).spec?.podSecurity === "baseline"
        ? true
        : undefined;
    });

    const app = await world.api.call("PUT", `/v1/tenants/${a.name}/apps/${a.app}?profile=${world.profile}`, {
      token: await world.token(a.members.developer),
      body: { spec: world.appSpec("registry.example.com/acme/web:1.0.1") },
    });
    expect(app.status).toBe(200);
    expect(await enforced()).toBe("baseline");
    await kube.core.createNamespacedPod({ namespace, body: pod("root-now-allowed") });
  });
});
