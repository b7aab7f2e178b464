// Deploys and rollbacks of an App, what a deploy would change (its dry run), its deployments, and a deployment's
// progress as server-sent events until it is Available or Failed. The work is done by api/deploy/*; each handler
// here checks, calls it and shapes the answer.
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { getDeployment, listDeployments } from "../../db/stores/deployments.ts";
import { getClusterResource } from "../../db/stores/resources.ts";
import { checkProfile, deployApp } from "../deploy/deploy-app.ts";
import { deployDiff } from "../deploy/deploy-diff.ts";
import { previewDeploy } from "../deploy/deploy-preview.ts";
import { deploymentReader, deploymentSnapshot, liveBlocked, withBlocked } from "../deploy/deployment-progress.ts";
import { rollbackApp } from "../deploy/rollback-app.ts";
import { ApiError, notFound } from "../errors.ts";
import { followStatus } from "../event-stream.ts";
import { asIs, listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { SharedPoll } from "../shared-poll.ts";
import { findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";
import { AppName, pageOf as pageSchema, TenantName } from "./schemas.ts";

export const Deployment = z.object({
  id: z.string(),
  app: z.string(),
  namespace: z.string(),
  image: z.string(),
  outcome: z.enum(["Pending", "Progressing", "Available", "Failed", "Superseded"]),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  reason: z
    .string()
    .optional()
    .describe(
      "When Failed because the App cannot become Ready until something is fixed: the App's Ready reason (RouteConflict, ProfileNotFound, RegistryNotAllowed, LimitExceeded, …).",
    ),
  message: z.string().optional().describe("With reason: what is wrong and what to do."),
});
export const Override = z.object({
  field: z.string().describe("The field, env by name: spec.env[LOG_LEVEL], spec.replicas, spec.resources.cpu."),
  setBy: z.enum(["loco env", "loco scale"]).describe("The command that set it."),
  current: z.unknown().describe('The value the command set; a secret variable shows as "(secret)".'),
  declared: z.unknown().describe("The value the deployed spec (loco.toml) declares."),
  inEffect: z
    .enum(["command", "loco.toml"])
    .describe("Whose value the App has after the deploy: the command's (the rule), or loco.toml's (forceConflicts)."),
});
export const Accepted = z.object({
  deploymentId: z.string(),
  unchanged: z.boolean().describe("True when the spec was already deployed: the current deployment is returned."),
  events: z.string().describe("Path of the server-sent event stream of its progress."),
  overrides: z
    .array(Override)
    .describe("Fields the spec declares that `loco env` or `loco scale` set too, and whose value is in effect."),
});
const Change = z.object({
  path: z.string().describe("Field path, env and ports by name: spec.env[LOG_LEVEL].value."),
  op: z.enum(["added", "removed", "changed"]),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export const DeployDiff = z.object({
  name: z.string(),
  profile: z.string(),
  exists: z.boolean().describe("Whether the App exists now; when false the deploy would create it."),
  changed: z.boolean().describe("Whether the deploy would change the App's spec."),
  generation: z.number().int().nullable().describe("Generation running now (null when it does not exist)."),
  changes: z.array(Change),
  diff: z.string().describe("The changes as readable lines: `+ added`, `- removed`, `~ old → new`."),
  env: z
    .object({ added: z.array(z.string()), removed: z.array(z.string()) })
    .describe("Names of variables (plain and secret) the deploy would add and remove; never values."),
  replicas: z.object({ before: z.number().int().nullable(), after: z.number().int().nullable() }),
  overrides: z.array(Override).describe("As a deploy would report them."),
});
const DeployBody = z.strictObject({
  spec: AppSpec,
  forceConflicts: z
    .boolean()
    .default(false)
    .describe(
      "Give the spec's values to fields `loco env` or `loco scale` set too (by default their values stay and are reported as overrides).",
    ),
});
const DeploymentParams = z.strictObject({
  tenant: TenantName,
  app: AppName,
  id: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }),
});

export function deploymentRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  const deploymentPolls = new SharedPoll(250);

  const accepted = (
    tenant: string,
    profile: string,
    app: string,
    result: { deploymentId: string; unchanged: boolean; overrides: z.output<typeof Override>[] },
  ) => ({
    status: result.unchanged ? 200 : 202,
    body: {
      ...result,
      events: `/v1/tenants/${tenant}/apps/${app}/deployments/${result.deploymentId}/events?profile=${profile}`,
    },
  });

  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/deployments",
      operationId: "deployApp",
      summary:
        "Deploy an App: returns the deployment id at once, and the fields whose value `loco env` or `loco scale` set keeps over the spec's; 409 naming what it requests when the cluster lacks room.",
      tag: "deployments",
      auth: "required",
      clusterWrite: true,
      audit: "apps.deploy",
      params: ItemParams,
      query: ProfileQuery,
      body: DeployBody,
      responses: {
        202: { description: "Accepted; follow it with the events stream.", schema: Accepted },
        200: { description: "Nothing changed; the current deployment.", schema: Accepted },
        409: {
          description:
            "A hostname is held by another App (the field is named, never another tenant's App), no Ready node, or not enough free capacity.",
        },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { image: body.spec.image });
        const result = await deployApp(services, {
          principal,
          tenant: params.tenant,
          profile: query.profile,
          app: params.app,
          spec: body.spec,
          forceConflicts: body.forceConflicts,
          log: request.log,
        });
        objectFound();
        auditTarget(`App/${query.profile}/${params.app}`, {
          deploymentId: result.deploymentId,
          ...(body.forceConflicts ? { forceConflicts: true } : {}),
        });
        return accepted(params.tenant, query.profile, params.app, result);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/diff",
      operationId: "diffDeployment",
      summary:
        "What deploying this spec would change (a server-side dry-run apply under the same field ownership as a deploy): the spec's changes, variable names added and removed, replicas, and overrides. Changes nothing and records no deployment.",
      tag: "deployments",
      auth: "required",
      clusterWrite: true,
      params: ItemParams,
      query: ProfileQuery,
      body: DeployBody,
      responses: { 200: { description: "The changes.", schema: DeployDiff } },
      handler: async ({ authorize, params, query, body, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        checkProfile(body.spec, query.profile);
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
        const preview = await previewDeploy(services, {
          namespace,
          app: params.app,
          spec: body.spec,
          force: body.forceConflicts,
        });
        if (preview.live) objectFound();
        return { body: { name: params.app, profile: query.profile, ...deployDiff(preview) } };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/rollback",
      operationId: "rollbackApp",
      summary: "Deploy again the spec of an earlier deployment (one requested through the API).",
      tag: "deployments",
      auth: "required",
      clusterWrite: true,
      audit: "apps.rollback",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ deploymentId: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }) }),
      responses: {
        202: { description: "Accepted.", schema: Accepted },
        // The App already runs that deployment's spec: the answer names the current deployment (found by fuzzing).
        200: { description: "Nothing changed; the current deployment.", schema: Accepted },
        404: { description: "No such deployment." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { rollbackTo: body.deploymentId });
        const result = await rollbackApp(services, {
          principal,
          tenant: params.tenant,
          profile: query.profile,
          app: params.app,
          deploymentId: body.deploymentId,
          log: request.log,
        });
        objectFound();
        return accepted(params.tenant, query.profile, params.app, result);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments",
      operationId: "listDeployments",
      summary: "An App's deployments, newest first.",
      tag: "deployments",
      auth: "required",
      params: ItemParams,
      query: z.strictObject({ profile: ProfileQuery.shape.profile, ...pageQuery }),
      responses: { 200: { description: "A page of deployments.", schema: pageSchema(Deployment) } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const key = {
          tenant: params.tenant,
          namespace: tenantNamespace(params.tenant, query.profile),
          app: params.app,
        };
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 2 },
          fetch: (after, limit) => listDeployments(db, key, { after: after as [string, string] | undefined, limit }),
          keyOf: (row) => [row.createdAt, row.id],
          view: asIs,
        });
        // Any name answers 200 (empty for an App that never was): only deployments name a real App.
        if (body.items.length > 0) objectFound();
        return { body };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments/:id",
      operationId: "getDeployment",
      summary: "One deployment and its outcome.",
      tag: "deployments",
      auth: "required",
      params: DeploymentParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The deployment.", schema: Deployment },
        404: { description: "No such deployment." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const key = { ...params, namespace: tenantNamespace(params.tenant, query.profile) };
        const found = await getDeployment(db, key);
        if (!found) throw notFound("Deployment", params.id);
        objectFound();
        const settled = found.outcome !== "Pending" && found.outcome !== "Progressing";
        return { body: withBlocked(found, settled ? undefined : await liveBlocked(services, key)) };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments/:id/events",
      operationId: "watchDeployment",
      summary:
        "Server-sent events of a deployment's progress (event `status`), ending with `end` when Available or Failed.",
      tag: "deployments",
      auth: "required",
      stream: true,
      params: DeploymentParams,
      query: ProfileQuery,
      responses: {
        200: { description: "An event stream.", contentTypes: ["text/event-stream"] },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, reply, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const key = { ...params, namespace: tenantNamespace(params.tenant, query.profile) };
        if (!(await getDeployment(db, key))) throw notFound("Deployment", params.id);
        objectFound();
        return followStatus({
          reply,
          polls: deploymentPolls,
          key: `${params.tenant}/${key.namespace}/${params.app}/${params.id}`,
          read: deploymentReader(services, key),
          snapshot: deploymentSnapshot,
        });
      },
    }),
  ];
}
