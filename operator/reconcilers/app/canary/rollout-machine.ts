// The canary state machine (ADR 0010): from the rollout recorded in status, the live Deployments, the clock, an
// explicit promote/abort request and (when one was due) one analysis check, the next rollout state and what the
// children must do. Pure: the reconcile reads the world, runs a due check, calls this, and applies the result. A
// rollout belongs to one template hash; once status names the desired template the machine only moves forward or
// holds, so an operator restarted at any step resumes there and never starts the rollout again.
import type { Analysis, RolloutStatus, RolloutStep } from "../../../../crds/app-rollout.ts";
import { parseDuration } from "../../../../crds/common.ts";

/** The outcome of one analysis check (analysis-check.ts). */
export interface CheckOutcome {
  verdict: "pass" | "fail" | "inconclusive";
  /** The measured value, when there was one. */
  value?: number;
  /** A sentence: what was measured against what, e.g. "success rate 91.2% is below the minimum of 99%". */
  description: string;
}

export interface CanaryWorld {
  steps: readonly RolloutStep[];
  previous: RolloutStatus | undefined;
  /** The App's pod template now, and the deployment id a rollout of it gets (kept across restarts by the caller). */
  desired: { templateHash: string; deploymentId: string };
  /** The stable Deployment: its template hash and id (undefined when it does not exist yet), and availability. */
  stable: { templateHash: string | undefined; deploymentId: string | undefined; available: boolean };
  /** Available replicas of the canary Deployment running the desired template (0 while any other runs). */
  canaryAvailableReplicas: number;
  /** The stable version's replica count, which the canary's replicas are a weighted share of. */
  stableReplicas: number;
  /** Requests for this rollout (annotations naming its deployment id). */
  request: { promote: boolean; abort: boolean };
  /** The check run this reconcile, if one was due (see dueAnalysis). */
  check?: CheckOutcome | undefined;
  now: string;
  /**
   * Blue-green (ADR 0012): the new version runs at the stable version's full size from the first step, and promotion
   * sends it all traffic at once while the stable Deployment keeps the old version for scaleDownDelayMs.
   */
  blueGreen?: { scaleDownDelayMs: number } | undefined;
}

export interface RolloutEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface CanaryDecision {
  /** The new status.rollout (undefined: no rollout has happened yet). */
  state: RolloutStatus | undefined;
  /** Whether the stable Deployment gets the App's template now, or is left as it runs. */
  stable: "apply" | "hold";
  /** Whether a canary is in flight: the canary Deployment runs (scaled to the weight) and takes `weight`. */
  inFlight: boolean;
  /** Percent of traffic the routes send to the canary Service. */
  weight: number;
  /**
   * The weight the canary's replicas are sized for; above `weight` while a raised weight waits for its pods (the
   * routes move only once they are available).
   */
  replicaWeight?: number;
  requeueAfterMs?: number;
  events: RolloutEvent[];
}

const IN_FLIGHT = new Set<RolloutStatus["phase"]>(["Progressing", "Paused", "Analysing", "Promoting"]);
const TERMINAL = new Set<RolloutStatus["phase"]>(["Completed", "RolledBack", "Aborted"]);

export const isInFlight = (state: RolloutStatus | undefined): boolean => !!state && IN_FLIGHT.has(state.phase);

const ms = (iso: string) => Date.parse(iso);

/** The analysis of the current step, when a check of it is due now. */
export function dueAnalysis(
  steps: readonly RolloutStep[],
  state: RolloutStatus | undefined,
  desiredTemplateHash: string,
  now: string,
): Analysis | undefined {
  if (!state || state.templateHash !== desiredTemplateHash || state.phase !== "Analysing") return undefined;
  const analysis = steps[state.step]?.analysis;
  if (!analysis) return undefined;
  const since = state.analysis?.lastCheckAt ?? state.stepStartedAt;
  return ms(now) - ms(since) >= parseDuration(analysis.interval) ? analysis : undefined;
}

