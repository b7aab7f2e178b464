// Members of a tenant and their roles. Nobody grants, changes or removes a role above their own; a tenant
// always keeps an owner.
import { z } from "zod";
import { atLeast, type Role } from "../auth/principal.ts";
import type { Access } from "../authz/preflight.ts";
import { ApiError, notFound } from "../errors.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { countOwners, getMember, listMembers, putMember, removeMember } from "../store/tenants.ts";
import { pageOf as pageSchema, RoleSchema, Subject, TenantName } from "./schemas.ts";

export const MemberView = z.object({ subject: z.string(), role: RoleSchema, createdAt: z.string() });
const MemberParams = z.strictObject({ tenant: TenantName, subject: Subject });

function mayManage(access: Access, role: Role): boolean {
  return access.role === "platform-admin" || atLeast(access.role, role);
}

export function memberRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/members",
      operationId: "listMembers",
      summary: "List a tenant's members.",
      tag: "members",
      auth: "required",
      params: z.strictObject({ tenant: TenantName }),
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of members.", schema: pageSchema(MemberView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "members", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1 },
          fetch: (after, limit) => listMembers(db, params.tenant, { after: after?.[0], limit }),
          keyOf: (row) => [row.subject],
          view: ({ subject, role, createdAt }) => ({ subject, role, createdAt }),
        });
        return { body };
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/v1/tenants/:tenant/members/:subject",
      operationId: "putMember",
      summary: "Add a member or change their role.",
      tag: "members",
      auth: "required",
      audit: "members.put",
      params: MemberParams,
      body: z.strictObject({ role: RoleSchema }),
      responses: { 200: { description: "The membership.", schema: MemberView } },
      handler: async ({ authorize, params, body, auditTarget }) => {
        const access = await authorize({ tenant: params.tenant, resource: "members", action: "write" });
        auditTarget(`Member/${params.subject}`, { role: body.role });
        const existing = await getMember(db, params.tenant, params.subject);
        if (!mayManage(access, body.role) || (existing && !mayManage(access, existing.role))) {
          throw new ApiError(
            "Forbidden",
            `Your role (${access.role}) cannot grant or change the role ${existing && !mayManage(access, existing.role) ? existing.role : body.role}; only that role or higher can. Ask an owner.`,
          );
        }
        if (existing?.role === "owner" && body.role !== "owner" && (await countOwners(db, params.tenant)) <= 1) {
          throw new ApiError("Conflict", "This is the tenant's last owner; make someone else owner first.");
        }
        const member = await putMember(db, params.tenant, params.subject, body.role);
        return { body: { subject: member.subject, role: member.role, createdAt: member.createdAt } };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant/members/:subject",
      operationId: "removeMember",
      summary: "Remove a member; API tokens they minted stop working.",
      tag: "members",
      auth: "required",
      audit: "members.remove",
      params: MemberParams,
      responses: { 204: { description: "Removed." }, 404: { description: "No such member." } },
      handler: async ({ authorize, params, auditTarget }) => {
        const access = await authorize({ tenant: params.tenant, resource: "members", action: "delete" });
        auditTarget(`Member/${params.subject}`);
        const existing = await getMember(db, params.tenant, params.subject);
        if (!existing) throw notFound("Member", params.subject);
        if (!mayManage(access, existing.role)) {
          throw new ApiError(
            "Forbidden",
            `Your role (${access.role}) cannot remove a member with role ${existing.role}.`,
          );
        }
        if (existing.role === "owner" && (await countOwners(db, params.tenant)) <= 1) {
          throw new ApiError("Conflict", "This is the tenant's last owner; make someone else owner first.");
        }
        await removeMember(db, params.tenant, params.subject);
        return { status: 204 };
      },
    }),
  ];
}
