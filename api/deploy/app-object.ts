import type { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import type { KubeObject } from "../../kube/types.ts";

/**
 * Pure: the App a deploy applies. The deployment id chosen by the API rides on an annotation; the operator adopts
 * it when the pod template changes.
 */
export function appObject(options: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  deploymentId: string;
  requestedBy: string;
  spec: AppSpec;
}): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: options.labels,
      annotations: {
        [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: options.deploymentId,
        [ANNOTATION_REQUESTED_BY]: options.requestedBy,
      },
    },
    spec: options.spec,
  };
}
