// Commands for simulated pods. kwok's kubelet-like server answers the apiserver's pods/exec by running the command
// on this machine, as its ClusterExec objects say (working directory, env); this creates one per test namespace, so
// `loco exec`, the API and the apiserver run a real command — with its real output and exit code — in pods that
// run nothing themselves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { inject } from "vitest";

export interface LocalExec {
  /** The folder commands run in (empty at first, removed by `remove`). */
  workDir: string;
  remove(): Promise<void>;
}

export async function localExec(options: {
  namespace: string;
  env?: Record<string, string>;
  kubeConfig?: KubeConfig;
}): Promise<LocalExec> {
  const config = options.kubeConfig ?? defaultKubeConfig();
  const objects = KubernetesObjectApi.makeApiClient(config);
  const workDir = mkdtempSync(join(tmpdir(), `loco-exec-${options.namespace}-`));
  const name = `exec-${options.namespace}`;
  const envs = Object.entries(options.env ?? {}).map(([envName, value]) => ({ name: envName, value }));
  await objects.patch(
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "ClusterExec",
      metadata: { name },
      spec: {
        selector: { matchNamespaces: [options.namespace] },
        execs: [{ local: { workDir, ...(envs.length > 0 ? { envs } : {}) } }],
      },
    } as never,
    undefined,
    undefined,
    "loco-test",
    true,
    PatchStrategy.ServerSideApply,
  );
  return {
    workDir,
    async remove() {
      await objects
        .delete({ apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "ClusterExec", metadata: { name } } as never)
        .catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return config;
}
