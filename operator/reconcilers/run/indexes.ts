// Cache indexes over Runs and their pods: admission reads a namespace's Runs, a Pipeline its own Runs, and a task
// the pods of its Job.
import { LABEL_JOB_NAME, LABEL_RUN } from "../../../crds/run-names.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { RunObject } from "./objects.ts";

/** Runs by namespace (admission looks at a namespace's Runs). */
export const NAMESPACE_INDEX = "namespace";
export const namespaceIndex = (object: KubeObject): string[] => [object.metadata.namespace ?? ""];
/** Runs by `namespace/pipeline`. */
export const PIPELINE_INDEX = "pipeline";
export const pipelineIndex = (object: KubeObject): string[] => {
  const name = (object as RunObject).spec?.pipelineRef?.name;
  return name ? [`${object.metadata.namespace}/${name}`] : [];
};
/** The label on Job pods naming their Run. */
export const LABEL_RUN_KEY = LABEL_RUN;
/** Pods by `namespace/job`. */
export const JOB_INDEX = "job";
export const jobIndex = (pod: KubeObject): string[] => {
  const job = pod.metadata.labels?.[LABEL_JOB_NAME] ?? pod.metadata.labels?.["job-name"];
  return job ? [`${pod.metadata.namespace}/${job}`] : [];
};
