// Cache indexes over Apps: the reconciler reads siblings through one, the wiring maps Profile and namespace events through the others.
import type { KubeObject } from "../../../kube/types.ts";
import type { AppObject } from "./objects.ts";

/** Index of Apps by `namespace/project`, for LOCO_<APP>_URL discovery. */
export const PROJECT_INDEX = "namespace-project";
export const projectIndex = (app: KubeObject): string[] => {
  const project = (app as AppObject).spec?.project;
  return project ? [`${app.metadata.namespace}/${project}`] : [];
};
/** Index of Apps by the Profile they use. */
export const PROFILE_INDEX = "profile";
export const profileIndex = (app: KubeObject): string[] => [(app as AppObject).spec?.profile ?? ""];
/** Index of Apps by namespace, for the events of a namespace (its tenant label). */
export const NAMESPACE_INDEX = "namespace";
export const namespaceIndex = (app: KubeObject): string[] => [app.metadata.namespace ?? ""];
