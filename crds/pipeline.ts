// Pipeline: a DAG of container tasks with triggers. Nothing runs until a Run is created (by a trigger, the API or
// kubectl); the operator snapshots the Pipeline's generation into the Run. Dependency cycles and unknown task
// names are reported by the operator (condition Ready=False), not here: CEL can't walk a graph affordably.
import { z } from "zod";
import {
  boundedRecord,
  conditions,
  distinctEnvNames,
  dnsLabel,
  duration,
  envList,
  imageReference,
  keyedList,
  kubernetesObject,
  observedGeneration,
  parseDuration,
  Resources,
  secretEnvList,
  timestamp,
  uniqueList,
} from "./common.ts";
import { withRules } from "./rules.ts";

export const dependencyOutcomes = ["Success", "Failure", "Any"] as const;
export type DependencyOutcome = (typeof dependencyOutcomes)[number];

/**
 * A deploy step: the operator runs it as a task whose container calls loco's API with the Run's own credential,
 * deploying `image` (usually a digest an earlier task published: `$(tasks.build.outputs.digest)`) to the App.
 */
export const DeployStep = z.strictObject({
  app: dnsLabel().describe("The App to deploy, in the Run's tenant."),
  profile: dnsLabel()
    .optional()
    .describe("The profile of the App to deploy; defaults to the profile of the Run's namespace."),
  image: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      "The image to deploy, such as registry.example.com/acme/web@$(tasks.build.outputs.digest); references to task outputs and parameters are substituted when the step starts.",
    ),
});
export type DeployStep = z.infer<typeof DeployStep>;

/** What a Run's credential may do; nothing unless declared here. */
export const Permissions = z.strictObject({
  deploy: z
    .array(
      z.strictObject({
        app: dnsLabel().describe("An App of the Run's tenant."),
        profile: dnsLabel().optional().describe("The App's profile; defaults to the profile of the Run's namespace."),
      }),
    )
    .max(16)
    .optional()
    .describe("Apps the Run may deploy (read them and create deployments of them), each in one profile."),
});
export type Permissions = z.infer<typeof Permissions>;

export const Task = withRules(
  z.strictObject({
    name: dnsLabel().describe("Name of the task, unique in the Pipeline."),
    image: imageReference()
      .optional()
      .describe("Container image the task runs in; required unless the task is a deploy step (deploy)."),
    deploy: DeployStep.optional().describe(
      "Makes the task a deploy step: it deploys an image to an App of the Run's tenant with the Run's credential (permissions.deploy must allow it), instead of running an image of its own.",
    ),
    command: z.array(z.string().max(4096)).max(64).optional().describe("Entrypoint; defaults to the image's."),
    args: z.array(z.string().max(4096)).max(256).optional().describe("Arguments; default to the image's CMD."),
    script: z.string().max(65_536).optional().describe("Shell script run with `sh -c` instead of command and args."),
    env: envList().optional().describe("Environment variables."),
    secretEnv: secretEnvList(16)
      .optional()
      .describe("Environment variables taken from the tenant's loco-managed Secret."),
    resources: Resources.optional().describe("CPU and memory for the task's container."),
    dependsOn: boundedRecord(z.enum(dependencyOutcomes), 64)
      .optional()
      .describe(
        "Tasks this one waits for, each with the outcome that lets it start: Success, Failure or Any. Without it the task starts at once.",
      ),
    timeout: duration().default("8h").describe("Longest the task may run per attempt before it fails with TimedOut."),
    retries: z.int().min(0).max(10).default(0).describe("Extra attempts after a failed one."),
    logging: z.boolean().default(true).describe("Whether the task's output is collected and shown by `loco run logs`."),
    podAnnotations: boundedRecord(z.string().max(4096), 32)
      .optional()
      .describe('Annotations on the task\'s pods, such as sidecar.istio.io/inject: "false".'),
  }),
  [
    {
      cel: "!has(self.dependsOn) || !(self.name in self.dependsOn)",
      message: "a task can't depend on itself; remove its own name from dependsOn",
      field: ".dependsOn",
      holds: (t) => t.dependsOn === undefined || !Object.hasOwn(t.dependsOn, t.name),
    },
    {
      cel: "has(self.image) != has(self.deploy)",
      message: "set exactly one of image (run a container) or deploy (a deploy step)",
      holds: (t) => (t.image === undefined) !== (t.deploy === undefined),
    },
    {
      cel: "!has(self.deploy) || (!has(self.command) && !has(self.args) && !has(self.script))",
      message: "a deploy step runs loco's own command; remove command, args and script",
      field: ".deploy",
      holds: (t) =>
        t.deploy === undefined || (t.command === undefined && t.args === undefined && t.script === undefined),
    },
    {
      cel: "!has(self.script) || (!has(self.command) && !has(self.args))",
      message: "script replaces command and args; set either script or command/args",
      field: ".script",
      holds: (t) => t.script === undefined || (t.command === undefined && t.args === undefined),
    },
    distinctEnvNames(),
  ],
);
export type Task = z.infer<typeof Task>;

