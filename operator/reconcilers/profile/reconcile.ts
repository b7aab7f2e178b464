// Profile reconcile: a Profile is Ready when the Gateway its Apps attach to exists. It has no children.

import { FIELD_MANAGER } from "../../../crds/app-names.ts";
import { PROFILE } from "../../../crds/kinds.ts";
import type { Profile } from "../../../crds/profile.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { KubeObject, ObjectKey } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import { type ConditionInput, setCondition } from "../../runtime/conditions.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";

type ProfileObject = Profile & KubeObject;

export interface ProfileReconcilerDeps {
  client: KubeClient;
  caches: WorldCaches;
  now: () => Date;
}

/** Index of Profiles by the Gateway (namespace/name) they attach to. */
export const GATEWAY_INDEX = "gateway";
export const gatewayIndex = (profile: KubeObject): string[] => {
  const gateway = (profile as ProfileObject).spec?.gateway;
  return gateway ? [`${gateway.namespace}/${gateway.name}`] : [];
};

export function profileReadiness(profile: ProfileObject, gatewayExists: boolean): ConditionInput {
  const { namespace, name } = profile.spec.gateway;
  return gatewayExists
    ? {
        type: "Ready",
        status: "True",
        reason: "Available",
        message: `Apps attach to gateway ${namespace}/${name} under ${profile.spec.baseDomain}.`,
      }
    : {
        type: "Ready",
        status: "False",
        reason: "GatewayNotFound",
        message: `Gateway ${namespace}/${name} does not exist; create it (or fix spec.gateway) so that Apps of this profile can be routed.`,
      };
}

export function createProfileReconciler(deps: ProfileReconcilerDeps) {
  async function reconcile(key: ObjectKey): Promise<void> {
    const profile = deps.caches.profiles.get(key) as ProfileObject | undefined;
    if (!profile || profile.metadata.deletionTimestamp) return;
    const { namespace, name } = profile.spec.gateway;
    const ready = profileReadiness(profile, deps.caches.gateways.get(`${namespace}/${name}`) !== undefined);
    const conditions = setCondition(
      profile.status?.conditions ?? [],
      ready,
      profile.metadata.generation,
      deps.now().toISOString(),
    );
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
