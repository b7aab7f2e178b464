// Tenants: created by platform admins with a namespace per Profile; read by their members.
import { z } from "zod";
import { APP, PIPELINE, RUN } from "../../crds/kinds.ts";
import { podSecurityOf } from "../../crds/profile.ts";
import { listAllClusterResources, listTenantResources } from "../../db/stores/resources.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError, notFound } from "../errors.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { createTenant, deleteTenant, getTenant, listTenants, tenantDeletedAt } from "../store/tenants.ts";
import {
  defaultRequestsFor,
  ensureTenantNamespace,
  LABEL_PROFILE,
  LABEL_TENANT,
  tenantNamespace,
} from "../tenant-namespaces.ts";
import { NewTenantName, pageOf as pageSchema, Subject, TenantParams } from "./schemas.ts";

export const TenantView = z.object({
  name: z.string(),
  displayName: z.string(),
  createdAt: z.string(),
  role: z.string().nullable().describe("The caller's role; platform-admin for platform admins; null if none."),
});
export const TenantDetail = TenantView.extend({
  namespaces: z.array(z.object({ profile: z.string(), namespace: z.string() })),
});

const DeletedTenant = z.object({
  name: z.string(),
  deleted: z.literal(true),
  namespaces: z.array(z.string()).describe("The tenant's namespaces, now being deleted with everything in them."),
});

const CreateTenant = z.strictObject({
  name: NewTenantName,
  displayName: z.string().max(200).optional(),
  owner: Subject.optional().describe("OIDC subject made the tenant's first owner."),
});