/**
 * The shortest interval any platform may allow. The apiserver can't know the platform's own minimum (an operator
 * flag, 1m by default, checked by the operator: reason TriggerTooFrequent), so the schema holds the floor below
 * which no schedule makes sense — it refuses 0s and 1ns outright.
 */
export const triggerIntervalFloor = "1s";

const Interval = withRules(
  z.strictObject({
    every: duration().describe(
      `Time between runs, such as 15m or 6h; at least ${triggerIntervalFloor}, and at least the platform's minimum (1m unless the platform says otherwise).`,
    ),
    jitter: duration()
      .optional()
      .describe("Random delay of up to this much added to each run, to spread load; at most every."),
  }),
  [
    {
      cel: `duration(self.every) >= duration('${triggerIntervalFloor}')`,
      message: `every must be at least ${triggerIntervalFloor}; choose a longer interval`,
      field: ".every",
      holds: (i) => parseDuration(i.every) >= parseDuration(triggerIntervalFloor),
    },
    {
      cel: "!has(self.jitter) || duration(self.jitter) <= duration(self.every)",
      message: "jitter must not exceed every; lower jitter",
      field: ".jitter",
      holds: (i) => i.jitter === undefined || parseDuration(i.jitter) <= parseDuration(i.every),
    },
  ],
);

export const Trigger = withRules(
  z.strictObject({
    name: dnsLabel().optional().describe("Name shown in Runs this trigger starts (startedBy.trigger)."),
    cron: z
      .strictObject({
        schedule: z
          .string()
          .max(256)
          .regex(/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+(\s+\S+){4,5})$/, {
            error: "must be a cron expression such as '0 3 * * *' or @daily",
          })
          .describe("Cron expression (5 or 6 fields, or @daily, @hourly, ...)."),
        timeZone: z
          .string()
          .max(64)
          .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/, {
            error: "must be an IANA time zone such as Europe/Berlin or UTC",
          })
          .optional()
          .describe("IANA time zone the schedule is read in (e.g. Europe/Berlin); defaults to UTC."),
      })
      .optional()
      .describe("Start Runs on a cron schedule."),
    interval: Interval.optional().describe("Start Runs at a fixed interval."),
    missedPolicy: z
      .enum(["RunOnce", "Skip"])
      .default("RunOnce")
      .describe(
        "What to do about times missed while the operator was down: RunOnce catches up with one Run, Skip waits.",
      ),
    parameters: boundedRecord(z.string().max(4096), 64)
      .optional()
      .describe("Parameter values for the Runs this trigger starts."),
  }),
  [
    {
      cel: "has(self.cron) != has(self.interval)",
      message: "set exactly one of cron or interval",
      holds: (t) => (t.cron === undefined) !== (t.interval === undefined),
    },
  ],
);
export type Trigger = z.infer<typeof Trigger>;

