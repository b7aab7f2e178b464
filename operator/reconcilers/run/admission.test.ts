import { describe, expect, it } from "vitest";
import { admissionFor, type RunSummary, replacedBy } from "./admission.ts";

let n = 0;
function run(overrides: Partial<RunSummary>): RunSummary {
  n++;
  const name = overrides.name ?? `r${n}`;
  return {
    key: `ns/${name}`,
    name,
    pipeline: "ci",
    locks: [],
    createdAt: `2026-01-01T00:00:${String(n).padStart(2, "0")}Z`,
    admitted: false,
    finished: false,
    ...overrides,
  };
}

describe("admissionFor", () => {
  it("queues behind the limit, first in first out", () => {
    const running = run({ admitted: true });
    const first = run({});
    const second = run({});
    const all = [running, first, second];
    expect(admissionFor(first, all, { limit: 1, policy: "Queue" }).decision).toBe("Wait");
    expect(admissionFor(first, all, { limit: 2, policy: "Queue" }).decision).toBe("Admit");
    expect(admissionFor(second, all, { limit: 2, policy: "Queue" }).decision).toBe("Wait");
    expect(
      admissionFor(first, [{ ...running, finished: true }, first, second], { limit: 1, policy: "Queue" }).decision,
    ).toBe("Admit");
  });

  it("refuses at the limit under Forbid and ignores it under Allow", () => {
    const running = run({ admitted: true });
    const next = run({});
    expect(admissionFor(next, [running, next], { limit: 1, policy: "Forbid" })).toMatchObject({ decision: "Refuse" });
    expect(admissionFor(next, [running, next], { limit: 1, policy: "Allow" }).decision).toBe("Admit");
  });

  it("replaces the oldest under Replace: the old Run gives way, the new one waits for it to stop", () => {
    const old = run({ admitted: true });
    const fresh = run({});
    const all = [old, fresh];
    expect(replacedBy(old, all, { limit: 1, policy: "Replace" })).toBe(fresh.name);
    expect(replacedBy(fresh, all, { limit: 1, policy: "Replace" })).toBeUndefined();
    expect(admissionFor(fresh, all, { limit: 1, policy: "Replace" }).decision).toBe("Wait");
    expect(admissionFor(fresh, [{ ...old, finished: true }, fresh], { limit: 1, policy: "Replace" }).decision).toBe(
      "Admit",
    );
  });

  it("holds a named lock across pipelines until its holder ends", () => {
    const holder = run({ pipeline: "deploy", locks: ["prod"], admitted: true });
    const other = run({ pipeline: "migrate", locks: ["prod"] });
    const unrelated = run({ pipeline: "lint", locks: ["dev"] });
    const all = [holder, other, unrelated];
    expect(admissionFor(other, all, undefined)).toMatchObject({
      decision: "Wait",
      message: expect.stringContaining(holder.name),
    });
    expect(admissionFor(unrelated, all, undefined).decision).toBe("Admit");
    expect(admissionFor(other, [{ ...holder, finished: true }, other], undefined).decision).toBe("Admit");
    // A deleted holder is simply gone from the list.
    expect(admissionFor(other, [other], undefined).decision).toBe("Admit");
  });
});
