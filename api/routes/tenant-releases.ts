// A tenant's latest releases across all its Apps and profiles (the console's Overview): the same items as an App's
// releases, each naming its App and profile. Only the tenant's own rows are read (the store filters by tenant).
import { z } from "zod";
import { listTenantReleases } from "../../db/stores/releases.ts";
import { profileOf } from "../profile-of.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { Release } from "./releases.ts";
import { TenantParams } from "./schemas.ts";

export const TenantRelease = Release.extend({ profile: z.string().describe("The profile the App runs in.") });

export function tenantReleaseRoutes(services: ApiServices): RouteDefinition[] {
  const { db } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/releases",
      operationId: "listTenantReleases",
      summary: "A tenant's latest releases across its Apps and profiles, newest first.",
      tag: "releases",
      auth: "required",
      params: TenantParams,
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(100).default(20).describe("How many releases (1–100, default 20)."),
      }),
      responses: { 200: { description: "The newest releases.", schema: z.object({ items: z.array(TenantRelease) }) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const rows = await listTenantReleases(db, { tenant: params.tenant, limit: query.limit });
        return { body: { items: rows.map((row) => ({ ...row, profile: profileOf(params.tenant, row.namespace) })) } };
      },
    }),
  ];
}
