import { describe, expect, it } from "vitest";
import type { RolloutStatus, RolloutStep } from "../../../../crds/app-rollout.ts";
import { type CanaryWorld, canaryReplicas, decideCanary, dueAnalysis } from "./rollout-machine.ts";

const analysis = {
  successRate: { minPercent: 99 },
  interval: "1m",
  count: 2,
  failureLimit: 0,
  minRequests: 20,
};
const steps: RolloutStep[] = [{ setWeight: 10 }, { analysis }, { setWeight: 50 }, { pause: { duration: "30s" } }];
const T0 = "2026-12-05T10:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

const world = (overrides: Partial<CanaryWorld> = {}): CanaryWorld => ({
  steps,
  previous: undefined,
  desired: { templateHash: "new", deploymentId: "CANARY" },
  stable: { templateHash: "old", deploymentId: "STABLE", available: true },
  canaryAvailableReplicas: 0,
  stableReplicas: 4,
  request: { promote: false, abort: false },
  now: T0,
  ...overrides,
});

/** A rollout of template "new" as status would hold it. */
const rollout = (fields: Partial<RolloutStatus>): RolloutStatus => ({
  deploymentId: "CANARY",
  templateHash: "new",
  step: 0,
  weight: 0,
  phase: "Progressing",
  message: "",
  stepStartedAt: T0,
  ...fields,
});

/** Feeds each decision's state back in, as the status would between reconciles. */
function next(previous: RolloutStatus | undefined, overrides: Partial<CanaryWorld>) {
  return decideCanary(world({ previous, ...overrides }));
}

