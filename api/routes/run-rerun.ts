// `loco run rerun <run> [--from <task>]`: a new Run of the same Pipeline with the same parameters and timeout, which
// does not run again the tasks that succeeded in the earlier Run (all of them, or those not downstream of `from`):
// they keep their result, marked Skipped with reason Reused (spec.reuse, honoured by the operator).
import { z } from "zod";
import { dnsLabel } from "../../crds/common.ts";
import { PIPELINE } from "../../crds/kinds.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, notFound } from "../errors.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import { type GraphTask, type RecordedTask, reusedTasks } from "../runs/rerun-plan.ts";
import { liveRunView, RunView, runFinished, runView } from "../runs/run-view.ts";
import { startPipelineRun } from "../runs/start-run.ts";
import type { ApiServices } from "../server.ts";
import { findTenantNamespace } from "../tenant-namespaces.ts";
import { ProfileQuery } from "./pipelines.ts";
import { RunName } from "./runs.ts";
import { TenantName } from "./schemas.ts";

const RerunParams = z.strictObject({ tenant: TenantName, run: RunName });
const RerunBody = z
  .strictObject({
    from: dnsLabel()
      .optional()
      .describe("Run this task and everything downstream of it again; without it, every task that did not succeed."),
  })
  .default({});

export function runRerunRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube } = services;
  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/runs/:run/rerun",
      operationId: "rerunRun",
      summary:
        "Rerun a finished Run of a Pipeline with the same parameters, reusing the results of the tasks that succeeded.",
      tag: "runs",
      auth: "required",
      clusterWrite: true,
      audit: "runs.rerun",
      params: RerunParams,
      query: ProfileQuery,
      body: RerunBody,
      responses: {
        201: { description: "The new Run; follow it with GET …/runs/{run}/events.", schema: RunView },
        400: { description: "from is not a task of the Run." },
        404: { description: "No such Run, or its Pipeline is gone." },
        409: { description: "The Run is still running, is a one-off command, or had nothing left to run again." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "runs", action: "write" });
        auditTarget(`Run/${query.profile}/${params.run}`, body.from ? { from: body.from } : {});
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const row = namespace
          ? await getTenantResource(db, { tenant: params.tenant, kind: "Run", namespace, name: params.run })
          : undefined;
        if (!namespace || !row) throw notFound("Run", params.run);
        const earlier = runView(params.tenant, namespace, params.run, row);
        const pipelineName = earlier.pipeline;
        if (!pipelineName) {
          throw new ApiError(
            "Conflict",
            `Run ${params.run} is a one-off command, not a Run of a Pipeline: start it again with \`loco run -- …\`.`,
          );
        }
        if (!runFinished(earlier.phase)) {
          throw new ApiError(
            "Conflict",
            `Run ${params.run} has not finished (${earlier.phase}); wait for it, or cancel it, then rerun.`,
          );
        }
        const pipeline = await kube.find<KubeObject>(PIPELINE, namespace, pipelineName);
        if (!pipeline || pipeline.metadata.deletionTimestamp) throw notFound("Pipeline", pipelineName);
        objectFound();
        const status = earlier.status as { pipelineSpec?: { tasks?: GraphTask[] } };
        const current = new Set(((pipeline.spec as { tasks?: GraphTask[] }).tasks ?? []).map((t) => t.name));
        const tasks = reusedTasks({
          run: params.run,
          tasks: earlier.tasks as RecordedTask[],
          graph: status.pipelineSpec?.tasks ?? [],
          current,
          from: body.from,
        });
        const timeout = (earlier.spec as { timeout?: string }).timeout;
        const created = await startPipelineRun(services, {
          pipeline,
          parameters: earlier.parameters as Record<string, string>,
          timeout,
          startedBy: actorOf(principal),
          ...(tasks.length > 0 ? { reuse: { run: params.run, tasks } } : {}),
        });
        auditTarget(`Run/${query.profile}/${created.metadata.name}`, {
          rerunOf: params.run,
          reused: tasks,
          ...(body.from ? { from: body.from } : {}),
        });
        return { status: 201, body: liveRunView(params.tenant, created) };
      },
    }),
  ];
}
