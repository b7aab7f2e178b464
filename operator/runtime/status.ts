import type { KubeClient } from "../../kube/kube-client.ts";
import { jsonEqual } from "../../kube/semantic-equal.ts";
import { type KubeObject, keyOf, type ResourceType } from "../../kube/types.ts";
import type { StatusExpectations } from "./status-expectations.ts";
import { recordStatusWrite } from "./status-metrics.ts";

/**
 * Server-side applies `status` to the status subresource, unless the live status already equals it, and records
 * what the new status reports (deployments, replicas, finished Runs: status-metrics.ts).
 * Returns true when a write was sent. With `expectations`, the key's next reconciles wait until the cache shows the
 * write (status-expectations.ts).
 */
export async function applyStatusIfChanged(
  client: KubeClient,
  resource: ResourceType,
  live: KubeObject,
  status: Record<string, unknown>,
  fieldManager: string,
  expectations?: StatusExpectations,
): Promise<boolean> {
  if (jsonEqual(live.status ?? {}, status)) return false;
  const write = () =>
    client.apply(
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
  await (expectations ? expectations.around(keyOf(live), write) : write());
  recordStatusWrite(live, status);
  return true;
}
