// Run: one execution, of a Pipeline or of a single inline task. A Run is a record of what was asked, so its spec
// is frozen at creation except for `cancel`, which may only go from false to true.
import { z } from "zod";
import {
  boundedRecord,
  conditions,
  distinctEnvNames,
  dnsLabel,
  dnsSubdomain,
  duration,
  envList,
  imageReference,
  keyedList,
  kubernetesObject,
  observedGeneration,
  Resources,
  secretEnvList,
  timestamp,
  uniqueList,
} from "./common.ts";
import { taskStates } from "./conditions.ts";
import { withRules } from "./rules.ts";

export const InlineTask = withRules(
  z.strictObject({
    image: imageReference().describe("Container image to run."),
    command: z.array(z.string().max(4096)).max(64).optional().describe("Entrypoint; defaults to the image's."),
    args: z.array(z.string().max(4096)).max(256).optional().describe("Arguments; default to the image's CMD."),
    env: envList().optional().describe("Environment variables."),
    secretEnv: secretEnvList(64)
      .optional()
      .describe(
        "Environment variables taken from a loco-managed Secret: the App's (spec.app) or the namespace's loco.run-secrets.",
      ),
    resources: Resources.optional().describe("CPU and memory for the container."),
    timeout: duration().default("8h").describe("Longest the command may run before it fails with TimedOut."),
    podAnnotations: boundedRecord(z.string().max(4096), 32)
      .optional()
      .describe('Annotations on the command\'s pod, such as sidecar.istio.io/inject: "false".'),
  }),
  [distinctEnvNames()],
);
export type InlineTask = z.infer<typeof InlineTask>;

const frozenFields = ["pipelineRef", "task", "app", "timeout", "startedBy", "locks", "reuse"] as const;

export const RunSpec = withRules(
  z.strictObject({
    pipelineRef: z
      .strictObject({
        name: dnsSubdomain().describe("Name of the Pipeline, in the Run's namespace."),
        parameters: boundedRecord(z.string().max(4096), 64)
          .optional()
          .describe("Parameter values; parameters left out take the Pipeline's defaults."),
      })
      .optional()
      .describe("The Pipeline to run; its generation is recorded in status.pipelineGeneration."),
    task: InlineTask.optional().describe("A one-off command to run instead of a Pipeline."),
    app: dnsLabel()
      .optional()
      .describe(
        "With task: the App (in the Run's namespace) the command runs for; its secretEnv then reads the App's Secret <app>-secrets instead of loco.run-secrets. `loco run` sets it, with the App's image and env.",
      ),
    timeout: duration().optional().describe("Longest the whole Run may take; overrides the Pipeline's timeout."),
    locks: uniqueList(dnsLabel(), 8)
      .optional()
      .describe(
        "Named locks the Run holds while it runs, besides its Pipeline's; it waits until no other Run in the namespace holds any of them.",
      ),
    reuse: z
      .strictObject({
        run: dnsSubdomain().describe("The earlier Run of the same Pipeline this one reruns."),
        tasks: uniqueList(dnsLabel(), 64).describe(
          "Tasks not run again: each succeeded in that Run, and counts as succeeded here (state Skipped, reason Reused).",
        ),
      })
      .optional()
      .describe("With pipelineRef: tasks whose results this Run takes from an earlier Run instead of running them."),
    cancel: z
      .boolean()
      .default(false)
      .describe("Set to true to cancel the Run: running tasks are stopped and it ends with reason UserCancelled."),
    startedBy: z
      .strictObject({
        kind: z.enum(["Manual", "Trigger", "API"]).describe("How the Run was started: Manual, Trigger or API."),
        user: z.string().max(256).optional().describe("Who started it (the API's caller or the CLI user)."),
        trigger: z.string().max(253).optional().describe("Name of the trigger that started it."),
      })
      .optional()
      .describe("Who or what started the Run; absent when it was created with kubectl."),
  }),
  [
    {
      cel: "has(self.pipelineRef) != has(self.task)",
      message: "set exactly one of pipelineRef (run a Pipeline) or task (run a one-off command)",
      holds: (s) => (s.pipelineRef === undefined) !== (s.task === undefined),
    },
    {
      cel: "!has(self.app) || has(self.task)",
      message: "app is only for a one-off command: set task, or remove app",
      field: ".app",
      holds: (s) => s.app === undefined || s.task !== undefined,
    },
    {
      cel: "!has(self.reuse) || has(self.pipelineRef)",
      message: "reuse is only for a Run of a Pipeline: set pipelineRef, or remove reuse",
      field: ".reuse",
      holds: (s) => s.reuse === undefined || s.pipelineRef !== undefined,
    },
    {
      cel: frozenFields
        .map((f) => `has(self.${f}) == has(oldSelf.${f}) && (!has(self.${f}) || self.${f} == oldSelf.${f})`)
        .join(" && "),
      message: "a Run can't be changed after it is created, except to set cancel; start a new Run instead",
      reason: "FieldValueForbidden",
    },
    {
      cel: "!oldSelf.cancel || self.cancel",
      message: "a cancelled Run can't be resumed; start a new Run instead",
      field: ".cancel",
      reason: "FieldValueForbidden",
    },
  ],
).describe("What to run. Frozen at creation, except cancel.");
export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;