const stepText = (state: RolloutStatus, steps: readonly RolloutStep[]) => `Step ${state.step + 1}/${steps.length}`;

/** A Promoting state's decision: the canary's weight while the stable Deployment takes the template; blue-green's
 * all traffic on the new version, the old one held until its scale-down delay has passed. */
function promoting(world: CanaryWorld, state: RolloutStatus, events: RolloutEvent[]): CanaryDecision {
  if (!world.blueGreen) return { state, stable: "apply", inFlight: true, weight: state.weight, events };
  const left = ms(state.stepStartedAt) + world.blueGreen.scaleDownDelayMs - ms(world.now);
  return left > 0
    ? { state, stable: "hold", inFlight: true, weight: 100, requeueAfterMs: left, events }
    : { state, stable: "apply", inFlight: true, weight: 100, events };
}

/** The weight a rollout entering Promoting routes: blue-green switches everything to the new version at once. */
const promotedWeight = (world: CanaryWorld, state: RolloutStatus) => (world.blueGreen ? 100 : state.weight);

/** Moves through the steps from `state` as far as the world allows; returns where it stopped. */
function advance(world: CanaryWorld, start: RolloutStatus, events: RolloutEvent[]): CanaryDecision {
  const { steps, now } = world;
  let state = start;
  let check = world.check;
  const enterStep = (step: number): RolloutStatus => {
    const { analysis: _dropped, ...rest } = state;
    return { ...rest, step, stepStartedAt: now };
  };
  for (let guard = 0; guard <= steps.length + 1; guard++) {
    if (state.phase === "Promoting" || state.step >= steps.length) {
      if (state.phase !== "Promoting") {
        state = {
          ...state,
          step: steps.length,
          weight: promotedWeight(world, state),
          phase: "Promoting",
          stepStartedAt: now,
          message: `Every step passed; promoting deployment ${state.deploymentId} to stable.`,
        };
        events.push({ type: "Normal", reason: "RolloutPromoting", message: state.message });
      }
      return promoting(world, state, events);
    }
    const step = steps[state.step]!;
    if (step.setWeight !== undefined) {
      const target = step.setWeight;
      const needed = canaryReplicas(world.stableReplicas, world.blueGreen ? 100 : target, true);
      // A higher weight reaches the routes only once the canary's pods for it are available (scale, then route),
      // so the routed weight in status is always what the routes carry.
      if (target > state.weight && world.canaryAvailableReplicas < needed) {
        const message = `${stepText(state, steps)}: scaling deployment ${state.deploymentId} for ${target}% of traffic.`;
        if (state.message !== message || state.phase !== "Progressing") {
          state = { ...state, phase: "Progressing", message };
          events.push({ type: "Normal", reason: "RolloutStep", message });
        }
        return { state, stable: "hold", inFlight: true, weight: state.weight, replicaWeight: target, events };
      }
      if (state.weight !== target || state.phase !== "Progressing") {
        state = {
          ...state,
          weight: target,
          phase: "Progressing",
          message: `${stepText(state, steps)}: sending ${target}% of traffic to deployment ${state.deploymentId}.`,
        };
        events.push({ type: "Normal", reason: "RolloutStep", message: state.message });
      }
      if (world.canaryAvailableReplicas < needed) {
        return { state, stable: "hold", inFlight: true, weight: state.weight, events };
      }
      state = enterStep(state.step + 1);
      continue;
    }
    if (step.pause !== undefined) {
      const duration = step.pause.duration;
      if (state.phase !== "Paused") {
        state = {
          ...state,
          phase: "Paused",
          message: duration
            ? `${stepText(state, steps)}: paused for ${duration} at ${state.weight}%.`
            : `${stepText(state, steps)}: paused at ${state.weight}% until promoted (loco rollout promote).`,
        };
        events.push({ type: "Normal", reason: "RolloutStep", message: state.message });
      }
      if (!duration) return { state, stable: "hold", inFlight: true, weight: state.weight, events };
      const left = ms(state.stepStartedAt) + parseDuration(duration) - ms(now);
      if (left > 0)
        return { state, stable: "hold", inFlight: true, weight: state.weight, requeueAfterMs: left, events };
      state = enterStep(state.step + 1);
      continue;
    }
    const analysis = step.analysis!;
    if (state.phase !== "Analysing") {
      state = {
        ...state,
        phase: "Analysing",
        analysis: { passed: 0, failed: 0, inconclusive: 0 },
        message: `${stepText(state, steps)}: analysing deployment ${state.deploymentId} at ${state.weight}% (${analysis.count} check(s), one every ${analysis.interval}).`,
      };
      events.push({ type: "Normal", reason: "RolloutStep", message: state.message });
    }
    const counts = state.analysis ?? { passed: 0, failed: 0, inconclusive: 0 };
    if (check) {
      const next = {
        passed: counts.passed + (check.verdict === "pass" ? 1 : 0),
        failed: counts.failed + (check.verdict === "fail" ? 1 : 0),
        inconclusive: counts.inconclusive + (check.verdict === "inconclusive" ? 1 : 0),
        lastCheckAt: now,
        ...(check.value === undefined ? {} : { lastValue: check.value }),
      };
      check = undefined; // one check counts once, in the step it was due for
      if (next.failed > analysis.failureLimit) {
        state = {
          ...state,
          analysis: next,
          weight: 0,
          phase: "RolledBack",
          message: `Rolled back deployment ${state.deploymentId}: ${stepText(state, steps).toLowerCase()}'s analysis failed ${next.failed} time(s) (${analysis.failureLimit} allowed); the last check: ${lastDescription(world)}. Traffic is back on the stable version.`,
        };
        events.push({ type: "Warning", reason: "RolledBack", message: state.message });
        return { state, stable: "hold", inFlight: false, weight: 0, events };
      }
      const verdict =
        world.check?.verdict === "inconclusive"
          ? `inconclusive (${lastDescription(world)}); the step holds until a check can conclude`
          : `${world.check?.verdict === "pass" ? "passed" : "failed"} (${lastDescription(world)})`;
      state = {
        ...state,
        analysis: next,
        message: `${stepText(state, steps)}: check ${next.passed + next.failed} of ${analysis.count} ${verdict}.`,
      };
      events.push({
        type: world.check?.verdict === "fail" ? "Warning" : "Normal",
        reason: "RolloutAnalysis",
        message: state.message,
      });
    }
    const done = (state.analysis?.passed ?? 0) + (state.analysis?.failed ?? 0);
    if (done < analysis.count) {
      const since = state.analysis?.lastCheckAt ?? state.stepStartedAt;
      const wait = Math.max(ms(since) + parseDuration(analysis.interval) - ms(now), 1000);
      return { state, stable: "hold", inFlight: true, weight: state.weight, requeueAfterMs: wait, events };
    }
    state = enterStep(state.step + 1);
  }
  return { state, stable: "hold", inFlight: true, weight: state.weight, events };
}

