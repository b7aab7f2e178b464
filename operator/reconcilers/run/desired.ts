// Pure builders for a Run's Jobs: (task, Run identity, attempt, parameters) → the Job loco wants. No clock,
// randomness or I/O: the same inputs give the same object, so re-applying an existing Job is a no-op.
import { parseDuration } from "../../../crds/common.ts";
import type { PodSecurityLevel } from "../../../crds/profile.ts";
import { RUN_CREDENTIAL_KEY } from "../../../crds/run-credential.ts";
import {
  ANNOTATION_LOGGING,
  LABEL_ATTEMPT,
  LABEL_MANAGED_BY,
  LABEL_PIPELINE,
  LABEL_RUN,
  LABEL_TASK,
  LABEL_TENANT,
  labelValue,
  MANAGED_BY,
  taskContainerName,
} from "../../../crds/run-names.ts";
import type { KubeObject, OwnerReference } from "../../../kube/types.ts";
import { containerSecurityContext, podSecurityContext } from "../pod-security.ts";
import type { RunTask } from "./progress.ts";
import { substituteOutputs } from "./task-outputs.ts";

/** How a deploy step runs: loco's own image and CLI, calling the API with the Run's credential. */
export interface DeployRunner {
  /** The image holding loco's CLI (the platform's loco image). */
  image: string;
  /** The CLI's entrypoint in it. */
  command: readonly string[];
}

/** The Run's credential as its tasks receive it. */
export interface CredentialInputs {
  secretName: string;
  /** loco's API as tasks reach it (LOCO_SERVER); unset when the platform did not say. */
  apiUrl: string | undefined;
}

export interface JobInputs {
  run: { name: string; namespace: string };
  owner: OwnerReference;
  tenant: string;
  pipeline: string | undefined;
  task: RunTask;
  attempt: number;
  jobName: string;
  /** Parameter values, given to every task as environment variables. */
  parameters: Readonly<Record<string, string>>;
  /** The Secret secretEnv reads from. */
  secretName: string;
  /** The Pod Security Standard level of the namespace's Profile, which the tenant namespace enforces. */
  podSecurity: PodSecurityLevel;
  /** Outputs of the tasks that succeeded, by task, for `$(tasks.<task>.outputs.<name>)`. */
  outputs?: Readonly<Record<string, Record<string, string>>>;
  /** The Run's credential, when its Pipeline declares permissions: LOCO_TOKEN (and LOCO_SERVER) in every task. */
  credential?: CredentialInputs;
  /** Deploy steps: how they run, and the profile of the Run's namespace (their default). */
  deployRunner?: DeployRunner;
  profile?: string;
}

export function jobLabels(inputs: Pick<JobInputs, "run" | "tenant" | "pipeline" | "task">): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_RUN]: labelValue(inputs.run.name),
    [LABEL_TASK]: inputs.task.name,
    ...(inputs.pipeline ? { [LABEL_PIPELINE]: labelValue(inputs.pipeline) } : {}),
    [LABEL_TENANT]: labelValue(inputs.tenant),
  };
}

/** Parameters first, then the task's env (which wins), then its secret env, then the Run's credential. */
export function taskEnv(
  inputs: Pick<JobInputs, "task" | "parameters" | "secretName" | "outputs" | "credential">,
): Record<string, unknown>[] {
  const merged = new Map<string, Record<string, unknown>>();
  for (const name of Object.keys(inputs.parameters).sort()) {
    merged.set(name, { name, value: inputs.parameters[name] });
  }
  for (const entry of inputs.task.env ?? []) {
    merged.set(entry.name, { name: entry.name, value: substituteOutputs(entry.value, inputs.outputs ?? {}) });
  }
  for (const entry of inputs.task.secretEnv ?? []) {
    merged.set(entry.name, {
      name: entry.name,
      valueFrom: { secretKeyRef: { name: inputs.secretName, key: entry.secretKey } },
    });
  }
  // Last, so that no task variable can replace the credential with a token of its own choosing.
  if (inputs.credential) {
    merged.set("LOCO_TOKEN", {
      name: "LOCO_TOKEN",
      valueFrom: { secretKeyRef: { name: inputs.credential.secretName, key: RUN_CREDENTIAL_KEY } },
    });
    if (inputs.credential.apiUrl) merged.set("LOCO_SERVER", { name: "LOCO_SERVER", value: inputs.credential.apiUrl });
  }
  return [...merged.values()];
}

