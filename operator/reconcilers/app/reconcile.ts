// App reconcile orchestration: read the world from the caches, decide (profile, limits, routes, deployment id),
// build the desired children with the pure builders, apply what differs, prune what is no longer wanted, and
// report status. Level-triggered: it never looks at which event caused it. Each phase lives in its own module;
// every condition is set through status.ts.

import { canaryName } from "../../../crds/app-names.ts";
import { APP } from "../../../crds/kinds.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { DEPLOYMENT, GRPC_ROUTE, HTTP_ROUTE } from "../../../kube/resources.ts";
import { type KubeObject, type ObjectKey, splitKey } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Condition } from "../../runtime/conditions.ts";
import type { ReconcileResult } from "../../runtime/controller.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { expectationHandlers, readFresh, StatusExpectations } from "../../runtime/status-expectations.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { ProfileObject } from "../profile/objects.ts";
import { judgeAppClaims, previewHostnameOf } from "./app-claims.ts";
import { readAppWorld, tenantOf } from "./app-world.ts";
import { applyAppChildren, changeEvent, childPlans } from "./apply-children.ts";
import { prometheusInstantQuery } from "./canary/prometheus-instant.ts";
import { planCanary } from "./canary/run-canary.ts";
import { appUrls, limitViolation, type Rollout, replicasFor, templateHash } from "./desired.ts";
import { gatewayVerdict } from "./gateway-verdict.ts";
import { HostnameClaims } from "./hostname-claims.ts";
import { markRoutesReady } from "./mark-routes-ready.ts";
import type { AppObject } from "./objects.ts";
import { chooseRollout, runsTemplate } from "./rollout.ts";
import { restoreSecrets, type SecretVersionSource } from "./secret-restore.ts";
import {
  clearRollout,
  markDeployment,
  markDeploymentNotOwned,
  markLimitViolated,
  markPaused,
  markProfileNotFound,
  markProfileResolved,
  markRollout,
} from "./status.ts";
import { urlOrigin } from "./url-origin.ts";
import { keptStatusFields, servedStatusFields, writeAppStatus } from "./write-app-status.ts";

export interface AppReconcilerDeps {
  client: KubeClient;
  caches: WorldCaches;
  events: EventRecorder;
  log: Logger;
  /** Impure inputs, injected so tests can pin them. */
  now: () => Date;
  newDeploymentId: () => string;
  /** Stored secret versions, for a rollback's restore; undefined without a database or key-encryption key. */
  secretVersions?: () => SecretVersionSource | undefined;
}

/** How soon an App refused a hostname another App holds asks again (the holder may be gone unseen). */
export const CLAIM_RETRY_MS = 60_000;

