// Profiles: every authenticated caller reads them (from the mirror); only platform admins write them. A Profile's
// domain grants name tenants, so a caller who is not a platform admin sees only the grants of its own tenants.
import type { Kysely } from "kysely";
import { z } from "zod";
import { PROFILE } from "../../crds/kinds.ts";
import { ProfileSpec } from "../../crds/profile.ts";
import type { Database } from "../../db/schema.ts";
import { getClusterResource, listClusterResources, type ResourceRecord } from "../../db/stores/resources.ts";
import type { Principal } from "../auth/principal.ts";
import { notFound } from "../errors.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { listTenants } from "../store/tenants.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
import { Condition, ProfileName, pageOf as pageSchema } from "./schemas.ts";

export const ProfileView = z.object({
  name: z.string(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  spec: z.record(z.string(), z.unknown()),
  conditions: z.array(Condition),
});

/** Tenants whose domain grants the caller may see: every tenant for a platform admin, else the caller's own. */
type GrantsVisible = "all" | ReadonlySet<string>;

async function grantsVisibleTo(db: Kysely<Database>, principal: Principal): Promise<GrantsVisible> {
  if (principal.token) {
    return principal.token.role === "platform-admin" ? "all" : new Set([principal.token.tenant ?? ""]);
  }
  if (principal.platformAdmin) return "all";
  const own = await listTenants(db, { all: false, subject: principal.subject, limit: 10_000 });
  return new Set(own.map((t) => t.name));
}

const viewOf = (row: ResourceRecord, visible: GrantsVisible) => {
  const spec = { ...((row.spec ?? {}) as Record<string, unknown>) };
  if (visible !== "all" && Array.isArray(spec.domainGrants)) {
    spec.domainGrants = (spec.domainGrants as { tenant?: string }[]).filter((g) => visible.has(g.tenant ?? ""));
  }
  return {
    name: row.name,
    uid: row.uid,
    generation: row.generation,
    spec,
    conditions: ((row.status as { conditions?: unknown[] } | null)?.conditions ?? []) as z.infer<typeof Condition>[],
  };
};

const Params = z.strictObject({ profile: ProfileName });

export function profileRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/profiles",
      operationId: "listProfiles",
      summary: "List Profiles.",
      tag: "profiles",
      auth: "required",
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of Profiles.", schema: pageSchema(ProfileView) } },
      handler: async ({ authorize, principal, query }) => {
        await authorize({ platform: "read" });
        const visible = await grantsVisibleTo(db, principal);
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1 },
          fetch: (after, limit) => listClusterResources(db, { kind: "Profile", after: after?.[0], limit }),
          keyOf: (row) => [row.name],
          view: (row) => viewOf(row, visible),
        });
        return { body };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/profiles/:profile",
      operationId: "getProfile",
      summary: "Get a Profile.",
      tag: "profiles",
      auth: "required",
      params: Params,
      responses: {
        200: { description: "The Profile.", schema: ProfileView },
        404: { description: "No such Profile." },
      },
      handler: async ({ authorize, principal, params }) => {
        await authorize({ platform: "read" });
        const row = await getClusterResource(db, "Profile", params.profile);
        if (!row) throw notFound("Profile", params.profile);
        return { body: viewOf(row, await grantsVisibleTo(db, principal)) };
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/v1/profiles/:profile",
      operationId: "applyProfile",
      summary: "Create or update a Profile (platform admins).",
      tag: "profiles",
      auth: "required",
      audit: "profiles.apply",
      params: Params,
      body: z.strictObject({ spec: ProfileSpec }),
      responses: { 200: { description: "The Profile as applied.", schema: ProfileView } },
      handler: async ({ authorize, params, body, auditTarget }) => {
        await authorize({ platform: "admin" });
        auditTarget(`Profile/${params.profile}`);
        const applied = await kube.apply(
          PROFILE,
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "Profile",
            metadata: { name: params.profile, labels: config.objectLabels },
            spec: body.spec,
          },
          FIELD_MANAGER,
        );
        return {
          body: {
            name: params.profile,
            uid: applied.metadata.uid,
            generation: applied.metadata.generation,
            spec: applied.spec as Record<string, unknown>,
            conditions: [],
          },
        };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/profiles/:profile",
      operationId: "deleteProfile",
      summary: "Delete a Profile (platform admins).",
      tag: "profiles",
      auth: "required",
      audit: "profiles.delete",
      params: Params,
      responses: { 204: { description: "Deleted." }, 404: { description: "No such Profile." } },
      handler: async ({ authorize, params, auditTarget }) => {
        await authorize({ platform: "admin" });
        auditTarget(`Profile/${params.profile}`);
        const existing = await kube.find(PROFILE, undefined, params.profile);
        if (!existing) throw notFound("Profile", params.profile);
        await kube.delete(PROFILE, undefined, params.profile, { uid: existing.metadata.uid });
        return { status: 204 };
      },
    }),
  ];
}