export const Parameter = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be letters, digits and '_', not starting with a digit" })
    .describe("Name of the parameter, unique in the Pipeline."),
  default: z
    .string()
    .max(4096)
    .optional()
    .describe("Value used when a Run does not set one; without it the parameter is required."),
  description: z.string().max(1024).optional().describe("What the parameter is for, shown by the CLI."),
});
export type Parameter = z.infer<typeof Parameter>;

export const PipelineSpec = z
  .strictObject({
    tasks: keyedList(Task, "name", 64).min(1).describe("Tasks to run, in dependency order (dependsOn)."),
    timeout: duration().optional().describe("Longest a whole Run may take; without it only task timeouts apply."),
    concurrency: z
      .strictObject({
        limit: z.int().min(1).max(100).default(1).describe("Most Runs of this Pipeline in flight at once."),
        policy: z
          .enum(["Allow", "Forbid", "Replace", "Queue"])
          .default("Queue")
          .describe(
            "What happens to a new Run at the limit: Allow runs it anyway, Forbid fails it, Replace cancels the oldest, Queue waits.",
          ),
      })
      .prefault({})
      .describe("How many Runs may be in flight at once, and what happens to more."),
    triggers: z.array(Trigger).max(16).optional().describe("Schedules that start Runs by themselves."),
    parameters: keyedList(Parameter, "name", 64).optional().describe("Parameters a Run may set."),
    permissions: Permissions.optional().describe(
      "What each Run's own short-lived credential may do through loco's API (LOCO_TOKEN in its tasks); without it a Run gets no credential.",
    ),
    locks: uniqueList(dnsLabel(), 8)
      .optional()
      .describe(
        "Named locks every Run of this Pipeline holds while it runs; a Run waits (first in, first out) until no other Run in the namespace holds any of them.",
      ),
    history: z
      .strictObject({
        successfulRuns: z.int().min(0).max(1000).default(10).describe("Succeeded Runs to keep."),
        failedRuns: z.int().min(0).max(1000).default(10).describe("Failed Runs to keep."),
      })
      .prefault({})
      .describe("How many finished Runs to keep; older ones are deleted (their records stay in loco's history)."),
  })
  .describe("Desired state of the Pipeline.");
export type PipelineSpec = z.infer<typeof PipelineSpec>;
export type PipelineSpecInput = z.input<typeof PipelineSpec>;

export const TriggerStatus = z.strictObject({
  name: z.string().min(1).max(63).describe("Name of the trigger (trigger-<index> when it has none)."),
  schedule: z.string().max(512).describe("The schedule the times below were computed for."),
  lastScheduleTime: timestamp().optional().describe("The last time the trigger was due (fired or skipped)."),
  lastRun: z.string().max(253).optional().describe("Name of the last Run the trigger started."),
  nextScheduleTime: timestamp().optional().describe("When the trigger is due next."),
});
export type TriggerStatus = z.infer<typeof TriggerStatus>;

export const PipelineStatus = z
  .strictObject({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    lastRun: z.string().max(253).optional().describe("Name of the most recent Run."),
    lastRunTime: timestamp().optional().describe("When the most recent Run was created."),
    lastScheduleTime: timestamp().optional().describe("When a trigger last fired."),
    nextScheduleTime: timestamp().optional().describe("When a trigger fires next."),
    activeRuns: z.int().min(0).optional().describe("Runs in flight."),
    queuedRuns: z.int().min(0).optional().describe("Runs waiting for a concurrency slot."),
    triggers: keyedList(TriggerStatus, "name", 16).optional().describe("Schedule of each trigger."),
  })
  .describe("Observed state of the Pipeline, written by the operator.");
export type PipelineStatus = z.infer<typeof PipelineStatus>;

export const Pipeline = kubernetesObject("Pipeline", PipelineSpec, PipelineStatus);
export type Pipeline = z.infer<typeof Pipeline>;
