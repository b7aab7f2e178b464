import type { KubeClient } from "../../kube/kube-client.ts";
import { jsonEqual } from "../../kube/semantic-equal.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import { recordStatusWrite } from "./status-metrics.ts";

/**
 * Server-side applies `status` to the status subresource, unless the live status already equals it, and records
 * what the new status reports (deployments, replicas, finished Runs: status-metrics.ts).
 * Returns true when a write was sent.
 */
export async function applyStatusIfChanged(
  client: KubeClient,
  resource: ResourceType,
  live: KubeObject,
  status: Record<string, unknown>,
  fieldManager: string,
): Promise<boolean> {
  if (jsonEqual(live.status ?? {}, status)) return false;
  await client.apply(
    resource,
    {
      apiVersion: live.apiVersion,
      kind: live.kind,
      metadata: { name: live.metadata.name, namespace: live.metadata.namespace },
      status,
    },
    fieldManager,
    "status",
  );
  recordStatusWrite(live, status);
  return true;
}
