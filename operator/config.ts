// loco-operator configuration: flags override environment variables; everything is validated at start-up.
import { z } from "zod";
import { parseDuration } from "../crds/common.ts";
import { triggerIntervalFloor } from "../crds/pipeline.ts";
import { podAnnotationPattern } from "../crds/profile.ts";
import { ConfigError, readFlags, validConfig } from "../kube/process-config.ts";

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/, { error: "must be host:port, such as 0.0.0.0:8081" })
  .transform((value) => {
    const index = value.lastIndexOf(":");
    return { host: value.slice(0, index).replace(/^\[|\]$/g, ""), port: Number(value.slice(index + 1)) };
  });

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, { error: "must be a duration such as 30s, 10m or 1h" })
  .transform((value) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(value)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
    return Number(match[1]) * unit;
  });

const bytes = z
  .string()
  .regex(/^\d+(Ki|Mi)?$/, { error: "must be a size in bytes such as 262144, 256Ki or 1Mi" })
  .transform((value) => {
    const match = /^(\d+)(Ki|Mi)?$/.exec(value)!;
    return Number(match[1]) * (match[2] === "Mi" ? 1024 * 1024 : match[2] === "Ki" ? 1024 : 1);
  })
  .pipe(
    z
      .number()
      .min(1024, { error: "must be at least 1Ki" })
      .max(64 * 1024 * 1024, { error: "must be at most 64Mi (the tail of a longer log is kept)" }),
  );

export const OperatorConfig = z
  .object({
    kubeconfig: z.string().min(1).optional(),
    leaderElect: z.boolean(),
    leaderElectionNamespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a namespace name" }),
    leaseName: z.string().min(1),
    /** This replica's pod (the chart sets POD_NAME): its leader identity begins with it (see operator.ts). */
    podName: z.string().min(1).optional(),
    healthAddress: hostPort,
    concurrency: z.coerce.number().int().min(1).max(256),
    resync: durationMs,
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]),
    selector: z.string().min(1).optional(),
    databaseUrl: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|pglite:)/, { error: "must be postgres://… or pglite:<folder>" })
      .optional(),
    leaseDuration: durationMs,
    renewDeadline: durationMs,
    retryPeriod: durationMs,
    minTimeout: durationMs,
    maxTimeout: durationMs,
    minTriggerInterval: durationMs.pipe(
      z.number().min(parseDuration(triggerIntervalFloor), { error: `must be at least ${triggerIntervalFloor}` }),
    ),
    allowedPodAnnotations: z
      .string()
      .transform((value) =>
        value
          .split(",")
          .map((key) => key.trim())
          .filter((key) => key !== ""),
      )
      .pipe(z.array(podAnnotationPattern())),
    apiUrl: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://loco.example.com" })
      .optional(),
    deployImage: z.string().min(1).max(4096),
    reconcileTimeout: durationMs.pipe(z.number().min(1000, { error: "must be at least 1s" })),
    taskLogLimit: bytes,
    secretVersions: z.coerce.number().int().min(1).max(1000),
    otlpEndpoint: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://otel-collector:4318" })
      .optional(),
  })
  .refine((c) => c.minTimeout <= c.maxTimeout, { error: "needs min-timeout <= max-timeout", path: ["minTimeout"] })
  .refine((c) => c.leaseDuration > c.renewDeadline && c.renewDeadline > c.retryPeriod, {
    error: "needs lease-duration > renew-deadline > retry-period",
    path: ["leaseDuration"],
  });
export type OperatorConfig = z.output<typeof OperatorConfig>;

export const usage = `Usage: loco-operator [flags]

Flags (environment variable in brackets):
  --kubeconfig PATH                  kubeconfig to use; in-cluster config when unset [KUBECONFIG]
  --leader-elect / --no-leader-elect campaign for a Lease before acting (default on) [LOCO_LEADER_ELECT]
  --leader-election-namespace NS     namespace of the Lease (default loco-system) [POD_NAMESPACE]
  --lease-name NAME                  Lease name (default loco-operator)
                                     the leader identity is <pod name>_<random> (the hostname without POD_NAME)
                                     [POD_NAME]
  --health-address HOST:PORT         /healthz, /readyz, /metrics (default 0.0.0.0:8081) [LOCO_HEALTH_ADDRESS]
  --concurrency N                    parallel App reconciles (default 8) [LOCO_CONCURRENCY]
  --resync DURATION                  full resync interval (default 10m) [LOCO_RESYNC]
  --log-level LEVEL                  trace|debug|info|warn|error (default info) [LOCO_LOG_LEVEL]
  --lease-duration, --renew-deadline, --retry-period DURATION
                                     leader election timing (defaults 15s, 10s, 2s)
  --database-url URL                 mirror loco resources to postgres://… or pglite:<folder> [LOCO_DATABASE_URL]
  --min-timeout, --max-timeout DURATION
                                     bounds for task, Pipeline and Run timeouts (defaults 5m, 8h) [LOCO_MIN_TIMEOUT, LOCO_MAX_TIMEOUT]
  --min-trigger-interval DURATION    shortest time a Pipeline trigger may leave between Runs; shorter ones get
                                     TriggerTooFrequent (default 1m, at least 1s) [LOCO_MIN_TRIGGER_INTERVAL]
  --allowed-pod-annotations KEYS     comma-separated pod annotation keys (or prefixes ending in *) every task may
                                     set, besides its Profile's spec.runs.allowedPodAnnotations (default none)
                                     [LOCO_ALLOWED_POD_ANNOTATIONS]
  --api-url URL                      loco's API as Run tasks reach it, given to tasks of Runs with a credential as
                                     LOCO_SERVER (default none) [LOCO_API_URL]
  --deploy-image REF                 image with loco's CLI that Pipeline deploy steps run in
                                     (default ghcr.io/loco-dev/loco:latest) [LOCO_DEPLOY_IMAGE]
  --reconcile-timeout DURATION       longest one reconcile may take before it is abandoned (ReconcileTimeout) and
                                     retried with backoff (default 60s) [LOCO_RECONCILE_TIMEOUT]
  --task-log-limit SIZE              bytes of each Run task attempt's log kept in the database, the tail when longer
                                     (default 1Mi; with --database-url) [LOCO_TASK_LOG_LIMIT]
  --secret-versions N                 versions of each App secret value kept in the database (the newest; older ones
                                     are deleted, so a rollback cannot restore them; default 10, with
                                     --database-url and a key-encryption key) [LOCO_SECRET_VERSIONS]
  --selector LABELS                  reconcile only Apps and Profiles matching this label selector (sharding) [LOCO_SELECTOR]
  --otlp-endpoint URL                export traces and metrics over OTLP/HTTP to this base URL; off when unset
                                     [OTEL_EXPORTER_OTLP_ENDPOINT; headers from OTEL_EXPORTER_OTLP_HEADERS]
`;

