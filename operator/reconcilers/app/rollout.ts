// Deployment ids: a new deployment (and id) exactly when the effective pod template changes. The id the API asked
// for (annotation on the App) is used when it is a fresh ULID; otherwise the injected source makes one.
import {
  ANNOTATION_DEPLOYED_AT,
  ANNOTATION_DEPLOYMENT_ID,
  ANNOTATION_REQUESTED_DEPLOYMENT_ID,
  ANNOTATION_TEMPLATE_HASH,
} from "../../../crds/app-names.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { Rollout } from "./desired.ts";
import type { AppObject } from "./objects.ts";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Whether `liveDeployment` is the App's and already runs the pod template `templateHash` under a deployment id. */
export function runsTemplate(app: AppObject, liveDeployment: KubeObject | undefined, templateHash: string): boolean {
  const live = liveDeployment?.metadata.annotations ?? {};
  const ours = liveDeployment?.metadata.ownerReferences?.some((r) => r.controller && r.uid === app.metadata.uid);
  return Boolean(ours && live[ANNOTATION_TEMPLATE_HASH] === templateHash && live[ANNOTATION_DEPLOYMENT_ID]);
}

export function chooseRollout(
  app: AppObject,
  liveDeployment: KubeObject | undefined,
  templateHash: string,
  fresh: { newDeploymentId: () => string; now: string },
): Rollout {
  const live = liveDeployment?.metadata.annotations ?? {};
  if (runsTemplate(app, liveDeployment, templateHash)) {
    return { deploymentId: live[ANNOTATION_DEPLOYMENT_ID] as string, deployedAt: live[ANNOTATION_DEPLOYED_AT] ?? "" };
  }
  const requested = app.metadata.annotations?.[ANNOTATION_REQUESTED_DEPLOYMENT_ID];
  const usable = requested && requested !== live[ANNOTATION_DEPLOYMENT_ID] && ULID.test(requested);
  return { deploymentId: usable ? requested : fresh.newDeploymentId(), deployedAt: fresh.now };
}
