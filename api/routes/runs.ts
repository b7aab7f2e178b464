// Runs of a tenant: start one of a Pipeline (parameters checked against the ones it declares) or a one-off
// command; get and list them from the mirror (filters: pipeline, phase, since); follow one as server-sent events;
// cancel (spec.cancel: true); its timeline; and its logs, of one task or all tasks merged by time.
import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { z } from "zod";
import { boundedRecord, dnsLabel, duration, uniqueList } from "../../crds/common.ts";
import { PIPELINE, RUN } from "../../crds/kinds.ts";
import { InlineTask } from "../../crds/run.ts";
import { LABEL_PIPELINE } from "../../crds/run-names.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { listRuns, listRunTimeline, RUN_PHASES, type RunPhase } from "../../db/stores/runs.ts";
import { KubeApiError } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, notFound } from "../errors.ts";
import { decodeCursor, pageOf, pageQuery, pageSize } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import { type RunLogRecord, streamRunLogs, tasksWithLoggingOff } from "../run-logs.ts";
import type { ApiServices } from "../server.ts";
import { SharedPoll } from "../shared-poll.ts";
import { FIELD_MANAGER, findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { PipelineParams, ProfileQuery, profileOf } from "./pipelines.ts";
import { type Condition, ProfileName, pageOf as pageSchema, TenantName } from "./schemas.ts";

export const RunName = dnsLabel(63).describe("Run name, as returned when it was started.");

const TaskView = z.looseObject({
  name: z.string(),
  state: z.string().describe("Pending, Running, Succeeded, Failed, Skipped or Cancelled."),
  attempts: z.number().int().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const RunView = z.object({
  name: z.string(),
  tenant: z.string(),
  profile: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  pipeline: z.string().nullable().describe("The Pipeline it runs; null for a one-off command."),
  phase: z
    .enum(RUN_PHASES)
    .describe("Pending, Queued (waiting for a concurrency slot or lock), Running, Succeeded or Failed."),
  reason: z.string().nullable().describe("The Succeeded condition's reason, such as TaskFailed or UserCancelled."),
  message: z.string().nullable().describe("The Succeeded condition's message."),
  cancelRequested: z.boolean(),
  parameters: z.record(z.string(), z.string()),
  startedBy: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string().nullable(),
  startTime: z.string().nullable(),
  completionTime: z.string().nullable(),
  duration: z.string().nullable(),
  tasks: z.array(TaskView).describe("Each task's state, attempts, times, exit code and reason."),
  spec: z.record(z.string(), z.unknown()),
  status: z.record(z.string(), z.unknown()),
});
export type RunView = z.infer<typeof RunView>;

/** One event of a Run's timeline (GET …/runs/{run}/timeline). */
export const TimelineEntry = z.object({
  id: z.string(),
  occurredAt: z.string(),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  actor: z.string().nullable(),
});

type RunStatus = {
  conditions?: z.infer<typeof Condition>[];
  parameters?: Record<string, string>;
  tasks?: z.infer<typeof TaskView>[];
  startTime?: string;
  completionTime?: string;
  duration?: string;
};
type RunSpec = {
  pipelineRef?: { name: string; parameters?: Record<string, string> };
  cancel?: boolean;
  startedBy?: Record<string, unknown>;
};

export function runPhase(status: RunStatus): RunPhase {
  const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
  if (succeeded?.status === "True") return "Succeeded";
  if (succeeded?.status === "False") return "Failed";
  if (succeeded?.reason === "Queued") return "Queued";
  return status.startTime ? "Running" : "Pending";
}

export function runView(
  tenant: string,
  namespace: string,
  name: string,
  object: { uid?: string; spec: unknown; status: unknown; createdAt?: string | null },
): RunView {
  const status = (object.status ?? {}) as RunStatus;
  const spec = (object.spec ?? {}) as RunSpec;
  const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
  return {
    name,
    tenant,
    profile: profileOf(tenant, namespace),
    namespace,
    uid: object.uid,
    pipeline: spec.pipelineRef?.name ?? null,
    phase: runPhase(status),
    reason: succeeded?.reason ?? null,
    message: succeeded?.message ?? null,
    cancelRequested: spec.cancel === true,
    parameters: status.parameters ?? spec.pipelineRef?.parameters ?? {},
    startedBy: spec.startedBy ?? null,
    createdAt: object.createdAt ?? null,
    startTime: status.startTime ?? null,
    completionTime: status.completionTime ?? null,
    duration: status.duration ?? null,
    tasks: status.tasks ?? [],
    spec: spec as Record<string, unknown>,
    status: status as Record<string, unknown>,
  };
}

const liveView = (tenant: string, object: KubeObject) =>
  runView(tenant, object.metadata.namespace ?? "", object.metadata.name ?? "", {
    uid: object.metadata.uid,
    spec: object.spec,
    status: object.status,
    createdAt: object.metadata.creationTimestamp ?? null,
  });

const finished = (phase: RunPhase) => phase === "Succeeded" || phase === "Failed";

/** A Run name: `<prefix>-<8 characters>`, time-ordered then random, lowercase. */
export function newRunName(prefix: string): string {
  const time = Date.now().toString(36).slice(-5);
  const random = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, "0").slice(-3);
  return `${prefix}-${time}${random}`;
}

const SINCE = /^(\d{1,6})([smhd])$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const phaseList = new RegExp(`^(${RUN_PHASES.join("|")})(,(${RUN_PHASES.join("|")}))*$`);

const RunParams = z.strictObject({ tenant: TenantName, run: RunName });
const Accepted = RunView;

const StartBody = z.strictObject({
  parameters: boundedRecord(z.string().max(4096), 64)
    .optional()
    .describe("Values of the Pipeline's parameters; those left out take their defaults."),
  timeout: duration().optional().describe("Longest the whole Run may take; overrides the Pipeline's timeout."),
});
const OneOffBody = z.strictObject({
  task: InlineTask.describe("The command to run."),
  timeout: duration().optional().describe("Longest the Run may take."),
  locks: uniqueList(dnsLabel(), 8).optional().describe("Named locks the Run holds while it runs."),
});

const LogQuery = z.strictObject({
  profile: ProfileName,
  task: dnsLabel().optional().describe("Only this task's lines; without it, every task's lines merged by time."),
  follow: z
    .enum(["true", "false"])
    .default("false")
    .describe("Keep streaming while the Run runs; the stream ends when it has finished."),
  tail: z.coerce.number().int().min(0).max(10_000).optional().describe("Last N lines of each task attempt."),
  format: z.enum(["ndjson", "sse"]).default("ndjson").describe("ndjson (default) or sse."),
});

export function runRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  const runPolls = new SharedPoll(250);

  async function create(object: KubeObject): Promise<KubeObject> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await kube.create<KubeObject>(RUN, object, FIELD_MANAGER);
      } catch (error) {
        // A name collision (two starts in the same millisecond with the same random part): pick another.
        if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 3) throw error;
        object.metadata.name = newRunName(object.metadata.name?.replace(/-[^-]+$/, "") ?? "run");
      }
    }
  }

  async function mirroredRun(tenant: string, profile: string, run: string) {
    const namespace = tenantNamespace(tenant, profile);
    const row = await getTenantResource(db, { tenant, kind: "Run", namespace, name: run });
    if (!row) throw notFound("Run", run);
    return { namespace, row, view: runView(tenant, namespace, run, row) };
  }

  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/pipelines/:pipeline/runs",
      operationId: "startRun",
      summary: "Start a Run of a Pipeline; parameters are checked against the ones the Pipeline declares.",
      tag: "runs",
      auth: "required",
      audit: "runs.start",
      params: PipelineParams,
      query: ProfileQuery,
      body: StartBody,
      responses: {
        201: { description: "Started; follow it with GET …/runs/{run}/events.", schema: Accepted },
        404: { description: "No such Pipeline." },
        409: { description: "The Pipeline is not Ready (its spec is invalid)." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "write" });
        auditTarget(`Pipeline/${query.profile}/${params.pipeline}`, { parameters: Object.keys(body.parameters ?? {}) });
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const pipeline = namespace ? await kube.find<KubeObject>(PIPELINE, namespace, params.pipeline) : undefined;
        if (!namespace || !pipeline || pipeline.metadata.deletionTimestamp) throw notFound("Pipeline", params.pipeline);
        objectFound();
        const declared = ((pipeline.spec as { parameters?: { name: string; default?: string }[] }).parameters ??
          []) as { name: string; default?: string }[];
        const given = body.parameters ?? {};
        const known = new Set(declared.map((p) => p.name));
        const errors = [
          ...Object.keys(given)
            .filter((name) => !known.has(name))
            .map((name) => ({
              field: `parameters.${name}`,
              message:
                declared.length === 0
                  ? `Pipeline ${params.pipeline} declares no parameters`
                  : `Pipeline ${params.pipeline} declares no parameter ${name}; it declares ${declared.map((p) => p.name).join(", ")}`,
            })),
          ...declared
            .filter((p) => p.default === undefined && given[p.name] === undefined)
            .map((p) => ({ field: `parameters.${p.name}`, message: "is required: the Pipeline gives it no default" })),
        ];
        if (errors.length > 0) {
          throw new ApiError(
            "InvalidRequest",
            `The parameters do not match Pipeline ${params.pipeline}: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}. Fix them and retry.`,
            { errors },
          );
        }
        const ready = (
          (pipeline.status as { conditions?: z.infer<typeof Condition>[] } | undefined)?.conditions ?? []
        ).find((c) => c.type === "Ready");
        if (ready?.status === "False") {
          throw new ApiError(
            "Conflict",
            `Pipeline ${params.pipeline} is not Ready (${ready.reason ?? "no reason"}: ${ready.message ?? "no message"}); fix its spec, apply it, and start the Run again.`,
          );
        }
        const created = await create({
          apiVersion: "loco.dev/v1alpha1",
          kind: "Run",
          metadata: {
            name: newRunName(params.pipeline),
            namespace,
            labels: { ...config.objectLabels, [LABEL_PIPELINE]: params.pipeline },
            ownerReferences: [
              {
                apiVersion: "loco.dev/v1alpha1",
                kind: "Pipeline",
                name: params.pipeline,
                uid: pipeline.metadata.uid ?? "",
                blockOwnerDeletion: false,
              },
            ],
          },
          spec: {
            pipelineRef: { name: params.pipeline, ...(Object.keys(given).length ? { parameters: given } : {}) },
            ...(body.timeout ? { timeout: body.timeout } : {}),
            startedBy: { kind: "API", user: actorOf(principal) },
          },
        });
        auditTarget(`Run/${query.profile}/${created.metadata.name}`, { pipeline: params.pipeline });
        return { status: 201, body: liveView(params.tenant, created) };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/runs",
      operationId: "createRun",
      summary: "Run a one-off command in a container (a Run with one inline task).",
      tag: "runs",
      auth: "required",
      audit: "runs.create",
      params: z.strictObject({ tenant: TenantName }),
      query: ProfileQuery,
      body: OneOffBody,
      responses: { 201: { description: "Started.", schema: Accepted } },
      handler: async ({ authorize, principal, params, query, body, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "write" });
        auditTarget(`Run/${query.profile}`, { image: body.task.image });
        const namespace = await appNamespace(services, params.tenant, query.profile);
        const created = await create({
          apiVersion: "loco.dev/v1alpha1",
          kind: "Run",
          metadata: { name: newRunName("run"), namespace, labels: config.objectLabels },
          spec: {
            task: body.task,
            ...(body.timeout ? { timeout: body.timeout } : {}),
            ...(body.locks ? { locks: body.locks } : {}),
            startedBy: { kind: "API", user: actorOf(principal) },
          },
        });
        auditTarget(`Run/${query.profile}/${created.metadata.name}`, { image: body.task.image });
        return { status: 201, body: liveView(params.tenant, created) };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs",
      operationId: "listRuns",
      summary: "List a tenant's Runs, newest first; filter by profile, pipeline, phase and age.",
      tag: "runs",
      auth: "required",
      params: z.strictObject({ tenant: TenantName }),
      query: z.strictObject({
        profile: ProfileName.optional(),
        pipeline: dnsLabel(63).optional().describe("Only Runs of this Pipeline."),
        phase: z
          .string()
          .regex(phaseList, { error: `must be one or more of ${RUN_PHASES.join(", ")}, separated by commas` })
          .optional()
          .describe(`Only Runs in these phases (comma-separated): ${RUN_PHASES.join(", ")}.`),
        since: z
          .string()
          .max(64)
          .optional()
          .describe("Only Runs created within this duration (30m, 12h, 7d) or after this RFC 3339 time."),
        ...pageQuery,
      }),
      responses: { 200: { description: "A page of Runs.", schema: pageSchema(RunView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        let since: Date | undefined;
        if (query.since !== undefined) {
          const match = SINCE.exec(query.since);
          since = match
            ? new Date(Math.max(0, Date.now() - Number(match[1]) * 1000 * SECONDS[match[2] as keyof typeof SECONDS]))
            : /^\d{4}-\d{2}-\d{2}T/.test(query.since)
              ? new Date(query.since)
              : undefined;
          if (!since || Number.isNaN(since.getTime())) {
            throw new ApiError(
              "InvalidRequest",
              `since "${query.since}" is neither a duration such as 30m, 12h or 7d nor an RFC 3339 time; fix it and retry.`,
              { errors: [{ field: "query.since", message: "must be a duration (30m, 12h, 7d) or an RFC 3339 time" }] },
            );
          }
        }
        const limit = pageSize(query.limit, config.maxPageSize);
        const after = decodeCursor(query.cursor, 3) as [string, string, string] | undefined;
        if (after && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(after[0])) decodeCursor("invalid", 3);
        const rows = await listRuns(db, {
          tenant: params.tenant,
          ...(query.profile ? { namespace: tenantNamespace(params.tenant, query.profile) } : {}),
          ...(query.pipeline ? { pipeline: query.pipeline } : {}),
          ...(query.phase ? { phases: query.phase.split(",") as RunPhase[] } : {}),
          ...(since ? { since } : {}),
          after,
          limit: limit + 1,
        });
        const page = pageOf(rows, limit, (row) => [row.createdAt, row.namespace, row.name]);
        return {
          body: {
            items: page.items.map((row) => runView(params.tenant, row.namespace, row.name, row)),
            nextCursor: page.nextCursor,
          },
        };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs/:run",
      operationId: "getRun",
      summary: "Get a Run: its phase, reason and each task's state.",
      tag: "runs",
      auth: "required",
      params: RunParams,
      query: ProfileQuery,
      responses: { 200: { description: "The Run.", schema: RunView }, 404: { description: "No such Run." } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        return { body: (await mirroredRun(params.tenant, query.profile, params.run)).view };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs/:run/events",
      operationId: "watchRun",
      summary:
        "Server-sent events of a Run (event `status` with the Run on every change), ending with `end` when it has finished.",
      tag: "runs",
      auth: "required",
      stream: true,
      params: RunParams,
      query: ProfileQuery,
      responses: {
        200: { description: "An event stream.", contentTypes: ["text/event-stream"] },
        404: { description: "No such Run." },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, reply }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        const { namespace } = await mirroredRun(params.tenant, query.profile, params.run);
        const hangUp = new AbortController();
        reply.raw.on("close", () => hangUp.abort());
        const key = { tenant: params.tenant, kind: "Run", namespace, name: params.run };
        async function* events() {
          let last = "";
          let quietSince = Date.now();
          const deadline = AbortSignal.any([hangUp.signal, AbortSignal.timeout(30 * 60_000)]);
          // Every follower of this Run shares one read of the mirror per tick.
          const rows = runPolls.follow(
            `${key.tenant}/${key.namespace}/${key.name}`,
            () => getTenantResource(db, key),
            deadline,
          );
          for await (const row of rows) {
            if (!row) {
              yield `event: gone\ndata: ${JSON.stringify({ name: params.run, message: "The Run was deleted." })}\n\n`;
              return;
            }
            const view = runView(params.tenant, namespace, params.run, row);
            const text = JSON.stringify(view);
            if (text !== last) {
              yield `event: status\nid: ${Date.now()}\ndata: ${text}\n\n`;
              last = text;
              quietSince = Date.now();
            } else if (Date.now() - quietSince > 15_000) {
              yield ": keep-alive\n\n";
              quietSince = Date.now();
            }
            if (finished(view.phase)) {
              yield `event: end\ndata: ${text}\n\n`;
              return;
            }
          }
        }
        return {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache", "x-accel-buffering": "no" },
          body: Readable.from(events()),
        };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/runs/:run/cancel",
      operationId: "cancelRun",
      summary: "Cancel a Run (spec.cancel: true): running tasks are stopped and it ends with reason UserCancelled.",
      tag: "runs",
      auth: "required",
      audit: "runs.cancel",
      params: RunParams,
      query: ProfileQuery,
      responses: {
        202: { description: "Cancellation requested; the Run ends shortly.", schema: RunView },
        404: { description: "No such Run." },
        409: { description: "The Run has already finished." },
      },
      handler: async ({ authorize, params, query, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "write" });
        auditTarget(`Run/${query.profile}/${params.run}`);
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const live = namespace ? await kube.find<KubeObject>(RUN, namespace, params.run) : undefined;
        if (!namespace || !live) throw notFound("Run", params.run);
        const view = liveView(params.tenant, live);
        if (finished(view.phase)) {
          throw new ApiError(
            "Conflict",
            `Run ${params.run} has already finished (${view.phase}${view.reason ? `, ${view.reason}` : ""}); there is nothing to cancel.`,
          );
        }
        // A merge patch of the one field, with the read uid as a precondition of sorts: a Run recreated under the
        // same name in between is left alone.
        const patched = await kube.request<KubeObject>(
          "PATCH",
          `/apis/loco.dev/v1alpha1/namespaces/${namespace}/runs/${params.run}`,
          {
            body: { metadata: { uid: live.metadata.uid }, spec: { cancel: true } },
            contentType: "application/merge-patch+json",
            query: { fieldManager: FIELD_MANAGER },
          },
        );
        return { status: 202, body: liveView(params.tenant, patched) };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs/:run/timeline",
      operationId: "runTimeline",
      summary: "What happened to a Run, oldest first: its start, each task's transitions, its end.",
      tag: "runs",
      auth: "required",
      params: RunParams,
      query: z.strictObject({ profile: ProfileQuery.shape.profile, ...pageQuery }),
      responses: {
        200: {
          description: "A page of events.",
          schema: pageSchema(TimelineEntry),
        },
      },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        const limit = pageSize(query.limit, config.maxPageSize);
        const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
        if (after && (!/^\d{1,18}$/.test(after[1]) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(after[0])))
          decodeCursor("invalid", 2);
        const rows = await listRunTimeline(db, {
          tenant: params.tenant,
          namespace: tenantNamespace(params.tenant, query.profile),
          run: params.run,
          after,
          limit: limit + 1,
        });
        const page = pageOf(rows, limit, (row) => row.key);
        return { body: { items: page.items.map(({ key: _key, ...entry }) => entry), nextCursor: page.nextCursor } };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs/:run/logs",
      operationId: "runLogs",
      summary:
        "A Run's logs: one task's, or all tasks' merged by time, each line naming its task and attempt. Finished tasks' logs are kept after their pods are gone.",
      tag: "runs",
      auth: "required",
      stream: true,
      params: RunParams,
      query: LogQuery,
      responses: {
        200: { description: "A stream of log records.", contentTypes: ["application/x-ndjson", "text/event-stream"] },
        404: { description: "No such Run." },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, request, reply }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        const { namespace } = await mirroredRun(params.tenant, query.profile, params.run);
        if (!services.kubeConfig) throw new ApiError("Unavailable", "Logs are not available from this server.");
        const kubeConfig = services.kubeConfig;
        const out = new PassThrough();
        const controller = new AbortController();
        // The response's close (not the request's, which comes as soon as its body was read): the client left.
        reply.raw.on("close", () => controller.abort());
        const write = (record: RunLogRecord) => {
          if (out.writableEnded) return;
          const json = JSON.stringify(record);
          out.write(
            query.format === "ndjson"
              ? `${json}\n`
              : `event: ${"error" in record ? "error" : "log"}\ndata: ${json}\n\n`,
          );
        };
        streamRunLogs({
          db,
          kube,
          kubeConfig,
          namespace,
          run: params.run,
          ...(query.task ? { task: query.task } : {}),
          ...(query.tail !== undefined ? { tail: query.tail } : {}),
          follow: query.follow === "true",
          async state() {
            const row = await getTenantResource(db, {
              tenant: params.tenant,
              kind: "Run",
              namespace,
              name: params.run,
            });
            if (!row) return { finished: true, loggingOff: undefined };
            return {
              finished: finished(runView(params.tenant, namespace, params.run, row).phase),
              loggingOff: tasksWithLoggingOff(row.spec, row.status),
            };
          },
          emit: write,
          signal: controller.signal,
        })
          .catch((error: unknown) => {
            request.log.warn({ err: error, run: params.run }, "Failed to stream a Run's logs");
            write({ task: query.task ?? "", pod: "", error: "Reading the logs failed part-way; retry." });
          })
          .finally(() => out.end());
        return {
          contentType: query.format === "sse" ? "text/event-stream" : "application/x-ndjson",
          headers: { "cache-control": "no-cache", "x-accel-buffering": "no" },
          body: out,
        };
      },
    }),
  ];
}