describe("decideCanary", () => {
  it("lets the first template become stable with no rollout", () => {
    const d = decideCanary(world({ stable: { templateHash: undefined, deploymentId: undefined, available: false } }));
    expect(d).toMatchObject({ state: undefined, stable: "apply", inFlight: false, weight: 0 });
  });

  it("starts a rollout on a new template, scales the canary before routing to it, then walks the steps", () => {
    const started = decideCanary(world());
    expect(started.state).toMatchObject({ deploymentId: "CANARY", step: 0, weight: 0, phase: "Progressing" });
    expect(started).toMatchObject({ stable: "hold", inFlight: true, weight: 0, replicaWeight: 10 });
    expect(started.events.map((e) => e.reason)).toEqual(["RolloutStarted", "RolloutStep"]);

    // One canary pod is enough for 10% of 4 replicas: route 10%, then enter the analysis step.
    const routed = next(started.state, { canaryAvailableReplicas: 1, now: at(5) });
    expect(routed.state).toMatchObject({ step: 1, weight: 10, phase: "Analysing" });
    expect(routed.weight).toBe(10);
    expect(routed.requeueAfterMs).toBe(60_000);
    expect(dueAnalysis(steps, routed.state, "new", at(30))).toBeUndefined();
    expect(dueAnalysis(steps, routed.state, "new", at(65))).toEqual(analysis);
  });

  it("holds an analysis step on inconclusive checks and passes it after count conclusive ones", () => {
    const analysing = rollout({
      step: 1,
      weight: 10,
      phase: "Analysing",
      analysis: { passed: 0, failed: 0, inconclusive: 0 },
    });
    const held = next(analysing, {
      canaryAvailableReplicas: 1,
      now: at(60),
      check: { verdict: "inconclusive", description: "3 canary request(s)" },
    });
    expect(held.state).toMatchObject({ step: 1, phase: "Analysing", analysis: { passed: 0, inconclusive: 1 } });
    expect(held.state?.message).toContain("inconclusive");
    const once = next(held.state, {
      canaryAvailableReplicas: 1,
      now: at(120),
      check: { verdict: "pass", value: 99.5, description: "ok" },
    });
    expect(once.state).toMatchObject({ step: 1, analysis: { passed: 1, lastValue: 99.5 } });
    const twice = next(once.state, {
      canaryAvailableReplicas: 1,
      now: at(180),
      check: { verdict: "pass", value: 99.9, description: "ok" },
    });
    // Passed: step 2 raises the weight to 50%, which needs 2 canary pods first.
    expect(twice.state).toMatchObject({ step: 2, weight: 10, phase: "Progressing" });
    expect(twice).toMatchObject({ weight: 10, replicaWeight: 50 });
  });

  it("rolls back when failures exceed failureLimit, naming the check", () => {
    const analysing = rollout({
      step: 1,
      weight: 10,
      phase: "Analysing",
      analysis: { passed: 1, failed: 0, inconclusive: 0 },
    });
    const failed = next(analysing, {
      canaryAvailableReplicas: 1,
      now: at(120),
      check: { verdict: "fail", value: 91.2, description: "success rate 91.2% is below the minimum of 99%" },
    });
    expect(failed).toMatchObject({ stable: "hold", inFlight: false, weight: 0 });
    expect(failed.state).toMatchObject({ phase: "RolledBack", weight: 0, analysis: { failed: 1 } });
    expect(failed.state?.message).toContain("success rate 91.2% is below the minimum of 99%");
    expect(failed.events.at(-1)).toMatchObject({ type: "Warning", reason: "RolledBack" });

    // Held, never restarted, for as long as the spec asks for that template.
    const later = next(failed.state, { canaryAvailableReplicas: 1, now: at(999) });
    expect(later).toMatchObject({ state: failed.state, stable: "hold", inFlight: false, weight: 0, events: [] });
  });

  it("resumes a timed pause where it stands and promotes after the last step", () => {
    const paused = rollout({ step: 3, weight: 50, phase: "Paused" });
    const waiting = next(paused, { canaryAvailableReplicas: 2, now: at(10) });
    expect(waiting).toMatchObject({ stable: "hold", weight: 50, requeueAfterMs: 20_000, events: [] });
    const promoting = next(paused, { canaryAvailableReplicas: 2, now: at(31) });
    expect(promoting).toMatchObject({ stable: "apply", inFlight: true, weight: 50 });
    expect(promoting.state).toMatchObject({ phase: "Promoting", step: 4 });
    // The stable Deployment now runs the new template; once available, the rollout completes at 100/0.
    const notYet = next(promoting.state, {
      stable: { templateHash: "new", deploymentId: "CANARY", available: false },
      now: at(40),
    });
    expect(notYet).toMatchObject({ inFlight: true, weight: 50 });
    const done = next(promoting.state, {
      stable: { templateHash: "new", deploymentId: "CANARY", available: true },
      now: at(45),
    });
    expect(done).toMatchObject({ stable: "apply", inFlight: false, weight: 0 });
    expect(done.state).toMatchObject({ phase: "Completed" });
  });

  it("obeys promote and abort requests, and drops a canary whose template the spec left", () => {
    const flight = rollout({ step: 0, weight: 10, phase: "Progressing" });
    expect(next(flight, { request: { promote: true, abort: false } }).state?.phase).toBe("Promoting");
    const aborted = next(flight, { request: { promote: false, abort: true } });
    expect(aborted).toMatchObject({ stable: "hold", inFlight: false, weight: 0 });
    expect(aborted.state?.phase).toBe("Aborted");
    const reverted = next(flight, { desired: { templateHash: "old", deploymentId: "X" } });
    expect(reverted).toMatchObject({ stable: "apply", inFlight: false });
    expect(reverted.state?.phase).toBe("Aborted");
  });

  it("finishes a promotion the stable Deployment shows before the cached status does, never dropping the canary", () => {
    // The last reconcile gave the stable Deployment the canary's template and id and wrote Promoting; this one sees
    // the Deployment's change with the App's older status (paused at the last step).
    const stale = rollout({ step: 3, weight: 50, phase: "Paused" });
    const stable = { templateHash: "new", deploymentId: "CANARY", available: false };
    const waiting = next(stale, { stable });
    expect(waiting).toMatchObject({ stable: "apply", inFlight: true, weight: 50 });
    expect(waiting.state).toMatchObject({ phase: "Promoting", deploymentId: "CANARY" });
    expect(waiting.events).toEqual([]);
    const done = next(stale, { stable: { ...stable, available: true } });
    expect(done.state).toMatchObject({ phase: "Completed", weight: 0 });
    // The spec going back to the stable version's own template is still an abort.
    const reverted = next(stale, { desired: { templateHash: "old", deploymentId: "X" } });
    expect(reverted.state?.phase).toBe("Aborted");
  });

  it("starts afresh when a newer template replaces one in flight", () => {
    const flight = rollout({ step: 2, weight: 10, phase: "Progressing" });
    const d = next(flight, { desired: { templateHash: "newer", deploymentId: "NEWER" } });
    expect(d.state).toMatchObject({ deploymentId: "NEWER", templateHash: "newer", step: 0, weight: 0 });
    expect(d.events[0]?.message).toContain("replaces the rollout of deployment CANARY");
  });
});

