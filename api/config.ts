// loco-api configuration: flags override environment variables; everything is validated at start-up.
import { z } from "zod";
import { INSECURE_ISSUER_MESSAGE, isSecureOrLoopback } from "../crds/secure-url.ts";
import { ConfigError, readFlags, validConfig } from "../kube/process-config.ts";
import { ALLOWABLE_CLASSES } from "./notifications/address-class.ts";

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/, { error: "must be host:port, such as 0.0.0.0:8080" })
  .transform((value) => {
    const index = value.lastIndexOf(":");
    return { host: value.slice(0, index).replace(/^\[|\]$/g, ""), port: Number(value.slice(index + 1)) };
  });

export const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, { error: "must be a duration such as 30s, 10m or 1h" })
  .transform((value) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(value)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
    return Number(match[1]) * unit;
  });

const list = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

const labels = list.pipe(
  z
    .array(z.string().regex(/^[a-z0-9./-]+=[A-Za-z0-9._-]*$/, { error: "must be key=value pairs separated by commas" }))
    .transform((pairs) => Object.fromEntries(pairs.map((pair) => pair.split("=") as [string, string]))),
);

const bytes = z
  .string()
  .regex(/^\d+(b|kb|mb)?$/i, { error: "must be a size such as 1mb, 512kb or 65536" })
  .transform((value) => {
    const match = /^(\d+)(b|kb|mb)?$/i.exec(value)!;
    const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? "b").toLowerCase() as "b" | "kb" | "mb"];
    return Number(match[1]) * unit;
  });

