// Starting a Run: of a Pipeline (its parameters checked against the ones it declares, refused while the Pipeline is
// not Ready) or of a one-off command. The Run object is built by pure functions; creating it picks another name on
// the rare collision.

import { RUN } from "../../crds/kinds.ts";
import { LABEL_PIPELINE } from "../../crds/run-names.ts";
import { KubeApiError, type KubeClient } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
import { newRunName } from "./run-name.ts";

export interface DeclaredParameter {
  name: string;
  default?: string;
}

export interface ParameterProblem {
  field: string;
  message: string;
}

/** Pure: what is wrong with `given` against the parameters `pipeline` declares (unknown names, missing values). */
export function parameterProblems(
  pipeline: string,
  declared: DeclaredParameter[],
  given: Record<string, string>,
): ParameterProblem[] {
  const known = new Set(declared.map((p) => p.name));
  return [
    ...Object.keys(given)
      .filter((name) => !known.has(name))
      .map((name) => ({
        field: `parameters.${name}`,
        message:
          declared.length === 0
            ? `Pipeline ${pipeline} declares no parameters`
            : `Pipeline ${pipeline} declares no parameter ${name}; it declares ${declared.map((p) => p.name).join(", ")}`,
      })),
    ...declared
      .filter((p) => p.default === undefined && given[p.name] === undefined)
      .map((p) => ({ field: `parameters.${p.name}`, message: "is required: the Pipeline gives it no default" })),
  ];
}

/** Refuses a start the Pipeline cannot take: parameters that do not match, or a Pipeline that is not Ready. */
export function checkPipelineStart(pipeline: KubeObject, name: string, given: Record<string, string>): void {
  const declared = (pipeline.spec as { parameters?: DeclaredParameter[] }).parameters ?? [];
  const errors = parameterProblems(name, declared, given);
  if (errors.length > 0) {
    throw new ApiError(
      "InvalidRequest",
      `The parameters do not match Pipeline ${name}: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}. Fix them and retry.`,
      { errors },
    );
  }
  const conditions =
    (pipeline.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] })
      ?.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready?.status === "False") {
    throw new ApiError(
      "Conflict",
      `Pipeline ${name} is not Ready (${ready.reason ?? "no reason"}: ${ready.message ?? "no message"}); fix its spec, apply it, and start the Run again.`,
    );
  }
}

/** Pure: a Run of `pipeline`, owned by it (without blocking its deletion). */
export function pipelineRunObject(options: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  pipeline: { name: string; uid: string };
  parameters: Record<string, string>;
  timeout?: string | undefined;
  startedBy: string;
  /** A rerun: the earlier Run and the tasks taken from it (spec.reuse). */
  reuse?: { run: string; tasks: string[] } | undefined;
}): KubeObject {
  const { pipeline, parameters } = options;
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { ...options.labels, [LABEL_PIPELINE]: pipeline.name },
      ownerReferences: [
        {
          apiVersion: "loco.dev/v1alpha1",
          kind: "Pipeline",
          name: pipeline.name,
          uid: pipeline.uid,
          blockOwnerDeletion: false,
        },
      ],
    },
    spec: {
      pipelineRef: { name: pipeline.name, ...(Object.keys(parameters).length ? { parameters } : {}) },
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.reuse ? { reuse: options.reuse } : {}),
      startedBy: { kind: "API", user: options.startedBy },
    },
  };
}

/** Pure: a Run of one inline task. */
export function commandRunObject(options: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  task: unknown;
  /** The App the command runs as: the operator then reads secretEnv from the App's Secret. */
  app?: string | undefined;
  timeout?: string | undefined;
  locks?: string[] | undefined;
  startedBy: string;
}): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: options.name, namespace: options.namespace, labels: options.labels },
    spec: {
      task: options.task,
      ...(options.app ? { app: options.app } : {}),
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.locks ? { locks: options.locks } : {}),
      startedBy: { kind: "API", user: options.startedBy },
    },
  };
}

/** Creates the Run; a name collision (two starts in the same millisecond with the same random part) picks another. */
export async function createRun(kube: KubeClient, object: KubeObject): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kube.create<KubeObject>(RUN, object, FIELD_MANAGER);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 3) throw error;
      object.metadata.name = newRunName(object.metadata.name?.replace(/-[^-]+$/, "") ?? "run");
    }
  }
}

/** Starts a Run of `pipeline` (read live, so that its uid and Ready condition are current) with `parameters`. */
export function startPipelineRun(
  services: ApiServices,
  request: {
    pipeline: KubeObject;
    parameters: Record<string, string>;
    timeout?: string | undefined;
    startedBy: string;
    reuse?: { run: string; tasks: string[] } | undefined;
  },
): Promise<KubeObject> {
  const { pipeline, parameters } = request;
  const name = pipeline.metadata.name ?? "";
  checkPipelineStart(pipeline, name, parameters);
  return createRun(
    services.kube,
    pipelineRunObject({
      name: newRunName(name),
      namespace: pipeline.metadata.namespace ?? "",
      labels: services.config.objectLabels,
      pipeline: { name, uid: pipeline.metadata.uid ?? "" },
      parameters,
      timeout: request.timeout,
      startedBy: request.startedBy,
      reuse: request.reuse,
    }),
  );
}

/** Starts a Run of one inline task in `namespace`. */
export function startCommandRun(
  services: ApiServices,
  request: {
    namespace: string;
    task: unknown;
    app?: string | undefined;
    timeout?: string | undefined;
    locks?: string[] | undefined;
    startedBy: string;
  },
): Promise<KubeObject> {
  return createRun(
    services.kube,
    commandRunObject({ name: newRunName("run"), labels: services.config.objectLabels, ...request }),
  );
}
