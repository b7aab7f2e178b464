// API tokens of a tenant: minted within the caller's own tenant at the caller's role or lower, shown once,
// revoked or rotated. Developers see and manage their own; admins and owners all of the tenant's. A token used to
// mint or rotate another never hands out a credential that works longer than itself, and rotation replaces the
// secret only (same minter, bindings and expiry). Also the platform's bootstrap token, which platform admins revoke.
import { z } from "zod";
import { revokeBootstrapTokens } from "../../db/bootstrap-token.ts";
import { atLeast, type Role } from "../auth/principal.ts";
import type { Access } from "../authz/preflight.ts";
import { ApiError, notFound } from "../errors.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { getToken, listTokens, mintToken, revokeToken, rotateToken, type TokenRecord } from "../store/tokens.ts";
import { pageOf as pageSchema, RoleSchema, TenantName } from "./schemas.ts";

export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  replacedBy: z.string().nullable(),
  rotatedBy: z
    .string()
    .nullable()
    .describe("Who last rotated the token; when they did so as a member, it stops working once they leave."),
});
export const MintedToken = z.object({
  token: TokenView,
  secret: z.string().describe("The token itself (loco_…). Shown only in this response; store it now."),
});

const viewOf = (t: TokenRecord) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
  replacedBy: t.replacedBy,
  rotatedBy: t.rotatedBy,
});

const TokenParams = z.strictObject({
  tenant: TenantName,
  id: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a token id" }),
});
const noStore = { "cache-control": "no-store" };

const seesAll = (access: Access) => access.role === "platform-admin" || atLeast(access.role, "admin");

/** An expiry no later than the calling token's own, when the caller is a token: no token outlives what made it. */
function notAfterCaller(access: Access, expiresAt: Date): Date {
  const own = access.principal.token?.expiresAt;
  return own && new Date(own) < expiresAt ? new Date(own) : expiresAt;
}

