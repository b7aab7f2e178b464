// Runs of a tenant: start one of a Pipeline (parameters checked against the ones it declares) or a one-off
// command; get and list them from the mirror (filters: pipeline, phase, since); follow one as server-sent events;
// cancel (spec.cancel: true); its timeline; and its logs, of one task or all tasks merged by time. The work is done by
// api/runs/*; each handler here checks, calls it and shapes the answer.
import { z } from "zod";
import { boundedRecord, dnsLabel, duration, uniqueList } from "../../crds/common.ts";
import { APP, PIPELINE } from "../../crds/kinds.ts";
import { InlineTask } from "../../crds/run.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { listRuns, listRunTimeline, RUN_PHASES, type RunPhase } from "../../db/stores/runs.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf } from "../auth/principal.ts";
import { lostRows } from "../current-cluster.ts";
import { ApiError, notFound } from "../errors.ts";
import { followStatus, openRecordStream } from "../event-stream.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { queryInt } from "../query-int.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import { streamRunLogs, tasksWithLoggingOff } from "../run-logs.ts";
import { AppCommand, appCommandTask } from "../runs/app-command.ts";
import { cancelRun } from "../runs/cancel-run.ts";
import { FailedTaskView, failedTaskOf } from "../runs/failed-task.ts";
import { runsSince } from "../runs/run-since.ts";
import { liveRunView, RunView, runFinished, runView } from "../runs/run-view.ts";
import { startCommandRun, startPipelineRun } from "../runs/start-run.ts";
import type { ApiServices } from "../server.ts";
import { SharedPoll } from "../shared-poll.ts";
import { findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { PipelineParams, ProfileQuery } from "./pipelines.ts";
import { ProfileName, pageOf as pageSchema, TenantName, TimelineEntry } from "./schemas.ts";

export const RunName = dnsLabel(63).describe("Run name, as returned when it was started.");

const phaseList = new RegExp(`^(${RUN_PHASES.join("|")})(,(${RUN_PHASES.join("|")}))*$`);

const RunParams = z.strictObject({ tenant: TenantName, run: RunName });
const Accepted = RunView;

const StartBody = z.strictObject({
  parameters: boundedRecord(z.string().max(4096), 64)
    .optional()
    .describe("Values of the Pipeline's parameters; those left out take their defaults."),
  timeout: duration().optional().describe("Longest the whole Run may take; overrides the Pipeline's timeout."),
});
const OneOffBody = z
  .strictObject({
    task: InlineTask.optional().describe("The command to run, image included."),
    app: AppCommand.optional().describe(
      "Or: a command to run as an App, with its image, env, secret env (read from the App's Secret) and resources.",
    ),
    timeout: duration().optional().describe("Longest the Run may take."),
    locks: uniqueList(dnsLabel(), 8).optional().describe("Named locks the Run holds while it runs."),
  })
  .refine((b) => (b.task === undefined) !== (b.app === undefined), {
    error: "set exactly one of task (a command with its image) or app (a command run as an App)",
  });

const LogQuery = z.strictObject({
  profile: ProfileName,
  task: dnsLabel().optional().describe("Only this task's lines; without it, every task's lines merged by time."),
  follow: z
    .enum(["true", "false"])
    .default("false")
    .describe("Keep streaming while the Run runs; the stream ends when it has finished."),
  tail: queryInt(0, 10_000).optional().describe("Last N lines of each task attempt."),
  format: z.enum(["ndjson", "sse"]).default("ndjson").describe("ndjson (default) or sse."),
});

export function runRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  const runPolls = new SharedPoll(250);

  async function mirroredRun(tenant: string, profile: string, run: string) {
    const namespace = tenantNamespace(tenant, profile);
    const row = await getTenantResource(db, { tenant, kind: "Run", namespace, name: run });
    if (!row) throw notFound("Run", run);
    return { namespace, row, view: runView(tenant, namespace, run, row, (await lostRows(kube))(row)) };
  }

  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/pipelines/:pipeline/runs",
      operationId: "startRun",
      summary: "Start a Run of a Pipeline; parameters are checked against the ones the Pipeline declares.",
      tag: "runs",
      auth: "required",
      clusterWrite: true,
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
        const created = await startPipelineRun(services, {
          pipeline,
          parameters: body.parameters ?? {},
          timeout: body.timeout,
          startedBy: actorOf(principal),
        });
        auditTarget(`Run/${query.profile}/${created.metadata.name}`, { pipeline: params.pipeline });
        return { status: 201, body: liveRunView(params.tenant, created) };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/runs",
      operationId: "createRun",
      summary:
        "Run a one-off command in a container (a Run with one inline task), or as an App: with its image, env and secrets.",
      tag: "runs",
      auth: "required",
      clusterWrite: true,
      audit: "runs.create",
      params: z.strictObject({ tenant: TenantName }),
      query: ProfileQuery,
      body: OneOffBody,
      responses: {
        201: { description: "Started.", schema: Accepted },
        404: { description: "No such App (with app)." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "write" });
        // The command reads the App's secret values: only for those who may change the App.
        if (body.app) await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        // The command and env may hold secrets typed by the user: the audit log names the image and App only.
        let task: InlineTask = body.task ?? { image: body.app?.image ?? "", timeout: "8h" };
        const audited = () => ({ image: task.image, ...(body.app ? { app: body.app.name } : {}) });
        auditTarget(`Run/${query.profile}`, audited());
        let namespace: string;
        if (body.app) {
          const found = await findTenantNamespace(kube, params.tenant, query.profile);
          const app = found ? await kube.find<KubeObject>(APP, found, body.app.name) : undefined;
          if (!found || !app || app.metadata.deletionTimestamp) throw notFound("App", body.app.name);
          namespace = found;
          const built = InlineTask.safeParse(
            appCommandTask(app.spec as Parameters<typeof appCommandTask>[0], body.app),
          );
          if (!built.success) {
            throw new ApiError(
              "InvalidRequest",
              `The command can't run as App ${body.app.name}: ${built.error.issues.map((i) => `${["app", ...i.path].join(".")} ${i.message}`).join("; ")}. Fix app and retry.`,
            );
          }
          task = built.data;
        } else {
          namespace = await appNamespace(services, params.tenant, query.profile);
        }
        const created = await startCommandRun(services, {
          namespace,
          task,
          app: body.app?.name,
          timeout: body.timeout,
          locks: body.locks,
          startedBy: actorOf(principal),
        });
        auditTarget(`Run/${query.profile}/${created.metadata.name}`, audited());
        return { status: 201, body: liveRunView(params.tenant, created) };
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
        const since = query.since === undefined ? undefined : runsSince(query.since);
        const lost = await lostRows(kube);
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 3, shape: [/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/] },
          fetch: (after, limit) =>
            listRuns(db, {
              tenant: params.tenant,
              ...(query.profile ? { namespace: tenantNamespace(params.tenant, query.profile) } : {}),
              ...(query.pipeline ? { pipeline: query.pipeline } : {}),
              ...(query.phase ? { phases: query.phase.split(",") as RunPhase[] } : {}),
              ...(since ? { since } : {}),
              after: after as [string, string, string] | undefined,
              limit,
            }),
          keyOf: (row) => [row.createdAt, row.namespace, row.name],
          view: (row) => runView(params.tenant, row.namespace, row.name, row, lost(row)),
        });
        return { body };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/runs/:run",
      operationId: "getRun",
      summary: "Get a Run: its phase, reason and each task's state; when a task failed it, that task's last log lines.",
      tag: "runs",
      auth: "required",
      params: RunParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The Run.", schema: RunView.extend({ failedTask: FailedTaskView }) },
        404: { description: "No such Run." },
      },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "read" });
        const { view } = await mirroredRun(params.tenant, query.profile, params.run);
        return { body: { ...view, failedTask: await failedTaskOf(db, view) } };
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
        const key = { tenant: params.tenant, kind: "Run", namespace, name: params.run };
        return followStatus({
          reply,
          polls: runPolls,
          key: `${key.tenant}/${key.namespace}/${key.name}`,
          read: async () => {
            const row = await getTenantResource(db, key);
            return row && { row, lost: (await lostRows(kube))(row) };
          },
          snapshot: (read) => {
            if (!read) return { gone: { name: params.run, message: "The Run was deleted." } };
            const view = runView(params.tenant, namespace, params.run, read.row, read.lost);
            return { state: view, end: runFinished(view.phase) };
          },
        });
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/runs/:run/cancel",
      operationId: "cancelRun",
      summary: "Cancel a Run (spec.cancel: true): running tasks are stopped and it ends with reason UserCancelled.",
      tag: "runs",
      auth: "required",
      clusterWrite: true,
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
        const patched = await cancelRun(kube, params.tenant, namespace, params.run);
        return { status: 202, body: liveRunView(params.tenant, patched) };
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
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 2, shape: [/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, /^\d{1,18}$/] },
          fetch: (after, limit) =>
            listRunTimeline(db, {
              tenant: params.tenant,
              namespace: tenantNamespace(params.tenant, query.profile),
              run: params.run,
              after: after as [string, string] | undefined,
              limit,
            }),
          keyOf: (row) => row.key,
          view: ({ key: _key, ...entry }) => entry,
        });
        return { body };
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
        const out = openRecordStream(reply, query.format);
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
              finished: runFinished(runView(params.tenant, namespace, params.run, row).phase),
              loggingOff: tasksWithLoggingOff(row.spec, row.status),
            };
          },
          emit: out.write,
          signal: out.signal,
        })
          .catch((error: unknown) => {
            request.log.warn({ err: error, run: params.run }, "Failed to stream a Run's logs");
            out.write({ task: query.task ?? "", pod: "", error: "Reading the logs failed part-way; retry." });
          })
          .finally(() => out.end());
        return out.answer();
      },
    }),
  ];
}
