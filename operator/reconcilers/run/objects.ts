// The cached objects the Run reconciler reads, typed by their loco schema.
import type { Pipeline } from "../../../crds/pipeline.ts";
import type { Run } from "../../../crds/run.ts";
import type { KubeObject } from "../../../kube/types.ts";

export type RunObject = Run & KubeObject;
export type PipelineObject = Pipeline & KubeObject;
