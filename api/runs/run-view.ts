// A Run as the API answers it, from the mirror's row or the live object: its phase (from the Succeeded condition),
// reason, each task's state and times.
import { z } from "zod";
import { RUN_PHASES, type RunPhase } from "../../db/stores/runs.ts";
import type { KubeObject } from "../../kube/types.ts";
import { LOST_DESCRIPTION, LOST_REASON, lostMessage } from "../lost-object.ts";
import { profileOf } from "../profile-of.ts";

const TaskView = z.looseObject({
  name: z.string(),
  state: z.string().describe("Pending, Running, Succeeded, Failed, Skipped or Cancelled."),
  attempts: z.number().int().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const RunView = z.object({
  name: z.string(),
  tenant: z.string(),
  profile: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  pipeline: z.string().nullable().describe("The Pipeline it runs; null for a one-off command."),
  phase: z
    .enum(RUN_PHASES)
    .describe("Pending, Queued (waiting for a concurrency slot or lock), Running, Succeeded or Failed."),
  reason: z.string().nullable().describe("The Succeeded condition's reason, such as TaskFailed or UserCancelled."),
  message: z.string().nullable().describe("The Succeeded condition's message."),
  lost: z
    .boolean()
    .nullable()
    .describe(
      `${LOST_DESCRIPTION} A lost Run that had not finished has reason Lost: it is not running anywhere, and the resurrector does not re-run it.`,
    ),
  cancelRequested: z.boolean(),
  parameters: z.record(z.string(), z.string()),
  startedBy: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string().nullable(),
  startTime: z.string().nullable(),
  completionTime: z.string().nullable(),
  duration: z.string().nullable(),
  tasks: z.array(TaskView).describe("Each task's state, attempts, times, exit code and reason."),
  spec: z.record(z.string(), z.unknown()),
  status: z.record(z.string(), z.unknown()),
});
export type RunView = z.infer<typeof RunView>;

type RunCondition = { type: string; status: string; reason?: string; message?: string };
type RunStatus = {
  conditions?: RunCondition[];
  parameters?: Record<string, string>;
  tasks?: z.infer<typeof TaskView>[];
  startTime?: string;
  completionTime?: string;
  duration?: string;
};
type RunSpec = {
  pipelineRef?: { name: string; parameters?: Record<string, string> };
  cancel?: boolean;
  startedBy?: Record<string, unknown>;
};

export function runPhase(status: RunStatus): RunPhase {
  const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
  if (succeeded?.status === "True") return "Succeeded";
  if (succeeded?.status === "False") return "Failed";
  if (succeeded?.reason === "Queued") return "Queued";
  return status.startTime ? "Running" : "Pending";
}

export const runFinished = (phase: RunPhase) => phase === "Succeeded" || phase === "Failed";

export function runView(
  tenant: string,
  namespace: string,
  name: string,
  object: { uid?: string; spec: unknown; status: unknown; createdAt?: string | null },
  lost: boolean | null = false,
): RunView {
  const status = (object.status ?? {}) as RunStatus;
  const spec = (object.spec ?? {}) as RunSpec;
  const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
  const phase = runPhase(status);
  // A finished Run's outcome is history, true in any cluster; an unfinished one's phase is a claim about now.
  const interrupted = lost === true && !runFinished(phase);
  return {
    name,
    tenant,
    profile: profileOf(tenant, namespace),
    namespace,
    uid: object.uid,
    pipeline: spec.pipelineRef?.name ?? null,
    phase,
    reason: interrupted ? LOST_REASON : (succeeded?.reason ?? null),
    message: interrupted ? lostMessage("Run", name) : (succeeded?.message ?? null),
    lost,
    cancelRequested: spec.cancel === true,
    parameters: status.parameters ?? spec.pipelineRef?.parameters ?? {},
    startedBy: spec.startedBy ?? null,
    createdAt: object.createdAt ?? null,
    startTime: status.startTime ?? null,
    completionTime: status.completionTime ?? null,
    duration: status.duration ?? null,
    tasks: status.tasks ?? [],
    spec: spec as Record<string, unknown>,
    status: status as Record<string, unknown>,
  };
}

/** The view of a Run read from (or written to) the cluster. */
export const liveRunView = (tenant: string, object: KubeObject) =>
  runView(tenant, object.metadata.namespace ?? "", object.metadata.name ?? "", {
    uid: object.metadata.uid,
    spec: object.spec,
    status: object.status,
    createdAt: object.metadata.creationTimestamp ?? null,
  });
