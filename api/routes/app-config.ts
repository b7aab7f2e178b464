// Changing a running App without sending its whole spec: scale (replicas, cpu, memory) and env (plain and
// secret). Each reads the App from the cluster, changes the named fields, validates the result with the App schema
// and applies it as loco-api with the read resourceVersion as a precondition (a concurrent change answers 409).
// Secret values go to the App's loco-managed Secret (the mirror stores them encrypted) and are never returned.
import { ulid } from "ulid";
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID, secretName } from "../../crds/app-names.ts";
import { envVarName, quantity } from "../../crds/common.ts";
import { APP } from "../../crds/kinds.ts";
import { listTimeline } from "../../db/stores/app-timeline.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import { KubeApiError } from "../../kube/kube-client.ts";
import { SECRET } from "../../kube/resources.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import { controllerOf, type KubeObject } from "../../kube/types.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { ApiError, notFound } from "../errors.ts";
import { asIs, listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, parsePart, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER, findTenantNamespace, tenantNamespace } from "../tenant-namespaces.ts";
import { AppView, appView, ItemParams, ProfileQuery } from "./apps.ts";
import { pageOf as pageSchema, TimelineEntry } from "./schemas.ts";

type Spec = z.output<typeof AppSpec>;
type EnvVar = { name: string; value: string };
type SecretEnvVar = { name: string; secretKey: string };

export const EnvView = z.object({
  env: z.array(z.object({ name: z.string(), value: z.string() })),
  secrets: z
    .array(z.object({ name: z.string() }))
    .describe("Secret variables, by name only: values are never returned."),
});

