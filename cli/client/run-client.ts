// The API's Pipeline and Run operations for the CLI (api/routes/pipelines.ts, runs.ts): typed shapes and one
// function per operation over the shared ApiClient. Kept apart from api-client.ts so that commands that never
// touch pipelines do not load it.
import type * as Api from "../../api/contract.ts";
// The API's answers, from its route declarations (api/contract.ts); a Pipeline's spec and status and a Run's status,
// open records in the API, are read as the CRDs declare them (crds/pipeline.ts, crds/run.ts).
import type {
  PipelineDiff,
  PipelineSecretsView,
  RunLogRecord,
  RunPhase,
  RunTaskStatus,
  TimelineEntry,
} from "../../api/contract.ts";
import type { PipelineSpec, PipelineStatus, Task } from "../../crds/pipeline.ts";
import type { RunStatus } from "../../crds/run.ts";
import type { ApiClient, Page } from "./api-client.ts";
import type { ServerSentEvent } from "./http.ts";

export type { PipelineDiff, PipelineSecretsView, RunLogRecord, RunPhase, RunTaskStatus, TimelineEntry };
export type PipelineView = Omit<Api.PipelineView, "spec" | "status"> & {
  spec: Partial<PipelineSpec> & Api.PipelineView["spec"];
  status: Partial<PipelineStatus> & Api.PipelineView["status"];
};
export type RunView = Omit<Api.RunView, "status"> & {
  /** pipelineSpec: the Pipeline's spec as the Run first saw it (the live view draws its task graph). */
  status: Partial<Omit<RunStatus, "pipelineSpec">> & {
    pipelineSpec?: { tasks?: Pick<Task, "name" | "dependsOn">[] };
  } & Api.RunView["status"];
};

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

/** A one-off command (POST …/runs), run as an App (`app`) or in an image of its own (`task`). */
export interface OneOffRun {
  app?: {
    name: string;
    command: string[];
    image?: string;
    env?: { name: string; value: string }[];
    timeout?: string;
    podAnnotations?: Record<string, string>;
  };
  task?: {
    image: string;
    command: string[];
    env?: { name: string; value: string }[];
    timeout?: string;
    podAnnotations?: Record<string, string>;
  };
  timeout?: string;
}

export const createRun = (client: ApiClient, tenant: string, profile: string, body: OneOffRun) =>
  client.request<RunView>("POST", `${base(tenant)}/runs`, { query: { profile }, body });

export const listPipelineSecrets = (client: ApiClient, tenant: string, pipeline: string, profile: string) =>
  client.request<PipelineSecretsView>("GET", `${base(tenant)}/pipelines/${segment(pipeline)}/secrets`, {
    query: { profile },
  });

export const setPipelineSecrets = (
  client: ApiClient,
  tenant: string,
  pipeline: string,
  profile: string,
  body: { set?: Record<string, string>; unset?: string[] },
) =>
  client.request<PipelineSecretsView>("PATCH", `${base(tenant)}/pipelines/${segment(pipeline)}/secrets`, {
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

export const rerunRun = (client: ApiClient, tenant: string, run: string, profile: string, from?: string) =>
  client.request<RunView>("POST", `${base(tenant)}/runs/${segment(run)}/rerun`, {
    query: { profile },
    body: from === undefined ? {} : { from },
  });

export const runTimeline = (client: ApiClient, tenant: string, run: string, profile: string, cursor?: string) =>
  client.request<Page<Api.TimelineEntry>>("GET", `${base(tenant)}/runs/${segment(run)}/timeline`, {
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
): Promise<{ records: AsyncIterable<Api.RunLogRecord>; stop(): void }> {
  const query = new URLSearchParams({ profile, follow: String(options.follow ?? false), format: "ndjson" });
  if (options.task) query.set("task", options.task);
  if (options.tail !== undefined) query.set("tail", String(options.tail));
  return client.ndjson<Api.RunLogRecord>(`${base(tenant)}/runs/${segment(run)}/logs?${query}`);
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
  { method: "POST", path: "/v1/tenants/{tenant}/runs", status: 201, keys: RUN_KEYS },
  {
    method: "GET",
    path: "/v1/tenants/{tenant}/pipelines/{pipeline}/secrets",
    status: 200,
    keys: ["pipeline", "profile", "secret", "names"],
  },
  {
    method: "PATCH",
    path: "/v1/tenants/{tenant}/pipelines/{pipeline}/secrets",
    status: 200,
    keys: ["pipeline", "profile", "secret", "names"],
  },
  { method: "GET", path: "/v1/tenants/{tenant}/runs", status: 200, keys: RUN_KEYS, page: true as const },
  { method: "GET", path: "/v1/tenants/{tenant}/runs/{run}", status: 200, keys: RUN_KEYS },
  { method: "POST", path: "/v1/tenants/{tenant}/runs/{run}/cancel", status: 202, keys: RUN_KEYS },
  { method: "POST", path: "/v1/tenants/{tenant}/runs/{run}/rerun", status: 201, keys: RUN_KEYS },
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
