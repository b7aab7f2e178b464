// Promotion of an App's current release from one profile to another (api/releases/promote-release.ts): the exact
// image, env and secret versions the source ran, in the target with the target's own placement and overrides.
import { z } from "zod";
import { actorOf } from "../auth/principal.ts";
import { promoteRelease } from "../releases/promote-release.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { ItemParams } from "./apps.ts";
import { Accepted } from "./deployments.ts";
import { ProfileName } from "./schemas.ts";

export const PromotionRequest = z.strictObject({
  from: ProfileName.describe("The profile whose current release is promoted, such as dev."),
  to: ProfileName.describe("The profile it is promoted into, such as prod."),
});

export const Promoted = Accepted.extend({
  release: z
    .number()
    .int()
    .nullable()
    .describe("The release recorded in the target profile (null when the target already ran exactly this)."),
  source: z
    .object({ profile: z.string(), release: z.number().int(), deploymentId: z.string() })
    .describe("The promoted release: its profile, number and deployment (Available when promoted)."),
  image: z.string().describe("The image carried, exactly as the source release recorded it."),
  pinned: z
    .boolean()
    .describe("The image names its digest (@sha256:…); false: it is carried by tag, which its registry may move."),
  secrets: z.record(z.string(), z.string()).describe("The secret versions carried, by key (ids, never values)."),
  overridden: z
    .array(z.string())
    .describe("Variables whose target value stayed: set there with `loco env set` or `loco secrets set`."),
});

export function promotionRoutes(services: ApiServices): RouteDefinition[] {
  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/promotions",
      operationId: "promoteRelease",
      summary:
        "Run an App's current release of one profile in another: the same image (digest when recorded), env and secret versions, with the target's routes, resources, scale and own overrides, recorded as a `promote` release naming the source's. 409 (with `reason`) when the source has no release (NoRelease), its release is not Available (SourceNotAvailable), the target profile does not exist (ProfileNotFound), or a secret version is not stored (SecretVersionsUnknown, SecretVersionsGone).",
      tag: "releases",
      auth: "required",
      clusterWrite: true,
      audit: "apps.promote",
      params: ItemParams,
      body: PromotionRequest,
      responses: {
        202: { description: "Accepted; follow it with the events stream.", schema: Promoted },
        200: { description: "The target already runs exactly this.", schema: Promoted },
        404: { description: "No such App in the source profile." },
        409: { description: "Refused: the problem's `reason` says why." },
      },
      handler: async ({ authorize, principal, params, body, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${body.to}/${params.app}`, { promotedFrom: body.from });
        const result = await promoteRelease(services, {
          principal,
          tenant: params.tenant,
          app: params.app,
          from: body.from,
          to: body.to,
          log: request.log,
        });
        objectFound();
        auditTarget(`App/${body.to}/${params.app}`, {
          promotedFrom: body.from,
          sourceRelease: result.source.release,
          release: result.release ?? null,
          deploymentId: result.deploymentId,
          by: actorOf(principal),
        });
        return {
          status: result.unchanged ? 200 : 202,
          body: {
            ...result,
            release: result.release ?? null,
            events: `/v1/tenants/${params.tenant}/apps/${params.app}/deployments/${result.deploymentId}/events?profile=${body.to}`,
          },
        };
      },
    }),
  ];
}
