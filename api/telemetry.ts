// OpenTelemetry for loco-api, on the shared SDK module (kube/telemetry.ts): HTTP server spans from the
// OpenTelemetry HTTP auto-instrumentation, named after the Fastify route; Postgres query spans (pg
// auto-instrumentation) as their children; request duration/count/error metrics under the semantic-convention name
// http.server.request.duration; and the loco.tenant / loco.app (loco.pipeline, loco.run) attributes of the route on
// spans, metrics and request log lines. With neither an OTLP endpoint nor a metrics address, nothing is loaded and
// the server gets no hooks.
import { createRequire } from "node:module";
import { type Attributes, context, metrics, type Span, trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { INSTRUMENTATION_SCOPE, startTelemetry, type Telemetry, telemetrySettings } from "../kube/telemetry.ts";

/** Path parameters that name loco objects, and the attribute each becomes. */
const PARAM_ATTRIBUTES: Record<string, string> = {
  tenant: "loco.tenant",
  app: "loco.app",
  pipeline: "loco.pipeline",
  run: "loco.run",
  profile: "loco.profile",
};

/**
 * Attributes that may go on metrics (bounded: tenants, and Apps and Pipelines, are few and long-lived). Runs are
 * many and short-lived, so loco.run stays on spans and logs, as in the operator.
 */
const METRIC_ATTRIBUTES = ["loco.tenant", "loco.app", "loco.pipeline"] as const;

/** loco object names are DNS labels or subdomains; anything else in a path segment is not tagged. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Requests not traced: probes (every few seconds from the kubelet) and scrapes. */
const UNTRACED = new Set(["/healthz", "/readyz", "/metrics"]);

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]);

/** The semantic-convention name of the request metric (a histogram: its count is the request count). */
export const HTTP_SERVER_DURATION = "http.server.request.duration";

/** The loco attributes a request's path names (`/v1/tenants/acme/apps/web` → loco.tenant=acme, loco.app=web). */
export function locoAttributesOf(params: unknown): Attributes {
  const attributes: Attributes = {};
  if (!params || typeof params !== "object") return attributes;
  for (const [param, attribute] of Object.entries(PARAM_ATTRIBUTES)) {
    const value = (params as Record<string, unknown>)[param];
    if (typeof value === "string" && OBJECT_NAME.test(value)) attributes[attribute] = value;
  }
  return attributes;
}

/**
 * The attributes of one request's http.server.request.duration point. loco.* attributes come from the path, which
 * anyone can write, so they are kept only when the caller was authorised in that tenant (else a stranger could mint
 * series at will) and, for the app or pipeline, when the route found it in the tenant (`objectFound`). A status code
 * is no such proof: a list or timeline of an App that never existed answers 200, empty.
 */
export function requestMetricAttributes(request: {
  method: string;
  scheme: string;
  route: string | undefined;
  status: number;
  loco: Attributes;
  authorizedTenant: string | undefined;
  objectFound: boolean;
}): Attributes {
  const attributes: Attributes = {
    "http.request.method": KNOWN_METHODS.has(request.method) ? request.method : "_OTHER",
    "url.scheme": request.scheme,
    "http.response.status_code": request.status,
  };
  if (request.route) attributes["http.route"] = request.route;
  if (request.status >= 500) attributes["error.type"] = String(request.status);
  const tenant = request.loco["loco.tenant"];
  if (tenant !== undefined && tenant === request.authorizedTenant) {
    for (const key of METRIC_ATTRIBUTES) {
      if (key !== "loco.tenant" && !request.objectFound) continue;
      const value = request.loco[key];
      if (value !== undefined) attributes[key] = value;
    }
  }
  return attributes;
}

/** What the server calls into when telemetry is on (ApiServices.telemetry); absent when it is off. */
export interface ApiTelemetry {
  /** Adds the request hooks; call before the routes are added. */
  instrument(app: FastifyInstance): void;
  /** The preflight let the caller act in `tenant`: the request's metrics may now carry its tenant. */
  authorized(request: FastifyRequest, tenant: string | undefined): void;
  /** The route found the path's App or Pipeline in that tenant: the metrics may now carry its name too. */
  objectFound(request: FastifyRequest): void;
}

interface RequestState {
  loco: Attributes;
  authorizedTenant: string | undefined;
  objectFound: boolean;
}

/**
 * The server side of API telemetry. `routeOf` hands the matched route to the HTTP instrumentation (it names the
 * span `GET /v1/tenants/:tenant/apps/:app` and sets http.route); it is @opentelemetry/core's RPC metadata, passed
 * in so that this module loads no SDK package when telemetry is off.
 */
