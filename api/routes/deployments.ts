// Deploys and rollbacks of an App. A deploy applies the spec with a deployment id chosen here (the operator
// adopts it when the pod template changes) and answers at once; its progress is read from the mirror, or
// streamed as server-sent events until it is Available or Failed. A pre-flight refuses a deploy the cluster has
// no room for.
import { Readable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { ulid } from "ulid";
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID, LABEL_APP } from "../../crds/app-names.ts";
import { APP } from "../../crds/kinds.ts";
import {
  type DeploymentView,
  getDeployment,
  listDeployments,
  recordRequest,
  requestedSpec,
} from "../../db/stores/deployments.ts";
import { getClusterResource, getTenantResource } from "../../db/stores/resources.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import { POD } from "../../kube/resources.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { clusterCapacity, judgeCapacity, requestedBy } from "../capacity.ts";
import { ApiError, notFound } from "../errors.ts";
import { decodeCursor, pageOf, pageQuery, pageSize } from "../pagination.ts";
import { type PodProgress, podProgress } from "../pod-progress.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { SharedPoll } from "../shared-poll.ts";
import { FIELD_MANAGER, tenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";
import { AppName, pageOf as pageSchema, TenantName } from "./schemas.ts";

export const Deployment = z.object({
  id: z.string(),
  app: z.string(),
  namespace: z.string(),
  image: z.string(),
  outcome: z.enum(["Pending", "Progressing", "Available", "Failed", "Superseded"]),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const Accepted = z.object({
  deploymentId: z.string(),
  unchanged: z.boolean().describe("True when the spec was already deployed: the current deployment is returned."),
  events: z.string().describe("Path of the server-sent event stream of its progress."),
});
const DeploymentParams = z.strictObject({
  tenant: TenantName,
  app: AppName,
  id: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }),
});
const TERMINAL = new Set(["Available", "Failed", "Superseded"]);

export function deploymentRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube, config } = services;
  const deploymentPolls = new SharedPoll(250);

  /** Capacity pre-flight, then server-side apply with a fresh deployment id (unless nothing changed). */
  async function deploy(
    principal: Principal,
    tenant: string,
    profile: string,
    app: string,
    spec: z.output<typeof AppSpec>,
    log: FastifyBaseLogger,
    rollbackOf?: string,
  ) {
    if (spec.profile !== profile) {
      throw new ApiError(
        "InvalidRequest",
        `spec.profile is "${spec.profile}" but the request is for profile "${profile}"; make them match.`,
        {
          errors: [{ field: "spec.profile", message: `must be ${profile}` }],
        },
      );
    }
    const namespace = await appNamespace(services, tenant, profile);
    const existing = await kube.find<KubeObject>(APP, namespace, app);
    const current = (existing?.status as { deploymentId?: string } | undefined)?.deploymentId;
    if (existing && current && isSubset(spec, existing.spec) && isSubset(existing.spec, spec)) {
      return { deploymentId: current, unchanged: true };
    }
    if (config.capacityMultiple > 0) {
      const profileRow = await getClusterResource(db, "Profile", profile);
      const defaults = (profileRow?.spec as { defaults?: { replicas?: number; cpu?: string; memory?: string } } | null)
        ?.defaults;
      const verdict = judgeCapacity(await clusterCapacity(kube), requestedBy(spec, defaults), config.capacityMultiple);
      if (!verdict.ok) {
        // The cluster's figures reflect every tenant's workloads: they go to the server's log, for platform admins.
        log.info(
          {
            tenant,
            namespace,
            app,
            readyNodes: verdict.readyNodes,
            freeCpu: verdict.free.cpu,
            freeMemoryBytes: verdict.free.memory,
            requestedCpu: verdict.requested.cpu,
            requestedMemoryBytes: verdict.requested.memory,
            multiple: verdict.multiple,
          },
          "Refused a deploy for lack of cluster capacity",
        );
        throw new ApiError("Conflict", verdict.message, {
          extra: {
            capacity: { requestedCpu: verdict.requested.cpu, requestedMemoryBytes: verdict.requested.memory },
          },
        });
      }
    }
    const id = ulid();
    await recordRequest(db, { id, tenant, namespace, app, spec, requestedBy: actorOf(principal), rollbackOf });
    await kube.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: {
          name: app,
          namespace,
          labels: config.objectLabels,
          annotations: { [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: id, [ANNOTATION_REQUESTED_BY]: actorOf(principal) },
        },
        spec,
      },
      FIELD_MANAGER,
    );
    return { deploymentId: id, unchanged: false };
  }

  const accepted = (
    tenant: string,
    profile: string,
    app: string,
    result: { deploymentId: string; unchanged: boolean },
  ) => ({
    status: result.unchanged ? 200 : 202,
    body: {
      ...result,
      events: `/v1/tenants/${tenant}/apps/${app}/deployments/${result.deploymentId}/events?profile=${profile}`,
    },
  });

  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/deployments",
      operationId: "deployApp",
      summary:
        "Deploy an App: returns the deployment id at once; 409 naming what it requests when the cluster lacks room.",
      tag: "deployments",
      auth: "required",
      audit: "apps.deploy",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ spec: AppSpec }),
      responses: {
        202: { description: "Accepted; follow it with the events stream.", schema: Accepted },
        200: { description: "Nothing changed; the current deployment.", schema: Accepted },
        409: { description: "No Ready node, or not enough free capacity." },
      },
      handler: async ({ authorize, principal, params, query, body, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { image: body.spec.image });
        const result = await deploy(principal, params.tenant, query.profile, params.app, body.spec, request.log);
        objectFound();
        auditTarget(`App/${query.profile}/${params.app}`, { deploymentId: result.deploymentId });
        return accepted(params.tenant, query.profile, params.app, result);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/rollback",
      operationId: "rollbackApp",
      summary: "Deploy again the spec of an earlier deployment (one requested through the API).",
      tag: "deployments",
      auth: "required",
      audit: "apps.rollback",
      params: ItemParams,
      query: ProfileQuery,
      body: z.strictObject({ deploymentId: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a deployment id" }) }),
      responses: { 202: { description: "Accepted.", schema: Accepted }, 404: { description: "No such deployment." } },
      handler: async ({ authorize, principal, params, query, body, auditTarget, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`, { rollbackTo: body.deploymentId });
        const namespace = tenantNamespace(params.tenant, query.profile);
        const spec = await requestedSpec(db, {
          tenant: params.tenant,
          namespace,
          app: params.app,
          id: body.deploymentId,
        });
        if (!spec) {
          throw new ApiError(
            "NotFound",
            `Deployment "${body.deploymentId}" of this App was not made through the API, or does not exist, so its configuration is not known. List deployments with GET …/deployments.`,
          );
        }
        const parsed = AppSpec.parse(spec);
        const result = await deploy(
          principal,
          params.tenant,
          query.profile,
          params.app,
          parsed,
          request.log,
          body.deploymentId,
        );
        objectFound();
        return accepted(params.tenant, query.profile, params.app, result);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments",
      operationId: "listDeployments",
      summary: "An App's deployments, newest first.",
      tag: "deployments",
      auth: "required",
      params: ItemParams,
      query: z.strictObject({ profile: ProfileQuery.shape.profile, ...pageQuery }),
      responses: { 200: { description: "A page of deployments.", schema: pageSchema(Deployment) } },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const limit = pageSize(query.limit, config.maxPageSize);
        const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
        const key = {
          tenant: params.tenant,
          namespace: tenantNamespace(params.tenant, query.profile),
          app: params.app,
        };
        const rows = await listDeployments(db, key, { after, limit: limit + 1 });
        // Any name answers 200 (empty for an App that never was): only deployments name a real App.
        if (rows.length > 0) objectFound();
        return { body: pageOf(rows, limit, (row) => [row.createdAt, row.id]) };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments/:id",
      operationId: "getDeployment",
      summary: "One deployment and its outcome.",
      tag: "deployments",
      auth: "required",
      params: DeploymentParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The deployment.", schema: Deployment },
        404: { description: "No such deployment." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const found = await getDeployment(db, { ...params, namespace: tenantNamespace(params.tenant, query.profile) });
        if (!found) throw notFound("Deployment", params.id);
        objectFound();
        return { body: found };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/deployments/:id/events",
      operationId: "watchDeployment",
      summary:
        "Server-sent events of a deployment's progress (event `status`), ending with `end` when Available or Failed.",
      tag: "deployments",
      auth: "required",
      stream: true,
      params: DeploymentParams,
      query: ProfileQuery,
      responses: {
        200: { description: "An event stream.", contentTypes: ["text/event-stream"] },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, request, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const key = { ...params, namespace: tenantNamespace(params.tenant, query.profile) };
        if (!(await getDeployment(db, key))) throw notFound("Deployment", params.id);
        objectFound();
        const hangUp = new AbortController();
        request.raw.on("close", () => hangUp.abort());
        // The deployment, its App and the App's pods, read once per tick for every follower of this deployment; the
        // pods live from the cluster (the rollout view shows them coming up) at most once a second, and once more
        // when the deployment is over.
        let pods: PodProgress[] = [];
        let podsAt = 0;
        const read = async () => {
          const deployment = (await getDeployment(db, key)) as DeploymentView;
          const app = await getTenantResource(db, {
            tenant: params.tenant,
            kind: "App",
            namespace: key.namespace,
            name: params.app,
          });
          if (Date.now() - podsAt >= 1000 || TERMINAL.has(deployment.outcome)) {
            podsAt = Date.now();
            pods = await kube
              .list(POD, key.namespace, { labelSelector: `${LABEL_APP}=${params.app}` })
              .then((list) => podProgress(list.items))
              .catch(() => pods);
          }
          return { deployment, app, pods };
        };
        async function* events() {
          let last = "";
          let quietSince = Date.now();
          const deadline = AbortSignal.any([hangUp.signal, AbortSignal.timeout(30 * 60_000)]);
          const reads = deploymentPolls.follow(
            `${params.tenant}/${key.namespace}/${params.app}/${params.id}`,
            read,
            deadline,
          );
          for await (const { deployment, app, pods } of reads) {
            const status = (app?.status ?? {}) as {
              conditions?: { type: string; status: string; reason?: string; message?: string }[];
              readyReplicas?: number;
            };
            const ready = status.conditions?.find((c) => c.type === "Ready");
            const desired = (app?.spec as { replicas?: number } | undefined)?.replicas;
            const state = {
              ...deployment,
              ready: ready ?? null,
              conditions: status.conditions ?? [],
              pods,
              replicas: { desired: desired ?? null, ready: status.readyReplicas ?? 0 },
            };
            const text = JSON.stringify(state);
            if (text !== last) {
              yield `event: status\nid: ${Date.now()}\ndata: ${text}\n\n`;
              last = text;
              quietSince = Date.now();
            } else if (Date.now() - quietSince > 15_000) {
              yield ": keep-alive\n\n";
              quietSince = Date.now();
            }
            if (TERMINAL.has(deployment.outcome)) {
              yield `event: end\ndata: ${text}\n\n`;
              return;
            }
          }
        }
        return {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache", "x-accel-buffering": "no" },
          body: Readable.from(events()),
        };
      },
    }),
  ];
}
