// Security issue #14, item 6: a task's podAnnotations went verbatim onto its pods (CNI network selection, mesh
// sidecar opt-outs, AppArmor). Now a task may set only what the platform allows — the namespace's Profile
// (spec.runs.allowedPodAnnotations) and the operator's --allowed-pod-annotations — and nothing by default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPELINE, PROFILE, RUN } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { JOB } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";
import { rejection } from "../support/rejection.ts";

type Condition = { type: string; status: string; reason: string; message: string };

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;
const shard = newShard();
const labels = { [SHARD_LABEL]: shard };
const profileName = `pods-${shard}`;

const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

function profile(allowed?: string[]): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name: profileName, labels },
    spec: {
      baseDomain: "apps.example.com",
      gateway: { name: "public", namespace: "gateways" },
      ...(allowed ? { runs: { allowedPodAnnotations: allowed } } : {}),
    },
  };
}

const meshOptOut = { "sidecar.istio.io/inject": "false" };
// kwok ends the task's pod at once (docs/test-environment.md); allowed by the Profile below like any annotation.
const quick = { "loco.dev/test-duration": "0s" };

function pipeline(name: string, podAnnotations: Record<string, string>): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Pipeline",
    metadata: { name, namespace: ns, labels },
    spec: { tasks: [{ name: "build", image: "registry.example.com/acme/build:1", podAnnotations }] },
  };
}

function run(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "loco.dev/v1alpha1", kind: "Run", metadata: { name, namespace: ns, labels }, spec };
}

async function whenFound(resource: typeof RUN, name: string, predicate: (o: KubeObject) => boolean, what: string) {
  return eventually(
    `${resource.kind} ${name}: ${what}`,
    async () => {
      const live = await client.find(resource, ns, name);
      return live && predicate(live) ? live : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

const finished = (r: KubeObject) => ["True", "False"].includes(condition(r, "Succeeded")?.status ?? "");

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("pods");
  await kube.core.patchNamespace({
    name: ns,
    body: [
      { op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" },
      { op: "add", path: "/metadata/labels/loco.dev~1profile", value: profileName },
    ],
  });
  await kube.apply(profile());
  // Deny by default: the operator allows nothing of its own here (the test platform otherwise allows kwok's keys).
  operator = await startTestOperator(shard, { batch: { minTimeoutMs: 1000, allowedPodAnnotations: [] } });
  client = operator.client;
});

afterAll(async () => {
  await operator?.stop();
  await client?.delete(PROFILE, undefined, profileName).catch(() => {});
  await kube.cleanup();
});

describe("pod annotations of tasks", () => {
  it("are refused by default: a one-off Run fails naming the key, and no Job is created", async () => {
    await kube.apply(
      run("cni", {
        task: {
          image: "registry.example.com/acme/tool:1",
          timeout: "10m",
          podAnnotations: { "k8s.v1.cni.cncf.io/networks": "kube-system/host-network" },
        },
      }),
    );
    const failed = await whenFound(RUN, "cni", finished, "finished");
    expect(condition(failed, "Succeeded")).toMatchObject({
      status: "False",
      reason: "PodAnnotationNotAllowed",
      message: `The command's pod annotation(s) "k8s.v1.cni.cncf.io/networks" are not allowed: Profile ${profileName} does not allow them. Remove them from podAnnotations, or ask your platform admin to add them to the Profile's spec.runs.allowedPodAnnotations.`,
    });
    expect((await client.list(JOB, ns, { labelSelector: "loco.dev/run=cni" })).items).toEqual([]);
  });

  it("make a Pipeline not Ready, and its Runs fail, until the Profile allows them", async () => {
    await kube.apply(pipeline("ci", { ...meshOptOut, ...quick }));
    const refused = await whenFound(
      PIPELINE,
      "ci",
      (p) => condition(p, "Ready")?.reason === "PodAnnotationNotAllowed",
      "PodAnnotationNotAllowed",
    );
    expect(condition(refused, "Ready")?.status).toBe("False");
    expect(condition(refused, "Ready")?.message).toContain(
      'Task build: pod annotation(s) "loco.dev/test-duration", "sidecar.istio.io/inject" are not allowed',
    );
    await kube.apply(run("ci-1", { pipelineRef: { name: "ci" } }));
    const failed = await whenFound(RUN, "ci-1", finished, "finished");
    expect(condition(failed, "Succeeded")).toMatchObject({ status: "False", reason: "PodAnnotationNotAllowed" });

    // The platform admin allows the mesh opt-out (a prefix) and kwok's test keys: the Pipeline turns Ready by
    // itself (the Profile change reaches it), and a new Run's pod carries the annotation.
    await kube.apply(profile(["sidecar.istio.io/*", "loco.dev/test-*"]));
    await whenFound(PIPELINE, "ci", (p) => condition(p, "Ready")?.status === "True", "Ready");
    await kube.apply(run("ci-2", { pipelineRef: { name: "ci" } }));
    const succeeded = await whenFound(RUN, "ci-2", finished, "finished");
    expect(condition(succeeded, "Succeeded")).toMatchObject({ status: "True", reason: "Completed" });
    const pods = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: "loco.dev/run=ci-2" })).items;
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) expect(pod.metadata?.annotations).toMatchObject(meshOptOut);
  });

  it("a Profile can't allow every key at once", async () => {
    const refused = await rejection(kube.apply(profile(["*"])));
    expect(refused.code).toBe(422);
    expect(refused.message).toContain("spec.runs.allowedPodAnnotations[0]");
  });
});