export function apiTelemetry(routeOf: (route: string) => void = () => {}): ApiTelemetry {
  const states = new WeakMap<FastifyRequest, RequestState>();
  const duration = metrics.getMeter(INSTRUMENTATION_SCOPE).createHistogram(HTTP_SERVER_DURATION, {
    description: "Duration of HTTP server requests.",
    unit: "s",
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
  });
  return {
    instrument(app) {
      app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
        const loco = locoAttributesOf(request.params);
        states.set(request, { loco, authorizedTenant: undefined, objectFound: false });
        const route = request.routeOptions.url;
        if (route) routeOf(route);
        if (Object.keys(loco).length === 0) return;
        trace.getActiveSpan()?.setAttributes(loco);
        // The request's log lines (its one "Answered the request" line included) carry them as well.
        const log = request.log.child(loco);
        request.log = log;
        reply.log = log;
      });
      app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
        const state = states.get(request);
        duration.record(
          reply.elapsedTime / 1000,
          requestMetricAttributes({
            method: request.method,
            scheme: request.protocol,
            route: request.routeOptions.url,
            status: reply.statusCode,
            loco: state?.loco ?? {},
            authorizedTenant: state?.authorizedTenant,
            objectFound: state?.objectFound ?? false,
          }),
        );
      });
    },
    authorized(request, tenant) {
      const state = states.get(request);
      if (state) state.authorizedTenant = tenant;
    },
    objectFound(request) {
      const state = states.get(request);
      if (state) state.objectFound = true;
    },
  };
}

export interface StartedApiTelemetry {
  telemetry: Telemetry;
  /** Hand to buildServer as ApiServices.telemetry; undefined when telemetry is off (no hooks at all). */
  server: ApiTelemetry | undefined;
}

/**
 * Starts the SDK (shared with the operator: OTLP/HTTP to `otlpEndpoint` or OTEL_EXPORTER_OTLP_ENDPOINT, headers
 * from OTEL_EXPORTER_OTLP_HEADERS) with the HTTP and pg auto-instrumentations, and a Prometheus /metrics listener on
 * `metricsAddress` when given. Call before the server handles requests.
 */
export async function startApiTelemetry(
  options: {
    otlpEndpoint: string | undefined;
    metricsAddress?: { host: string; port: number } | undefined;
    metricIntervalMs?: number;
    serviceVersion?: string;
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedApiTelemetry> {
  let core: typeof import("@opentelemetry/core") | undefined;
  const telemetry = await startTelemetry(
    {
      ...telemetrySettings(options.otlpEndpoint, env),
      serviceName: "loco-api",
      ...(options.serviceVersion ? { serviceVersion: options.serviceVersion } : {}),
      ...(options.metricIntervalMs ? { metricIntervalMs: options.metricIntervalMs } : {}),
      ...(options.metricsAddress ? { prometheus: options.metricsAddress } : {}),
      // loco records this histogram itself (with the tenant's attributes); the instrumentation's copy would be a
      // second series under the same name.
      dropInstruments: [{ meterName: "@opentelemetry/instrumentation-http", instrumentName: HTTP_SERVER_DURATION }],
      instrument: async () => {
        core = await import("@opentelemetry/core");
        return instrumentations(core);
      },
    },
    env,
  );
  if (!telemetry.enabled || !core) return { telemetry, server: undefined };
  const { getRPCMetadata, RPCType } = core;
  return {
    telemetry,
    server: apiTelemetry((route) => {
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type === RPCType.HTTP) rpc.route = route;
    }),
  };
}

/**
 * The HTTP and pg auto-instrumentations. They patch modules as they are required; `http`, `https` and `pg` may
 * already be loaded (ESM imports are hoisted above the call that starts telemetry), so they are required once more
 * here, which patches the loaded modules in place (prototypes: servers and pools made earlier are covered too).
 */
async function instrumentations(core: typeof import("@opentelemetry/core")): Promise<{ disable(): void }[]> {
  const [{ HttpInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  const http = new HttpInstrumentation({
    ignoreIncomingRequestHook: (request) => UNTRACED.has(request.url?.split("?")[0] ?? ""),
    // Outgoing requests are traced as part of a request being served, never on their own (the metric exports).
    requireParentforOutgoingSpans: true,
  });
  // Queries and pool checkouts carry the tenant and app of the request they serve (the server span's, found
  // through the RPC metadata the HTTP instrumentation puts in the context).
  const tag = (span: Span) => {
    const server = core.getRPCMetadata(context.active())?.span as unknown as { attributes?: Attributes } | undefined;
    for (const key of Object.values(PARAM_ATTRIBUTES)) {
      const value = server?.attributes?.[key];
      if (value !== undefined) span.setAttribute(key, value);
    }
  };
  const pg = new PgInstrumentation({
    // Queries outside a request (migrations at start-up) make no root spans of their own.
    requireParentSpan: true,
    requestHook: tag,
    connectionHook: tag,
  });
  const require = createRequire(import.meta.url);
  require("node:http");
  require("node:https");
  const pgPath = require.resolve("pg");
  require(pgPath);
  createRequire(pgPath)("pg-pool");
  return [http, pg];
}