export function appConfigRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;

  async function liveApp(
    tenant: string,
    profile: string,
    app: string,
  ): Promise<{ namespace: string; object: KubeObject }> {
    const namespace = await findTenantNamespace(kube, tenant, profile);
    const object = namespace ? await kube.find<KubeObject>(APP, namespace, app) : undefined;
    if (!namespace || !object) throw notFound("App", app);
    return { namespace, object };
  }

  /**
   * Reads the App, changes its spec, validates the result like a full spec and applies it with the read
   * resourceVersion as a precondition; a concurrent write (the operator's status updates move it too) re-reads and
   * retries, a few times. With `deployment`, a change of the spec is also a deployment the API requested: it gets
   * its id here and its spec is recorded, like POST …/deployments, so that `rollback` can return to it.
   */
  async function changeApp(
    tenant: string,
    profile: string,
    app: string,
    change: (spec: Spec, live: { namespace: string; object: KubeObject }) => Promise<Spec> | Spec,
    deployment?: { principal: Principal },
  ): Promise<{ namespace: string; applied: KubeObject }> {
    for (let attempt = 1; ; attempt++) {
      const live = await liveApp(tenant, profile, app);
      const spec = await change(structuredClone(live.object.spec as Spec), live);
      const parsed = parsePart(z.strictObject({ spec: AppSpec }), { spec: JSON.parse(JSON.stringify(spec)) }, "body");
      const changed = !(isSubset(parsed.spec, live.object.spec) && isSubset(live.object.spec, parsed.spec));
      const requested = deployment && changed ? { id: ulid(), by: actorOf(deployment.principal) } : undefined;
      try {
        const applied = await kube.apply<KubeObject>(
          APP,
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "App",
            metadata: {
              name: app,
              namespace: live.namespace,
              labels: config.objectLabels,
              ...(requested
                ? {
                    annotations: {
                      [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: requested.id,
                      [ANNOTATION_REQUESTED_BY]: requested.by,
                    },
                  }
                : {}),
              resourceVersion: live.object.metadata.resourceVersion,
            },
            spec: parsed.spec,
          },
          FIELD_MANAGER,
        );
        if (requested) {
          await recordRequest(db, {
            id: requested.id,
            tenant,
            namespace: live.namespace,
            app,
            spec: parsed.spec,
            requestedBy: requested.by,
          });
        }
        return { namespace: live.namespace, applied };
      } catch (error) {
        if (!(error instanceof KubeApiError && error.isConflict) || attempt >= 5) throw error;
      }
    }
  }

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
      handler: async ({ authorize, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { ...body });
        const { namespace, applied } = await changeApp(params.tenant, query.profile, params.app, (spec) => {
          if (body.replicas !== undefined) spec.replicas = body.replicas;
          if (body.cpu !== undefined || body.memory !== undefined) {
            spec.resources = {
              ...spec.resources,
              ...(body.cpu !== undefined ? { cpu: body.cpu } : {}),
              ...(body.memory !== undefined ? { memory: body.memory } : {}),
            };
          }
          return spec;
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
        const row = await getTenantResource(db, {
          tenant: params.tenant,
          kind: "App",
          namespace: tenantNamespace(params.tenant, query.profile),
          name: params.app,
        });
        if (!row) throw notFound("App", params.app);
        objectFound();
        const spec = (row.spec ?? {}) as { env?: EnvVar[]; secretEnv?: SecretEnvVar[] };
        return { body: { env: spec.env ?? [], secrets: (spec.secretEnv ?? []).map((s) => ({ name: s.name })) } };
      },
    }),
    defineRoute({
      method: "PATCH",
      url: "/v1/tenants/:tenant/apps/:app/env",
      operationId: "setAppEnv",
      summary: "Set or unset environment variables; with secret: true the values are stored in the App's Secret.",
      tag: "apps",
      auth: "required",
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
      responses: { 200: { description: "The variables now.", schema: EnvView } },
      handler: async ({ authorize, principal, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        // Names only: secret values never reach the audit log.
        auditTarget(`App/${query.profile}/${params.app}`, {
          set: Object.keys(body.set ?? {}),
          unset: body.unset ?? [],
          secret: body.secret,
        });
        const setNames = new Set(Object.keys(body.set ?? {}));
        const gone = new Set([...(body.unset ?? []), ...setNames]);
        const entries = Object.entries(body.set ?? {});
        let secretWritten = false;
        const { applied } = await changeApp(
          params.tenant,
          query.profile,
          params.app,
          async (spec, live) => {
            const hadSecret = (spec.secretEnv ?? []).some((s) => gone.has(s.name));
            let env = (spec.env ?? []).filter((e) => !gone.has(e.name)) as EnvVar[];
            let secretEnv = (spec.secretEnv ?? []).filter((e) => !gone.has(e.name)) as SecretEnvVar[];
            if (body.secret) secretEnv = [...secretEnv, ...entries.map(([name]) => ({ name, secretKey: name }))];
            else env = [...env, ...entries.map(([name, value]) => ({ name, value }))];
            // Values first, so that the pods the new template starts find them.
            if (!secretWritten && (body.secret || hadSecret)) {
              await writeSecretValues(live, body.secret ? Object.fromEntries(entries) : {}, gone);
              secretWritten = true;
            }
            spec.env = env.length > 0 ? env : undefined;
            spec.secretEnv = secretEnv.length > 0 ? secretEnv : undefined;
            return spec;
          },
          { principal },
        );
        objectFound();
        const now = applied.spec as { env?: EnvVar[]; secretEnv?: SecretEnvVar[] };
        return { body: { env: now.env ?? [], secrets: (now.secretEnv ?? []).map((s) => ({ name: s.name })) } };
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

  /** Writes the values into `<app>-secrets` (owned by the App, like the operator's copy), keeping other keys. */
  async function writeSecretValues(
    live: { namespace: string; object: KubeObject },
    set: Record<string, string>,
    unset: Set<string>,
  ): Promise<void> {
    const name = secretName(live.object.metadata.name ?? "");
    const existing = await kube.find<KubeObject & { data?: Record<string, string> }>(SECRET, live.namespace, name);
    const owner = existing ? controllerOf(existing) : undefined;
    if (existing && owner && owner.uid !== live.object.metadata.uid) {
      throw new ApiError("Conflict", `Secret ${name} belongs to something else; ask a platform admin to remove it.`);
    }
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(existing?.data ?? {})) if (!unset.has(key)) data[key] = value;
    for (const [key, value] of Object.entries(set)) data[key] = Buffer.from(value, "utf8").toString("base64");
    await kube.apply(
      SECRET,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name,
          namespace: live.namespace,
          labels: {
            ...config.objectLabels,
            "app.kubernetes.io/managed-by": "loco",
            "loco.dev/app": live.object.metadata.name ?? "",
          },
          ownerReferences: [
            {
              apiVersion: "loco.dev/v1alpha1",
              kind: "App",
              name: live.object.metadata.name ?? "",
              uid: live.object.metadata.uid ?? "",
              controller: true,
            },
          ],
        },
        type: "Opaque",
        data,
      },
      FIELD_MANAGER,
    );
  }
}
