// What a Pipeline would become: the apiserver's view of a new spec (defaults, schema and CEL rules) from a
// server-side dry-run apply, which stores nothing, beside the Pipeline running now.
import { PIPELINE } from "../../crds/kinds.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
import { pipelineObject } from "./pipeline-object.ts";

/**
 * Without the namespace yet (the tenant never used this profile) there is nothing live, and the schema's own defaults
 * stand in for the apiserver's.
 */
export async function proposedPipeline(
  services: ApiServices,
  namespace: string | undefined,
  name: string,
  spec: unknown,
): Promise<{ live: KubeObject | undefined; proposed: unknown }> {
  const { kube, config } = services;
  if (!namespace) return { live: undefined, proposed: spec };
  const live = await kube.find<KubeObject>(PIPELINE, namespace, name);
  const dryRun = await kube.request<KubeObject>(
    "PATCH",
    `/apis/loco.dev/v1alpha1/namespaces/${namespace}/pipelines/${name}`,
    {
      body: pipelineObject(name, namespace, config.objectLabels, spec),
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: FIELD_MANAGER, force: true, fieldValidation: "Strict", dryRun: "All" },
    },
  );
  return { live, proposed: dryRun.spec };
}
