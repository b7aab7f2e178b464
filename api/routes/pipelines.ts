// Pipelines of a tenant, per profile like Apps. Reads come from the state mirror; apply is server-side apply with
// field manager loco-api; diff is a server-side dry-run apply of the given spec compared with what runs now.
import { z } from "zod";
import { dns1035Label } from "../../crds/common.ts";
import { PIPELINE } from "../../crds/kinds.ts";
import { getClusterResource, getTenantResource } from "../../db/stores/resources.ts";
import { diffLines, specChanges } from "../../kube/spec-diff.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { lostRows } from "../current-cluster.ts";
import { ApiError, notFound } from "../errors.ts";
import { JSON_CONTENT_TYPE, tenantResourceJsonPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { pipelineObject } from "../pipelines/pipeline-object.ts";
import { PipelineRequestSpec } from "../pipelines/pipeline-request.ts";
import { PipelineView, pipelineView } from "../pipelines/pipeline-view.ts";
import { proposedPipeline } from "../pipelines/proposed-pipeline.ts";
import { profileOf } from "../profile-of.ts";
import { resourceViewJson } from "../resource-json.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER, findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { ProfileName, pageOf as pageSchema, TenantName } from "./schemas.ts";

/** ≤ 40, so that the names of its Runs (`<pipeline>-<suffix>`) and their Jobs stay valid. */
export const PipelineName = dns1035Label(40).describe("Pipeline name: a DNS-1035 label of at most 40 characters.");

const Change = z.object({
  path: z.string().describe("Field path, lists of named items by name: spec.tasks[build].image."),
  op: z.enum(["added", "removed", "changed"]),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export const PipelineDiff = z.object({
  name: z.string(),
  profile: z.string(),
  exists: z.boolean().describe("Whether the Pipeline exists now; when false the apply would create it."),
  changed: z.boolean().describe("Whether an apply of this spec would change the Pipeline."),
  generation: z.number().int().nullable().describe("Generation running now (null when it does not exist)."),
  changes: z.array(Change),
  diff: z.string().describe("The changes as readable lines: `+ added`, `- removed`, `~ old → new`."),
});

const ListParams = z.strictObject({ tenant: TenantName });
export const PipelineParams = z.strictObject({ tenant: TenantName, pipeline: PipelineName });
export const ProfileQuery = z.strictObject({ profile: ProfileName.describe("Profile (environment) of the Pipeline.") });
const Body = z.strictObject({ spec: PipelineRequestSpec });

export function pipelineRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;

  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/pipelines",
      operationId: "listPipelines",
      summary: "List a tenant's Pipelines, optionally of one profile.",
      tag: "pipelines",
      auth: "required",
      params: ListParams,
      query: z.strictObject({ profile: ProfileName.optional(), ...pageQuery }),
      responses: { 200: { description: "A page of Pipelines.", schema: pageSchema(PipelineView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "read" });
        const lost = await lostRows(kube);
        const body = await tenantResourceJsonPage(db, query, {
          tenant: params.tenant,
          kind: "Pipeline",
          profile: query.profile,
          maxPageSize: config.maxPageSize,
          itemJson: (row) =>
            resourceViewJson("Pipeline", params.tenant, profileOf(params.tenant, row.namespace), row, lost(row)),
        });
        return { body, contentType: JSON_CONTENT_TYPE };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/pipelines/:pipeline",
      operationId: "getPipeline",
      summary: "Get a Pipeline with its live status (Ready, triggers' last and next times, Runs in flight).",
      tag: "pipelines",
      auth: "required",
      params: PipelineParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The Pipeline.", schema: PipelineView },
        404: { description: "No such Pipeline." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "read" });
        const namespace = tenantNamespace(params.tenant, query.profile);
        const row = await getTenantResource(db, {
          tenant: params.tenant,
          kind: "Pipeline",
          namespace,
          name: params.pipeline,
        });
        if (!row) throw notFound("Pipeline", params.pipeline);
        objectFound();
        const lost = (await lostRows(kube))(row);
        return { body: pipelineView(params.tenant, query.profile, namespace, params.pipeline, row, lost) };
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/v1/tenants/:tenant/pipelines/:pipeline",
      operationId: "applyPipeline",
      summary: "Create or update a Pipeline (server-side apply of its spec).",
      tag: "pipelines",
      auth: "required",
      clusterWrite: true,
      audit: "pipelines.apply",
      params: PipelineParams,
      query: ProfileQuery,
      body: Body,
      responses: { 200: { description: "The Pipeline as applied.", schema: PipelineView } },
      handler: async ({ authorize, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "write" });
        auditTarget(`Pipeline/${query.profile}/${params.pipeline}`, {
          tasks: body.spec.tasks.map((t) => t.name),
        });
        const namespace = await appNamespace(services, params.tenant, query.profile);
        const applied = await kube.apply<KubeObject>(
          PIPELINE,
          pipelineObject(params.pipeline, namespace, config.objectLabels, body.spec),
          FIELD_MANAGER,
        );
        objectFound();
        return {
          body: pipelineView(params.tenant, query.profile, namespace, params.pipeline, {
            uid: applied.metadata.uid,
            generation: applied.metadata.generation,
            spec: applied.spec,
            status: applied.status,
          }),
        };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/pipelines/:pipeline/diff",
      operationId: "diffPipeline",
      summary:
        "What applying this spec would change in the running Pipeline (a server-side dry-run apply, compared field by field). Changes nothing.",
      tag: "pipelines",
      auth: "required",
      clusterWrite: true,
      params: PipelineParams,
      query: ProfileQuery,
      body: Body,
      responses: { 200: { description: "The changes.", schema: PipelineDiff } },
      handler: async ({ authorize, params, query, body, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "read" });
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        if (!namespace && !(await getClusterResource(db, "Profile", query.profile))) {
          throw new ApiError(
            "InvalidRequest",
            `Profile "${query.profile}" does not exist; list the profiles (\`loco profile ls\`, or GET /v1/profiles).`,
            {
              errors: [{ field: "query.profile", message: "unknown profile" }],
            },
          );
        }
        const { live, proposed } = await proposedPipeline(services, namespace, params.pipeline, body.spec);
        if (live) objectFound();
        const changes = specChanges(live?.spec, proposed);
        return {
          body: {
            name: params.pipeline,
            profile: query.profile,
            exists: live !== undefined,
            changed: changes.length > 0,
            generation: live?.metadata.generation ?? null,
            changes,
            diff: diffLines(changes).join("\n"),
          },
        };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant/pipelines/:pipeline",
      operationId: "deletePipeline",
      summary: "Delete a Pipeline; its Runs go with it (their records stay in the timeline and audit log).",
      tag: "pipelines",
      auth: "required",
      clusterWrite: true,
      audit: "pipelines.delete",
      params: PipelineParams,
      query: ProfileQuery,
      responses: { 204: { description: "Deleted." }, 404: { description: "No such Pipeline." } },
      handler: async ({ authorize, params, query, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "delete" });
        auditTarget(`Pipeline/${query.profile}/${params.pipeline}`);
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const existing = namespace ? await kube.find(PIPELINE, namespace, params.pipeline) : undefined;
        if (!namespace || !existing) throw notFound("Pipeline", params.pipeline);
        objectFound();
        await kube.delete(PIPELINE, namespace, params.pipeline, { uid: existing.metadata.uid });
        return { status: 204 };
      },
    }),
  ];
}