export function tokenRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  const dayMs = 86_400_000;

  /** The token, if the caller may manage it; one you may not see answers like a missing one. */
  async function manageable(access: Access, tenant: string, id: string): Promise<TokenRecord> {
    const token = await getToken(db, tenant, id);
    if (!token || (!seesAll(access) && token.createdBy !== access.principal.subject)) throw notFound("API token", id);
    return token;
  }

  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/tokens",
      operationId: "listTokens",
      summary: "List API tokens (yours; all of the tenant's for admins and owners).",
      tag: "tokens",
      auth: "required",
      params: z.strictObject({ tenant: TenantName }),
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of tokens (never their secrets).", schema: pageSchema(TokenView) } },
      handler: async ({ authorize, params, query }) => {
        const access = await authorize({ tenant: params.tenant, resource: "tokens", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1 },
          fetch: (after, limit) =>
            listTokens(db, params.tenant, {
              after: after?.[0],
              limit,
              ...(seesAll(access) ? {} : { createdBy: access.principal.subject }),
            }),
          keyOf: (row) => [row.id],
          view: viewOf,
        });
        return { body };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/tokens",
      operationId: "createToken",
      summary: "Mint an API token in this tenant, at your role or lower.",
      tag: "tokens",
      auth: "required",
      audit: "tokens.create",
      params: z.strictObject({ tenant: TenantName }),
      body: z.strictObject({
        name: z.string().min(1).max(100).describe("What the token is for, such as ci-deploy."),
        role: RoleSchema,
        expiresInDays: z
          .int()
          .min(1)
          .max(3650)
          .default(90)
          .describe("Lifetime in days (default 90); minted with an API token, never past that token's own expiry."),
      }),
      responses: { 201: { description: "The token, with its secret (shown once).", schema: MintedToken } },
      handler: async ({ authorize, params, body, auditTarget }) => {
        const access = await authorize({ tenant: params.tenant, resource: "tokens", action: "write" });
        auditTarget(`ApiToken/${body.name}`, { role: body.role });
        if (access.role !== "platform-admin" && !atLeast(access.role, body.role)) {
          throw new ApiError(
            "Forbidden",
            `You can mint tokens up to your own role (${access.role}), not ${body.role}. Ask someone with that role.`,
          );
        }
        if (body.expiresInDays > config.tokenMaxDays) {
          throw new ApiError("InvalidRequest", `Tokens live at most ${config.tokenMaxDays} days on this server.`, {
            errors: [{ field: "expiresInDays", message: `must be at most ${config.tokenMaxDays}` }],
          });
        }
        const minted = await mintToken(db, {
          tenant: params.tenant,
          name: body.name,
          role: body.role as Role,
          createdBy: access.principal.subject,
          expiresAt: notAfterCaller(access, new Date(Date.now() + body.expiresInDays * dayMs)),
          boundToMembership: access.role !== "platform-admin",
        });
        auditTarget(`ApiToken/${minted.token.id}`, { name: body.name });
        return { status: 201, headers: noStore, body: { token: viewOf(minted.token), secret: minted.secret } };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant/tokens/:id",
      operationId: "revokeToken",
      summary: "Revoke an API token.",
      tag: "tokens",
      auth: "required",
      audit: "tokens.revoke",
      params: TokenParams,
      responses: { 204: { description: "Revoked." }, 404: { description: "No such token." } },
      handler: async ({ authorize, params, auditTarget }) => {
        const access = await authorize({ tenant: params.tenant, resource: "tokens", action: "delete" });
        auditTarget(`ApiToken/${params.id}`);
        await manageable(access, params.tenant, params.id);
        await revokeToken(db, params.tenant, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/tokens/:id/rotate",
      operationId: "rotateToken",
      summary:
        "Replace an API token's secret: the new token keeps its scope, minter and expiry (never extended); the old one stops working.",
      tag: "tokens",
      auth: "required",
      audit: "tokens.rotate",
      params: TokenParams,
      responses: { 201: { description: "The new token, with its secret (shown once).", schema: MintedToken } },
      handler: async ({ authorize, params, auditTarget }) => {
        const access = await authorize({ tenant: params.tenant, resource: "tokens", action: "write" });
        auditTarget(`ApiToken/${params.id}`);
        const old = await manageable(access, params.tenant, params.id);
        if (old.revokedAt) throw new ApiError("Conflict", "The token is already revoked; mint a new one instead.");
        if (old.expiresAt && new Date(old.expiresAt) <= new Date()) {
          throw new ApiError(
            "Conflict",
            `The token expired at ${old.expiresAt} and cannot be rotated; mint a new one with \`loco token create\`.`,
          );
        }
        if (access.role !== "platform-admin" && !atLeast(access.role, old.role as Role)) {
          throw new ApiError("Forbidden", `You cannot rotate a ${old.role} token with your role (${access.role}).`);
        }
        // Rotation never extends a token's life: it keeps its expiry, or the calling token's if that is sooner.
        const callerExpiry = access.principal.token?.expiresAt;
        const minted = await rotateToken(db, old, {
          subject: access.principal.subject,
          asMember: access.role !== "platform-admin",
          notAfter: callerExpiry ? new Date(callerExpiry) : null,
        });
        auditTarget(`ApiToken/${params.id}`, { replacedBy: minted.token.id });
        return { status: 201, headers: noStore, body: { token: viewOf(minted.token), secret: minted.secret } };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/bootstrap-token",
      operationId: "revokeBootstrapToken",
      summary: "Revoke the first-start bootstrap token (platform admins).",
      tag: "tokens",
      auth: "required",
      audit: "tokens.revokeBootstrap",
      responses: {
        204: { description: "Revoked." },
        404: { description: "There is no live bootstrap token (it was revoked, expired or never minted)." },
      },
      handler: async ({ authorize, auditTarget }) => {
        await authorize({ platform: "admin" });
        auditTarget("ApiToken/bootstrap");
        const revoked = await revokeBootstrapTokens(db);
        if (revoked.length === 0) {
          throw new ApiError(
            "NotFound",
            "There is no live bootstrap token: it was already revoked, has expired or was never minted. Nothing to revoke.",
          );
        }
        auditTarget(`ApiToken/${revoked.join(",")}`);
        return { status: 204 };
      },
    }),
  ];
}