export const ApiConfig = z
  .object({
    address: hostPort,
    kubeconfig: z.string().min(1).optional(),
    databaseUrl: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|pglite:)/, { error: "must be postgres://… or pglite:<folder>" }),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]),
    /** OIDC: all three or none (then only API tokens authenticate). */
    oidcIssuer: z
      .url({ protocol: /^https?$/, error: "must be the issuer's URL, such as https://login.example.com" })
      // Its JWKS decides which tokens are trusted: fetched over plain http off the machine, anyone on the path could
      // substitute keys.
      .refine(isSecureOrLoopback, { error: INSECURE_ISSUER_MESSAGE })
      .optional(),
    oidcAudience: z.string().min(1).optional(),
    oidcClientId: z.string().min(1).optional(),
    oidcAlgorithms: list.pipe(
      z
        .array(z.enum(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]))
        .min(1),
    ),
    oidcGroupsClaim: z.string().min(1),
    platformAdmins: list,
    platformAdminGroups: list,
    bodyLimit: bytes,
    requestTimeout: durationMs,
    shutdownTimeout: durationMs,
    rateLimitPerIp: z.coerce.number().int().min(1),
    rateLimitPerToken: z.coerce.number().int().min(1),
    rateLimitWindow: durationMs,
    /** Event streams and log follows open at once with one credential, and in one tenant (per API replica). */
    streamsPerCredential: z.coerce.number().int().min(1).max(10_000),
    streamsPerTenant: z.coerce.number().int().min(1).max(100_000),
    /** Requests that write to the apiserver (deploys and the like) run at once; the rest wait in line (api/write-admission.ts). */
    clusterWrites: z.coerce.number().int().min(1).max(10_000),
    /** The longest such a request waits in line before it is answered 503 with Retry-After; default a third of the request timeout. */
    clusterWriteWait: durationMs.optional(),
    maxPageSize: z.coerce.number().int().min(1).max(10_000),
    tokenMaxDays: z.coerce.number().int().min(1).max(3650),
    /** Labels added to every object the API applies (e.g. to shard operators by label selector). */
    objectLabels: labels,
    /** ResourceQuota `hard` of every tenant namespace. */
    tenantQuota: labels,
    /** Requests of a container that sets none, in every tenant namespace (under the Profile's defaults). */
    tenantDefaultRequests: labels,
    /** A deploy is refused unless free capacity ≥ this multiple of what it requests. */
    capacityMultiple: z.coerce.number().min(0).max(1000),
    trustProxy: z.boolean(),
    bootstrap: z.boolean(),
    /** Pods run on simulated nodes (the local platform's kwok): nothing answers on Apps' URLs, and clients say so. */
    simulatedNodes: z.boolean(),
    /** How long the first-start bootstrap token works (api/bootstrap.ts). */
    bootstrapTokenTtl: durationMs.pipe(
      z
        .number()
        .min(1000, { error: "must be at least 1s" })
        .max(168 * 3_600_000, { error: "must be at most 168h: the bootstrap token is for the first hours only" }),
    ),
    /** Write the bootstrap token to this file (mode 0600) instead of printing it. */
    bootstrapTokenFile: z.string().min(1).optional(),
    /** OTLP/HTTP base URL for traces and metrics (api/telemetry.ts); off when unset. */
    otlpEndpoint: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://otel-collector:4318" })
      .optional(),
    /** Prometheus /metrics on a listener of its own (never the API's port); off when unset. */
    metricsAddress: hostPort.optional(),
    /** Prometheus-compatible query endpoint behind the console's metrics page (api/routes/metrics.ts); off when unset. */
    metricsUrl: z
      .url({
        protocol: /^https?$/,
        error: "must be the base URL of a Prometheus-compatible query API, such as http://prometheus:9090",
      })
      .optional(),
    /** Shortest rate() window of those queries: at least four scrape intervals of the App-traffic series. */
    metricsRateWindow: durationMs.pipe(z.number().min(1000, { error: "must be at least 1s" })),
    /** Authorization header value for it (from the environment only: it is a credential). */
    metricsAuthorization: z.string().min(1).optional(),
    /**
     * The ClusterRole the API binds to its own ServiceAccount in every tenant namespace (its rights there: Secrets,
     * pod logs); unset = no such RoleBinding (outside a cluster, the kubeconfig's rights apply).
     */
    tenantRole: z.string().min(1).optional(),
    /** Address classes webhooks may reach despite the SSRF rule (api/notifications/address-class.ts); none by default. */
    webhookAllowAddresses: list.pipe(z.array(z.enum(ALLOWABLE_CLASSES))),
    serviceAccount: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, {
        error: "must be the API's ServiceAccount as namespace/name, such as loco-system/loco-api",
      })
      .transform((value) => {
        const [namespace, name] = value.split("/") as [string, string];
        return { namespace, name };
      })
      .optional(),
  })
  .refine((c) => (c.oidcIssuer === undefined) === (c.oidcAudience === undefined), {
    error: "needs --oidc-issuer and --oidc-audience together",
    path: ["oidcAudience"],
  })
  .refine((c) => (c.tenantRole === undefined) === (c.serviceAccount === undefined), {
    error: "needs --tenant-role and --service-account together",
    path: ["serviceAccount"],
  })
  .transform(({ tenantRole, serviceAccount, ...rest }) => ({
    ...rest,
    apiAccess: tenantRole && serviceAccount ? { clusterRole: tenantRole, serviceAccount } : undefined,
  }));
export type ApiConfig = z.output<typeof ApiConfig>;