export function createAppReconciler(deps: AppReconcilerDeps) {
  const { client, caches, events, log } = deps;
  const claims = new HostnameClaims(
    client,
    caches.hostnameClaims,
    (namespace) => tenantOf(caches, namespace).tenant,
    deps.now,
    caches.apps,
  );
  const resolveProfile = (app: AppObject) => caches.profiles.get(app.spec.profile) as ProfileObject | undefined;
  // An App's status records decisions (the deployment id, the canary's step) that a reconcile of an older cached
  // copy would make again: each status write is awaited in the cache before the App is acted on again.
  const expectations = new StatusExpectations();
  caches.apps.addHandlers(expectationHandlers(expectations));

  const writeStatus = (
    app: AppObject,
    conditions: Condition[],
    stamp: ConditionStamp,
    fields: Record<string, unknown>,
  ): Promise<undefined> =>
    writeAppStatus(client, events, app, conditions, stamp, fields, expectations).then(() => undefined);

  /**
   * Deployment ids this operator minted for a pod template whose Deployment its cache does not show yet, by App
   * uid. Each kind has its own watch, so the App's status event (which the expectations await) can come before
   * the event of the Deployment applied just before it; a reconcile of that older copy would otherwise mint a
   * second id for the same template (two deployments and rollouts of one change; seen when an App is re-created
   * and reconciled again at once). An entry lives until the cache shows the template or the App is deleted, so
   * there is one per App with a change in flight, and no request is spent on it. A new process starts from fresh
   * lists, which show every Deployment written before them.
   */
  const minted = new Map<string, { hash: string; rollout: Rollout }>();
  caches.apps.addHandlers({ onDelete: (app) => minted.delete(app.metadata.uid ?? "") });

  function rolloutOf(app: AppObject, cached: KubeObject | undefined, hash: string, now: string): Rollout {
    const uid = app.metadata.uid ?? "";
    const fresh = { newDeploymentId: deps.newDeploymentId, now };
    if (runsTemplate(app, cached, hash)) {
      minted.delete(uid);
      return chooseRollout(app, cached, hash, fresh);
    }
    const earlier = minted.get(uid);
    if (earlier?.hash === hash) return earlier.rollout;
    const rollout = chooseRollout(app, cached, hash, fresh);
    minted.set(uid, { hash, rollout });
    return rollout;
  }

  async function reconcile(key: ObjectKey): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    if (!namespace) return;
    const read = await readFresh(expectations, key, caches.apps.get(key) as AppObject | undefined, () =>
      client.find<AppObject>(APP, namespace, name),
    );
    if ("waitMs" in read) return { requeueAfterMs: read.waitMs };
    const app = read.object;
    if (!app || app.metadata.deletionTimestamp) {
      // Children go by garbage collection (ownerReferences). Hostname claims are cluster-scoped, which the garbage
      // collector cannot tie to a namespaced App, so they are released here — once the apiserver confirms the App
      // is gone: an App missing from this cache may be another shard's.
      if (app || !(await client.find(APP, namespace, name))) await claims.releaseAll(namespace, name);
      return;
    }
    const spec = app.spec;
    const stamp: ConditionStamp = { generation: app.metadata.generation, now: deps.now().toISOString() };
    const conditions = (app.status?.conditions ?? []) as Condition[];

    // 1. Decisions that leave the children as they are.
    if (spec.paused) return writeStatus(app, markPaused(conditions, stamp), stamp, keptStatusFields(app));
    const profile = resolveProfile(app);
    if (!profile) {
      const marked = markProfileNotFound(conditions, stamp, spec.profile, caches.profiles.keys());
      return writeStatus(app, marked, stamp, keptStatusFields(app));
    }
    const resolved = markProfileResolved(conditions, stamp, spec.profile);
    const violation = limitViolation(spec, profile.spec);
    if (violation) return writeStatus(app, markLimitViolated(resolved, stamp, violation), stamp, keptStatusFields(app));

    // 2. The hostnames it may serve: the rules first, then the cluster-wide claims (first App to claim keeps it).
    const tenant = tenantOf(caches, namespace);
    const judged = judgeAppClaims(app, profile, tenant, caches.profiles.list() as ProfileObject[]);
    const denials = await claims.reconcile({ namespace, name, uid: app.metadata.uid ?? "" }, judged.allowed);

    // A rollback's or promotion's secret values, written back once before any pod template is built from the old
    // ones: the Secret's change (it is owned) reconciles the App again, and that template, with the values' digest,
    // is the one deployment the request asked for — not a first one that the restore would supersede at once.
    if (await restoreSecrets({ client, caches, events, log, versions: deps.secretVersions?.() }, app, tenant.tenant))
      return;

    // 3. The world as the builders need it, and the deployment id of the pod template it yields.
    const { inputs, withoutDefault } = readAppWorld(caches, app, profile, [...judged.refused, ...denials]);
    const liveDeployment = caches.deployments.get(key) ?? caches.existing.deployments.get(key);
    const hash = templateHash(inputs);
    // Blue-green's preview hostname, unless the rules refused it or another App holds it.
    const preview = previewHostnameOf(app);
    const previewHost = [...judged.refused, ...denials].some((d) => d.claim.host === preview) ? undefined : preview;
    const canary =
      spec.rollout?.strategy === "canary" || spec.rollout?.strategy === "blueGreen"
        ? await planCanary({
            previewHost,
            app,
            tenant: tenant.tenant,
            templateHash: hash,
            liveStable: liveDeployment,
            liveCanary: caches.deployments.get(`${namespace}/${canaryName(name)}`),
            replicas: replicasFor(spec, profile.spec),
            query: profile.spec.telemetry?.queryEndpoint
              ? prometheusInstantQuery(profile.spec.telemetry.queryEndpoint)
              : undefined,
            now: stamp.now,
            newDeploymentId: deps.newDeploymentId,
          })
        : undefined;
    const rollout = canary?.rollout ?? rolloutOf(app, liveDeployment, hash, stamp.now);

    // 4. Children: apply what is desired, prune the rest; one event when something changed (and one per rollout step).
    const applied = await applyAppChildren(client, app, childPlans(caches, inputs, rollout, canary?.children), log);
    const change = changeEvent(applied, rollout.deploymentId);
    if (change) events.record(app, "Normal", change.reason, change.message);
    for (const event of canary?.decision.events ?? []) events.record(app, event.type, event.reason, event.message);

    // 5. Status.
    const deployment = applied.results.get(DEPLOYMENT);
    const reported =
      canary?.reportOn.deployment === "canary"
        ? applied.byName.get(`Deployment ${namespace}/${canaryName(name)}`)
        : deployment;
    const withDeployment =
      reported?.outcome === "NotOwned"
        ? markDeploymentNotOwned(resolved, stamp, reported.live?.metadata.name ?? name)
        : markDeployment(
            resolved,
            stamp,
            reported?.live,
            canary?.reportOn.deploymentId ?? rollout.deploymentId,
            spec.autoscale?.min ?? 0,
          );
    const gateway = profile.spec.gateway;
    const gatewayObject = caches.gateways.get(`${gateway.namespace}/${gateway.name}`);
    const verdict = gatewayVerdict(
      gateway,
      gatewayObject,
      [
        { kind: "HTTPRoute", route: applied.results.get(HTTP_ROUTE)?.live },
        { kind: "GRPCRoute", route: applied.results.get(GRPC_ROUTE)?.live },
      ],
      namespace,
    );
    const withRollout = canary
      ? markRollout(withDeployment, stamp, canary.decision.state, hash)
      : clearRollout(withDeployment);
    const withRoutes = markRoutesReady(withRollout, stamp, {
      withoutDefault,
      refusals: judged.refused,
      denials,
      notOwned: applied.notOwned.filter((n) => !n.startsWith("Deployment ")),
      granted: inputs.routes,
      gateway,
      verdict,
    });
    const urls = appUrls(inputs.routes, spec, urlOrigin(gateway, gatewayObject));
    const fields = servedStatusFields(app, rollout, deployment?.live, urls, canary?.decision.state);
    await writeStatus(app, withRoutes, stamp, fields);
    const requeues = [
      ...(denials.length > 0 ? [CLAIM_RETRY_MS] : []),
      ...(canary?.decision.requeueAfterMs === undefined ? [] : [canary.decision.requeueAfterMs]),
    ];
    return requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : undefined;
  }

  return { reconcile, claims };
}
