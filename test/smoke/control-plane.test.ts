// Proves the test environment is real: these behaviours are decided by kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, not by anything loco wrote.
import type { KubernetesObject, V1Deployment, V1Job, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("smoke");
});
afterAll(() => kube.cleanup());

const labelsOf = (app: string) => ({ "app.kubernetes.io/name": app });

function deployment(name: string, replicas: number): Named<V1Deployment> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: labelsOf(name) },
      template: {
        metadata: { labels: labelsOf(name) },
        spec: { containers: [{ name: "web", image: "registry.example.com/web:1" }] },
      },
    },
  };
}

type Named<T> = T & { metadata: { name: string; namespace: string } };

function job(name: string, annotations: Record<string, string> = {}): Named<V1Job> {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations },
        spec: { restartPolicy: "Never", containers: [{ name: "task", image: "registry.example.com/task:1" }] },
      },
    },
  };
}

async function podsOf(selector: string): Promise<V1Pod[]> {
  return (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
}

describe("a real control plane", () => {
  it("runs a server-side-applied Deployment until its pods are Ready", async () => {
    const applied = await kube.apply(deployment("web", 2));
    expect(applied.metadata?.managedFields?.some((f) => f.manager === "loco-test" && f.operation === "Apply")).toBe(
      true,
    );

    const ready = await eventually("2 ready replicas", async () => {
      const d = await kube.objects.read<V1Deployment>({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: ns },
      });
      return d.status?.readyReplicas === 2 ? d : undefined;
    });
    expect(ready.status?.availableReplicas).toBe(2);
    const pods = await podsOf("app.kubernetes.io/name=web");
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe("kwok-node-0"); // placed by kube-scheduler
      expect(pod.status?.phase).toBe("Running"); // started by kwok
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
  });

  it("garbage-collects a deleted Deployment's ReplicaSet and pods", async () => {
    await kube.apply(deployment("doomed", 1));
    await eventually("a running pod", async () =>
      (await podsOf("app.kubernetes.io/name=doomed")).length === 1 ? true : undefined,
    );
    const replicaSets = async () =>
      (
        await kube.objects.list(
          "apps/v1",
          "ReplicaSet",
          ns,
          undefined,
          undefined,
          undefined,
          undefined,
          "app.kubernetes.io/name=doomed",
        )
      ).items;
    expect(await replicaSets()).toHaveLength(1);

    await kube.objects.delete(deployment("doomed", 1), undefined, undefined, undefined, undefined, "Background");
    await eventually("the ReplicaSet and pods to be collected", async () =>
      (await replicaSets()).length === 0 && (await podsOf("app.kubernetes.io/name=doomed")).length === 0
        ? true
        : undefined,
    );
  });

  it("completes a Job", async () => {
    await kube.apply(job("ok"));
    const done = await eventually("the Job to succeed", async () => {
      const j = await kube.objects.read<V1Job>(job("ok"));
      return j.status?.succeeded === 1 ? j : undefined;
    });
    expect(done.status?.conditions?.find((c) => c.type === "Complete")?.status).toBe("True");
  });

  it("fails a Job whose pod is told to exit with a chosen code", async () => {
    await kube.apply(job("broken", { "loco.dev/test-exit-code": "3" }));
    const failed = await eventually("the Job to fail", async () => {
      const j = await kube.objects.read<V1Job>(job("broken"));
      return j.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True") ? j : undefined;
    });
    expect(failed.status?.succeeded ?? 0).toBe(0);
    const [pod] = await podsOf("job-name=broken");
    expect(pod?.status?.phase).toBe("Failed");
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it("keeps a held pod running until it is deleted", async () => {
    await kube.apply(job("held", { "loco.dev/test-hold": "true" }));
    await eventually("the held pod to run", async () =>
      (await podsOf("job-name=held"))[0]?.status?.phase === "Running" ? true : undefined,
    );
    // A Job pod without the hold annotation completes at once (see "completes a Job"); this one must not.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await podsOf("job-name=held"))[0]?.status?.phase).toBe("Running");
    const held = await kube.objects.read<V1Job>(job("held"));
    expect(held.status?.active).toBe(1);

    await kube.objects.delete(job("held"), undefined, undefined, 0, undefined, "Foreground");
    await eventually("the held pod to be gone", async () =>
      (await podsOf("job-name=held")).length === 0 ? true : undefined,
    );
  });

  it("runs a pod for the duration it is told to before it completes", async () => {
    const started = Date.now();
    await kube.apply(job("slow", { "loco.dev/test-duration": "2s" }));
    await eventually("the slow Job to succeed", async () =>
      (await kube.objects.read<V1Job>(job("slow"))).status?.succeeded === 1 ? true : undefined,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});

describe("third-party CRDs from their Go modules", () => {
  const route = (spec: Record<string, unknown>): KubernetesObject & { spec: unknown } => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: ns },
    spec,
  });

  it("accepts a valid HTTPRoute and BackendTrafficPolicy", async () => {
    const stored = await kube.apply(
      route({
        parentRefs: [{ name: "public", namespace: "loco-system" }],
        hostnames: ["web-acme.apps.example.com"],
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "web", port: 8080 }] },
        ],
      }),
    );
    expect(stored.metadata?.uid).toBeTruthy();
    const policy = await kube.apply({
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: "web", namespace: ns },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "web" }],
        timeout: { http: { requestTimeout: "30s", connectionIdleTimeout: "120s" } },
      },
    } as KubernetesObject);
    expect(policy.metadata?.uid).toBeTruthy();
  });

  it("rejects an HTTPRoute that breaks the CRD schema, naming the field", async () => {
    const invalid = route({
      parentRefs: [{ name: "public" }],
      rules: [{ matches: [{ path: { type: "Bogus", value: "/" } }] }],
    });
    await expect(kube.apply(invalid)).rejects.toThrow(/spec\.rules\[0\]\.matches\[0\]\.path\.type/);
  });

  it("rejects a BackendTrafficPolicy with a malformed duration", async () => {
    const invalid = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: "bad", namespace: ns },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "web" }],
        timeout: { http: { requestTimeout: "thirty seconds" } },
      },
    } as KubernetesObject;
    await expect(kube.apply(invalid)).rejects.toThrow(/requestTimeout/);
  });
});