export const usage = `Usage: loco-api [flags]

Flags (environment variable in brackets):
  --address HOST:PORT            where to listen (default 0.0.0.0:8080) [LOCO_API_ADDRESS]
  --kubeconfig PATH              kubeconfig to use; in-cluster config when unset [KUBECONFIG]
  --database-url URL             postgres://… or pglite:<folder> (default pglite:.loco/db) [LOCO_DATABASE_URL]
  --log-level LEVEL              trace|debug|info|warn|error|silent (default info) [LOCO_LOG_LEVEL]
  --oidc-issuer URL              OpenID Provider whose JWTs are accepted; https (http only on loopback) [LOCO_OIDC_ISSUER]
  --oidc-audience AUD            audience the JWTs must carry [LOCO_OIDC_AUDIENCE]
  --oidc-client-id ID            public client the CLI uses for the device flow [LOCO_OIDC_CLIENT_ID]
  --oidc-algorithms LIST         accepted signing algorithms (default RS256,ES256,EdDSA) [LOCO_OIDC_ALGORITHMS]
  --oidc-groups-claim NAME       claim holding the user's groups (default groups) [LOCO_OIDC_GROUPS_CLAIM]
  --platform-admins LIST         OIDC subjects that are platform admins [LOCO_PLATFORM_ADMINS]
  --platform-admin-groups LIST   OIDC groups whose members are platform admins [LOCO_PLATFORM_ADMIN_GROUPS]
  --body-limit SIZE              largest request body (default 1mb) [LOCO_API_BODY_LIMIT]
  --request-timeout DURATION     longest time to receive and answer a request (default 30s) [LOCO_API_REQUEST_TIMEOUT]
  --shutdown-timeout DURATION    how long in-flight requests may finish on SIGTERM (default 20s)
  --rate-limit-per-ip N          requests per window from one address (default 600) [LOCO_API_RATE_LIMIT_PER_IP]
  --rate-limit-per-token N       requests per window with one credential (default 300) [LOCO_API_RATE_LIMIT_PER_TOKEN]
  --rate-limit-window DURATION   rate-limit window (default 1m)
  --streams-per-credential N     event streams and log follows open at once per token or user (default 10) [LOCO_API_STREAMS_PER_CREDENTIAL]
  --streams-per-tenant N         event streams and log follows open at once per tenant (default 50) [LOCO_API_STREAMS_PER_TENANT]
  --cluster-writes N             requests that write to the apiserver (deploys, rollbacks, App writes) run at once;
                                 the rest wait in line (default 8) [LOCO_API_CLUSTER_WRITES]
  --cluster-write-wait DURATION  longest wait in that line before 503 with Retry-After (default a third of the
                                 request timeout) [LOCO_API_CLUSTER_WRITE_WAIT]
  --max-page-size N              largest page a list returns (default 500) [LOCO_API_MAX_PAGE_SIZE]
  --token-max-days N             longest lifetime of an API token (default 365)
  --object-labels K=V,…          labels added to every object the API applies (operator sharding) [LOCO_API_OBJECT_LABELS]
  --tenant-quota K=V,…           ResourceQuota of each tenant namespace (default requests.cpu=16,requests.memory=32Gi,pods=200) [LOCO_API_TENANT_QUOTA]
  --tenant-default-requests K=V,… requests of a container that sets none (under the Profile's defaults; default cpu=100m,memory=128Mi) [LOCO_API_TENANT_DEFAULT_REQUESTS]
  --capacity-multiple X          free cluster capacity a deploy needs, as a multiple of its requests (default 2; 0 = off) [LOCO_API_CAPACITY_MULTIPLE]
  --trust-proxy                  take the client address from X-Forwarded-For (behind a trusted proxy only)
  --no-bootstrap                 never create the first-start bootstrap token
  --simulated-nodes              pods run on simulated nodes (kwok): clients say that Apps' URLs do not answer [LOCO_SIMULATED_NODES=true]
  --bootstrap-token-ttl DURATION how long the bootstrap token works (default 24h, at most 168h) [LOCO_API_BOOTSTRAP_TOKEN_TTL]
  --bootstrap-token-file PATH    write the bootstrap token to this file (mode 0600) instead of printing it [LOCO_API_BOOTSTRAP_TOKEN_FILE]
  --otlp-endpoint URL            export traces and metrics over OTLP/HTTP to this base URL; off when unset
                                 [OTEL_EXPORTER_OTLP_ENDPOINT; headers from OTEL_EXPORTER_OTLP_HEADERS]
  --metrics-address HOST:PORT    serve Prometheus /metrics on this separate listener; off when unset [LOCO_API_METRICS_ADDRESS]
  --metrics-url URL              Prometheus-compatible query API (…/api/v1/query_range is appended) behind the
                                 console's metrics page; off when unset [LOCO_API_METRICS_URL; Authorization
                                 header from LOCO_API_METRICS_AUTHORIZATION]
  --metrics-rate-window DURATION shortest rate window of those queries, at least 4 scrape intervals (default 2m)
                                 [LOCO_API_METRICS_RATE_WINDOW]
  --tenant-role NAME             ClusterRole the API binds to its ServiceAccount in each tenant namespace (Secrets,
                                 pod logs); needs --service-account [LOCO_API_TENANT_ROLE]
  --service-account NS/NAME      the API's own ServiceAccount, the subject of those RoleBindings [LOCO_API_SERVICE_ACCOUNT]
  --webhook-allow-addresses LIST address classes webhooks may reach despite the SSRF rule: loopback, private,
                                 link-local, unique-local (default none) [LOCO_API_WEBHOOK_ALLOW_ADDRESSES]

Environment only:
  LOCO_KEK_FILE / LOCO_KEK       the operator's key-encryption keys ("<id>:<base64 32 bytes>", first active), which
                                 seal webhook signing secrets at rest; without them webhooks cannot be added (503
                                 WebhooksNeedKey) and none are delivered
`;

