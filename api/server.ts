// The HTTP server: Fastify with loco's request ids, problem+json errors, body and time limits, rate limits per
// address and per credential, and the routes (each declared once in routes/, see route.ts).
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import { writeAudit } from "../db/stores/audit.ts";
import type { KubeAccess } from "../kube/kube-access.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import type { Authenticator } from "./auth/authenticate.ts";
import type { OidcVerifier } from "./auth/oidc-verifier.ts";
import { actorOf, type Principal } from "./auth/principal.ts";
import { type Access, createAuthorize } from "./authz/preflight.ts";
import { checkRunScope } from "./authz/run-scope.ts";
import { enforceBodyDeadline } from "./body-deadline.ts";
import { answerClientError } from "./client-errors.ts";
import type { ApiConfig } from "./config.ts";
import { registerConsole, resolveConsoleDir } from "./console-assets.ts";
import { ApiError, PROBLEM_CONTENT_TYPE, problemOf, toApiError, UNAVAILABLE_RETRY_AFTER_SECONDS } from "./errors.ts";
import { lingerOnEarlyAnswers } from "./linger-close.ts";
import { openApiDocument } from "./openapi.ts";
import { noteRefusal, RequestLog } from "./request-log.ts";
import { rootPage } from "./root-page.ts";
import { parsePart, type RouteContext, type RouteDefinition } from "./route.ts";
import { appConfigRoutes } from "./routes/app-config.ts";
import { appPodRoutes } from "./routes/app-pods.ts";
import { appRoutes } from "./routes/apps.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { deploymentRoutes } from "./routes/deployments.ts";
import { execRoutes } from "./routes/exec.ts";
import { healthRoutes } from "./routes/health.ts";
import { logRoutes } from "./routes/logs.ts";
import { memberRoutes } from "./routes/members.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { pipelineSecretRoutes } from "./routes/pipeline-secrets.ts";
import { pipelineRoutes } from "./routes/pipelines.ts";
import { platformRoutes } from "./routes/platform.ts";
import { profileRoutes } from "./routes/profiles.ts";
import { promotionRoutes } from "./routes/promotions.ts";
import { releaseRoutes } from "./routes/releases.ts";
import { rolloutRoutes } from "./routes/rollouts.ts";
import { runRerunRoutes } from "./routes/run-rerun.ts";
import { runRoutes } from "./routes/runs.ts";
import { tenantReleaseRoutes } from "./routes/tenant-releases.ts";
import { tenantRoutes } from "./routes/tenants.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { StreamSlots } from "./stream-slots.ts";
import type { ApiTelemetry } from "./telemetry.ts";
import { routeWebSocketUpgrades } from "./websocket-upgrade.ts";
import { WriteAdmission } from "./write-admission.ts";

export type ServerConfig = Pick<
  ApiConfig,
  | "bodyLimit"
  | "requestTimeout"
  | "rateLimitPerIp"
  | "rateLimitPerToken"
  | "rateLimitWindow"
  | "streamsPerCredential"
  | "streamsPerTenant"
  | "maxPageSize"
  | "tokenMaxDays"
  | "objectLabels"
  | "trustProxy"
  | "oidcIssuer"
  | "oidcAudience"
  | "oidcClientId"
  | "tenantQuota"
  | "tenantDefaultRequests"
  | "capacityMultiple"
  | "apiAccess"
> &
  Partial<Pick<ApiConfig, "metricsUrl" | "metricsAuthorization" | "metricsRateWindow">> &
  Partial<Pick<ApiConfig, "simulatedNodes" | "webhookAllowAddresses">> &
  Partial<Pick<ApiConfig, "clusterWrites" | "clusterWriteWait">>;

