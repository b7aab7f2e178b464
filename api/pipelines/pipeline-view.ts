// A Pipeline as the API answers it: its spec, last reported status and the Ready condition in front.
import { z } from "zod";

export const PipelineView = z.object({
  name: z.string(),
  tenant: z.string(),
  profile: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  ready: z.enum(["True", "False", "Unknown"]).describe("The Ready condition's status; Unknown until reported."),
  reason: z.string().nullable().describe("The Ready condition's reason, such as DependencyCycle."),
  message: z.string().nullable().describe("The Ready condition's message: what is wrong, naming the task."),
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
): PipelineView {
  const status = (object.status ?? {}) as Status;
  const ready = status.conditions?.find((c) => c.type === "Ready");
  return {
    name,
    tenant,
    profile,
    namespace,
    uid: object.uid,
    generation: object.generation,
    ready: ready?.status === "True" || ready?.status === "False" ? ready.status : "Unknown",
    reason: ready?.reason ?? null,
    message: ready?.message ?? null,
    spec: (object.spec ?? {}) as Record<string, unknown>,
    status,
  };
}
