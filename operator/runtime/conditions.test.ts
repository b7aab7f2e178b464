import { describe, expect, it } from "vitest";
import { setCondition, summarize } from "./conditions.ts";

const t1 = "2026-01-01T00:00:00Z";
const t2 = "2026-01-01T00:05:00Z";

describe("setCondition", () => {
  it("keeps lastTransitionTime while the status stays the same, even if reason or message change", () => {
    const first = setCondition([], { type: "Ready", status: "False", reason: "Progressing", message: "a" }, 1, t1);
    const second = setCondition(first, { type: "Ready", status: "False", reason: "Waiting", message: "b" }, 2, t2);
    expect(second).toEqual([
      {
        type: "Ready",
        status: "False",
        reason: "Waiting",
        message: "b",
        observedGeneration: 2,
        lastTransitionTime: t1,
      },
    ]);
  });

  it("moves lastTransitionTime when the status flips, and does not touch other conditions", () => {
    const start = setCondition(
      setCondition([], { type: "A", status: "True", reason: "Ok", message: "" }, 1, t1),
      { type: "Ready", status: "False", reason: "No", message: "" },
      1,
      t1,
    );
    const next = setCondition(start, { type: "Ready", status: "True", reason: "Yes", message: "" }, 1, t2);
    expect(next.find((c) => c.type === "Ready")?.lastTransitionTime).toBe(t2);
    expect(next.find((c) => c.type === "A")).toEqual(start[0]);
  });
});

describe("summarize", () => {
  const cond = (type: string, status: "True" | "False" | "Unknown", reason = `${type}${status}`) => ({
    type,
    status,
    reason,
    message: `${type} is ${status}`,
    lastTransitionTime: t1,
  });
  const ready = { reason: "Available", message: "All good." };

  it("is True only when every dependent is True", () => {
    expect(summarize([cond("A", "True"), cond("B", "True")], "Ready", ["A", "B"], ready)).toMatchObject({
      type: "Ready",
      status: "True",
      reason: "Available",
    });
  });

  it("reports the first False dependent before any Unknown one", () => {
    const result = summarize([cond("A", "Unknown"), cond("B", "False", "RouteConflict")], "Ready", ["A", "B"], ready);
    expect(result).toMatchObject({ status: "False", reason: "RouteConflict", message: "B is False" });
  });

  it("treats a missing dependent as Unknown", () => {
    expect(summarize([cond("A", "True")], "Ready", ["A", "B"], ready)).toMatchObject({
      status: "Unknown",
      reason: "Pending",
    });
  });
});
