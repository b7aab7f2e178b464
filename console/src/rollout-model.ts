// The App page's rollout panel as words and numbers: the canary's step as "n of m", the two backends' shares of
// traffic, the analysis counts, and whether a person may still act on it. Pure, so it is tested without a browser.
import type { RolloutView } from "../../api/contract.ts";

export interface RolloutFacts {
  /** "2 of 5"; after the last step "5 of 5". */
  step: string;
  /** Percent of traffic the routes send to the stable and to the canary Service. */
  stable: number;
  canary: number;
  /** "3 passed, 0 failed, 1 inconclusive", or undefined when the step has no analysis. */
  analysis: string | undefined;
  /** Promote and abort apply: a rollout is in flight. */
  actionable: boolean;
}

/** Undefined when the App has never had a canary rollout (rolling Apps, or a canary App's first release). */
export function rolloutFacts(view: RolloutView): RolloutFacts | undefined {
  const r = view.rollout;
  if (!r) return undefined;
  // status.rollout.step is the index of the current step, and the number of steps once all have passed.
  const steps = Math.max(view.steps, 1);
  return {
    step: `${Math.min(r.step + 1, steps)} of ${steps}`,
    stable: 100 - r.weight,
    canary: r.weight,
    analysis: r.analysis
      ? `${r.analysis.passed} passed, ${r.analysis.failed} failed, ${r.analysis.inconclusive} inconclusive`
      : undefined,
    actionable: view.inFlight,
  };
}
