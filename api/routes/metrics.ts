// An App's traffic over time — request rate, error ratio, latency percentiles — with its deployments as markers:
// the console's metrics page. The numbers come from the platform's Prometheus-compatible query endpoint
// (--metrics-url) through queries the API builds itself for the caller's own App (api/metrics/app-traffic-queries.ts);
// the markers come from the deployments the mirror recorded.
import { z } from "zod";
import { type DeploymentView, listDeployments } from "../../db/stores/deployments.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { ApiError, notFound } from "../errors.ts";
import { appTrafficQueries, queryWindow, RANGES, type SeriesName } from "../metrics/app-traffic-queries.ts";
import { queryRange } from "../metrics/prometheus-client.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams } from "./apps.ts";
import { ProfileName } from "./schemas.ts";

const Point = z.object({
  t: z.number().describe("Unix seconds."),
  v: z.number().nullable().describe("The value; null where there is none (no requests to take a ratio of)."),
});
const Series = z.object({ unit: z.string(), points: z.array(Point) });
export const AppMetrics = z.object({
  app: z.string(),
  profile: z.string(),
  range: z.object({ start: z.number(), end: z.number(), stepSeconds: z.number().int() }),
  series: z.object({
    requestRate: Series.describe("Requests per second."),
    errorRatio: Series.describe("Share of requests answered with a 5xx status, 0 to 1."),
    latencyP50: Series.describe("Median request duration, seconds."),
    latencyP95: Series.describe("95th percentile request duration, seconds."),
    latencyP99: Series.describe("99th percentile request duration, seconds."),
  }),
  deployments: z
    .array(
      z.object({
        id: z.string(),
        image: z.string(),
        outcome: z.string(),
        createdAt: z.string(),
      }),
    )
    .describe("The App's deployments within the range, oldest first: markers on the charts."),
});

const MetricsQuery = z.strictObject({
  profile: ProfileName.describe("Profile (environment) of the App."),
  range: z
    .enum(Object.keys(RANGES) as [keyof typeof RANGES, ...(keyof typeof RANGES)[]])
    .default("1h")
    .describe("How far back from now: 15m, 1h (default), 6h, 24h or 7d."),
  step: z
    .string()
    .regex(/^\d{1,6}(s|m|h)$/, { error: "must be a duration such as 15s, 1m or 1h" })
    .transform((value) => Number(value.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[value.slice(-1) as "s" | "m" | "h"])
    .optional()
    .describe("Seconds between points, such as 15s (default: the range over 240 points, at least 5s)."),
});

const UNITS: Record<SeriesName, string> = {
  requestRate: "requests/s",
  errorRatio: "ratio",
  latencyP50: "s",
  latencyP95: "s",
  latencyP99: "s",
};
/** Deployments read for the markers, newest first: more than any range shows on a chart. */
const MAX_MARKERS = 500;
const QUERY_TIMEOUT_MS = 10_000;

export function metricsRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/metrics",
      operationId: "appMetrics",
      summary:
        "An App's request rate, error ratio and latency percentiles over time, with its deployments as markers; from the platform's metrics source (503 when none is configured).",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: MetricsQuery,
      responses: {
        200: { description: "The App's traffic series.", schema: AppMetrics },
        404: { description: "No such App." },
        503: { description: "No metrics source is configured (--metrics-url), or it did not answer." },
      },
      handler: async ({ authorize, params, query, objectFound, request }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const namespace = tenantNamespace(params.tenant, query.profile);
        const app = await getTenantResource(db, { tenant: params.tenant, kind: "App", namespace, name: params.app });
        if (!app) throw notFound("App", params.app);
        objectFound();
        if (!config.metricsUrl) {
          throw new ApiError(
            "Unavailable",
            "No metrics source is configured on this loco API: a platform admin sets --metrics-url (LOCO_API_METRICS_URL; chart value api.metricsQuery.url) to a Prometheus-compatible query endpoint.",
            { extra: { setting: "--metrics-url" } },
          );
        }
        const now = Date.now();
        const window = queryWindow(query.range, query.step, now, (config.metricsRateWindow ?? 120_000) / 1000);
        if ("problem" in window) {
          const message = `step ${window.problem}`;
          throw new ApiError("InvalidRequest", `The query string is invalid: query.${message}. Fix it and retry.`, {
            errors: [{ field: "query.step", message: window.problem }],
          });
        }
        const source = {
          url: config.metricsUrl,
          authorization: config.metricsAuthorization,
          timeoutMs: QUERY_TIMEOUT_MS,
        };
        const queries = appTrafficQueries(
          { tenant: params.tenant, namespace, app: params.app },
          window.rateWindowSeconds,
        );
        const names = Object.keys(queries) as SeriesName[];
        const [points, deployments] = await Promise.all([
          Promise.all(names.map((name) => queryRange(source, queries[name], window))),
          listDeployments(db, { tenant: params.tenant, namespace, app: params.app }, { limit: MAX_MARKERS }),
        ]);
        request.log.debug({ namespace, app: params.app, range: query.range }, "Queried an App's traffic metrics");
        const series = Object.fromEntries(
          names.map((name, index) => [name, { unit: UNITS[name], points: points[index] ?? [] }]),
        ) as Record<SeriesName, z.output<typeof Series>>;
        return {
          body: {
            app: params.app,
            profile: query.profile,
            range: { start: window.start, end: window.end, stepSeconds: window.stepSeconds },
            series,
            deployments: markers(deployments, window.start * 1000, now),
          },
        };
      },
    }),
  ];
}

/** Deployments made within [fromMs, toMs], oldest first. */
function markers(deployments: DeploymentView[], fromMs: number, toMs: number) {
  return deployments
    .filter((d) => {
      const at = Date.parse(d.createdAt);
      return at >= fromMs && at <= toMs;
    })
    .reverse()
    .map((d) => ({ id: d.id, image: d.image, outcome: d.outcome, createdAt: d.createdAt }));
}