const flags = {
  address: { type: "string" },
  kubeconfig: { type: "string" },
  "database-url": { type: "string" },
  "log-level": { type: "string" },
  "oidc-issuer": { type: "string" },
  "oidc-audience": { type: "string" },
  "oidc-client-id": { type: "string" },
  "oidc-algorithms": { type: "string" },
  "oidc-groups-claim": { type: "string" },
  "platform-admins": { type: "string" },
  "platform-admin-groups": { type: "string" },
  "body-limit": { type: "string" },
  "request-timeout": { type: "string" },
  "shutdown-timeout": { type: "string" },
  "rate-limit-per-ip": { type: "string" },
  "rate-limit-per-token": { type: "string" },
  "rate-limit-window": { type: "string" },
  "streams-per-credential": { type: "string" },
  "streams-per-tenant": { type: "string" },
  "cluster-writes": { type: "string" },
  "cluster-write-wait": { type: "string" },
  "max-page-size": { type: "string" },
  "token-max-days": { type: "string" },
  "object-labels": { type: "string" },
  "tenant-quota": { type: "string" },
  "tenant-default-requests": { type: "string" },
  "capacity-multiple": { type: "string" },
  "trust-proxy": { type: "boolean" },
  "no-bootstrap": { type: "boolean" },
  "simulated-nodes": { type: "boolean" },
  "bootstrap-token-ttl": { type: "string" },
  "bootstrap-token-file": { type: "string" },
  "otlp-endpoint": { type: "string" },
  "metrics-address": { type: "string" },
  "metrics-url": { type: "string" },
  "metrics-rate-window": { type: "string" },
  "tenant-role": { type: "string" },
  "service-account": { type: "string" },
  "webhook-allow-addresses": { type: "string" },
  help: { type: "boolean" },
} as const;

