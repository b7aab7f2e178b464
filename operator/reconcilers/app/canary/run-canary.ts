// The canary phase of an App's reconcile (ADR 0010), and blue-green's (ADR 0012, the same machine on steps of its
// own): read what the state machine needs from the caches, run the analysis check when one is due (the only I/O
// besides the caller's applies), decide, and say what the children, the deployment id and the status become. The
// decision itself is rollout-machine.ts, pure.
import {
  ANNOTATION_DEPLOYMENT_ID,
  ANNOTATION_ROLLOUT_ABORT,
  ANNOTATION_ROLLOUT_PROMOTE,
  ANNOTATION_TEMPLATE_HASH,
} from "../../../../crds/app-names.ts";
import { type RolloutStatus, rolloutSteps } from "../../../../crds/app-rollout.ts";
import { parseDuration } from "../../../../crds/common.ts";
import { controllerOf, type KubeObject } from "../../../../kube/types.ts";
import type { CanaryChildren } from "../apply-children.ts";
import type { Rollout } from "../desired.ts";
import type { AppObject } from "../objects.ts";
import { chooseRollout } from "../rollout.ts";
import { deploymentCondition } from "../status.ts";
import { type InstantQuery, runCheck } from "./analysis-check.ts";
import {
  type CanaryDecision,
  type CheckOutcome,
  canaryReplicas,
  decideCanary,
  dueAnalysis,
  isInFlight,
} from "./rollout-machine.ts";

export interface CanaryInputs {
  app: AppObject;
  tenant: string;
  templateHash: string;
  liveStable: KubeObject | undefined;
  liveCanary: KubeObject | undefined;
  /** The stable replica count the App asks for (undefined when autoscaled: the live count is used). */
  replicas: number | undefined;
  /** Blue-green's preview hostname when the hostname rules and claims granted it. */
  previewHost?: string | undefined;
  /** The Profile's query endpoint, as an InstantQuery; undefined when it names none. */
  query: InstantQuery | undefined;
  now: string;
  newDeploymentId: () => string;
}

export interface CanaryPlan {
  decision: CanaryDecision;
  /** The deployment id and time the stable Deployment and status.deploymentId report. */
  rollout: Rollout;
  children: CanaryChildren;
  /** Which Deployment DeploymentReady reports on, under which id. */
  reportOn: { deployment: "stable" | "canary"; deploymentId: string };
}

const annotation = (object: KubeObject | undefined, key: string) => object?.metadata.annotations?.[key];

/** Available replicas of `live` running `templateHash` only (0 while any other template's pods remain). */
function availableOfTemplate(live: KubeObject | undefined, templateHash: string): number {
  if (!live || annotation(live, ANNOTATION_TEMPLATE_HASH) !== templateHash) return 0;
  const status = (live.status ?? {}) as {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
  if ((status.observedGeneration ?? 0) < (live.metadata.generation ?? 0)) return 0;
  if ((status.replicas ?? 0) !== (status.updatedReplicas ?? 0)) return 0;
  return status.availableReplicas ?? 0;
}

export async function planCanary(inputs: CanaryInputs): Promise<CanaryPlan> {
  const { app, templateHash, liveStable, liveCanary, now } = inputs;
  const steps = rolloutSteps(app.spec.rollout);
  const blueGreen =
    app.spec.rollout?.strategy === "blueGreen"
      ? { scaleDownDelayMs: parseDuration(app.spec.rollout.blueGreen?.scaleDownDelay ?? "30s") }
      : undefined;
  const previous = (app.status as { rollout?: RolloutStatus } | undefined)?.rollout;
  const ownStable = liveStable && controllerOf(liveStable)?.uid === app.metadata.uid ? liveStable : undefined;
  const stableHash = annotation(ownStable, ANNOTATION_TEMPLATE_HASH);
  const stableId = annotation(ownStable, ANNOTATION_DEPLOYMENT_ID);
  // The rollout's id survives restarts: status first, else the canary Deployment already made for this template.
  const canaryRun = chooseRollout(app, liveCanary, templateHash, { newDeploymentId: inputs.newDeploymentId, now });
  const canaryId = previous?.templateHash === templateHash ? previous.deploymentId : canaryRun.deploymentId;
  const requested = (key: string) => annotation(app, key) === canaryId;
  const stableReplicas = inputs.replicas ?? (ownStable?.spec as { replicas?: number } | undefined)?.replicas ?? 1;

  const analysis = dueAnalysis(steps, previous, templateHash, now);
  let check: CheckOutcome | undefined;
  if (analysis) {
    check = inputs.query
      ? await runCheck(
          analysis,
          { tenant: inputs.tenant, namespace: app.metadata.namespace ?? "", app: app.metadata.name ?? "" },
          inputs.query,
          now,
        )
      : {
          verdict: "inconclusive",
          description:
            "the Profile names no query endpoint (spec.telemetry.queryEndpoint); ask a platform admin to set one",
        };
  }

  const decision = decideCanary({
    steps,
    previous,
    desired: { templateHash, deploymentId: canaryId },
    stable: {
      templateHash: stableHash,
      deploymentId: stableId,
      available: stableHash === templateHash && deploymentCondition(ownStable, stableId ?? "", 0).status === "True",
    },
    canaryAvailableReplicas: availableOfTemplate(liveCanary, templateHash),
    stableReplicas,
    request: { promote: requested(ANNOTATION_ROLLOUT_PROMOTE), abort: requested(ANNOTATION_ROLLOUT_ABORT) },
    check,
    now,
    blueGreen,
  });

  const state = decision.state;
  const ofThisTemplate = state?.templateHash === templateHash;
  const stableRollout = chooseRollout(app, ownStable, templateHash, { newDeploymentId: inputs.newDeploymentId, now });
  // The stable Deployment takes the canary's id when it is promoted; until then status names the canary's.
  const rollout: Rollout =
    state && ofThisTemplate && stableHash !== templateHash
      ? { deploymentId: state.deploymentId, deployedAt: canaryRun.deployedAt }
      : stableRollout;
  // Blue-green's new version runs at full size throughout; a canary's is sized to its weight.
  const replicaWeight = blueGreen ? 100 : (decision.replicaWeight ?? decision.weight);
  // Testers reach the canary by header while the rollout is in flight, once a canary pod can answer them.
  const headerRoute = app.spec.rollout?.headerRoute;
  const testers =
    headerRoute && decision.inFlight && availableOfTemplate(liveCanary, templateHash) > 0 ? headerRoute : undefined;
  const children: CanaryChildren = {
    holdStable: decision.stable === "hold",
    split: { canaryWeight: decision.weight, ...(testers ? { testers } : {}) },
    // The preview route reaches the new version only, while its rollout is in flight.
    preview: blueGreen && decision.inFlight ? inputs.previewHost : undefined,
    run: state
      ? {
          deploymentId: state.deploymentId,
          deployedAt: rollout.deployedAt,
          replicas: canaryReplicas(stableReplicas, replicaWeight, decision.inFlight),
        }
      : undefined,
  };
  const reportOn: CanaryPlan["reportOn"] =
    isInFlight(state) && state?.phase !== "Promoting" && ofThisTemplate
      ? { deployment: "canary", deploymentId: state.deploymentId }
      : decision.stable === "hold"
        ? { deployment: "stable", deploymentId: stableId ?? rollout.deploymentId }
        : { deployment: "stable", deploymentId: rollout.deploymentId };
  return { decision, rollout, children, reportOn };
}