const lastDescription = (world: CanaryWorld) => world.check?.description ?? "no check ran";

export function decideCanary(world: CanaryWorld): CanaryDecision {
  const { previous, desired, stable, now } = world;
  const events: RolloutEvent[] = [];
  const idle = (state: RolloutStatus | undefined): CanaryDecision => ({
    state,
    stable: "apply",
    inFlight: false,
    weight: 0,
    events,
  });

  // No stable version yet: the first template simply becomes stable.
  if (stable.templateHash === undefined) return idle(previous);

  // The stable Deployment runs the App's template: nothing to roll out, or a promotion finishing.
  if (stable.templateHash === desired.templateHash) {
    // Promoting: as status says, or as the stable Deployment already shows (it was given this rollout's id) while the
    // App in the cache still holds an older status — the Deployment's watch event can come before the App's.
    const promoting =
      previous?.templateHash === desired.templateHash &&
      (previous.phase === "Promoting" || (isInFlight(previous) && stable.deploymentId === previous.deploymentId));
    if (promoting) {
      const current: RolloutStatus =
        previous.phase === "Promoting"
          ? previous
          : {
              ...previous,
              phase: "Promoting",
              step: world.steps.length,
              message: `Promoting deployment ${previous.deploymentId} to stable.`,
            };
      if (!stable.available) {
        return { state: current, stable: "apply", inFlight: true, weight: current.weight, events };
      }
      const state: RolloutStatus = {
        ...current,
        phase: "Completed",
        weight: 0,
        stepStartedAt: now,
        message: `Promoted deployment ${previous.deploymentId}: the stable version runs it and takes all traffic.`,
      };
      events.push({ type: "Normal", reason: "RolloutCompleted", message: state.message });
      return idle(state);
    }
    if (previous && isInFlight(previous)) {
      const state: RolloutStatus = {
        ...previous,
        phase: "Aborted",
        weight: 0,
        stepStartedAt: now,
        message: `Dropped the canary of deployment ${previous.deploymentId}: the App's spec went back to the stable version's template.`,
      };
      events.push({ type: "Normal", reason: "RolloutAborted", message: state.message });
      return idle(state);
    }
    return idle(previous);
  }

  // The App's template differs from the stable one: this template's rollout, started now or resumed.
  if (previous?.templateHash !== desired.templateHash) {
    const state: RolloutStatus = {
      deploymentId: desired.deploymentId,
      templateHash: desired.templateHash,
      ...(stable.deploymentId ? { stableDeploymentId: stable.deploymentId } : {}),
      step: 0,
      weight: 0,
      phase: "Progressing",
      message: `Started a ${world.blueGreen ? "blue-green" : "canary"} rollout of deployment ${desired.deploymentId}.`,
      stepStartedAt: now,
    };
    events.push({
      type: "Normal",
      reason: "RolloutStarted",
      message: `${state.message}${previous && isInFlight(previous) ? ` It replaces the rollout of deployment ${previous.deploymentId}.` : ""}`,
    });
    return advance({ ...world, check: undefined }, state, events);
  }
  if (TERMINAL.has(previous.phase)) {
    // Ended without promotion (or completed while the stable Deployment was changed back by hand): hold, never
    // restart. A new template starts a new rollout.
    return {
      state: previous,
      stable: previous.phase === "Completed" ? "apply" : "hold",
      inFlight: false,
      weight: 0,
      events,
    };
  }
  if (world.request.abort) {
    const state: RolloutStatus = {
      ...previous,
      phase: "Aborted",
      weight: 0,
      stepStartedAt: now,
      message: `Aborted the rollout of deployment ${previous.deploymentId} at step ${previous.step + 1}: traffic is back on the stable version.`,
    };
    events.push({ type: "Warning", reason: "RolloutAborted", message: state.message });
    return { state, stable: "hold", inFlight: false, weight: 0, events };
  }
  if (world.request.promote && previous.phase !== "Promoting") {
    const state: RolloutStatus = {
      ...previous,
      phase: "Promoting",
      step: world.steps.length,
      weight: promotedWeight(world, previous),
      stepStartedAt: now,
      message: `Promoting deployment ${previous.deploymentId} on request, skipping the remaining steps.`,
    };
    events.push({ type: "Normal", reason: "RolloutPromoting", message: state.message });
    return promoting(world, state, events);
  }
  return advance(world, previous, events);
}

/**
 * Replicas for the canary at a weight: the stable replica count's share, rounded up, at least one while a rollout is
 * in flight (a canary without pods could take no traffic and give no metrics), none otherwise.
 */
export function canaryReplicas(stableReplicas: number, weight: number, inFlight: boolean): number {
  if (!inFlight) return 0;
  return Math.max(1, Math.ceil((Math.max(stableReplicas, 1) * weight) / 100));
}