describe("canaryReplicas", () => {
  it("sizes the canary to its weight's share, at least one while in flight, none after", () => {
    expect(canaryReplicas(4, 10, true)).toBe(1);
    expect(canaryReplicas(4, 50, true)).toBe(2);
    expect(canaryReplicas(0, 100, true)).toBe(1);
    expect(canaryReplicas(4, 100, false)).toBe(0);
  });
});

describe("decideCanary for blue-green", () => {
  const blueGreen = { scaleDownDelayMs: 30_000 };
  const bgSteps: RolloutStep[] = [{ setWeight: 0 }, { pause: {} }];
  const bg = (overrides: Partial<CanaryWorld>) => world({ steps: bgSteps, blueGreen, ...overrides });

  it("brings the new version up at full size with no traffic, then waits to be promoted", () => {
    const started = decideCanary(bg({}));
    expect(started).toMatchObject({ stable: "hold", inFlight: true, weight: 0 });
    // 4 stable replicas: three available green pods are not yet the full size.
    const partial = decideCanary(bg({ previous: started.state, canaryAvailableReplicas: 3, now: at(5) }));
    expect(partial.state).toMatchObject({ step: 0, phase: "Progressing" });
    const ready = decideCanary(bg({ previous: partial.state, canaryAvailableReplicas: 4, now: at(6) }));
    expect(ready.state).toMatchObject({ step: 1, weight: 0, phase: "Paused" });
    expect(ready.weight).toBe(0);
  });

  it("switches all traffic at once on promotion, holds the old version for the delay, then lets stable take over", () => {
    const paused = rollout({ step: 1, phase: "Paused" });
    const promoted = decideCanary(
      bg({ previous: paused, canaryAvailableReplicas: 4, request: { promote: true, abort: false }, now: at(10) }),
    );
    expect(promoted.state).toMatchObject({ phase: "Promoting", weight: 100 });
    expect(promoted).toMatchObject({ stable: "hold", weight: 100, inFlight: true, requeueAfterMs: 30_000 });
    // An abort inside the delay finds the old version still running: traffic straight back to it.
    const aborted = decideCanary(
      bg({ previous: promoted.state, request: { promote: false, abort: true }, now: at(20) }),
    );
    expect(aborted).toMatchObject({ stable: "hold", weight: 0, inFlight: false, state: { phase: "Aborted" } });
    // Without one, the stable Deployment takes the template after the delay, all traffic still on the new version.
    const due = decideCanary(bg({ previous: promoted.state, canaryAvailableReplicas: 4, now: at(41) }));
    expect(due).toMatchObject({ stable: "apply", weight: 100, inFlight: true });
    const done = decideCanary(
      bg({
        previous: due.state,
        stable: { templateHash: "new", deploymentId: "CANARY", available: true },
        now: at(60),
      }),
    );
    expect(done).toMatchObject({ stable: "apply", weight: 0, inFlight: false, state: { phase: "Completed" } });
  });
});
