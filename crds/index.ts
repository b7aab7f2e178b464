// The loco kinds and what Kubernetes needs to know about each beyond its schema: names, scope, printer
// columns and subresources. The generator turns each entry into one CRD.
import type { z } from "zod";
import { App } from "./app.ts";
import { apiGroup, apiVersionName } from "./common.ts";
import { HostnameClaim } from "./hostname-claim.ts";
import { APP, HOSTNAME_CLAIM, PIPELINE, PROFILE, RUN } from "./kinds.ts";
import { Pipeline } from "./pipeline.ts";
import { Profile } from "./profile.ts";
import { Run } from "./run.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  /** Never `app`, `apps` or `application`: users run Argo CD beside loco, and its short names would be shadowed. */
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  /** One sentence for the CRD and the reference docs. */
  summary: string;
  schema: z.ZodType;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  /** Fields usable in `kubectl get --field-selector`; strings, integers or booleans only. */
  selectableFields?: string[];
}

export const group = apiGroup;
export const version = apiVersionName;
export const category = "loco";

const condition = (type: string, field: "status" | "reason") => `.status.conditions[?(@.type=="${type}")].${field}`;
const age: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the object was created.",
};

export const profileKind: KindDefinition = {
  kind: PROFILE.kind,
  plural: PROFILE.plural,
  singular: "profile",
  shortNames: ["lprof"],
  scope: "Cluster",
  summary:
    "An environment class (dev, uat, prod): base domain, gateway, defaults, limits and env injected into its Apps.",
  schema: Profile,
  printerColumns: [
    {
      name: "Ready",
      type: "string",
      jsonPath: condition("Ready", "status"),
      description: "Whether the Profile is usable.",
    },
    { name: "Domain", type: "string", jsonPath: ".spec.baseDomain", description: "Domain Apps get hostnames under." },
    age,
  ],
};

export const appKind: KindDefinition = {
  kind: APP.kind,
  plural: APP.plural,
  singular: "app",
  shortNames: ["lapp"],
  scope: "Namespaced",
  summary:
    "A long-running service: image, ports, routes, resources, replicas or autoscaling, env, secret env and health checks.",
  schema: App,
  printerColumns: [
    {
      name: "Ready",
      type: "string",
      jsonPath: condition("Ready", "status"),
      description: "Whether the App serves its current spec.",
    },
    { name: "Reason", type: "string", jsonPath: condition("Ready", "reason"), description: "Why it is (not) ready." },
    { name: "URL", type: "string", jsonPath: ".status.url", description: "Primary URL of the App." },
    { name: "Image", type: "string", jsonPath: ".spec.image", description: "Image the App runs." },
    { name: "Profile", type: "string", jsonPath: ".spec.profile", description: "Profile of the App.", priority: 1 },
    {
      name: "Replicas",
      type: "integer",
      jsonPath: ".status.readyReplicas",
      description: "Ready replicas.",
      priority: 1,
    },
    age,
  ],
  scale: {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.replicas",
    labelSelectorPath: ".status.selector",
  },
  selectableFields: [".spec.profile", ".spec.project"],
};

export const pipelineKind: KindDefinition = {
  kind: PIPELINE.kind,
  plural: PIPELINE.plural,
  singular: "pipeline",
  shortNames: ["lpipe"],
  scope: "Namespaced",
  summary: "A DAG of container tasks with timeouts, concurrency limits and triggers (cron, interval); Runs execute it.",
  schema: Pipeline,
  printerColumns: [
    {
      name: "Ready",
      type: "string",
      jsonPath: condition("Ready", "status"),
      description: "Whether the Pipeline can run.",
    },
    { name: "Reason", type: "string", jsonPath: condition("Ready", "reason"), description: "Why it can (not) run." },
    {
      name: "Last run",
      type: "date",
      jsonPath: ".status.lastRunTime",
      description: "When the most recent Run was created.",
    },
    {
      name: "Next",
      type: "date",
      jsonPath: ".status.nextScheduleTime",
      description: "When a trigger fires next.",
      priority: 1,
    },
    age,
  ],
};

export const runKind: KindDefinition = {
  kind: RUN.kind,
  plural: RUN.plural,
  singular: "run",
  shortNames: ["lrun"],
  scope: "Namespaced",
  summary: "One execution of a Pipeline (a snapshot of its generation) or of a single one-off command.",
  schema: Run,
  printerColumns: [
    {
      name: "Succeeded",
      type: "string",
      jsonPath: condition("Succeeded", "status"),
      description: "Unknown while running, then True or False.",
    },
    {
      name: "Reason",
      type: "string",
      jsonPath: condition("Succeeded", "reason"),
      description: "Why it ended (or is waiting).",
    },
    {
      name: "Pipeline",
      type: "string",
      jsonPath: ".spec.pipelineRef.name",
      description: "Pipeline being run; empty for a one-off.",
    },
    { name: "Started", type: "date", jsonPath: ".status.startTime", description: "When the first task started." },
    { name: "Duration", type: "string", jsonPath: ".status.duration", description: "How long the Run took so far." },
    age,
  ],
  selectableFields: [".spec.pipelineRef.name"],
};

export const hostnameClaimKind: KindDefinition = {
  kind: HOSTNAME_CLAIM.kind,
  plural: HOSTNAME_CLAIM.plural,
  singular: "hostnameclaim",
  shortNames: ["lhost"],
  scope: "Cluster",
  summary:
    "Who serves a hostname: one object per hostname, created and released by the operator, so that the first App to claim it keeps it.",
  schema: HostnameClaim,
  printerColumns: [
    { name: "Hostname", type: "string", jsonPath: ".spec.hostname", description: "The hostname claimed." },
    {
      name: "Namespace",
      type: "string",
      jsonPath: ".spec.holders[0].namespace",
      description: "Namespace of the App that holds it.",
    },
    { name: "App", type: "string", jsonPath: ".spec.holders[0].app", description: "App that holds it." },
    age,
  ],
};

/** Every kind, parents first (the order the resurrector and the docs use). */
export const kinds: readonly KindDefinition[] = [profileKind, appKind, pipelineKind, runKind, hostnameClaimKind];

export { App, HostnameClaim, Pipeline, Profile, Run };