export interface ApiServices {
  config: ServerConfig;
  db: Kysely<Database>;
  kube: KubeClient;
  /**
   * The apiserver's address and credentials for the streams the API opens itself (pod logs, exec); without it those
   * endpoints answer 503.
   */
  kubeConfig?: KubeAccess;
  authenticator: Authenticator;
  oidc: OidcVerifier | undefined;
  log: Logger;
  /** False once shutdown began: /readyz then answers 503 so load balancers stop sending traffic. */
  accepting(): boolean;
  /** Request spans, metrics and log attributes (api/telemetry.ts); absent when telemetry is off. */
  telemetry?: ApiTelemetry;
  /**
   * The key-encryption keys (LOCO_KEK_FILE / LOCO_KEK) that seal webhook signing secrets; without them webhooks
   * cannot be added (503) and none are delivered, and everything else works.
   */
  keyRing?: KeyRing;
  /** The console's build folder; absent: looked for next to the API (findConsoleBuild); "": serve no console. */
  consoleDir?: string;
}

export const API_VERSION = "0.1.0";
const ROUTE_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts the client's X-Request-ID when it is a sane token (no log injection), else makes one. */
function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Cluster writes run at once per API replica unless --cluster-writes says otherwise (docs/reliability.md). */
const DEFAULT_CLUSTER_WRITES = 8;

/** How long a client refused a stream slot is told to wait: streams have no window, so a guess that is not a hammer. */
const STREAM_RETRY_AFTER_SECONDS = 10;

/** A credential as the stream limits count it: the API token, or the OIDC subject (however many JWTs it holds). */
const streamCredentialOf = (principal: Principal) =>
  principal.token ? `token:${principal.token.id}` : principal.run ? principal.subject : `oidc:${principal.subject}`;

/** Rate-limit key of a credential: a hash, so secrets never sit in memory maps or logs. */
const credentialKey = (request: FastifyRequest) =>
  createHash("sha256")
    .update(request.headers.authorization ?? "")
    .digest("base64url")
    .slice(0, 22);

export function allRoutes(services: ApiServices): RouteDefinition[] {
  return [
    ...healthRoutes(services),
    ...platformRoutes(services),
    ...authRoutes(services),
    ...profileRoutes(services),
    ...tenantRoutes(services),
    ...memberRoutes(services),
    ...tokenRoutes(services),
    ...webhookRoutes(services),
    ...appRoutes(services),
    ...appPodRoutes(services),
    ...deploymentRoutes(services),
    ...appConfigRoutes(services),
    ...releaseRoutes(services),
    ...promotionRoutes(services),
    ...rolloutRoutes(services),
    ...tenantReleaseRoutes(services),
    ...logRoutes(services),
    ...metricsRoutes(services),
    ...execRoutes(services),
    ...pipelineRoutes(services),
    ...pipelineSecretRoutes(services),
    ...runRoutes(services),
    ...runRerunRoutes(services),
    ...auditRoutes(services),
  ];
}