function containerResources(task: RunTask): Record<string, unknown> | undefined {
  const { cpu, memory } = task.resources ?? {};
  if (cpu === undefined && memory === undefined) return undefined;
  return {
    requests: {
      ...(cpu === undefined ? {} : { cpu: String(cpu) }),
      ...(memory === undefined ? {} : { memory: String(memory) }),
    },
    ...(memory === undefined ? {} : { limits: { memory: String(memory) } }),
  };
}

/**
 * One attempt of one task. backoffLimit 0: loco retries with a new Job per attempt (its own backoff and
 * timeout); activeDeadlineSeconds lets Kubernetes enforce the timeout even while the operator is away.
 */
/**
 * What a task's container runs: its own image and command, or — for a deploy step — loco's CLI deploying the image
 * (outputs substituted) to the App, with the Run's credential. Output references are substituted everywhere.
 */
export function taskProcess(inputs: Pick<JobInputs, "task" | "tenant" | "outputs" | "deployRunner" | "profile">): {
  image: string;
  command: string[] | undefined;
  args: string[] | undefined;
} {
  const { task } = inputs;
  const sub = (text: string) => substituteOutputs(text, inputs.outputs ?? {});
  if (task.deploy) {
    const runner = inputs.deployRunner ?? { image: "ghcr.io/loco-dev/loco", command: ["node", "dist/cli/main.js"] };
    const profile = task.deploy.profile ?? inputs.profile ?? "";
    return {
      image: runner.image,
      command: [...runner.command, "deploy", "--app", task.deploy.app, "--profile", profile],
      // --wait: the step fails when the rollout fails, not only when the API refuses the deploy.
      args: ["--image", sub(task.deploy.image), "--tenant", inputs.tenant, "--wait", "--timeout", task.timeout ?? "8h"],
    };
  }
  return {
    image: task.image ?? "",
    command: (task.script !== undefined ? ["sh", "-c", sub(task.script)] : task.command)?.map(sub),
    args: task.script === undefined ? task.args?.map(sub) : undefined,
  };
}

export function desiredJob(inputs: JobInputs): KubeObject {
  const { task } = inputs;
  const labels = { ...jobLabels(inputs), [LABEL_ATTEMPT]: String(inputs.attempt) };
  const { image, command, args } = taskProcess(inputs);
  const env = taskEnv(inputs);
  const resources = containerResources(task);
  const annotations =
    task.podAnnotations && Object.keys(task.podAnnotations).length > 0 ? task.podAnnotations : undefined;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: inputs.jobName,
      namespace: inputs.run.namespace,
      labels,
      // Tells log collection to leave this task's output alone (task.logging: false).
      ...(task.logging === false ? { annotations: { [ANNOTATION_LOGGING]: "false" } } : {}),
      ownerReferences: [inputs.owner],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(parseDuration(task.timeout ?? "8h") / 1000)),
      template: {
        metadata: { labels, ...(annotations ? { annotations: { ...annotations } } : {}) },
        spec: {
          restartPolicy: "Never",
          enableServiceLinks: false,
          // No Kubernetes credential by default: a task's code (often a third-party image) gets no token for the
          // namespace's ServiceAccount. Tasks that call loco's API use a loco token from secretEnv.
          automountServiceAccountToken: false,
          ...podSecurityContext(inputs.podSecurity),
          containers: [
            {
              name: taskContainerName(task.name),
              image,
              ...(command ? { command } : {}),
              ...(args ? { args } : {}),
              ...(env.length > 0 ? { env } : {}),
              ...(resources ? { resources } : {}),
              ...containerSecurityContext(inputs.podSecurity),
            },
          ],
        },
      },
    },
  };
}
