// Changing a running App without sending its whole spec: scale (replicas, cpu, memory) and env (plain and
// secret). Each reads the App from the cluster, changes the named fields, validates the result with the App schema
// and applies only its own fields as its own field manager (loco-scale, loco-env), with the read resourceVersion
// as a precondition, so that a deploy of loco.toml leaves them alone (docs/concepts.md, "Who owns which field").
// Secret values go to the App's loco-managed Secret (the mirror stores them encrypted) and are never returned.
import { z } from "zod";
import type { AppSpec } from "../../crds/app.ts";
import { envVarName, quantity } from "../../crds/common.ts";
import { ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER } from "../../crds/field-managers.ts";
import { APP } from "../../crds/kinds.ts";
import { listTimeline } from "../../db/stores/app-timeline.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { changeApp } from "../apps/change-app.ts";
import { writeSecretValues } from "../apps/secret-values.ts";
import { envChange, envNamesReplaced, scaleChange } from "../apps/spec-edits.ts";
import { ownersOf } from "../deploy/app-writers.ts";
import { notFound } from "../errors.ts";
import { asIs, listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
import { AppView, appView, ItemParams, ProfileQuery } from "./apps.ts";
import { pageOf as pageSchema, TimelineEntry } from "./schemas.ts";

type EnvVar = { name: string; value: string };
type SecretEnvVar = { name: string };

export const EnvView = z.object({
  env: z.array(z.object({ name: z.string(), value: z.string() })),
  secrets: z
    .array(z.object({ name: z.string() }))
    .describe("Secret variables, by name only: values are never returned."),
  declared: z
    .array(z.string())
    .describe(
      "Names of the variables above that the App's declared spec (loco.toml, a manifest) owns rather than `loco env`: unsetting them here answers 409.",
    ),
});

/** The variables of a live App that another writer than `loco env` declared (api/deploy/field-owners.ts). */
function declaredNames(object: KubeObject | undefined): string[] {
  if (!object) return [];
  const owned = ownersOf(object).env;
  const spec = (object.spec ?? {}) as { env?: EnvVar[]; secretEnv?: SecretEnvVar[] };
  return [
    ...(spec.env ?? []).filter((e) => !owned.env.has(e.name)),
    ...(spec.secretEnv ?? []).filter((e) => !owned.secretEnv.has(e.name)),
  ].map((e) => e.name);
}

export function appConfigRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;

  const respond = (tenant: string, namespace: string, applied: KubeObject) => ({
    body: appView(tenant, namespace, applied.metadata.name ?? "", {
      uid: applied.metadata.uid,
      generation: applied.metadata.generation,
      spec: applied.spec,
      status: applied.status,
    }),
  });

  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/scale",
      operationId: "scaleApp",
      summary: "Set an App's replicas, CPU or memory.",
      tag: "apps",
      auth: "required",
      clusterWrite: true,
      audit: "apps.scale",
      params: ItemParams,
      query: ProfileQuery,
      body: z
        .strictObject({
          replicas: z.int().min(0).max(1000).optional(),
          cpu: quantity().optional(),
          memory: quantity().optional(),
        })
        .refine((b) => b.replicas !== undefined || b.cpu !== undefined || b.memory !== undefined, {
          error: "set at least one of replicas, cpu or memory",
        }),
      responses: { 200: { description: "The App as applied.", schema: AppView } },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { ...body });
        const { namespace, applied } = await changeApp(services, {
          tenant: params.tenant,
          profile: query.profile,
          app: params.app,
          manager: SCALE_FIELD_MANAGER,
          change: (live, owners) => scaleChange(live.object.spec as AppSpec, owners.scale, body),
          // New cpu or memory is a new pod template: a deployment whose id the release can name.
          ...(body.cpu !== undefined || body.memory !== undefined ? { deployment: { principal } } : {}),
          release: { kind: "scale", by: principal },
        });
        objectFound();
        return respond(params.tenant, namespace, applied);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/env",
      operationId: "getAppEnv",
      summary: "An App's environment variables; secret ones by name only.",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: ProfileQuery,
      responses: { 200: { description: "The variables.", schema: EnvView } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const namespace = tenantNamespace(params.tenant, query.profile);
        // The live App: who owns which variable is in its managedFields, which the mirror does not keep, and its
        // spec already holds a change just made (`env set` then `env`), which the mirror may not have yet.
        const [row, live] = await Promise.all([
          getTenantResource(db, { tenant: params.tenant, kind: "App", namespace, name: params.app }),
          services.kube.find<KubeObject>(APP, namespace, params.app),
        ]);
        if (!row && !live) throw notFound("App", params.app);
        objectFound();
        const spec = (live?.spec ?? row?.spec ?? {}) as { env?: EnvVar[]; secretEnv?: SecretEnvVar[] };
        return {
          body: {
            env: spec.env ?? [],
            secrets: (spec.secretEnv ?? []).map((s) => ({ name: s.name })),
            declared: declaredNames(live),
          },
        };
      },
    }),
    defineRoute({
      method: "PATCH",
      url: "/v1/tenants/:tenant/apps/:app/env",
      operationId: "setAppEnv",
      summary: "Set or unset environment variables; with secret: true the values are stored in the App's Secret.",
      tag: "apps",
      auth: "required",
      clusterWrite: true,
      audit: "apps.env",
      params: ItemParams,
      query: ProfileQuery,
      body: z
        .strictObject({
          set: z.record(envVarName(), z.string().max(32_768)).optional(),
          unset: z.array(envVarName()).max(128).optional(),
          secret: z.boolean().default(false).describe("Store the values set as secrets."),
        })
        .refine((b) => Object.keys(b.set ?? {}).length + (b.unset?.length ?? 0) > 0, {
          error: "set or unset something",
        }),
      responses: {
        200: { description: "The variables now.", schema: EnvView },
        409: {
          description:
            "A variable to unset, or to turn plain or secret, was declared by another writer (loco.toml, a manifest).",
        },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        // Names only: secret values never reach the audit log.
        auditTarget(`App/${query.profile}/${params.app}`, {
          set: Object.keys(body.set ?? {}),
          unset: body.unset ?? [],
          secret: body.secret,
        });
        const edit = { set: body.set ?? {}, unset: body.unset ?? [], secret: body.secret };
        let secretWritten = false;
        let secretChanged = false;
        const { applied } = await changeApp(services, {
          tenant: params.tenant,
          profile: query.profile,
          app: params.app,
          manager: ENV_FIELD_MANAGER,
          change: async (live, owners) => {
            const edited = envChange(live.object.spec as AppSpec, owners.env, edit);
            // Values first, so that the pods the new template starts find them.
            if (!secretWritten && edited.touchesSecret) {
              const written = await writeSecretValues(
                services,
                live,
                edit.secret ? edit.set : {},
                envNamesReplaced(edit),
              );
              secretChanged = written.changed;
              secretWritten = true;
            }
            return edited;
          },
          deployment: { principal },
          release: { kind: body.secret ? "secrets" : "env", by: principal },
          changedOutside: () => secretChanged,
        });
        objectFound();
        const now = applied.spec as { env?: EnvVar[]; secretEnv?: SecretEnvVar[] };
        return {
          body: {
            env: now.env ?? [],
            secrets: (now.secretEnv ?? []).map((s) => ({ name: s.name })),
            declared: declaredNames(applied),
          },
        };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/timeline",
      operationId: "appTimeline",
      summary: "What happened to an App, newest first: deployments, condition changes, Kubernetes events.",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: z.strictObject({ profile: ProfileQuery.shape.profile, ...pageQuery }),
      responses: {
        200: {
          description: "A page of events.",
          schema: pageSchema(TimelineEntry),
        },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1, shape: [/^\d{1,18}$/] },
          fetch: (after, limit) =>
            listTimeline(db, {
              tenant: params.tenant,
              namespace: tenantNamespace(params.tenant, query.profile),
              app: params.app,
              before: after?.[0],
              limit,
            }),
          keyOf: (row) => [row.id],
          view: asIs,
        });
        // Any name answers 200 (empty for an App that never was): only a timeline with events names a real App.
        if (body.items.length > 0) objectFound();
        return { body };
      },
    }),
  ];
}
