// Deploys and rollbacks of an App, its deployments, and a deployment's progress as server-sent events until it is
// Available or Failed. The work is done by api/deploy/*; each handler here checks, calls it and shapes the answer.
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { getDeployment, listDeployments } from "../../db/stores/deployments.ts";
import { deployApp } from "../deploy/deploy-app.ts";
import { deploymentReader, deploymentSnapshot } from "../deploy/deployment-progress.ts";
import { rollbackApp } from "../deploy/rollback-app.ts";
import { notFound } from "../errors.ts";
import { followStatus } from "../event-stream.ts";
import { asIs, listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { SharedPoll } from "../shared-poll.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
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
});
export const Accepted = z.object({
  deploymentId: z.string(),
  unchanged: z.boolean().describe("True when the spec was already deployed: the current deployment is returned."),
  events: z.string().describe("Path of the server-sent event stream of its progress."),
});
const DeploymentParams = z.strictObject({
  tenant: TenantName,
  app: AppName,
  id: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }),
});

export function deploymentRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  const deploymentPolls = new SharedPoll(250);

  const accepted = (
    tenant: string,
    profile: string,
    app: string,
    result: { deploymentId: string; unchanged: boolean },
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
        "Deploy an App: returns the deployment id at once; 409 naming what it requests when the cluster lacks room.",
      tag: "deployments",
      auth: "required",
      audit: "apps.deploy",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ spec: AppSpec }),
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
          log: request.log,
        });
        objectFound();
        auditTarget(`App/${query.profile}/${params.app}`, { deploymentId: result.deploymentId });
        return accepted(params.tenant, query.profile, params.app, result);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/rollback",
      operationId: "rollbackApp",
      summary: "Deploy again the spec of an earlier deployment (one requested through the API).",
      tag: "deployments",
      auth: "required",
      audit: "apps.rollback",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ deploymentId: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }) }),
      responses: { 202: { description: "Accepted.", schema: Accepted }, 404: { description: "No such deployment." } },
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
        const found = await getDeployment(db, { ...params, namespace: tenantNamespace(params.tenant, query.profile) });
        if (!found) throw notFound("Deployment", params.id);
        objectFound();
        return { body: found };
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