export async function buildServer(services: ApiServices): Promise<FastifyInstance> {
  const { config, log } = services;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeout,
    // Node looks for requests past their timeout every connectionsCheckingInterval (30 s by default): a slow body
    // would hold its socket up to 30 s beyond the timeout. A tenth of it keeps the overrun small for little work.
    http: { connectionsCheckingInterval: Math.max(1000, Math.min(30_000, config.requestTimeout / 10)) },
    clientErrorHandler: answerClientError(config.requestTimeout),
    connectionTimeout: config.requestTimeout * 2,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    logController: new RequestLog(),
    genReqId: (request) => requestIdOf(request),
    return503OnClosing: true,
    // Long path segments reach the schemas (400 naming the field) instead of the router's own 414.
    routerOptions: { maxParamLength: 2048 },
    forceCloseConnections: "idle",
  });
  services.telemetry?.instrument(app);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // A body sent byte by byte is cut at the request timeout (408), not held for as long as the client likes.
  enforceBodyDeadline(app, config.requestTimeout);
  // An answer given while the body is still arriving (413, a 408 above) reaches the client instead of a reset.
  lingerOnEarlyAnswers(app);

  // Two independent limits: per client address and per credential. (The plugin's own hooks run one limiter per
  // request, so both are applied here through createRateLimit.)
  await app.register(rateLimit, { global: false });
  const limiters = [
    {
      what: "from this address",
      limit: app.createRateLimit({
        max: config.rateLimitPerIp,
        timeWindow: config.rateLimitWindow,
        keyGenerator: (request) => `ip:${request.ip}`,
      }),
    },
    {
      what: "with this credential",
      limit: app.createRateLimit({
        max: config.rateLimitPerToken,
        timeWindow: config.rateLimitWindow,
        keyGenerator: (request) => `credential:${credentialKey(request)}`,
        allowList: (request) => !request.headers.authorization,
      }),
    },
  ];
  const probes = new Set(["/healthz", "/readyz"]);
  app.addHook("onRequest", async (request, reply) => {
    if (probes.has(request.url)) return;
    for (const { what, limit } of limiters) {
      const result = await limit(request);
      if (result.isAllowed || !result.isExceeded) continue;
      reply.header("retry-after", String(Math.max(1, result.ttlInSeconds)));
      throw new ApiError(
        "RateLimited",
        `Too many requests ${what}: at most ${result.max} per ${result.timeWindow / 1000}s. Wait ${Math.max(1, result.ttlInSeconds)}s (Retry-After), then retry.`,
        { extra: { retryAfterSeconds: Math.max(1, result.ttlInSeconds) } },
      );
    }
  });
  // Only JSON bodies: Fastify's text/plain parser would hand strings to handlers that expect objects.
  app.removeContentTypeParser("text/plain");
  // Once shutdown begins, answers close their connection so that keep-alive clients reconnect elsewhere.
  app.addHook("onSend", async (_request, reply) => {
    if (!services.accepting()) reply.header("connection", "close");
  });

  app.setErrorHandler((error, request, reply) => {
    // Methods no route uses (QUERY, TRACE, …) fail in Fastify before routing; they are answered like unknown routes.
    if (!ROUTE_METHODS.has(request.method)) return noRoute(request, reply);
    const apiError = toApiError(error);
    // The request's one log line (api/request-log.ts) names the code; a failure of the API's own also logs its cause.
    noteRefusal(request, apiError.code);
    if (apiError.code === "Internal") {
      request.log.error({ err: error }, "Failed to handle the request");
    } else if (apiError.code === "Unavailable" || apiError.code === "Timeout") {
      request.log.warn({ err: apiError.cause ?? error, code: apiError.code }, "Answered with an error");
    }
    // Whatever tells the client to come back later (a dependency down, a rate limit) says when, in the header too.
    const retryAfter = apiError.extra?.retryAfterSeconds;
    if (typeof retryAfter === "number" && !reply.hasHeader("retry-after"))
      reply.header("retry-after", String(retryAfter));
    const problem = problemOf(apiError, request.id, request.url.split("?")[0]);
    reply.status(apiError.statusCode).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
  const routes = allRoutes(services);
  // Paths as patterns, to tell "no such path" (404) from "not with this method" (405 with Allow).
  const patterns = [
    ...routes.map((r) => ({ method: r.method, url: r.url })),
    { method: "GET", url: "/openapi.json" },
    { method: "GET", url: "/" },
  ].map((r) => ({ method: r.method, pattern: new RegExp(`^${r.url.replace(/:[A-Za-z]+/g, "[^/]+")}$`) }));
  /** 405 with Allow when the path exists for other methods, else 404. */
  const noRoute = (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))];
    const error =
      allowed.length > 0
        ? new ApiError(
            "MethodNotAllowed",
            `${path} does not accept ${request.method}; it accepts ${allowed.join(", ")}.`,
          )
        : new ApiError(
            "NotFound",
            `There is no ${request.method} ${path} in this API; see /openapi.json for the routes.`,
          );
    if (allowed.length > 0) reply.header("allow", allowed.join(", "));
    reply
      .status(error.statusCode)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemOf(error, request.id, path));
  };
  app.setNotFoundHandler(noRoute);
  const authorize = createAuthorize(services.db);
  const streams = new StreamSlots({ perCredential: config.streamsPerCredential, perTenant: config.streamsPerTenant });
  const clusterWrites = new WriteAdmission({
    concurrency: config.clusterWrites ?? DEFAULT_CLUSTER_WRITES,
    maxWaitMs: config.clusterWriteWait ?? Math.round(config.requestTimeout / 3),
  });
  for (const route of routes) app.route({ method: route.method, url: route.url, handler: wrap(route) });
  routeWebSocketUpgrades(app);
  const document = openApiDocument(routes, { version: API_VERSION });
  app.get("/openapi.json", async (_request, reply) => reply.type("application/json").send(document));
  // The web console at / when it is built (api/console-assets.ts); else a page that says how to build it.
  const consoleDir = resolveConsoleDir(services.consoleDir);
  if (consoleDir) {
    await registerConsole(app, { dir: consoleDir, oidcIssuer: config.oidcIssuer });
  } else {
    const root = rootPage(API_VERSION);
    app.get("/", async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
        .send(root),
    );
  }
  return app;

  /** One of the caller's and the tenant's stream slots, held until the response closes; else 429. */
  function takeStreamSlot(
    request: FastifyRequest,
    reply: import("fastify").FastifyReply,
    principal: Principal,
    tenant: string,
  ): void {
    const slot = streams.take(streamCredentialOf(principal), tenant);
    if (slot.ok) {
      // "close" comes once the answer was sent in full or the client went away, streams and errors alike.
      reply.raw.once("close", slot.release);
      return;
    }
    reply.header("retry-after", String(STREAM_RETRY_AFTER_SECONDS));
    const limit = slot.full === "credential" ? "streams-per-credential" : "streams-per-tenant";
    request.log.info({ limit, max: slot.limit, tenant }, "Refused a stream over the concurrent-stream limit");
    throw new ApiError(
      "RateLimited",
      slot.full === "credential"
        ? `Too many open streams with this credential: at most ${slot.limit} event streams and log follows at once. Close one (a \`loco logs -f\` or a watch you no longer need), then retry after ${STREAM_RETRY_AFTER_SECONDS}s (Retry-After).`
        : `Too many open streams in tenant ${tenant}: at most ${slot.limit} event streams and log follows at once across its members and tokens. Close some, retry after ${STREAM_RETRY_AFTER_SECONDS}s (Retry-After), or ask a platform admin to raise --streams-per-tenant.`,
      { extra: { limit, max: slot.limit, retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS } },
    );
  }

  /** One of the cluster-write slots (api/write-admission.ts), or 503 with Retry-After before anything was done. */
  async function admitClusterWrite(request: FastifyRequest, reply: import("fastify").FastifyReply) {
    const gaveUp = new AbortController();
    const leave = () => gaveUp.abort();
    reply.raw.once("close", leave);
    const admission = await clusterWrites.admit(gaveUp.signal);
    reply.raw.off("close", leave);
    if (admission.ok) return admission.release;
    request.log.info({ queued: admission.queued, retryAfter: admission.retryAfterSeconds }, "Shed a cluster write");
    throw new ApiError(
      "Unavailable",
      `Too many deploys and other changes to the cluster are in progress on this API server; this request was not started and changed nothing. Retry after ${admission.retryAfterSeconds}s (Retry-After).`,
      { extra: { retryAfterSeconds: admission.retryAfterSeconds, notStarted: true } },
    );
  }

  function wrap(route: RouteDefinition) {
    return async (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
      let principal: Principal | undefined;
      let releaseWrite: (() => void) | undefined;
      let access: Access | undefined;
      let deniedIn: string | undefined;
      let authorized = false;
      let target = request.url.split("?")[0] ?? "";
      let details: Record<string, unknown> = {};
      let failure: ApiError | undefined;
      let status = 200;
      let audited = false;
      try {
        if (route.auth === "required")
          principal = await services.authenticator.authenticate(request.headers.authorization);
        const context: RouteContext<unknown, unknown, unknown> = {
          request,
          reply,
          requestId: request.id,
          params: parsePart(route.params, request.params, "path"),
          query: parsePart(route.query, request.query, "query"),
          body: parsePart(route.body, request.body, "body"),
          principal: principal as Principal,
          authorize: async (check) => {
            if (!principal) throw new Error(`${route.operationId} is public and cannot authorise`);
            authorized = true;
            try {
              access = await authorize(principal, check);
              services.telemetry?.authorized(request, access.tenant);
              if (route.stream && access.tenant) takeStreamSlot(request, reply, principal, access.tenant);
              // After the preflight: a caller refused (404, 403) never waits in line, and the wait holds no slot.
              if (route.clusterWrite && !releaseWrite) releaseWrite = await admitClusterWrite(request, reply);
            } catch (error) {
              // Refused for its role, the caller still sees the tenant: the attempt belongs in that tenant's log.
              if (error instanceof ApiError && error.code === "Forbidden" && "tenant" in check) deniedIn = check.tenant;
              throw error;
            }
            return access;
          },
          auditTarget: (name, extra) => {
            target = name;
            details = { ...details, ...extra };
          },
          objectFound: () => services.telemetry?.objectFound(request),
        };
        if (principal?.run) checkRunScope(principal.run, route.operationId, context.params, context.query);
        // The slot is held until the handler's work ends, not until the timeout answers for it.
        const work = route.handler(context).finally(() => releaseWrite?.());
        const result = await withTimeout(work, config.requestTimeout);
        if (route.auth === "required" && !authorized) {
          throw new Error(`${route.operationId} answered without running its preflight`);
        }
        status = result.status ?? (result.body === undefined ? 204 : 200);
        for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
        if (result.contentType) reply.type(result.contentType);
        reply.status(status);
        // Written before the answer leaves: a caller who reads the audit log next finds this call in it.
        await recordAudit();
        // A handler that took the connection over (a WebSocket session) has answered already.
        if (reply.sent) return reply;
        if (result.body instanceof Readable) holdOpen(request.raw, reply.raw);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      } catch (error) {
        failure = toApiError(error);
        await recordAudit();
        throw error;
      }

      /** The call's audit record, once (mutations only, and only with a caller to name). */
      async function recordAudit(): Promise<void> {
        if (audited || !route.audit || !principal) return;
        audited = true;
        await writeAudit(services.db, {
          // Only a tenant the caller may see records the attempt in that tenant's log.
          tenant: access?.tenant ?? deniedIn ?? null,
          actor: actorOf(principal),
          action: route.audit,
          target,
          outcome: failure ? `failed:${failure.code}` : "succeeded",
          requestId: request.id,
          details: { ...details, method: request.method, status: failure?.statusCode ?? status },
        }).catch((error: unknown) => {
          request.log.error({ err: error, action: route.audit }, "Failed to write the audit log");
          // A change is acknowledged only with its audit record: without one, the caller learns the outcome is not
          // recorded (the database went away between the change and its record) and retries.
          if (!failure) throw unrecorded(error);
        });
      }
    };
  }
}

/**
 * A streamed answer (logs, progress events) may rightly stay quiet for minutes: the connection's idle timeout must not
 * cut it, and a follower must learn at once that the stream is open — Node only sends the headers with the first
 * chunk, which for a quiet log may never come. Dead peers are found by TCP keep-alive instead.
 */
function holdOpen(request: IncomingMessage, response: ServerResponse): void {
  request.socket.setTimeout(0);
  request.socket.setKeepAlive(true, 30_000);
  // Fastify sets every header, then pipes the stream in: flush them right then.
  response.once("pipe", () => {
    if (!response.headersSent) response.flushHeaders();
  });
}

/** The answer to a change whose audit record could not be written. */
function unrecorded(error: unknown): ApiError {
  const cause = toApiError(error);
  if (cause.code !== "Unavailable") return cause;
  return new ApiError(
    "Unavailable",
    `The change may have been made, but its audit record could not be written: the database is unavailable. Retry after ${UNAVAILABLE_RETRY_AFTER_SECONDS}s (Retry-After); check the object's state first if repeating the request would change it twice.`,
    { cause: error, extra: { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } },
  );
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ApiError("Timeout", `The request did not finish within ${ms / 1000}s and was stopped; retry shortly.`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
