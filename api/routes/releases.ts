// An App's releases (every change of what it runs, numbered), one release with the spec it ran, a rollback to one,
// and the App's secrets by name with their versions — ids and dates, never a value.
import { z } from "zod";
import { APP } from "../../crds/kinds.ts";
import { listSecretVersions } from "../../db/secret-store.ts";
import { getRelease, listReleases } from "../../db/stores/releases.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { currentSecretVersions } from "../apps/secret-values.ts";
import { actorOf } from "../auth/principal.ts";
import { notFound } from "../errors.ts";
import { asIs, listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { rollbackRelease } from "../releases/rollback-release.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";
import { Accepted } from "./deployments.ts";
import { AppName, pageOf as pageSchema, TenantName } from "./schemas.ts";

/** db/release-source.ts, for clients: who called. */
const callerSources = [
  z.object({ kind: z.literal("user"), subject: z.string().describe("The OpenID Connect subject.") }),
  z.object({
    kind: z.literal("token"),
    token: z.string().describe("The API token's id."),
    subject: z.string().describe("Who minted the token."),
  }),
  z.object({
    kind: z.literal("run"),
    namespace: z.string(),
    run: z.string().describe("The Run whose own credential made the release (a Pipeline's deploy step)."),
    pipeline: z.string().nullable().describe("The Pipeline of the Run (null: a one-off Run)."),
  }),
  z.object({
    kind: z.literal("git"),
    revision: z.string().describe("The Git commit the change was synced from."),
    managers: z.array(z.string()).describe("The field managers that applied it (e.g. argocd-controller)."),
  }),
  z.object({
    kind: z.literal("external"),
    managers: z.array(z.string()).describe("The field managers that applied it outside the API (e.g. kubectl-edit)."),
  }),
] as const;
const CallerSource = z.discriminatedUnion("kind", [...callerSources]);
export const ReleaseSource = z
  .discriminatedUnion("kind", [
    ...callerSources,
    z.object({
      kind: z.literal("promotion"),
      profile: z.string().describe("The profile whose release was promoted (the same App there)."),
      release: z.number().int().describe("The number of the promoted release in that profile."),
      deploymentId: z.string().describe("The deployment the promoted release ran as, Available when promoted."),
      by: CallerSource.describe("Who promoted it."),
    }),
  ])
  .describe("Where the release came from, as data: `actor` says who as a sentence.");

const Names = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) });
export const Release = z.object({
  number: z.number().int().describe("Numbered per App from 1, without gaps."),
  app: z.string(),
  namespace: z.string(),
  kind: z
    .enum(["deploy", "apply", "env", "secrets", "scale", "rollback", "promote"])
    .describe(
      "The change that made it: a deploy, a PUT of the App (or an apply outside the API: Argo CD, kubectl), env, secrets, scale, a rollback, or a promotion from another profile (`source` names its release).",
    ),
  actor: z
    .string()
    .describe("Who made it: a user's subject or a token; for a change outside the API, its field manager."),
  source: ReleaseSource,
  createdAt: z.string(),
  changes: z
    .object({
      image: z.object({ before: z.string().nullable(), after: z.string() }).optional(),
      env: Names.optional().describe("Plain variables, by name."),
      secrets: Names.optional().describe("Secret variables, by name: a new value is `changed`, never shown."),
      replicas: z.object({ before: z.number().int().nullable(), after: z.number().int().nullable() }).optional(),
      fields: z.array(z.string()).optional().describe("Paths of other spec fields that changed."),
    })
    .describe("What changed since the App's previous release."),
  secrets: z
    .record(z.string(), z.string().nullable())
    .describe("Each secret key's version id in this release (null: set before versions were named)."),
  deploymentId: z.string().nullable().describe("The deployment the release runs as."),
  rollbackOf: z.number().int().nullable().describe("The release a rollback returned to."),
  gitRevision: z
    .string()
    .nullable()
    .describe("The Git commit a change synced from Git came from (the App's loco.dev/git-revision annotation)."),
});
export const ReleaseDetail = Release.extend({
  spec: z.record(z.string(), z.unknown()).describe("The whole App spec of the release."),
});
export const RolledBack = Accepted.extend({ release: z.number().int().describe("The release rolled back to.") });
export const SecretsView = z.object({
  secrets: z.array(
    z.object({
      name: z.string(),
      version: z.string().nullable().describe("Version id of the current value (null: not known yet)."),
      versions: z
        .array(z.object({ id: z.string().nullable(), createdAt: z.string(), deletedAt: z.string().nullable() }))
        .describe("Stored versions, newest first (as many as the operator's retention keeps)."),
    }),
  ),
});