export function loadApiConfig(argv: string[], env: NodeJS.ProcessEnv): ApiConfig {
  const values = readFlags(argv, flags, usage);
  return validConfig("loco-api", ApiConfig, {
    address: values.address ?? env.LOCO_API_ADDRESS ?? "0.0.0.0:8080",
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    databaseUrl: values["database-url"] ?? env.LOCO_DATABASE_URL ?? "pglite:.loco/db",
    logLevel: values["log-level"] ?? env.LOCO_LOG_LEVEL ?? "info",
    oidcIssuer: values["oidc-issuer"] ?? env.LOCO_OIDC_ISSUER,
    oidcAudience: values["oidc-audience"] ?? env.LOCO_OIDC_AUDIENCE,
    oidcClientId: values["oidc-client-id"] ?? env.LOCO_OIDC_CLIENT_ID,
    oidcAlgorithms: values["oidc-algorithms"] ?? env.LOCO_OIDC_ALGORITHMS ?? "RS256,ES256,EdDSA",
    oidcGroupsClaim: values["oidc-groups-claim"] ?? env.LOCO_OIDC_GROUPS_CLAIM ?? "groups",
    platformAdmins: values["platform-admins"] ?? env.LOCO_PLATFORM_ADMINS ?? "",
    platformAdminGroups: values["platform-admin-groups"] ?? env.LOCO_PLATFORM_ADMIN_GROUPS ?? "",
    bodyLimit: values["body-limit"] ?? env.LOCO_API_BODY_LIMIT ?? "1mb",
    requestTimeout: values["request-timeout"] ?? env.LOCO_API_REQUEST_TIMEOUT ?? "30s",
    shutdownTimeout: values["shutdown-timeout"] ?? "20s",
    rateLimitPerIp: values["rate-limit-per-ip"] ?? env.LOCO_API_RATE_LIMIT_PER_IP ?? "600",
    rateLimitPerToken: values["rate-limit-per-token"] ?? env.LOCO_API_RATE_LIMIT_PER_TOKEN ?? "300",
    rateLimitWindow: values["rate-limit-window"] ?? "1m",
    streamsPerCredential: values["streams-per-credential"] ?? env.LOCO_API_STREAMS_PER_CREDENTIAL ?? "10",
    streamsPerTenant: values["streams-per-tenant"] ?? env.LOCO_API_STREAMS_PER_TENANT ?? "50",
    clusterWrites: values["cluster-writes"] ?? env.LOCO_API_CLUSTER_WRITES ?? "8",
    clusterWriteWait:
      (values["cluster-write-wait"] as string | undefined) ?? (env.LOCO_API_CLUSTER_WRITE_WAIT || undefined),
    maxPageSize: values["max-page-size"] ?? env.LOCO_API_MAX_PAGE_SIZE ?? "500",
    tokenMaxDays: values["token-max-days"] ?? "365",
    objectLabels: values["object-labels"] ?? env.LOCO_API_OBJECT_LABELS ?? "",
    tenantQuota: values["tenant-quota"] ?? env.LOCO_API_TENANT_QUOTA ?? "requests.cpu=16,requests.memory=32Gi,pods=200",
    tenantDefaultRequests:
      values["tenant-default-requests"] ?? env.LOCO_API_TENANT_DEFAULT_REQUESTS ?? "cpu=100m,memory=128Mi",
    capacityMultiple: values["capacity-multiple"] ?? env.LOCO_API_CAPACITY_MULTIPLE ?? "2",
    trustProxy: values["trust-proxy"] === true,
    bootstrap: values["no-bootstrap"] !== true,
    simulatedNodes: values["simulated-nodes"] === true || env.LOCO_SIMULATED_NODES === "true",
    bootstrapTokenTtl: values["bootstrap-token-ttl"] ?? env.LOCO_API_BOOTSTRAP_TOKEN_TTL ?? "24h",
    bootstrapTokenFile:
      (values["bootstrap-token-file"] as string | undefined) ?? (env.LOCO_API_BOOTSTRAP_TOKEN_FILE || undefined),
    otlpEndpoint: (values["otlp-endpoint"] as string | undefined) ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined),
    metricsAddress: (values["metrics-address"] as string | undefined) ?? (env.LOCO_API_METRICS_ADDRESS || undefined),
    metricsUrl: (values["metrics-url"] as string | undefined) ?? (env.LOCO_API_METRICS_URL || undefined),
    metricsRateWindow: values["metrics-rate-window"] ?? env.LOCO_API_METRICS_RATE_WINDOW ?? "2m",
    metricsAuthorization: env.LOCO_API_METRICS_AUTHORIZATION || undefined,
    tenantRole: (values["tenant-role"] as string | undefined) ?? (env.LOCO_API_TENANT_ROLE || undefined),
    serviceAccount: (values["service-account"] as string | undefined) ?? (env.LOCO_API_SERVICE_ACCOUNT || undefined),
    webhookAllowAddresses: values["webhook-allow-addresses"] ?? env.LOCO_API_WEBHOOK_ALLOW_ADDRESSES ?? "",
  });
}

export { ConfigError };