export const TaskStatus = z.strictObject({
  name: z.string().min(1).max(63).describe("Name of the task (run-task for an inline task)."),
  state: z.enum(taskStates).describe("Pending, Running, Succeeded, Failed, Skipped or Cancelled."),
  job: z.string().max(253).optional().describe("Name of the Job running the current attempt."),
  attempts: z.int().min(0).optional().describe("Attempts started so far."),
  startTime: timestamp().optional().describe("When the first attempt started."),
  completionTime: timestamp().optional().describe("When the task finished."),
  exitCode: z.int().optional().describe("Exit code of the last attempt's container."),
  reason: z
    .string()
    .max(1024)
    .optional()
    .describe("PascalCase reason for the state, such as AbnormalExit or TimedOut."),
  message: z.string().max(32_768).optional().describe("Sentence explaining the state."),
  nextAttemptTime: timestamp().optional().describe("When the next attempt starts, while a failed task waits to retry."),
  outputs: boundedRecord(z.string().max(4096), 16)
    .optional()
    .describe(
      "Values the task published (a JSON object of strings in its container's termination message, /dev/termination-log); later tasks read them as $(tasks.<task>.outputs.<name>).",
    ),
});
export type TaskStatus = z.infer<typeof TaskStatus>;

export const RunStatus = z
  .strictObject({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    pipelineGeneration: z.int().min(0).optional().describe("metadata.generation of the Pipeline this Run executes."),
    pipelineSpec: z
      .looseObject({})
      .optional()
      .describe("Snapshot of the Pipeline's spec taken when the Run was first seen; later edits don't affect the Run."),
    parameters: boundedRecord(z.string().max(4096), 64)
      .optional()
      .describe("Parameter values the Run uses (its own, then the Pipeline's defaults)."),
    tasks: keyedList(TaskStatus, "name", 64).optional().describe("State of each task."),
    startTime: timestamp().optional().describe("When the first task started."),
    completionTime: timestamp().optional().describe("When the Run finished."),
    duration: z.string().max(64).optional().describe("How long the Run took (or has taken so far), such as 1m32s."),
    credential: z
      .strictObject({
        secretName: z.string().max(253).describe("The Secret (owned by the Run) holding the credential."),
        expiresAt: timestamp().describe("When the credential stops working, even if the Run goes on."),
      })
      .optional()
      .describe(
        "The Run's own loco API credential, made when it starts because its Pipeline declares permissions; deleted when the Run ends.",
      ),
  })
  .describe("Observed state of the Run, written by the operator.");
export type RunStatus = z.infer<typeof RunStatus>;

export const Run = kubernetesObject("Run", RunSpec, RunStatus);
export type Run = z.infer<typeof Run>;