export function tenantRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config, log } = services;
  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants",
      operationId: "createTenant",
      summary: "Create a tenant and its namespace per Profile (platform admins).",
      tag: "tenants",
      auth: "required",
      audit: "tenants.create",
      body: CreateTenant,
      responses: { 201: { description: "Created.", schema: TenantDetail }, 409: { description: "It exists." } },
      handler: async ({ authorize, body, auditTarget }) => {
        await authorize({ platform: "admin" });
        auditTarget(`Tenant/${body.name}`, { owner: body.owner ?? null });
        const profiles = await listAllClusterResources(db, "Profile");
        // Refuse before writing anything when a namespace of that name belongs to someone else (a platform admin
        // may learn that; a tenant's callers never do, see profileUnavailable).
        for (const profile of profiles) {
          const name = tenantNamespace(body.name, profile.name);
          if (name.length > 63) continue;
          const taken = await kube.find(NAMESPACE, undefined, name);
          if (taken && taken.metadata.labels?.[LABEL_TENANT] !== body.name) {
            throw new ApiError(
              "Conflict",
              `Tenant "${body.name}" cannot be created: namespace "${name}" (for profile "${profile.name}") already exists and is not this tenant's (loco never takes over a namespace). Choose another tenant name, or free the namespace.`,
            );
          }
        }
        if (await getTenant(db, body.name)) {
          throw new ApiError("Conflict", `Tenant "${body.name}" already exists; choose another name.`);
        }
        const deletedAt = await tenantDeletedAt(db, body.name);
        if (deletedAt) {
          throw new ApiError(
            "Conflict",
            `Tenant "${body.name}" was deleted on ${deletedAt.toISOString()}; the names of deleted tenants are not reused, so that their audit log and history stay their own. Choose another name.`,
          );
        }
        const tenant = await createTenant(db, { name: body.name, displayName: body.displayName ?? "" }, body.owner);
        const namespaces: { profile: string; namespace: string }[] = [];
        for (const profile of profiles) {
          if (tenantNamespace(body.name, profile.name).length > 63) {
            log.warn(
              { tenant: body.name, profile: profile.name },
              "Skipped a Profile whose namespace name would be too long",
            );
            continue;
          }
          const namespace = await ensureTenantNamespace(kube, {
            tenant: body.name,
            profile: profile.name,
            gatewayNamespace: (profile.spec as { gateway?: { namespace?: string } } | null)?.gateway?.namespace,
            quota: config.tenantQuota,
            defaultRequests: defaultRequestsFor(profile.spec, config.tenantDefaultRequests),
            extraLabels: config.objectLabels,
            podSecurity: podSecurityOf(profile.spec),
            apiAccess: config.apiAccess,
          });
          namespaces.push({ profile: profile.name, namespace });
        }
        log.info({ tenant: body.name, namespaces: namespaces.length }, "Created Tenant");
        return { status: 201, body: { ...tenant, role: body.owner ? "owner" : null, namespaces } };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants",
      operationId: "listTenants",
      summary: "List the tenants the caller belongs to (all of them for platform admins).",
      tag: "tenants",
      auth: "required",
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of tenants.", schema: pageSchema(TenantView) } },
      handler: async ({ authorize, principal, query }) => {
        const access = await authorize({ platform: "read" });
        const scoped = principal.token && principal.token.role !== "platform-admin" ? principal.token : undefined;
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1 },
          fetch: (after, limit) =>
            listTenants(db, {
              all: access.role === "platform-admin" || scoped !== undefined,
              only: scoped?.tenant ?? undefined,
              subject: principal.subject,
              after: after?.[0],
              limit,
            }),
          keyOf: (row) => [row.name],
          view: (row) => ({
            ...row,
            role: scoped ? scoped.role : access.role === "platform-admin" ? "platform-admin" : row.role,
          }),
        });
        return {
          body,
        };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant",
      operationId: "getTenant",
      summary: "Get a tenant and its namespaces.",
      tag: "tenants",
      auth: "required",
      params: TenantParams,
      responses: { 200: { description: "The tenant.", schema: TenantDetail }, 404: { description: "No such tenant." } },
      handler: async ({ authorize, params }) => {
        const access = await authorize({ tenant: params.tenant, resource: "tenant", action: "read" });
        const tenant = await getTenant(db, params.tenant);
        if (!tenant) throw notFound("Tenant", params.tenant);
        const rows = await listTenantResources(db, { tenant: params.tenant, kind: "Namespace", limit: 1000 });
        return {
          body: {
            ...tenant,
            role: access.role,
            namespaces: rows.map((row) => ({ profile: row.labels[LABEL_PROFILE] ?? "", namespace: row.name })),
          },
        };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant",
      operationId: "deleteTenant",
      summary: "Delete a tenant: its namespaces (and everything in them), members and API tokens (platform admins).",
      tag: "tenants",
      auth: "required",
      audit: "tenants.delete",
      params: TenantParams,
      query: z.strictObject({
        force: z
          .enum(["true", "false"])
          .default("false")
          .describe("Delete the tenant even when it still has Apps, Pipelines or Runs (they go with it)."),
      }),
      responses: {
        200: { description: "Deleted.", schema: DeletedTenant },
        404: { description: "No such tenant." },
        409: { description: "It still has Apps, Pipelines or Runs, and force was not set." },
      },
      handler: async ({ authorize, params, query, auditTarget }) => {
        await authorize({ platform: "admin" });
        auditTarget(`Tenant/${params.tenant}`, { force: query.force === "true" });
        if (!(await getTenant(db, params.tenant))) throw notFound("Tenant", params.tenant);
        // The cluster, not the mirror, says what the namespaces hold: an App created a moment ago counts.
        const labelSelector = [
          `${LABEL_TENANT}=${params.tenant}`,
          ...Object.entries(config.objectLabels).map(([key, value]) => `${key}=${value}`),
        ].join(",");
        const namespaces = (await kube.list<KubeObject>(NAMESPACE, undefined, { labelSelector })).items.map(
          (n) => n.metadata.name as string,
        );
        if (query.force !== "true") {
          const held: string[] = [];
          for (const [resource, noun] of [
            [APP, "App"],
            [PIPELINE, "Pipeline"],
            [RUN, "Run"],
          ] as const) {
            let count = 0;
            for (const namespace of namespaces) count += (await kube.list(resource, namespace)).items.length;
            if (count > 0) held.push(`${count} ${noun}${count === 1 ? "" : "s"}`);
          }
          if (held.length > 0) {
            throw new ApiError(
              "Conflict",
              `Tenant "${params.tenant}" still has ${held.join(", ")}. Delete them first, or delete the tenant with force=true (\`loco tenant delete ${params.tenant} --force\`) to delete them with it.`,
            );
          }
        }
        // Namespaces first: if this stops half-way, the tenant still exists and the call can be repeated.
        for (const namespace of namespaces) await kube.delete(NAMESPACE, undefined, namespace);
        await deleteTenant(db, params.tenant);
        log.info({ tenant: params.tenant, namespaces: namespaces.length }, "Deleted Tenant");
        return { body: { name: params.tenant, deleted: true as const, namespaces } };
      },
    }),
  ];
}
