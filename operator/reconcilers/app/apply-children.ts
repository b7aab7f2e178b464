// Applying an App's children: one row per child kind; the Secret first (the Deployment reads it), the rest at once.
// Each row is applied when desired and pruned otherwise (runtime/children.ts holds the rules: server-side apply,
// NotOwned reported, never adopted, prune only loco's with a uid precondition).
import { FIELD_MANAGER } from "../../../crds/app-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import {
  BACKEND_TRAFFIC_POLICY,
  DEPLOYMENT,
  GRPC_ROUTE,
  HPA,
  HTTP_ROUTE,
  SECRET,
  SERVICE,
} from "../../../kube/resources.ts";
import { type KubeObject, keyOf, type ResourceType } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import { applyChild, type ChildContext, type ChildResult, pruneChildren } from "../../runtime/children.ts";
import type { Informer } from "../../runtime/informer.ts";
import {
  type AppInputs,
  desiredAutoscaler,
  desiredDeployment,
  desiredGrpcRoute,
  desiredHttpRoute,
  desiredSecret,
  desiredService,
  desiredTrafficPolicy,
  type Rollout,
} from "./desired.ts";

interface ChildPlan {
  resource: ResourceType;
  cache: Informer;
  existence?: Informer;
  desired: KubeObject | undefined;
}

export interface AppliedChildren {
  /** What the apply of each desired child returned (live object, or NotOwned). */
  results: Map<ResourceType, ChildResult>;
  /** `Kind name` of each child with loco's name that this App does not control. */
  notOwned: string[];
  /** Kinds created, updated and deleted, for the one event a changing reconcile records. */
  created: string[];
  updated: string[];
  deleted: string[];
}

/** The data table of an App's children, from the pure builders. */
export function childPlans(caches: WorldCaches, inputs: AppInputs, rollout: Rollout): ChildPlan[] {
  const row = (resource: ResourceType, cache: Informer, existence: Informer, desired: KubeObject | undefined) => ({
    resource,
    cache,
    existence,
    desired,
  });
  const { existing } = caches;
  return [
    row(SECRET, caches.secrets, existing.secrets, desiredSecret(inputs)),
    row(DEPLOYMENT, caches.deployments, existing.deployments, desiredDeployment(inputs, rollout)),
    row(SERVICE, caches.services, existing.services, desiredService(inputs)),
    row(HTTP_ROUTE, caches.httpRoutes, existing.httpRoutes, desiredHttpRoute(inputs)),
    row(GRPC_ROUTE, caches.grpcRoutes, existing.grpcRoutes, desiredGrpcRoute(inputs)),
    row(BACKEND_TRAFFIC_POLICY, caches.trafficPolicies, existing.trafficPolicies, desiredTrafficPolicy(inputs)),
    row(HPA, caches.autoscalers, existing.autoscalers, desiredAutoscaler(inputs)),
  ];
}

export async function applyAppChildren(
  client: KubeClient,
  app: KubeObject,
  plans: readonly ChildPlan[],
  log: Logger,
): Promise<AppliedChildren> {
  const key = keyOf(app);
  const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: app };
  const applied: AppliedChildren = { results: new Map(), notOwned: [], created: [], updated: [], deleted: [] };
  const applyRow = async (plan: ChildPlan) => {
    const result = plan.desired
      ? await applyChild(context, plan.resource, plan.cache, plan.desired, plan.existence)
      : undefined;
    const wanted = new Set(plan.desired ? [keyOf(plan.desired)] : []);
    return { plan, result, pruned: await pruneChildren(context, plan.resource, plan.cache, wanted) };
  };
  // The first row (the Secret the Deployment reads) goes first; the other rows do not depend on one another and go
  // at once: a reconcile that writes five children then waits for two round trips, not five.
  const [first, ...rest] = plans;
  const rows = first ? [await applyRow(first)] : [];
  const settled = await Promise.allSettled(rest.map(applyRow));
  const failed = settled.find((row) => row.status === "rejected");
  for (const row of settled) if (row.status === "fulfilled") rows.push(row.value);
  // Reported in the table's order, whichever answered first.
  for (const { plan, result, pruned } of rows) {
    if (plan.desired && result) {
      applied.results.set(plan.resource, result);
      if (result.outcome === "NotOwned") applied.notOwned.push(`${plan.resource.kind} ${plan.desired.metadata.name}`);
      else if (result.outcome !== "Unchanged") {
        log.info(
          { app: key, kind: plan.resource.kind, name: plan.desired.metadata.name, outcome: result.outcome },
          `${result.outcome} ${plan.resource.kind}`,
        );
        (result.outcome === "Created" ? applied.created : applied.updated).push(plan.resource.kind);
      }
    }
    for (const name of pruned) {
      log.info({ app: key, kind: plan.resource.kind, name }, `Deleted ${plan.resource.kind}`);
      applied.deleted.push(plan.resource.kind);
    }
  }
  // What was written is logged above either way; the reconcile fails (and is retried) on the first error.
  if (failed) throw failed.reason;
  return applied;
}

/** "A", "A and B", "A, B and C". */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/**
 * The one event a reconcile that changed something records (events are writes too, so not one per child):
 * its reason is the first of Created, Updated, Deleted that happened. Undefined when nothing changed.
 */
export function changeEvent(
  applied: AppliedChildren,
  deploymentId: string,
): { reason: string; message: string } | undefined {
  const changes = [
    ["Created", applied.created],
    ["Updated", applied.updated],
    ["Deleted", applied.deleted],
  ] as const;
  const happened = changes.filter(([, kinds]) => kinds.length > 0);
  if (happened.length === 0) return undefined;
  const parts = happened.map(([verb, kinds]) => `${verb} ${listOf(kinds)}`);
  return { reason: happened[0]![0], message: `${parts.join("; ")} for deployment ${deploymentId}.` };
}
