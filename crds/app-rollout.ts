// spec.rollout and status.rollout of an App: how a new pod template reaches traffic (ADR 0010). `rolling` is the
// Deployment's own rolling update; `canary` runs the new template beside the stable one and moves traffic by weighted
// backendRefs on the App's routes, step by step, gated by pauses and metric analysis. `blueGreen` runs the new
// version fully beside the active one, reachable on a preview hostname only, and switches all traffic to it at once
// on promotion (ADR 0012).
import { z } from "zod";
import { duration, hostname, timestamp } from "./common.ts";
import { withRules } from "./rules.ts";

// A threshold is absolute (minPercent, maxMs) or relative to the stable version's own series over the same window
// (maxDropPoints, maxIncreasePercent); a relative check needs minRequests on both sides to conclude.
export const SuccessRateCheck = withRules(
  z.strictObject({
    minPercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe("Least share of the canary's requests, in percent, that must not be answered 5xx (e.g. 99.5)."),
    maxDropPoints: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe(
        "Most percentage points the canary's success rate may fall below the stable version's over the same window (e.g. 1: stable at 99.8% lets the canary go down to 98.8%).",
      ),
  }),
  [
    {
      cel: "has(self.minPercent) != has(self.maxDropPoints)",
      message:
        "set exactly one of minPercent (an absolute success rate) or maxDropPoints (a drop below the stable version's)",
      holds: (c) => (c.minPercent === undefined) !== (c.maxDropPoints === undefined),
    },
  ],
);

export const LatencyCheck = withRules(
  z.strictObject({
    percentile: z
      .int()
      .min(1)
      .max(99)
      .default(99)
      .describe("Latency percentile of the canary's requests to hold to its threshold, such as 95 or 99."),
    maxMs: z.int().min(1).max(600_000).optional().describe("Most milliseconds the percentile may reach."),
    maxIncreasePercent: z
      .number()
      .min(0)
      .max(10_000)
      .optional()
      .describe(
        "Most percent the canary's percentile may exceed the stable version's over the same window (e.g. 20: stable at 100 ms lets the canary reach 120 ms).",
      ),
  }),
  [
    {
      cel: "has(self.maxMs) != has(self.maxIncreasePercent)",
      message:
        "set exactly one of maxMs (an absolute latency) or maxIncreasePercent (an increase over the stable version's)",
      holds: (c) => (c.maxMs === undefined) !== (c.maxIncreasePercent === undefined),
    },
  ],
);

export const QueryCheck = withRules(
  z.strictObject({
    promql: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        "PromQL giving one number. Write {{selector}} where the canary's series matchers go (loco fills in its tenant, namespace and App), e.g. sum(rate(jobs_failed_total{{selector}}[2m])).",
      ),
    max: z.number().optional().describe("The check fails when the value is above this."),
    min: z.number().optional().describe("The check fails when the value is below this."),
  }),
  [
    {
      cel: "has(self.max) || has(self.min)",
      message: "set max, min or both: the threshold the query's value is held to",
      holds: (q) => q.max !== undefined || q.min !== undefined,
    },
    {
      cel: "self.promql.contains('{{selector}}')",
      message: "must contain {{selector}} where loco puts the canary's tenant, namespace and App matchers",
      field: ".promql",
      holds: (q) => q.promql.includes("{{selector}}"),
    },
  ],
);