const ReleaseParams = z.strictObject({
  tenant: TenantName,
  app: AppName,
  release: z.coerce.number().int().min(1).max(2_147_483_647).describe("Release number."),
});

export function releaseRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/releases",
      operationId: "listReleases",
      summary: "An App's releases, newest first: each change of what it runs, by whom, and what changed (names only).",
      tag: "releases",
      auth: "required",
      params: ItemParams,
      query: z.strictObject({ profile: ProfileQuery.shape.profile, ...pageQuery }),
      responses: { 200: { description: "A page of releases.", schema: pageSchema(Release) } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1, shape: [/^\d{1,10}$/] },
          fetch: (after, limit) =>
            listReleases(db, {
              tenant: params.tenant,
              namespace: tenantNamespace(params.tenant, query.profile),
              app: params.app,
              before: after ? Number(after[0]) : undefined,
              limit,
            }),
          keyOf: (row) => [String(row.number)],
          view: asIs,
        });
        // Any name answers 200 (empty for an App that never was): only releases name a real App.
        if (body.items.length > 0) objectFound();
        return { body };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/releases/:release",
      operationId: "getRelease",
      summary: "One release of an App, with the whole spec it ran.",
      tag: "releases",
      auth: "required",
      params: ReleaseParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The release.", schema: ReleaseDetail },
        404: { description: "No such release." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const found = await getRelease(db, {
          tenant: params.tenant,
          namespace: tenantNamespace(params.tenant, query.profile),
          app: params.app,
          number: params.release,
        });
        if (!found) throw notFound("Release", String(params.release));
        objectFound();
        return { body: found };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/releases/:release/rollback",
      operationId: "rollbackRelease",
      summary:
        "Run again what a release ran: its whole spec and its secret values (restored by the operator from their stored versions), recorded as a new release. 409 when a secret version it names is no longer stored.",
      tag: "releases",
      auth: "required",
      clusterWrite: true,
      audit: "apps.rollback",
      params: ReleaseParams,
      query: ProfileQuery,
      responses: {
        202: { description: "Accepted; follow it with the events stream.", schema: RolledBack },
        200: { description: "Nothing to change.", schema: RolledBack },
        404: { description: "No such App or release." },
        409: { description: "A secret version of the release is no longer stored." },
      },
      handler: async ({ authorize, principal, params, query, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { rollbackToRelease: params.release });
        const result = await rollbackRelease(services, {
          principal,
          tenant: params.tenant,
          profile: query.profile,
          app: params.app,
          release: params.release,
          log: request.log,
        });
        objectFound();
        auditTarget(`App/${query.profile}/${params.app}`, {
          rollbackToRelease: params.release,
          deploymentId: result.deploymentId,
          by: actorOf(principal),
        });
        return {
          status: result.unchanged ? 200 : 202,
          body: {
            ...result,
            events: `/v1/tenants/${params.tenant}/apps/${params.app}/deployments/${result.deploymentId}/events?profile=${query.profile}`,
          },
        };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/secrets",
      operationId: "listSecrets",
      summary:
        "An App's secret variables by name, with the version id of each value and its stored versions; never a value.",
      tag: "releases",
      auth: "required",
      params: ItemParams,
      query: ProfileQuery,
      responses: { 200: { description: "The secrets.", schema: SecretsView }, 404: { description: "No such App." } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const namespace = tenantNamespace(params.tenant, query.profile);
        // The live App's spec beside the mirror's row: a secret just set (`secrets set` lists them right after) is
        // in the cluster at once, in the mirror only once it has caught up.
        const [row, live] = await Promise.all([
          getTenantResource(db, { tenant: params.tenant, kind: "App", namespace, name: params.app }),
          services.kube.find<KubeObject>(APP, namespace, params.app),
        ]);
        if (!row && !live) throw notFound("App", params.app);
        objectFound();
        const spec = (live?.spec ?? row?.spec ?? {}) as { secretEnv?: { name: string; secretKey?: string }[] };
        const history = await listSecretVersions(db, { tenant: params.tenant, namespace, app: params.app });
        const current = await currentSecretVersions(services, namespace, params.app);
        return {
          body: {
            secrets: (spec.secretEnv ?? []).map((s) => {
              const key = s.secretKey ?? s.name;
              return {
                name: s.name,
                version: current[key] ?? null,
                versions: history
                  .filter((v) => v.key === key)
                  .map((v) => ({ id: v.versionId, createdAt: v.createdAt, deletedAt: v.deletedAt })),
              };
            }),
          },
        };
      },
    }),
  ];
}