const flags = {
  kubeconfig: { type: "string" },
  "leader-elect": { type: "boolean" },
  "no-leader-elect": { type: "boolean" },
  "leader-election-namespace": { type: "string" },
  "lease-name": { type: "string" },
  "health-address": { type: "string" },
  concurrency: { type: "string" },
  resync: { type: "string" },
  "log-level": { type: "string" },
  selector: { type: "string" },
  "database-url": { type: "string" },
  "lease-duration": { type: "string" },
  "renew-deadline": { type: "string" },
  "retry-period": { type: "string" },
  "min-timeout": { type: "string" },
  "max-timeout": { type: "string" },
  "min-trigger-interval": { type: "string" },
  "allowed-pod-annotations": { type: "string" },
  "reconcile-timeout": { type: "string" },
  "api-url": { type: "string" },
  "deploy-image": { type: "string" },
  "task-log-limit": { type: "string" },
  "secret-versions": { type: "string" },
  "otlp-endpoint": { type: "string" },
  help: { type: "boolean" },
} as const;

export function loadOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const values = readFlags(argv, flags, usage);
  const leaderElect = values["no-leader-elect"]
    ? false
    : values["leader-elect"]
      ? true
      : env.LOCO_LEADER_ELECT !== "false";
  return validConfig("loco-operator", OperatorConfig, {
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    leaderElect,
    leaderElectionNamespace: values["leader-election-namespace"] ?? env.POD_NAMESPACE ?? "loco-system",
    leaseName: values["lease-name"] ?? "loco-operator",
    podName: env.POD_NAME || undefined,
    healthAddress: values["health-address"] ?? env.LOCO_HEALTH_ADDRESS ?? "0.0.0.0:8081",
    concurrency: values.concurrency ?? env.LOCO_CONCURRENCY ?? "8",
    resync: values.resync ?? env.LOCO_RESYNC ?? "10m",
    logLevel: values["log-level"] ?? env.LOCO_LOG_LEVEL ?? "info",
    selector: values.selector ?? env.LOCO_SELECTOR,
    databaseUrl: values["database-url"] ?? env.LOCO_DATABASE_URL,
    leaseDuration: values["lease-duration"] ?? "15s",
    renewDeadline: values["renew-deadline"] ?? "10s",
    retryPeriod: values["retry-period"] ?? "2s",
    minTimeout: values["min-timeout"] ?? env.LOCO_MIN_TIMEOUT ?? "5m",
    maxTimeout: values["max-timeout"] ?? env.LOCO_MAX_TIMEOUT ?? "8h",
    minTriggerInterval: values["min-trigger-interval"] ?? env.LOCO_MIN_TRIGGER_INTERVAL ?? "1m",
    allowedPodAnnotations: values["allowed-pod-annotations"] ?? env.LOCO_ALLOWED_POD_ANNOTATIONS ?? "",
    apiUrl: values["api-url"] ?? (env.LOCO_API_URL || undefined),
    deployImage: values["deploy-image"] ?? env.LOCO_DEPLOY_IMAGE ?? "ghcr.io/loco-dev/loco:latest",
    reconcileTimeout: values["reconcile-timeout"] ?? env.LOCO_RECONCILE_TIMEOUT ?? "60s",
    taskLogLimit: values["task-log-limit"] ?? env.LOCO_TASK_LOG_LIMIT ?? "1Mi",
    secretVersions: values["secret-versions"] ?? env.LOCO_SECRET_VERSIONS ?? "10",
    otlpEndpoint: (values["otlp-endpoint"] as string | undefined) ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined),
  });
}

export { ConfigError };
