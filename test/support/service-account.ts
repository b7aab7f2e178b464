// Identities for RBAC tests: a ServiceAccount's bound token (TokenRequest API) turned into a kubeconfig for the
// shared test cluster, so a test can act with exactly the rights a chart grants and nothing else.
import { type CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { kubectl } from "../../hack/control-plane/control-plane.ts";
import { KubeApiError } from "../../kube/kube-client.ts";
import { testKubeConfig } from "./operator.ts";

/**
 * A kubeconfig for `namespace/name`: the test cluster's server and CA (or `options.cluster`'s), and a one-hour token,
 * bound to `options.pod` when given (as the token kubelet mounts into a pod is).
 */
export async function serviceAccountKubeConfig(
  core: CoreV1Api,
  namespace: string,
  name: string,
  options: { cluster?: KubeConfig; pod?: { name: string; uid: string | undefined } } = {},
): Promise<KubeConfig> {
  const boundObjectRef = options.pod ? { apiVersion: "v1", kind: "Pod", ...options.pod } : undefined;
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600, ...(boundObjectRef ? { boundObjectRef } : {}) } },
  });
  const cluster = (options.cluster ?? testKubeConfig()).getCurrentCluster();
  if (!cluster || !token.status?.token) throw new Error(`No token for ServiceAccount ${namespace}/${name}`);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "test", server: cluster.server, caData: cluster.caData, caFile: cluster.caFile }],
    users: [{ name, token: token.status.token }],
    contexts: [{ name, cluster: "test", user: name }],
    currentContext: name,
  });
  return config;
}

/** Applies (server-side, as the test's admin) or deletes a rendered manifest. */
export async function applyManifest(manifest: string): Promise<void> {
  await kubectl(
    { kubeconfig: inject("kubeconfig") },
    ["apply", "--server-side", "--field-manager=loco-test", "-f", "-"],
    manifest,
  );
}

export async function deleteManifest(manifest: string): Promise<void> {
  await kubectl({ kubeconfig: inject("kubeconfig") }, ["delete", "--ignore-not-found", "-f", "-"], manifest);
}

/** The HTTP status a request ends with: 200 when it succeeds, the apiserver's status when it is refused. */
export async function statusOf(request: () => Promise<unknown>): Promise<number> {
  try {
    await request();
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
  return 200;
}
