// The deploy's capacity pre-flight: refuses (409) a deploy the cluster has no room for, when the platform set a
// multiple (--capacity-multiple > 0). The tenant hears what its deploy requests; the cluster's own figures reflect
// every tenant's workloads, so they go only to the server's log, for platform admins.
import type { FastifyBaseLogger } from "fastify";
import type { AppSpec } from "../../crds/app.ts";
import { getClusterResource } from "../../db/stores/resources.ts";
import { judgeCapacity, requestedBy, sharedClusterCapacity } from "../capacity.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";

export interface CapacityRequest {
  tenant: string;
  namespace: string;
  profile: string;
  app: string;
  spec: AppSpec;
  log: FastifyBaseLogger;
}

export async function capacityPreflight(services: ApiServices, request: CapacityRequest): Promise<void> {
  const { db, kube, config } = services;
  if (config.capacityMultiple <= 0) return;
  const { tenant, namespace, app, log } = request;
  const profileRow = await getClusterResource(db, "Profile", request.profile);
  const defaults = (profileRow?.spec as { defaults?: { replicas?: number; cpu?: string; memory?: string } } | null)
    ?.defaults;
  const verdict = judgeCapacity(
    await sharedClusterCapacity(kube),
    requestedBy(request.spec, defaults),
    config.capacityMultiple,
  );
  if (verdict.ok) return;
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
    extra: { capacity: { requestedCpu: verdict.requested.cpu, requestedMemoryBytes: verdict.requested.memory } },
  });
}
