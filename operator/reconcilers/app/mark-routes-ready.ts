// RoutesReady after the children are applied. The first problem wins, in the order a user can act on them: no
// default hostname for this tenant, a hostname the rules refuse, a hostname another App holds, a route child loco does
// not own, the gateway's refusal; then waiting for the gateway's verdict; else the routes are served (or there are
// none to serve).
import type { Condition } from "../../runtime/conditions.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { Refusal } from "./app-claims.ts";
import type { GrantedRoutes } from "./desired.ts";
import type { GatewayVerdict } from "./gateway-verdict.ts";
import type { Denial } from "./hostname-claims.ts";
import {
  markGatewayRefused,
  markHostnameNotAllowed,
  markNoDefaultHostname,
  markNoRoutes,
  markRouteConflict,
  markRouted,
  markRoutesNotOwned,
  markWaitingForGateway,
} from "./status.ts";

export interface RouteOutcome {
  withoutDefault: readonly string[];
  /** Hostnames the hostname rules refuse. */
  refusals: readonly Refusal[];
  /** Hostnames another App holds. */
  denials: readonly Denial[];
  /** `Kind name` of route children (anything but the Deployment) that this App does not control. */
  notOwned: readonly string[];
  granted: GrantedRoutes;
  gateway: { namespace: string; name: string };
  /** What the gateway's controller says of the applied routes (gateway-verdict.ts). */
  verdict: GatewayVerdict;
}

export function markRoutesReady(
  conditions: readonly Condition[],
  stamp: ConditionStamp,
  outcome: RouteOutcome,
): Condition[] {
  const { withoutDefault, refusals, denials, notOwned, granted, verdict } = outcome;
  if (withoutDefault.length > 0) return markNoDefaultHostname(conditions, stamp, withoutDefault[0]!);
  if (refusals.length > 0) return markHostnameNotAllowed(conditions, stamp, refusals);
  if (denials.length > 0) return markRouteConflict(conditions, stamp, denials);
  if (notOwned.length > 0) return markRoutesNotOwned(conditions, stamp, notOwned);
  const hostnames = [...granted.http, ...granted.grpc];
  if (hostnames.length === 0) return markNoRoutes(conditions, stamp);
  if (verdict.kind === "Refused") return markGatewayRefused(conditions, stamp, verdict);
  if (verdict.kind === "Waiting") return markWaitingForGateway(conditions, stamp, verdict.message);
  return markRouted(conditions, stamp, hostnames, outcome.gateway, verdict.kind === "Accepted");
}
