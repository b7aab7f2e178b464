// Apps of a tenant. Reads come from the state mirror (Postgres, indexed); writes are server-side apply of the App
// with field manager loco-api, into the tenant's namespace for the profile.

import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { APP } from "../../crds/kinds.ts";
import { getTenantResource, type ResourceRecord, type ResourceText } from "../../db/stores/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { lostRows } from "../current-cluster.ts";
import { hostnameCheck } from "../deploy/hostname-check.ts";
import { ApiError, notFound } from "../errors.ts";
import { JSON_CONTENT_TYPE, tenantResourceJsonPage } from "../list-page.ts";
import { LOST_DESCRIPTION, readinessOf } from "../lost-object.ts";
import { pageQuery } from "../pagination.ts";
import { recordAppRelease } from "../releases/record-release.ts";
import { resourceViewJson } from "../resource-json.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER, findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { AppName, type Condition, ProfileName, pageOf as pageSchema, TenantName } from "./schemas.ts";

type Status = { conditions?: z.infer<typeof Condition>[]; observedGeneration?: number } & Record<string, unknown>;

export const AppView = z.object({
  name: z.string(),
  tenant: z.string(),
  profile: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  ready: z
    .enum(["True", "False", "Unknown"])
    .describe("The Ready condition's status; Unknown until reported, and while the App is lost."),
  reason: z.string().nullable().describe("The Ready condition's reason; Lost while the App is lost."),
  message: z.string().nullable().describe("The Ready condition's message; for a lost App, what that means."),
  lost: z.boolean().nullable().describe(LOST_DESCRIPTION),
  spec: z.record(z.string(), z.unknown()),
  status: z.record(z.string(), z.unknown()).describe("Status as last reported by the operator (conditions, url, …)."),
});
type AppView = z.infer<typeof AppView>;

export function appView(
  tenant: string,
  namespace: string,
  name: string,
  object: { uid?: string; generation?: number; spec: unknown; status: unknown },
  lost: boolean | null = false,
): AppView {
  const status = (object.status ?? {}) as Status;
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  return {
    name,
    tenant,
    profile: String(spec.profile ?? ""),
    namespace,
    uid: object.uid,
    generation: object.generation,
    ...readinessOf("App", name, status.conditions, lost),
    lost,
    spec,
    status,
  };
}
export const fromRow = (tenant: string, row: ResourceRecord, lost: boolean | null) =>
  appView(tenant, row.namespace, row.name, row, lost);

/** appView's JSON text for a list page, its spec and status as the database returned them. */
export const appViewJson = (tenant: string, row: ResourceText, lost: boolean | null): string =>
  resourceViewJson("App", tenant, row.specProfile ?? "", row, lost);

const ListParams = z.strictObject({ tenant: TenantName });
export const ItemParams = z.strictObject({ tenant: TenantName, app: AppName });
export const ProfileQuery = z.strictObject({ profile: ProfileName.describe("Profile (environment) of the App.") });

export function appRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps",
      operationId: "listApps",
      summary: "List a tenant's Apps, optionally of one profile.",
      tag: "apps",
      auth: "required",
      params: ListParams,
      query: z.strictObject({ profile: ProfileName.optional(), ...pageQuery }),
      responses: { 200: { description: "A page of Apps.", schema: pageSchema(AppView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const lost = await lostRows(kube);
        const body = await tenantResourceJsonPage(db, query, {
          tenant: params.tenant,
          kind: "App",
          profile: query.profile,
          maxPageSize: config.maxPageSize,
          itemJson: (row) => appViewJson(params.tenant, row, lost(row)),
        });
        return { body, contentType: JSON_CONTENT_TYPE };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app",
      operationId: "getApp",
      summary: "Get an App with its live status.",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: ProfileQuery,
      responses: { 200: { description: "The App.", schema: AppView }, 404: { description: "No such App." } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const row = await getTenantResource(db, {
          tenant: params.tenant,
          kind: "App",
          namespace: tenantNamespace(params.tenant, query.profile),
          name: params.app,
        });
        if (!row) throw notFound("App", params.app);
        objectFound();
        return { body: fromRow(params.tenant, row, (await lostRows(kube))(row)) };
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/v1/tenants/:tenant/apps/:app",
      operationId: "applyApp",
      summary: "Create or update an App (server-side apply of its spec).",
      tag: "apps",
      auth: "required",
      clusterWrite: true,
      audit: "apps.apply",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ spec: AppSpec }),
      responses: {
        200: { description: "The App as applied.", schema: AppView },
        409: { description: "A hostname is held by another App (the field is named, never another tenant's App)." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { image: body.spec.image });
        if (body.spec.profile !== query.profile) {
          throw new ApiError(
            "InvalidRequest",
            `spec.profile is "${body.spec.profile}" but the request is for profile "${query.profile}"; make them match.`,
            { errors: [{ field: "spec.profile", message: `must be ${query.profile}` }] },
          );
        }
        const namespace = await appNamespace(services, params.tenant, query.profile);
        await hostnameCheck(services, {
          tenant: params.tenant,
          namespace,
          profile: query.profile,
          app: params.app,
          spec: body.spec,
        });
        const before = await kube.find<KubeObject>(APP, namespace, params.app);
        const applied = await kube.apply<KubeObject>(
          APP,
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "App",
            metadata: { name: params.app, namespace, labels: config.objectLabels },
            spec: body.spec,
          },
          FIELD_MANAGER,
        );
        if (JSON.stringify(before?.spec) !== JSON.stringify(applied.spec)) {
          await recordAppRelease(services, {
            tenant: params.tenant,
            namespace,
            app: params.app,
            kind: "apply",
            by: principal,
            spec: applied.spec,
            before: before?.spec,
            deploymentId: (applied.status as { deploymentId?: string } | undefined)?.deploymentId ?? null,
          });
        }
        objectFound();
        return {
          body: appView(params.tenant, namespace, params.app, {
            uid: applied.metadata.uid,
            generation: applied.metadata.generation,
            spec: applied.spec,
            status: applied.status,
          }),
        };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant/apps/:app",
      operationId: "deleteApp",
      summary: "Delete an App; the operator's children go with it.",
      tag: "apps",
      auth: "required",
      clusterWrite: true,
      audit: "apps.delete",
      params: ItemParams,
      query: ProfileQuery,
      responses: { 204: { description: "Deleted." }, 404: { description: "No such App." } },
      handler: async ({ authorize, params, query, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "delete" });
        auditTarget(`App/${query.profile}/${params.app}`);
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const existing = namespace ? await kube.find(APP, namespace, params.app) : undefined;
        if (!namespace || !existing) throw notFound("App", params.app);
        objectFound();
        await kube.delete(APP, namespace, params.app, { uid: existing.metadata.uid });
        return { status: 204 };
      },
    }),
  ];
}
