// What the CLI needs to log in (the issuer and public client for the device flow), and who the caller is.
import { z } from "zod";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";

export const AuthConfig = z.object({
  issuer: z.string().nullable().describe("OpenID Provider; null when only API tokens are accepted."),
  clientId: z.string().nullable().describe("Public client for the device authorization flow."),
  audience: z.string().nullable(),
  apiTokens: z.literal(true),
});

export const WhoAmI = z.object({
  subject: z.string(),
  via: z.enum(["oidc", "token"]),
  platformAdmin: z.boolean(),
  groups: z.array(z.string()),
  token: z
    .object({ id: z.string(), tenant: z.string().nullable(), role: z.string() })
    .optional()
    .describe("Scope of the API token used, if any."),
});

export function authRoutes(services: ApiServices): RouteDefinition[] {
  const { config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/auth/config",
      operationId: "getAuthConfig",
      summary: "How to log in: the OpenID issuer and client id for the device flow.",
      tag: "auth",
      auth: "public",
      responses: { 200: { description: "Login settings.", schema: AuthConfig } },
      handler: async () => ({
        body: {
          issuer: config.oidcIssuer ?? null,
          clientId: config.oidcClientId ?? null,
          audience: config.oidcAudience ?? null,
          apiTokens: true,
        },
      }),
    }),
    defineRoute({
      method: "GET",
      url: "/v1/whoami",
      operationId: "whoAmI",
      summary: "The authenticated caller.",
      tag: "auth",
      auth: "required",
      responses: { 200: { description: "The caller.", schema: WhoAmI } },
      handler: async ({ principal, authorize }) => {
        await authorize({ platform: "read" });
        return {
          body: {
            subject: principal.subject,
            via: principal.via,
            platformAdmin: principal.platformAdmin,
            groups: principal.groups,
            ...(principal.token
              ? { token: { id: principal.token.id, tenant: principal.token.tenant, role: principal.token.role } }
              : {}),
          },
        };
      },
    }),
  ];
}
