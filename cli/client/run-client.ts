// The API's Pipeline and Run operations for the CLI (api/routes/pipelines.ts, runs.ts): typed shapes and one
// function per operation over the shared ApiClient. Kept apart from api-client.ts so that commands that never
// touch pipelines do not load it.
import type { ApiClient, Condition, Page } from "./api-client.ts";
import type { ServerSentEvent } from "./http.ts";

export type RunPhase = "Pending" | "Queued" | "Running" | "Succeeded" | "Failed";

export interface PipelineView {
  name: string;
  tenant: string;
  profile: string;
  namespace: string;
  uid?: string;
  generation?: number;
  ready: "True" | "False" | "Unknown";
  reason: string | null;
  message: string | null;
  spec: { tasks?: { name: string }[] } & Record<string, unknown>;
  status: { conditions?: Condition[]; lastRun?: string; lastRunTime?: string; activeRuns?: number } & Record<
    string,
    unknown
  >;
}

export interface PipelineDiff {
  name: string;
  profile: string;
  exists: boolean;
  changed: boolean;
  generation: number | null;
  changes: { path: string; op: "added" | "removed" | "changed"; before?: unknown; after?: unknown }[];
  diff: string;
}

export interface RunTaskStatus {
  name: string;
  state: string;
  attempts?: number;
  startTime?: string;
  completionTime?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
}

export interface RunView {
  name: string;
  tenant: string;
  profile: string;
  namespace: string;
  uid?: string;
  pipeline: string | null;
  phase: RunPhase;
  reason: string | null;
  message: string | null;
  cancelRequested: boolean;
  parameters: Record<string, string>;
  startedBy: { kind?: string; user?: string; trigger?: string } | null;
  createdAt: string | null;
  startTime: string | null;
  completionTime: string | null;
  duration: string | null;
  tasks: RunTaskStatus[];
  spec: Record<string, unknown>;
  status: { pipelineSpec?: { tasks?: { name: string; dependsOn?: Record<string, string> }[] } } & Record<
    string,
    unknown
  >;
}

export type RunLogRecord =
  | { task: string; attempt: number; pod: string; time: string; line: string; stream?: "stdout" | "stderr" }
  | { task: string; pod: string; error: string };

export interface TimelineEntry {
  id: string;
  occurredAt: string;
  type: string;
  reason: string;
  message: string;
  actor: string | null;
}

const segment = encodeURIComponent;
const base = (tenant: string) => `/v1/tenants/${segment(tenant)}`;

export const listPipelines = (client: ApiClient, tenant: string, options: { profile?: string; cursor?: string }) =>
  client.request<Page<PipelineView>>("GET", `${base(tenant)}/pipelines`, {
    query: { profile: options.profile, cursor: options.cursor },
  });

export const applyPipeline = (client: ApiClient, tenant: string, name: string, profile: string, spec: unknown) =>
  client.request<PipelineView>("PUT", `${base(tenant)}/pipelines/${segment(name)}`, {
    query: { profile },
    body: { spec },
  });

export const diffPipeline = (client: ApiClient, tenant: string, name: string, profile: string, spec: unknown) =>
  client.request<PipelineDiff>("POST", `${base(tenant)}/pipelines/${segment(name)}/diff`, {
    query: { profile },
    body: { spec },
  });

export const startRun = (
  client: ApiClient,
  tenant: string,
  pipeline: string,
  profile: string,
  body: { parameters?: Record<string, string>; timeout?: string },
) =>
  client.request<RunView>("POST", `${base(tenant)}/pipelines/${segment(pipeline)}/runs`, {
    query: { profile },
    body,
  });

export const listRuns = (
  client: ApiClient,
  tenant: string,
  options: { profile?: string; pipeline?: string; phase?: string; since?: string; cursor?: string; limit?: number },
) =>
  client.request<Page<RunView>>("GET", `${base(tenant)}/runs`, {
    query: {
      profile: options.profile,
      pipeline: options.pipeline,
      phase: options.phase,
      since: options.since,
      cursor: options.cursor,
      limit: options.limit,
    },
  });

export const getRun = (client: ApiClient, tenant: string, run: string, profile: string) =>
  client.request<RunView>("GET", `${base(tenant)}/runs/${segment(run)}`, { query: { profile } });

export const cancelRun = (client: ApiClient, tenant: string, run: string, profile: string) =>
  client.request<RunView>("POST", `${base(tenant)}/runs/${segment(run)}/cancel`, { query: { profile } });

export const runTimeline = (client: ApiClient, tenant: string, run: string, profile: string, cursor?: string) =>
  client.request<Page<TimelineEntry>>("GET", `${base(tenant)}/runs/${segment(run)}/timeline`, {
    query: { profile, cursor },
  });

/** The Run's `status` events (then `end`) as server-sent events. */
export const runEvents = (
  client: ApiClient,
  tenant: string,
  run: string,
  profile: string,
): Promise<{ events: AsyncIterable<ServerSentEvent>; stop(): void }> =>
  client.events(`${base(tenant)}/runs/${segment(run)}/events?${new URLSearchParams({ profile })}`);

/** The Run's log records (ndjson), as they arrive. */
export function runLogs(
  client: ApiClient,
  tenant: string,
  run: string,
  profile: string,
  options: { task?: string; follow?: boolean; tail?: number },
): Promise<{ records: AsyncIterable<RunLogRecord>; stop(): void }> {
  const query = new URLSearchParams({ profile, follow: String(options.follow ?? false), format: "ndjson" });
  if (options.task) query.set("task", options.task);
  if (options.tail !== undefined) query.set("tail", String(options.tail));
  return client.ndjson<RunLogRecord>(`${base(tenant)}/runs/${segment(run)}/logs?${query}`);
}

const PIPELINE_KEYS = ["name", "profile", "ready", "reason", "message", "spec", "status"];
const RUN_KEYS = ["name", "pipeline", "phase", "reason", "tasks", "parameters", "createdAt", "duration"];

/** Checked against /openapi.json by cli/api-contract.test.ts (via CLIENT_OPERATIONS). */
export const RUN_OPERATIONS = [
  { method: "GET", path: "/v1/tenants/{tenant}/pipelines", status: 200, keys: PIPELINE_KEYS, page: true as const },
  { method: "PUT", path: "/v1/tenants/{tenant}/pipelines/{pipeline}", status: 200, keys: PIPELINE_KEYS },
  {
    method: "POST",
    path: "/v1/tenants/{tenant}/pipelines/{pipeline}/diff",
    status: 200,
    keys: ["exists", "changed", "changes", "diff"],
  },
  { method: "POST", path: "/v1/tenants/{tenant}/pipelines/{pipeline}/runs", status: 201, keys: RUN_KEYS },
  { method: "GET", path: "/v1/tenants/{tenant}/runs", status: 200, keys: RUN_KEYS, page: true as const },
  { method: "GET", path: "/v1/tenants/{tenant}/runs/{run}", status: 200, keys: RUN_KEYS },
  { method: "POST", path: "/v1/tenants/{tenant}/runs/{run}/cancel", status: 202, keys: RUN_KEYS },
  {
    method: "GET",
    path: "/v1/tenants/{tenant}/runs/{run}/timeline",
    status: 200,
    keys: ["occurredAt", "type", "reason", "message"],
    page: true as const,
  },
  { method: "GET", path: "/v1/tenants/{tenant}/runs/{run}/events", status: 200, keys: [] },
  { method: "GET", path: "/v1/tenants/{tenant}/runs/{run}/logs", status: 200, keys: [] },
];
