import { describe, expect, it } from "vitest";
import type { RolloutView } from "../../api/contract.ts";
import { rolloutFacts } from "./rollout-model.ts";

const view = (rollout: Partial<NonNullable<RolloutView["rollout"]>> | null, inFlight = true): RolloutView => ({
  app: "shop",
  profile: "prod",
  strategy: "canary",
  steps: 5,
  inFlight,
  rollout: rollout && {
    deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
    templateHash: "abc",
    step: 0,
    weight: 0,
    phase: "Progressing",
    message: "",
    stepStartedAt: "2026-12-05T10:00:00Z",
    ...rollout,
  },
  condition: null,
});

describe("rolloutFacts", () => {
  it("says nothing before the first canary rollout", () => {
    expect(rolloutFacts(view(null, false))).toBeUndefined();
  });

  it("counts steps from one and splits traffic between stable and canary", () => {
    expect(rolloutFacts(view({ step: 1, weight: 20, phase: "Paused" }))).toEqual({
      step: "2 of 5",
      stable: 80,
      canary: 20,
      analysis: undefined,
      actionable: true,
    });
  });

  it("keeps the step within the count once every step has passed, and offers no action after the end", () => {
    expect(rolloutFacts(view({ step: 5, weight: 0, phase: "Completed" }, false))).toMatchObject({
      step: "5 of 5",
      stable: 100,
      canary: 0,
      actionable: false,
    });
  });

  it("shows the analysis counts of the current step", () => {
    const facts = rolloutFacts(
      view({ step: 2, weight: 10, phase: "Analysing", analysis: { passed: 2, failed: 1, inconclusive: 3 } }),
    );
    expect(facts?.analysis).toBe("2 passed, 1 failed, 3 inconclusive");
  });
});