export const Analysis = withRules(
  z.strictObject({
    successRate: SuccessRateCheck.optional().describe("Share of requests not answered 5xx."),
    latency: LatencyCheck.optional().describe("A latency percentile of the requests."),
    query: QueryCheck.optional().describe("Any PromQL giving one number, with a threshold."),
    interval: duration().default("1m").describe("Time between checks, and the window each check looks back over."),
    count: z.int().min(1).max(100).default(3).describe("Conclusive checks the step runs before it passes."),
    failureLimit: z.int().min(0).max(99).default(0).describe("Failed checks allowed; one more rolls the canary back."),
    minRequests: z
      .int()
      .min(0)
      .max(1_000_000_000)
      .default(20)
      .describe(
        "Fewest requests in a check's window for it to count (successRate and latency), of the canary and, for a threshold relative to the stable version, of the stable version too; fewer, or an empty result, is inconclusive and holds the step.",
      ),
  }),
  [
    {
      cel: "(has(self.successRate) ? 1 : 0) + (has(self.latency) ? 1 : 0) + (has(self.query) ? 1 : 0) == 1",
      message: "set exactly one of successRate, latency or query",
      holds: (a) => [a.successRate, a.latency, a.query].filter((c) => c !== undefined).length === 1,
    },
    {
      cel: "self.failureLimit < self.count",
      message: "must be less than count, or the step could never pass; lower failureLimit or raise count",
      field: ".failureLimit",
      holds: (a) => a.failureLimit < a.count,
      explain: (a) => `must be less than count (${a.count}), or the step could never pass; lower it or raise count`,
    },
  ],
);
export type Analysis = z.infer<typeof Analysis>;

export const RolloutStep = withRules(
  z.strictObject({
    setWeight: z.int().min(0).max(100).optional().describe("Percent of the App's traffic to send to the canary."),
    pause: z
      .strictObject({
        duration: duration().optional().describe("How long to wait; without it, until `loco rollout promote`."),
      })
      .optional()
      .describe("Wait before the next step."),
    analysis: Analysis.optional().describe("Check the canary's metrics; a failure rolls it back by itself."),
  }),
  [
    {
      cel: "(has(self.setWeight) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.analysis) ? 1 : 0) == 1",
      message: "set exactly one of setWeight, pause or analysis in each step",
      holds: (s) => [s.setWeight, s.pause, s.analysis].filter((v) => v !== undefined).length === 1,
    },
  ],
);
export type RolloutStep = z.infer<typeof RolloutStep>;

/** A request header that sends testers to the canary whatever the weights (ADR 0010). */
export const HeaderRoute = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, {
      error: "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~), such as x-canary",
    })
    .describe("Header name testers send, such as x-canary (matched case-insensitively, as HTTP header names are)."),
  value: z.string().min(1).max(4096).describe("Header value that selects the canary, matched exactly, such as always."),
});
export type HeaderRoute = z.infer<typeof HeaderRoute>;

/** A blue-green rollout (ADR 0012): the new version ("green") beside the active one until promoted. */
export const BlueGreen = z.strictObject({
  previewHostname: hostname()
    .optional()
    .describe(
      "Hostname that reaches the new version only while a rollout is in flight, for testing before promotion; the same hostname rules as spec.routes apply (the tenant's default domain or a granted one).",
    ),
  autoPromoteAfter: duration()
    .optional()
    .describe(
      "Promote by itself this long after the new version is available (and its analysis, if any, passed); 0s promotes as soon as they allow. Without it, `loco rollout promote` promotes.",
    ),
  analysis: Analysis.optional().describe(
    "Check the new version's metrics (its preview traffic) before promotion; a failure removes it and leaves traffic on the active version.",
  ),
  scaleDownDelay: duration()
    .default("30s")
    .describe(
      "How long the old version keeps running after the switch, so an abort in that time sends traffic straight back to it.",
    ),
});
export type BlueGreen = z.infer<typeof BlueGreen>;

