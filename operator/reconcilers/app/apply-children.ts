// Applying an App's children: one row per child kind; the Secret first when the Deployment reads it, the rest at once.
// Each row is applied when desired and pruned otherwise (runtime/children.ts holds the rules: server-side apply,
// NotOwned reported, never adopted, prune only loco's with a uid precondition).
import { canaryName, FIELD_MANAGER, serviceName } from "../../../crds/app-names.ts";
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
  type CanaryRun,
  desiredCanaryDeployment,
  desiredCanaryService,
  desiredPreviewRoute,
} from "./canary/canary-desired.ts";
import { keepForeignRules } from "./canary/route-rules.ts";
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
  type TrafficSplit,
} from "./desired.ts";

interface ChildPlan {
  resource: ResourceType;
  cache: Informer;
  existence?: Informer;
  /** The App's own child of this kind first (its result is `results`' entry), then any others (the canary's). */
  desired: KubeObject[];
  /** A child left exactly as it runs: neither applied nor pruned (a stable Deployment during a canary). */
  held?: string;
  /** Applied before the other rows, which read it (the Secret, when the pod template takes variables from it). */
  first?: boolean;
}

export interface AppliedChildren {
  /** What the apply of each kind's first desired child returned (live object, or NotOwned). */
  results: Map<ResourceType, ChildResult>;
  /** Every desired or held child's result, by `Kind namespace/name`. */
  byName: Map<string, ChildResult>;
  /** `Kind name` of each child with loco's name that this App does not control. */
  notOwned: string[];
  /** Kinds created, updated and deleted, for the one event a changing reconcile records. */
  created: string[];
  updated: string[];
  deleted: string[];
}

/** A canary App's children besides the usual ones (ADR 0010); see canary/run-canary.ts. */
export interface CanaryChildren {
  /** The stable Deployment is held: a rollout is in flight and the spec no longer describes what it runs. */
  holdStable: boolean;
  split: TrafficSplit;
  /** The canary Deployment's run; undefined until the App's first rollout. */
  run: CanaryRun | undefined;
  /** Blue-green: the granted preview hostname, while a rollout is in flight (ADR 0012). */
  preview?: string | undefined;
}

const some = (...objects: (KubeObject | undefined)[]): KubeObject[] => objects.filter((o) => o !== undefined);

/** The data table of an App's children, from the pure builders. */
export function childPlans(
  caches: WorldCaches,
  inputs: AppInputs,
  rollout: Rollout,
  canary?: CanaryChildren,
): ChildPlan[] {
  const { existing } = caches;
  const key = `${inputs.app.namespace}/${inputs.app.name}`;
  const stableService = serviceName(inputs.app.name);
  const split = canary?.split;
  const route = (cache: Informer, desired: KubeObject | undefined) =>
    keepForeignRules(desired, cache.get(key), stableService, canaryName(inputs.app.name));
  const preview = (main: KubeObject | undefined) =>
    canary?.preview === undefined ? undefined : desiredPreviewRoute(main, inputs.app.name, canary.preview);
  const httpRoute = desiredHttpRoute(inputs, split);
  const grpcRoute = desiredGrpcRoute(inputs, split);
  return [
    {
      resource: SECRET,
      cache: caches.secrets,
      existence: existing.secrets,
      desired: some(desiredSecret(inputs)),
      // Pods read it only through secretEnv: without any, it need not exist before their Deployment does.
      first: (inputs.spec.secretEnv ?? []).length > 0,
    },
    {
      resource: DEPLOYMENT,
      cache: caches.deployments,
      existence: existing.deployments,
      desired: some(
        canary?.holdStable ? undefined : desiredDeployment(inputs, rollout),
        canary?.run ? desiredCanaryDeployment(inputs, canary.run) : undefined,
      ),
      ...(canary?.holdStable ? { held: key } : {}),
    },
    {
      resource: SERVICE,
      cache: caches.services,
      existence: existing.services,
      desired: some(desiredService(inputs), canary ? desiredCanaryService(inputs) : undefined),
    },
    {
      resource: HTTP_ROUTE,
      cache: caches.httpRoutes,
      existence: existing.httpRoutes,
      desired: some(route(caches.httpRoutes, httpRoute), preview(httpRoute)),
    },
    {
      resource: GRPC_ROUTE,
      cache: caches.grpcRoutes,
      existence: existing.grpcRoutes,
      desired: some(route(caches.grpcRoutes, grpcRoute), preview(grpcRoute)),
    },
    {
      resource: BACKEND_TRAFFIC_POLICY,
      cache: caches.trafficPolicies,
      existence: existing.trafficPolicies,
      desired: some(desiredTrafficPolicy(inputs)),
    },
    {
      resource: HPA,
      cache: caches.autoscalers,
      existence: existing.autoscalers,
      desired: some(desiredAutoscaler(inputs)),
    },
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
  const applied: AppliedChildren = {
    results: new Map(),
    byName: new Map(),
    notOwned: [],
    created: [],
    updated: [],
    deleted: [],
  };
  const applyRow = async (plan: ChildPlan) => {
    const results: { desired: KubeObject; result: ChildResult }[] = [];
    for (const desired of plan.desired) {
      results.push({ desired, result: await applyChild(context, plan.resource, plan.cache, desired, plan.existence) });
    }
    const wanted = new Set([...plan.desired.map(keyOf), ...(plan.held === undefined ? [] : [plan.held])]);
    return { plan, results, pruned: await pruneChildren(context, plan.resource, plan.cache, wanted) };
  };
  // A row the others read (the Secret of a Deployment taking variables from it) goes first; the other rows do not
  // depend on one another and go at once: a reconcile that writes five children waits for one or two round trips.
  const rows: Awaited<ReturnType<typeof applyRow>>[] = [];
  for (const plan of plans) if (plan.first) rows.push(await applyRow(plan));
  const settled = await Promise.allSettled(plans.filter((plan) => !plan.first).map(applyRow));
  const failed = settled.find((row) => row.status === "rejected");
  for (const row of settled) if (row.status === "fulfilled") rows.push(row.value);
  // Reported in the table's order, whichever answered first.
  rows.sort((a, b) => plans.indexOf(a.plan) - plans.indexOf(b.plan));
  for (const { plan, results, pruned } of rows) {
    if (plan.held !== undefined) {
      const held: ChildResult = { outcome: "Unchanged", live: plan.cache.get(plan.held) };
      applied.byName.set(`${plan.resource.kind} ${plan.held}`, held);
      if (plan.desired.length === 0 || keyOf(plan.desired[0]!) !== plan.held) applied.results.set(plan.resource, held);
    }
    for (const { desired, result } of results) {
      if (!applied.results.has(plan.resource)) applied.results.set(plan.resource, result);
      applied.byName.set(`${plan.resource.kind} ${keyOf(desired)}`, result);
      if (result.outcome === "NotOwned") applied.notOwned.push(`${plan.resource.kind} ${desired.metadata.name}`);
      else if (result.outcome !== "Unchanged") {
        log.info(
          { app: key, kind: plan.resource.kind, name: desired.metadata.name, outcome: result.outcome },
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
