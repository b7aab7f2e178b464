import { describe, expect, it } from "vitest";
import { type AppliedChildren, changeEvent } from "./apply-children.ts";

const applied = (created: string[], updated: string[], deleted: string[]): AppliedChildren => ({
  results: new Map(),
  byName: new Map(),
  notOwned: [],
  created,
  updated,
  deleted,
});

describe("changeEvent", () => {
  it("records nothing when nothing changed (steady state)", () => {
    expect(changeEvent(applied([], [], []), "01J")).toBeUndefined();
  });

  it("sums up one reconcile's changes in one event, named after the first kind of change", () => {
    expect(changeEvent(applied(["Secret", "Deployment", "Service"], [], ["HTTPRoute"]), "01J")).toEqual({
      reason: "Created",
      message: "Created Secret, Deployment and Service; Deleted HTTPRoute for deployment 01J.",
    });
    expect(changeEvent(applied([], ["Deployment"], []), "01K")).toEqual({
      reason: "Updated",
      message: "Updated Deployment for deployment 01K.",
    });
  });
});
