// The Profile's condition set: Ready alone, True when the Gateway its Apps attach to exists.
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import type { Profile } from "../../../crds/profile.ts";
import type { Condition } from "../../runtime/conditions.ts";
import { type ConditionStamp, mark } from "../condition-stamp.ts";

type Conditions = readonly Condition[] | undefined;

/** How an abandoned reconcile shows on a Profile (runtime/reconcile-timeout.ts): Ready=False, ReconcileTimeout. */
export const PROFILE_TIMEOUT_REPORT = { summary: ConditionType.Ready, status: "False" } as const;

export function markGatewayFound(conditions: Conditions, stamp: ConditionStamp, spec: Profile["spec"]): Condition[] {
  const { namespace, name } = spec.gateway;
  return mark(conditions, stamp, {
    type: ConditionType.Ready,
    status: "True",
    reason: Reason.Available,
    message: `Apps attach to gateway ${namespace}/${name} under ${spec.baseDomain}.`,
  });
}

export function markGatewayNotFound(conditions: Conditions, stamp: ConditionStamp, spec: Profile["spec"]): Condition[] {
  const { namespace, name } = spec.gateway;
  return mark(conditions, stamp, {
    type: ConditionType.Ready,
    status: "False",
    reason: Reason.GatewayNotFound,
    message: `Gateway ${namespace}/${name} does not exist; create it (or fix spec.gateway) so that Apps of this profile can be routed.`,
  });
}
