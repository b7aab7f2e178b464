// loco-resurrector's command line: flags override environment variables; validated before anything runs.
import { parseArgs } from "node:util";
import { z } from "zod";

export const EXIT = {
  ok: 0,
  /** apply: some objects could not be restored (each is listed). */
  applyFailed: 1,
  usage: 2,
  /** plan --detailed-exitcode: there is something to apply. */
  changesPending: 3,
  /** The cluster cannot be reached, is not ready, or refused to be read. */
  clusterUnavailable: 4,
  /** The database cannot be reached, or secret values cannot be decrypted with the keys given. */
  databaseUnavailable: 5,
} as const;

export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const usage = `Usage: loco-resurrector <command> [flags]

Rebuilds a lost cluster's loco state (CRDs, Profiles, tenant namespaces with their quotas and RBAC, Apps with
their secret values, Pipelines) from the database the operator mirrors to. Never deletes anything, never
re-creates children (the operator does) or Runs (interrupted ones are recorded in the timeline).

Commands:
  probe     report the cluster's health: apiserver, loco CRDs, sentinel, loco objects
  plan      show what apply would do (nothing is written)
  apply     restore what is missing; objects that exist are left alone unless --force
  watch     probe every --interval; apply by itself when the cluster is healthy but holds no loco state

Flags (environment variable in brackets):
  --kubeconfig PATH          kubeconfig of the cluster to restore into [KUBECONFIG]
  --database-url URL         postgres://… or pglite:<folder> the operator mirrors to [LOCO_DATABASE_URL]
  --force                    overwrite objects that differ from the database, re-create stale ones
  -o, --output FORMAT        text (default) or json
  --concurrency N            requests in flight while applying (default 16)
  --interval DURATION        watch: time between probes (default 30s)
  --detailed-exitcode        plan: exit 3 when there is something to apply
  --otlp-endpoint URL        export traces and metrics over OTLP/HTTP to this base URL; off when unset
                             [OTEL_EXPORTER_OTLP_ENDPOINT; headers from OTEL_EXPORTER_OTLP_HEADERS]
  -h, --help                 show this help
Secret values are decrypted with the operator's key-encryption keys: LOCO_KEK_FILE or LOCO_KEK.

Exit codes: 0 done (plan: nothing to do), 1 some objects failed to apply, 2 usage, 3 plan has changes
(with --detailed-exitcode), 4 cluster unreachable or not ready, 5 database unreachable or keys missing.
`;

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, { error: "must be a duration such as 30s, 10m or 1h" })
  .transform((value) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(value)!;
    return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  });

export const ResurrectorConfig = z.object({
  command: z.enum(["probe", "plan", "apply", "watch"], {
    error: "must be one of probe, plan, apply, watch",
  }),
  kubeconfig: z.string().min(1).optional(),
  databaseUrl: z.string().regex(/^(postgres(ql)?:\/\/|pglite:)/, {
    error: "is required: --database-url postgres://… or pglite:<folder> (or LOCO_DATABASE_URL)",
  }),
  force: z.boolean(),
  output: z.enum(["text", "json"], { error: "must be text or json" }),
  concurrency: z.coerce.number().int().min(1).max(256),
  interval: durationMs,
  detailedExitcode: z.boolean(),
  otlpEndpoint: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://otel-collector:4318" })
    .optional(),
});
export type ResurrectorConfig = z.output<typeof ResurrectorConfig>;

export function loadResurrectorConfig(argv: string[], env: NodeJS.ProcessEnv): ResurrectorConfig {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kubeconfig: { type: "string" },
        "database-url": { type: "string" },
        force: { type: "boolean" },
        output: { type: "string", short: "o" },
        concurrency: { type: "string" },
        interval: { type: "string" },
        "detailed-exitcode": { type: "boolean" },
        "otlp-endpoint": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError(usage, EXIT.ok);
  if (positionals.length !== 1) {
    throw new UsageError(
      `${positionals.length === 0 ? "No command given" : `One command expected, got: ${positionals.join(" ")}`}.\n\n${usage}`,
    );
  }
  const result = ResurrectorConfig.safeParse({
    command: positionals[0],
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    databaseUrl: values["database-url"] ?? env.LOCO_DATABASE_URL ?? "",
    force: values.force ?? false,
    output: values.output ?? "text",
    concurrency: values.concurrency ?? "16",
    interval: values.interval ?? "30s",
    detailedExitcode: values["detailed-exitcode"] ?? false,
    otlpEndpoint: values["otlp-endpoint"] ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined),
  });
  if (!result.success) {
    const flag: Record<string, string> = {
      command: "<command>",
      databaseUrl: "--database-url",
      output: "--output",
      concurrency: "--concurrency",
      interval: "--interval",
      kubeconfig: "--kubeconfig",
      otlpEndpoint: "--otlp-endpoint",
    };
    const problems = result.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      return `${flag[field] ?? field} ${issue.message}`;
    });
    throw new UsageError(`Invalid arguments:\n  ${problems.join("\n  ")}\nRun loco-resurrector --help for usage.`);
  }
  return result.data;
}
