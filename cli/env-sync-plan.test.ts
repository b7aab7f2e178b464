import { describe, expect, it } from "vitest";
import { formatPlan, planEnvSync, planIsEmpty, planRequests } from "./env-sync-plan.ts";

const current = {
  env: [
    { name: "LOG_LEVEL", value: "info" },
    { name: "REGION", value: "eu" },
    { name: "OLD", value: "x" },
  ],
  secrets: [{ name: "DB_PASSWORD" }, { name: "TOKEN" }],
  declared: [],
};
const file = new Map([
  ["LOG_LEVEL", "debug"],
  ["REGION", "eu"],
  ["NEW", "1"],
  ["DB_PASSWORD", "hunter2"],
  ["TOKEN", "now-plain"],
]);

describe("planEnvSync", () => {
  it("adds, changes, sets secrets, and keeps what the file lacks unless pruning", () => {
    const plan = planEnvSync(file, current, { secretKeys: new Set(["DB_PASSWORD"]), prune: false });
    expect(plan).toEqual({
      add: [{ name: "NEW", value: "1" }],
      change: [
        { name: "LOG_LEVEL", from: "info", value: "debug" },
        { name: "TOKEN", from: null, value: "now-plain" },
      ],
      secrets: ["DB_PASSWORD"],
      remove: [],
      keep: ["OLD"],
      declared: [],
      unchanged: ["REGION"],
    });
    expect(planRequests(plan, file)).toEqual([
      { set: { NEW: "1", LOG_LEVEL: "debug", TOKEN: "now-plain" }, secret: false },
      { set: { DB_PASSWORD: "hunter2" }, secret: true },
    ]);
  });

  it("removes plain and secret variables the file lacks with prune", () => {
    const plan = planEnvSync(new Map([["REGION", "eu"]]), current, { secretKeys: new Set(), prune: true });
    expect(plan.remove).toEqual(["DB_PASSWORD", "LOG_LEVEL", "OLD", "TOKEN"]);
    expect(planRequests(plan, file)).toEqual([{ unset: ["DB_PASSWORD", "LOG_LEVEL", "OLD", "TOKEN"], secret: false }]);
  });

  it("leaves to loco.toml (or a manifest) the variables it declares, even with prune", () => {
    const plan = planEnvSync(
      new Map([["REGION", "eu"]]),
      { ...current, declared: ["LOG_LEVEL"] },
      {
        secretKeys: new Set(),
        prune: true,
      },
    );
    expect(plan.remove).toEqual(["DB_PASSWORD", "OLD", "TOKEN"]);
    expect(plan.declared).toEqual(["LOG_LEVEL"]);
    expect(formatPlan(plan, ".env").at(-1)).toBe(
      "Kept (not in .env, but loco.toml or a manifest declares them; remove them there): LOG_LEVEL.",
    );
  });

  it("is empty when the App already matches, and then sends nothing", () => {
    const plan = planEnvSync(new Map([["REGION", "eu"]]), current, { secretKeys: new Set(), prune: false });
    expect(planIsEmpty(plan)).toBe(true);
    expect(planRequests(plan, file)).toEqual([]);
  });

  it("shows the plan without secret values", () => {
    const plan = planEnvSync(file, current, { secretKeys: new Set(["DB_PASSWORD"]), prune: true });
    const lines = formatPlan(plan, ".env");
    expect(lines).toEqual([
      '+ NEW="1"',
      '~ LOG_LEVEL: "info" → "debug"',
      '~ TOKEN: (secret) → "now-plain"',
      "* DB_PASSWORD (secret, value not shown)",
      "- OLD",
      "Plan from .env: 1 to add, 2 to change, 1 secret to set, 1 to remove, 1 unchanged.",
    ]);
    expect(lines.join("\n")).not.toContain("hunter2");
  });
});
