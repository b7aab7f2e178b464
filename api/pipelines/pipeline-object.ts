import type { KubeObject } from "../../kube/types.ts";

/** Pure: the Pipeline the API applies. */
export const pipelineObject = (
  name: string,
  namespace: string,
  labels: Record<string, string>,
  spec: unknown,
): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "Pipeline",
  metadata: { name, namespace, labels },
  spec: spec as Record<string, unknown>,
});
