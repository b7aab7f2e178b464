// A Pipeline as the API answers it: its spec, last reported status and the Ready condition in front.
import { z } from "zod";
import { LOST_DESCRIPTION, readinessOf } from "../lost-object.ts";

export const PipelineView = z.object({
  name: z.string(),
  tenant: z.string(),
  profile: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  ready: z
    .enum(["True", "False", "Unknown"])
    .describe("The Ready condition's status; Unknown until reported, and while the Pipeline is lost."),
  reason: z.string().nullable().describe("The Ready condition's reason, such as DependencyCycle; Lost while lost."),
  message: z.string().nullable().describe("The Ready condition's message: what is wrong, naming the task."),
  lost: z.boolean().nullable().describe(LOST_DESCRIPTION),
  spec: z.record(z.string(), z.unknown()),
  status: z
    .record(z.string(), z.unknown())
    .describe("Status as last reported by the operator (conditions, lastRun, triggers' schedule, …)."),
});
export type PipelineView = z.infer<typeof PipelineView>;

type Status = { conditions?: { type: string; status: string; reason?: string; message?: string }[] } & Record<
  string,
  unknown
>;

export function pipelineView(
  tenant: string,
  profile: string,
  namespace: string,
  name: string,
  object: { uid?: string; generation?: number; spec: unknown; status: unknown },
  lost: boolean | null = false,
): PipelineView {
  const status = (object.status ?? {}) as Status;
  return {
    name,
    tenant,
    profile,
    namespace,
    uid: object.uid,
    generation: object.generation,
    ...readinessOf("Pipeline", name, status.conditions, lost),
    lost,
    spec: (object.spec ?? {}) as Record<string, unknown>,
    status,
  };
}
