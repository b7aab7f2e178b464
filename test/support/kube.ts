// Helpers for integration tests against the shared real control plane. Each test file works in namespaces of
// its own (created here, deleted afterwards), so files can run in parallel without seeing each other.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Pod,
} from "@kubernetes/client-node";
import { inject } from "vitest";

export interface TestKube {
  config: KubeConfig;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  /** Server-side apply with the test field manager (force), returning what the server stored. */
  apply<T extends { apiVersion?: string; kind?: string }>(object: T): Promise<T>;
  /** A fresh namespace with a readable, unique name; deleted by `cleanup()`. */
  namespace(prefix: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** `kubeconfig`: a control plane of the caller's own (benchmarks) instead of the suite's. */
export function testKube(kubeconfig?: string): TestKube {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig ?? inject("kubeconfig"));
  const objects = KubernetesObjectApi.makeApiClient(config);
  const core = config.makeApiClient(CoreV1Api);
  const created: string[] = [];
  return {
    config,
    objects,
    core,
    apply: (object) =>
      objects.patch(
        object as KubernetesObject,
        undefined,
        undefined,
        "loco-test",
        true,
        PatchStrategy.ServerSideApply,
      ) as Promise<typeof object>,
    async namespace(prefix) {
      const name = `${prefix}-${randomBytes(3).toString("hex")}`;
      await core.createNamespace({ body: { metadata: { name, labels: { "loco.dev/test": "true" } } } });
      created.push(name);
      return name;
    },
    async cleanup() {
      await Promise.allSettled(created.map((name) => core.deleteNamespace({ name })));
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails with what it last saw. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`Timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

/** Creates a pod on the simulated node and waits until kwok reports it Running. */
export async function runningPod(kube: TestKube, pod: V1Pod): Promise<void> {
  const namespace = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  await kube.core.createNamespacedPod({ namespace, body: pod });
  await eventually(`pod ${name} to run`, async () => {
    const { status } = await kube.core.readNamespacedPod({ name, namespace });
    return status?.phase === "Running" ? true : undefined;
  });
}
