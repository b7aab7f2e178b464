// Profile reconcile: a Profile is Ready when the Gateway its Apps attach to exists. It has no children.

import { FIELD_MANAGER } from "../../../crds/app-names.ts";
import { PROFILE } from "../../../crds/kinds.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { ObjectKey } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { ProfileObject } from "./objects.ts";
import { markGatewayFound, markGatewayNotFound } from "./status.ts";

export interface ProfileReconcilerDeps {
  client: KubeClient;
  caches: WorldCaches;
  now: () => Date;
}

export function createProfileReconciler(deps: ProfileReconcilerDeps) {
  async function reconcile(key: ObjectKey): Promise<void> {
    const profile = deps.caches.profiles.get(key) as ProfileObject | undefined;
    if (!profile || profile.metadata.deletionTimestamp) return;
    const { namespace, name } = profile.spec.gateway;
    const stamp: ConditionStamp = { generation: profile.metadata.generation, now: deps.now().toISOString() };
    const previous = profile.status?.conditions ?? [];
    const conditions = deps.caches.gateways.get(`${namespace}/${name}`)
      ? markGatewayFound(previous, stamp, profile.spec)
      : markGatewayNotFound(previous, stamp, profile.spec);
    await applyStatusIfChanged(
      deps.client,
      PROFILE,
      profile,
      { observedGeneration: profile.metadata.generation, conditions },
      FIELD_MANAGER,
    );
  }
  return { reconcile };
}