export const RolloutSpec = withRules(
  z.strictObject({
    strategy: z
      .enum(["rolling", "canary", "blueGreen"])
      .default("rolling")
      .describe(
        "How a new pod template reaches traffic: rolling (the Deployment's rolling update), canary (weighted steps) or blueGreen (a full second version, switched at once).",
      ),
    steps: z
      .array(RolloutStep)
      .min(1)
      .max(32)
      .optional()
      .describe("The canary's steps, in order; after the last one the canary is promoted."),
    blueGreen: BlueGreen.optional().describe("Settings of strategy blueGreen; all optional."),
    headerRoute: HeaderRoute.optional().describe(
      "Requests with this header go to the canary (all of them, whatever the step's weight) while a rollout is in flight, so testers can reach it before the public does.",
    ),
  }),
  [
    {
      cel: "self.strategy == 'blueGreen' || !has(self.blueGreen)",
      message: "blueGreen settings apply only to strategy blueGreen; set strategy: blueGreen or remove blueGreen",
      field: ".blueGreen",
      reason: "FieldValueForbidden",
      holds: (r) => r.strategy === "blueGreen" || r.blueGreen === undefined,
    },
    {
      cel: "self.strategy != 'canary' || has(self.steps)",
      message: "a canary needs steps, such as setWeight 10, analysis, setWeight 50, pause",
      field: ".steps",
      reason: "FieldValueRequired",
      holds: (r) => r.strategy !== "canary" || r.steps !== undefined,
    },
    {
      cel: "self.strategy == 'canary' || !has(self.steps)",
      message: "steps apply only to strategy canary; set strategy: canary or remove steps",
      field: ".steps",
      reason: "FieldValueForbidden",
      holds: (r) => r.strategy === "canary" || r.steps === undefined,
    },
    {
      cel: "self.strategy == 'canary' || !has(self.headerRoute)",
      message: "headerRoute applies only to strategy canary; set strategy: canary or remove headerRoute",
      field: ".headerRoute",
      reason: "FieldValueForbidden",
      holds: (r) => r.strategy === "canary" || r.headerRoute === undefined,
    },
  ],
);
export type RolloutSpec = z.infer<typeof RolloutSpec>;

/**
 * The steps a rollout walks. Blue-green's are implied: the new version comes up at full size with no share of the
 * main route (a weight-0 step the machine sizes fully), its analysis if any, then a pause — for autoPromoteAfter, or
 * until promoted — after which the machine promotes it.
 */
export function rolloutSteps(rollout: RolloutSpec | undefined): RolloutStep[] {
  if (rollout?.strategy !== "blueGreen") return rollout?.steps ?? [];
  const settings = rollout.blueGreen;
  const after = settings?.autoPromoteAfter;
  return [
    { setWeight: 0 },
    ...(settings?.analysis ? [{ analysis: settings.analysis }] : []),
    after === undefined ? { pause: {} } : { pause: { duration: after } },
  ];
}

/** Where a canary rollout stands. Terminal: Completed, RolledBack, Aborted (a new pod template starts afresh). */
export const RolloutPhase = z.enum([
  "Progressing",
  "Paused",
  "Analysing",
  "Promoting",
  "Completed",
  "RolledBack",
  "Aborted",
]);
export type RolloutPhase = z.infer<typeof RolloutPhase>;

export const RolloutStatus = z
  .strictObject({
    deploymentId: z.string().max(64).describe("Deployment id of the canary's pod template."),
    templateHash: z.string().max(64).describe("Digest of the canary's pod template: a new one starts a new rollout."),
    stableDeploymentId: z
      .string()
      .max(64)
      .optional()
      .describe("Deployment id the stable Deployment ran when it began."),
    step: z.int().min(0).max(32).describe("Index of the current step; the number of steps once all have passed."),
    weight: z.int().min(0).max(100).describe("Percent of traffic the routes send to the canary."),
    phase: RolloutPhase.describe(
      "Progressing, Paused, Analysing, Promoting, or how it ended: Completed, RolledBack (analysis failed), Aborted.",
    ),
    message: z.string().max(2048).describe("What the rollout is doing or why it ended, as a sentence."),
    stepStartedAt: timestamp().describe("When the current step began (pauses and analysis intervals count from it)."),
    analysis: z
      .strictObject({
        passed: z.int().min(0).describe("Checks of the current step that passed."),
        failed: z.int().min(0).describe("Checks of the current step that failed."),
        inconclusive: z.int().min(0).describe("Checks of the current step without enough traffic or data."),
        lastCheckAt: timestamp().optional().describe("When the last check ran."),
        lastValue: z.number().optional().describe("Value of the last conclusive check."),
      })
      .optional()
      .describe("The current analysis step's checks."),
  })
  .describe(
    "The App's current (or last) canary or blue-green rollout, kept here so it resumes after an operator restart.",
  );
export type RolloutStatus = z.infer<typeof RolloutStatus>;
