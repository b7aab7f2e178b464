// App reconcile orchestration: read the world from the caches, decide (profile, limits, routes, deployment id),
// build the desired children with the pure builders, apply what differs, prune what is no longer wanted, and
// report status. Level-triggered: it never looks at which event caused it. Each phase lives in its own module;
// every condition is set through status.ts.
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { DEPLOYMENT } from "../../../kube/resources.ts";
import { keyOf, type ObjectKey, splitKey } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Condition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { ProfileObject } from "../profile/objects.ts";
import { appClaims } from "./app-claims.ts";
import { readAppWorld, tenantOf } from "./app-world.ts";
import { applyAppChildren, changeEvent, childPlans } from "./apply-children.ts";
import { appUrls, limitViolation, templateHash } from "./desired.ts";
import { markRoutesReady } from "./mark-routes-ready.ts";
import type { AppObject } from "./objects.ts";
import { chooseRollout } from "./rollout.ts";
import { claimRank, RouteClaims } from "./route-claims.ts";
import {
  markDeployment,
  markDeploymentNotOwned,
  markLimitViolated,
  markPaused,
  markProfileNotFound,
  markProfileResolved,
} from "./status.ts";
import { keptStatusFields, servedStatusFields, writeAppStatus } from "./write-app-status.ts";

export interface AppReconcilerDeps {
  client: KubeClient;
  caches: WorldCaches;
  events: EventRecorder;
  log: Logger;
  /** Impure inputs, injected so tests can pin them. */
  now: () => Date;
  newDeploymentId: () => string;
  /** Reconcile other Apps whose route outcome may have changed. */
  enqueue: (key: ObjectKey) => void;
}

export function createAppReconciler(deps: AppReconcilerDeps) {
  const { client, caches, events, log } = deps;
  const claims = new RouteClaims();
  const resolveProfile = (app: AppObject) => caches.profiles.get(app.spec.profile) as ProfileObject | undefined;

  /** Records an App's route claims (no writes); returns the Apps whose outcome that may change. */
  function updateClaims(app: AppObject, profile: ProfileObject | undefined): ObjectKey[] {
    const key = keyOf(app);
    const tenant = tenantOf(caches, app.metadata.namespace ?? "");
    return claims.update(key, claimRank(app.metadata.creationTimestamp, key), appClaims(app, profile, tenant));
  }

  /** Registers every App's claims before the first reconcile, so the oldest App wins from the start. */
  function primeClaims(): void {
    for (const app of caches.apps.list() as AppObject[]) updateClaims(app, resolveProfile(app));
  }

  const writeStatus = (
    app: AppObject,
    conditions: Condition[],
    stamp: ConditionStamp,
    fields: Record<string, unknown>,
  ) => writeAppStatus(client, events, app, conditions, stamp, fields);

  async function reconcile(key: ObjectKey): Promise<void> {
    const app = caches.apps.get(key) as AppObject | undefined;
    if (!app || app.metadata.deletionTimestamp) {
      // Children go by garbage collection (ownerReferences); only the in-memory claims need forgetting.
      for (const other of claims.remove(key)) deps.enqueue(other);
      return;
    }
    const { namespace, name } = splitKey(key);
    if (!namespace) return;
    const spec = app.spec;
    const stamp: ConditionStamp = { generation: app.metadata.generation, now: deps.now().toISOString() };
    const conditions = (app.status?.conditions ?? []) as Condition[];

    // 1. Decisions that leave the children as they are.
    if (spec.paused) return writeStatus(app, markPaused(conditions, stamp), stamp, keptStatusFields(app));
    const profile = resolveProfile(app);
    for (const other of updateClaims(app, profile)) deps.enqueue(other);
    if (!profile) {
      const marked = markProfileNotFound(conditions, stamp, spec.profile, caches.profiles.keys());
      return writeStatus(app, marked, stamp, keptStatusFields(app));
    }
    const resolved = markProfileResolved(conditions, stamp, spec.profile);
    const violation = limitViolation(spec, profile.spec);
    if (violation) return writeStatus(app, markLimitViolated(resolved, stamp, violation), stamp, keptStatusFields(app));

    // 2. The world as the builders need it, and the deployment id of the pod template it yields.
    const denials = claims.denials(key);
    const { inputs, withoutDefault } = readAppWorld(caches, app, profile, denials);
    const liveDeployment = caches.deployments.get(key) ?? caches.existing.deployments.get(key);
    const rollout = chooseRollout(app, liveDeployment, templateHash(inputs), {
      newDeploymentId: deps.newDeploymentId,
      now: stamp.now,
    });

    // 3. Children: apply what is desired, prune the rest; one event when something changed.
    const applied = await applyAppChildren(client, app, childPlans(caches, inputs, rollout), log);
    const change = changeEvent(applied, rollout.deploymentId);
    if (change) events.record(app, "Normal", change.reason, change.message);

    // 4. Status.
    const deployment = applied.results.get(DEPLOYMENT);
    const withDeployment =
      deployment?.outcome === "NotOwned"
        ? markDeploymentNotOwned(resolved, stamp, name)
        : markDeployment(resolved, stamp, deployment?.live, rollout.deploymentId, spec.autoscale?.min ?? 0);
    const withRoutes = markRoutesReady(withDeployment, stamp, {
      withoutDefault,
      denials,
      notOwned: applied.notOwned.filter((n) => !n.startsWith("Deployment ")),
      granted: inputs.routes,
      gateway: profile.spec.gateway,
    });
    const urls = appUrls(inputs.routes, spec);
    await writeStatus(app, withRoutes, stamp, servedStatusFields(app, rollout, deployment?.live, urls));
  }

  return { reconcile, primeClaims, claims };
}
