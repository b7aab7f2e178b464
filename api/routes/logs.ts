// An App's logs, live from the cluster: every replica's container merged into one stream of records naming the
// pod and container, as ndjson or server-sent events; tail N lines, since a duration, optionally following.
import { z } from "zod";
import type { KubeObject } from "../../kube/types.ts";
import { streamAppLogs } from "../app-logs.ts";
import { ApiError } from "../errors.ts";
import { openRecordStream } from "../event-stream.ts";
import { LogResume, parseLogPosition } from "../log-cursor.ts";
import { PodLogHub } from "../pod-log-hub.ts";
import { queryInt } from "../query-int.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { SharedAppLookup } from "../shared-app-lookup.ts";
import { ItemParams } from "./apps.ts";
import { ProfileName } from "./schemas.ts";

const SECONDS = { s: 1, m: 60, h: 3600 } as const;

const LogQuery = z.strictObject({
  profile: ProfileName,
  follow: z.enum(["true", "false"]).default("false").describe("Keep streaming new lines."),
  tail: queryInt(0, 10_000).optional().describe("Last N lines of each container."),
  since: z
    .string()
    .regex(/^\d{1,6}[smh]$/, { error: "must be a duration such as 30s, 10m or 2h" })
    .optional()
    .describe("Only lines newer than this, such as 10m."),
  format: z.enum(["ndjson", "sse"]).default("ndjson").describe("ndjson (default) or sse."),
  after: z
    .string()
    .max(100_000)
    .optional()
    .describe(
      "Resume a follow: the position after the last record received, as `pod~time~count` per pod joined by commas (each server-sent event's id is one; a Last-Event-ID header does the same).",
    ),
});

const headerOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The follower's position, from `after` or Last-Event-ID; 400 naming `after` when it is not one. */
function resumeFrom(text: string | undefined): LogResume | undefined {
  if (text === undefined) return undefined;
  const parsed = parseLogPosition(text);
  if ("error" in parsed) {
    throw new ApiError("InvalidRequest", `The resume position ${parsed.error}; send back an event id you received.`, {
      errors: [{ field: "after", message: parsed.error }],
    });
  }
  return new LogResume(parsed.position);
}

export function logRoutes(services: ApiServices): RouteDefinition[] {
  // Followers of one App share its namespace and pod lookup (api/shared-app-lookup.ts).
  const lookup = new SharedAppLookup<KubeObject & { status?: { phase?: string } }>(services);
  // Followers of a replica share its live log (api/pod-log-hub.ts).
  const shared = services.kubeConfig
    ? new PodLogHub(services.kubeConfig, (pod, error) =>
        services.log.info({ pod, err: String(error) }, "Failed to read a followed pod's logs"),
      )
    : undefined;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/logs",
      operationId: "appLogs",
      summary: "Stream an App's logs: all replicas merged, each line with its pod and container.",
      tag: "apps",
      auth: "required",
      stream: true,
      params: ItemParams,
      query: LogQuery,
      responses: {
        200: { description: "A stream of log records.", contentTypes: ["application/x-ndjson", "text/event-stream"] },
        404: { description: "No such App." },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, request, reply, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const { namespace, pods } = await lookup.replicas(
          { tenant: params.tenant, profile: query.profile, app: params.app },
          objectFound,
        );
        if (!services.kubeConfig) throw new ApiError("Unavailable", "Logs are not available from this server.");
        const follow = query.follow === "true";
        const match = query.since ? /^(\d+)([smh])$/.exec(query.since) : null;
        const options = {
          follow,
          timestamps: true,
          ...(query.tail !== undefined ? { tailLines: query.tail } : {}),
          ...(match ? { sinceSeconds: Number(match[1]) * SECONDS[match[2] as keyof typeof SECONDS] } : {}),
        };
        const resume = resumeFrom(query.after ?? headerOf(request.headers["last-event-id"]));
        const out = openRecordStream(reply, query.format);
        streamAppLogs({
          resume,
          ...(shared ? { shared } : {}),
          kubeConfig: services.kubeConfig,
          namespace,
          pods: pods.filter((p) => p.status?.phase !== "Pending").map((p) => p.metadata.name ?? ""),
          logOptions: options,
          out,
          log: request.log,
        });
        return out.answer();
      },
    }),
  ];
}
