import { describe, expect, it } from "vitest";
import { runView } from "./run-view.ts";

const running = { spec: {}, status: { startTime: "2026-12-01T10:00:00Z" } };
const failed = {
  spec: {},
  status: {
    startTime: "2026-12-01T10:00:00Z",
    conditions: [{ type: "Succeeded", status: "False", reason: "TaskFailed", message: "task unit failed" }],
  },
};

describe("runView of a lost Run", () => {
  it("does not say an unfinished Run is running somewhere: reason Lost, and what the resurrector does", () => {
    const view = runView("acme", "acme-dev", "ci-1", running, true);
    expect(view).toMatchObject({ lost: true, reason: "Lost" });
    expect(view.message).toMatch(/^Run ci-1 is not in the current cluster: .*records it as interrupted\.$/);
  });

  it("keeps a finished Run's outcome, which is history in any cluster", () => {
    expect(runView("acme", "acme-dev", "ci-1", failed, true)).toMatchObject({
      lost: true,
      phase: "Failed",
      reason: "TaskFailed",
      message: "task unit failed",
    });
  });

  it("answers a Run of this cluster as before", () => {
    expect(runView("acme", "acme-dev", "ci-1", running, false)).toMatchObject({
      lost: false,
      phase: "Running",
      reason: null,
    });
  });
});
