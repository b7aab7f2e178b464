// Writing an App's status: Ready summarised from the dependents, observedGeneration, and the fields the API and
// CLI show (deployment id, URLs, replicas). Nothing is written when it equals the live status (steady state), and
// a Warning event is recorded when Ready turns False for a new reason.
import { FIELD_MANAGER, LABEL_APP } from "../../../crds/app-names.ts";
import type { RolloutStatus } from "../../../crds/app-rollout.ts";
import { APP } from "../../../crds/kinds.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { Condition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import type { StatusExpectations } from "../../runtime/status-expectations.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { Rollout } from "./desired.ts";
import type { AppObject } from "./objects.ts";
import { AppCondition, markAppReady } from "./status.ts";

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The status fields of an App whose children this reconcile left alone (paused, no Profile, over its limits). */
export function keptStatusFields(app: AppObject): Record<string, unknown> {
  const previous = (app.status ?? {}) as Record<string, unknown>;
  return defined({
    deploymentId: previous.deploymentId,
    url: previous.url,
    urls: previous.urls,
    replicas: previous.replicas,
    readyReplicas: previous.readyReplicas,
    selector: `${LABEL_APP}=${app.metadata.name}`,
    image: previous.image,
    lastDeployTime: previous.lastDeployTime,
    rollout: previous.rollout,
  });
}

/** The status fields of an App whose children were applied: what the live Deployment and the routes show. */
export function servedStatusFields(
  app: AppObject,
  rollout: Rollout,
  deployment: KubeObject | undefined,
  urls: readonly string[],
  canary?: RolloutStatus,
): Record<string, unknown> {
  const live = (deployment?.status ?? {}) as { replicas?: number; readyReplicas?: number };
  return defined({
    deploymentId: rollout.deploymentId,
    url: urls[0],
    urls: urls.length > 0 ? urls : undefined,
    replicas: live.replicas ?? 0,
    readyReplicas: live.readyReplicas ?? 0,
    selector: `${LABEL_APP}=${app.metadata.name}`,
    image: app.spec.image,
    lastDeployTime: rollout.deployedAt || undefined,
    rollout: canary,
  });
}

export async function writeAppStatus(
  client: KubeClient,
  events: EventRecorder,
  app: AppObject,
  conditions: readonly Condition[],
  stamp: ConditionStamp,
  fields: Record<string, unknown>,
  expectations?: StatusExpectations,
): Promise<void> {
  const { conditions: list, ready } = markAppReady(conditions, stamp);
  const status = { ...fields, observedGeneration: app.metadata.generation, conditions: list };
  const previousReady = app.status?.conditions?.find((c) => c.type === AppCondition.Ready);
  if (await applyStatusIfChanged(client, APP, app, status, FIELD_MANAGER, expectations)) {
    if (previousReady?.reason !== ready.reason && ready.status === "False") {
      events.record(app, "Warning", ready.reason, ready.message);
    }
  }
}
