import type { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import type { KubeObject } from "../../kube/types.ts";

/**
 * Pure: the App one of the API's field managers applies. A deployment the API requested rides on annotations (its
 * id and who asked); the operator adopts the id when the pod template changes. `resourceVersion` makes the apply a
 * precondition on the App that was read. Labels, annotations and spec are left out when not given: a manager owns
 * only what it sends, and one that sends no spec (a whole-spec manager letting go) owns nothing of it.
 */
export function appObject(options: {
  name: string;
  namespace: string;
  labels?: Record<string, string> | undefined;
  requested?: { deploymentId: string; by: string } | undefined;
  /** Annotations of the App the manager owns besides the requested deployment's (a promotion's secret restore). */
  annotations?: Record<string, string> | undefined;
  resourceVersion?: string | undefined;
  spec?: Partial<AppSpec> | undefined;
}): KubeObject {
  const { requested, resourceVersion, labels, spec } = options;
  const annotations = {
    ...options.annotations,
    ...(requested
      ? { [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: requested.deploymentId, [ANNOTATION_REQUESTED_BY]: requested.by }
      : {}),
  };
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      ...(labels ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    ...(spec ? { spec } : {}),
  };
}
