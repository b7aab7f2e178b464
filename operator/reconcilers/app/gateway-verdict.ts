// The Gateway's own verdict on an App's routes. A Gateway API controller writes, for each parent Gateway of a route,
// conditions into the route's status.parents (Accepted, ResolvedRefs); loco reads the entry for its Profile's gateway.
//
// Whether to wait for that verdict: only when a controller serves the gateway. The Gateway CRD's default status is
// Accepted=Unknown ("Waiting for controller") until a controller takes the Gateway, so a Gateway still in that state —
// or missing — has no controller that will ever write route status (the local platform and the test cluster run
// none). Waiting there would keep every App un-Ready for ever, so the routes count as served as soon as they are
// applied, as before. A verdict a controller did write is reported either way. Pure: objects in, verdict out.
import type { KubeObject } from "../../../kube/types.ts";

export interface GatewayRef {
  namespace: string;
  name: string;
  sectionName?: string;
}

export type GatewayVerdict =
  /** No controller serves the gateway and none wrote a verdict: nothing to wait for. */
  | { kind: "Unattended" }
  /** The gateway accepted every route and resolved its references. */
  | { kind: "Accepted" }
  /** A controller serves the gateway but has not judged the current generation of some route yet. */
  | { kind: "Waiting"; message: string }
  /** The gateway refused a route (or is itself refused by its controller). */
  | { kind: "Refused"; reason: RefusalReason; message: string };

export type RefusalReason = "RouteNotAccepted" | "RouteRefsNotResolved" | "GatewayNotAccepted";

interface StatusCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

interface RouteParentStatus {
  parentRef?: { group?: string; kind?: string; namespace?: string; name?: string; sectionName?: string };
  controllerName?: string;
  conditions?: StatusCondition[];
}

/** A route child of the App and its kind, as applied (with the status the controller wrote, if any). */
export interface AppliedRoute {
  kind: "HTTPRoute" | "GRPCRoute";
  route: KubeObject | undefined;
}

const conditionsOf = (object: KubeObject | undefined): StatusCondition[] =>
  ((object?.status as { conditions?: StatusCondition[] } | undefined)?.conditions ?? []) as StatusCondition[];

/** The entries of status.parents about `gateway` (a listener-less entry counts for any listener). */
function parentEntries(route: KubeObject, gateway: GatewayRef): RouteParentStatus[] {
  const parents = ((route.status as { parents?: RouteParentStatus[] } | undefined)?.parents ??
    []) as RouteParentStatus[];
  return parents.filter(({ parentRef: ref }) => {
    if (!ref || ref.name !== gateway.name) return false;
    if (
      (ref.kind ?? "Gateway") !== "Gateway" ||
      (ref.group ?? "gateway.networking.k8s.io") !== "gateway.networking.k8s.io"
    )
      return false;
    if ((ref.namespace ?? route.metadata.namespace) !== gateway.namespace) return false;
    return !ref.sectionName || !gateway.sectionName || ref.sectionName === gateway.sectionName;
  });
}

/** Conditions about the route's current spec: one written for an older generation is no verdict on this one. */
const current = (route: KubeObject, conditions: readonly StatusCondition[] | undefined) =>
  (conditions ?? []).filter(
    (c) => c.observedGeneration === undefined || c.observedGeneration >= (route.metadata.generation ?? 0),
  );

const detail = (c: StatusCondition) =>
  [c.reason, c.message?.trim()].filter((part) => part).join(": ") || "no reason given";

/**
 * The gateway's verdict over the App's routes: a refusal first (the user or the platform admin must act), then
 * waiting, then accepted. `ownNamespace` is the App's: names of objects in other namespaces are kept out of the
 * messages (a controller's message could name another tenant's route).
 */
export function gatewayVerdict(
  gateway: GatewayRef,
  gatewayObject: KubeObject | undefined,
  routes: readonly AppliedRoute[],
  ownNamespace: string,
): GatewayVerdict {
  const where = `${gateway.namespace}/${gateway.name}`;
  const clean = (text: string) => withoutForeignNames(text, [ownNamespace, gateway.namespace]);
  const gatewayAccepted = conditionsOf(gatewayObject).find((c) => c.type === "Accepted");
  if (gatewayAccepted?.status === "False") {
    return {
      kind: "Refused",
      reason: "GatewayNotAccepted",
      message: clean(
        `Gateway ${where} is not accepted by its controller (${detail(gatewayAccepted)}), so no route through it is served; ask the platform admin to fix the Gateway or the Profile's spec.gateway.`,
      ),
    };
  }
  const attended = gatewayAccepted?.status === "True";
  let waiting: string | undefined;
  let allAccepted = true;
  for (const { kind, route } of routes) {
    if (!route) continue;
    const name = route.metadata.name ?? "";
    const entries = parentEntries(route, gateway).map((entry) => current(route, entry.conditions));
    const notAccepted = entries.flat().find((c) => c.type === "Accepted" && c.status === "False");
    if (notAccepted) {
      return {
        kind: "Refused",
        reason: "RouteNotAccepted",
        message: clean(
          `Gateway ${where} did not accept ${kind} ${name} (${detail(notAccepted)}); its hostnames are not served: check them in spec.routes, or ask the platform admin whether the gateway's listeners allow them.`,
        ),
      };
    }
    const unresolved = entries.flat().find((c) => c.type === "ResolvedRefs" && c.status === "False");
    if (unresolved) {
      return {
        kind: "Refused",
        reason: "RouteRefsNotResolved",
        message: clean(
          `Gateway ${where} could not resolve the references of ${kind} ${name} (${detail(unresolved)}); traffic to it fails until they resolve.`,
        ),
      };
    }
    const accepted = entries.some((conditions) => conditions.some((c) => c.type === "Accepted" && c.status === "True"));
    if (!accepted) allAccepted = false;
    if (!accepted && attended) waiting ??= `Waiting for gateway ${where} to accept ${kind} ${name}.`;
  }
  if (waiting) return { kind: "Waiting", message: waiting };
  return attended || (allAccepted && routes.some((r) => r.route)) ? { kind: "Accepted" } : { kind: "Unattended" };
}

/**
 * `namespace/name` references in a controller's message whose namespace is not one of `allowed` become "another
 * namespace's object": no condition shows one tenant another tenant's names (house rule 12).
 */
export function withoutForeignNames(text: string, allowed: readonly string[]): string {
  return text.replace(
    /(?<![\w.\-/])([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\/([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)/g,
    (whole, namespace: string) => (allowed.includes(namespace) ? whole : "another namespace's object"),
  );
}
