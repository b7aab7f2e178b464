// The Gateway every test world points its Profile at, in a namespace of its own (no controller serves it: the test
// bed has no data plane), and optionally that Profile, applied straight to the cluster with the client given.

import { PROFILE } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { GATEWAY, NAMESPACE } from "../../kube/resources.ts";

const MANAGER = "loco-test";

/** Applies the namespace (labelled as a test's, plus `labels`) and a Gateway `public` in it. */
export async function applyTestGateway(
  client: KubeClient,
  namespace: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await client.apply(
    NAMESPACE,
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: { "loco.dev/test": "true", ...labels } },
    },
    MANAGER,
  );
  await client.apply(
    GATEWAY,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
    MANAGER,
  );
}

export interface TestProfile {
  name: string;
  labels: Record<string, string>;
  baseDomain: string;
  gatewayNamespace: string;
  /** Spec fields besides baseDomain and gateway (default: one replica). */
  spec?: Record<string, unknown>;
}

/** Applies a Gateway (see applyTestGateway) and a Profile on it. */
export async function applyTestGatewayAndProfile(client: KubeClient, profile: TestProfile): Promise<void> {
  await applyTestGateway(client, profile.gatewayNamespace);
  await client.apply(
    PROFILE,
    {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: profile.name, labels: profile.labels },
      spec: {
        baseDomain: profile.baseDomain,
        gateway: { name: "public", namespace: profile.gatewayNamespace },
        ...(profile.spec ?? { defaults: { replicas: 1 } }),
      },
    },
    MANAGER,
  );
}
