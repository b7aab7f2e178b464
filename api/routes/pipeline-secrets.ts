// A Pipeline's secret values: list their names, set and unset them. They live in the Pipeline's Secret
// `<pipeline>.pipeline-secrets`, which its tasks' secretEnv read (api/runs/pipeline-secrets.ts). Values are never
// returned, logged or audited: the audit log records the names.
import { z } from "zod";
import { secretKey } from "../../crds/common.ts";
import { PIPELINE } from "../../crds/kinds.ts";
import { pipelineSecretName } from "../../crds/run-names.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError, notFound } from "../errors.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import { pipelineSecretNames, writePipelineSecrets } from "../runs/pipeline-secrets.ts";
import type { ApiServices } from "../server.ts";
import { findTenantNamespace } from "../tenant-namespaces.ts";
import { PipelineParams, ProfileQuery } from "./pipelines.ts";

export const PipelineSecretsView = z.object({
  pipeline: z.string(),
  profile: z.string(),
  secret: z.string().describe("The Secret holding the values, which the Pipeline's tasks' secretEnv read."),
  names: z.array(z.string()).describe("Names of the values held; the values are never returned."),
});

const SecretsBody = z
  .strictObject({
    set: z
      .record(secretKey(), z.string().max(32_768))
      .optional()
      .describe("Values to store, by name (the secretKey a task's secretEnv names)."),
    unset: z.array(secretKey()).max(128).optional().describe("Names of values to remove."),
  })
  .refine((b) => Object.keys(b.set ?? {}).length + (b.unset?.length ?? 0) > 0, { error: "set or unset something" })
  .refine((b) => Object.keys(b.set ?? {}).length <= 128, { error: "set at most 128 values at once" });

export function pipelineSecretRoutes(services: ApiServices): RouteDefinition[] {
  const { kube, config } = services;

  async function livePipeline(tenant: string, profile: string, name: string): Promise<KubeObject> {
    const namespace = await findTenantNamespace(kube, tenant, profile);
    const pipeline = namespace ? await kube.find<KubeObject>(PIPELINE, namespace, name) : undefined;
    if (!namespace || !pipeline || pipeline.metadata.deletionTimestamp) throw notFound("Pipeline", name);
    return pipeline;
  }

  const view = (pipeline: string, profile: string, names: string[]) => ({
    pipeline,
    profile,
    secret: pipelineSecretName(pipeline),
    names,
  });

  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/pipelines/:pipeline/secrets",
      operationId: "listPipelineSecrets",
      summary: "The names of a Pipeline's secret values (never the values).",
      tag: "pipelines",
      auth: "required",
      params: PipelineParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The names.", schema: PipelineSecretsView },
        404: { description: "No such Pipeline." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "read" });
        const pipeline = await livePipeline(params.tenant, query.profile, params.pipeline);
        objectFound();
        return { body: view(params.pipeline, query.profile, await pipelineSecretNames(kube, pipeline)) };
      },
    }),
    defineRoute({
      method: "PATCH",
      url: "/v1/tenants/:tenant/pipelines/:pipeline/secrets",
      operationId: "setPipelineSecrets",
      summary: "Set or remove a Pipeline's secret values; its tasks read them through secretEnv from the next Job on.",
      tag: "pipelines",
      auth: "required",
      clusterWrite: true,
      audit: "pipelines.secrets",
      params: PipelineParams,
      query: ProfileQuery,
      body: SecretsBody,
      responses: {
        200: { description: "The names held now.", schema: PipelineSecretsView },
        404: { description: "No such Pipeline." },
        409: { description: "A Secret of that name belongs to something else." },
      },
      handler: async ({ authorize, params, query, body, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "pipelines", action: "write" });
        const set = body.set ?? {};
        const unset = body.unset ?? [];
        // Names only: values never reach the audit log.
        auditTarget(`Pipeline/${query.profile}/${params.pipeline}`, { set: Object.keys(set), unset });
        const both = unset.filter((name) => name in set);
        if (both.length > 0) {
          throw new ApiError("InvalidRequest", `${both.join(", ")} is both set and unset; pick one and retry.`, {
            errors: both.map((name) => ({ field: `unset`, message: `${name} is also in set` })),
          });
        }
        const pipeline = await livePipeline(params.tenant, query.profile, params.pipeline);
        objectFound();
        const names = await writePipelineSecrets(kube, {
          pipeline,
          tenant: params.tenant,
          labels: config.objectLabels,
          set,
          unset,
        });
        return { body: view(params.pipeline, query.profile, names) };
      },
    }),
  ];
}
