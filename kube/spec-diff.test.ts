import { describe, expect, it } from "vitest";
import { diffLines, specChanges } from "./spec-diff.ts";

describe("specChanges", () => {
  it("finds nothing between equal specs", () => {
    expect(specChanges({ tasks: [{ name: "a", image: "x" }] }, { tasks: [{ name: "a", image: "x" }] })).toEqual([]);
  });

  it("compares named lists by name, so an inserted task is one change", () => {
    const before = {
      tasks: [
        { name: "build", image: "b:1" },
        { name: "test", image: "t:1" },
      ],
      timeout: "1h",
    };
    const after = {
      tasks: [
        { name: "build", image: "b:2" },
        { name: "lint", image: "l:1" },
        { name: "test", image: "t:1" },
      ],
    };
    const changes = specChanges(before, after);
    expect(changes).toEqual([
      { path: "spec.tasks[build].image", op: "changed", before: "b:1", after: "b:2" },
      { path: "spec.tasks[lint]", op: "added", after: { name: "lint", image: "l:1" } },
      { path: "spec.timeout", op: "removed", before: "1h" },
    ]);
    expect(diffLines(changes)).toEqual([
      '~ spec.tasks[build].image: "b:1" → "b:2"',
      '+ spec.tasks[lint]: {"name":"lint","image":"l:1"}',
      '- spec.timeout: "1h"',
    ]);
  });

  it("reports a new order of the same tasks", () => {
    const a = { name: "a", image: "x" };
    const b = { name: "b", image: "y" };
    expect(specChanges({ tasks: [a, b] }, { tasks: [b, a] })).toEqual([
      { path: "spec.tasks", op: "changed", before: ["a", "b"], after: ["b", "a"] },
    ]);
  });

  it("treats lists without names as values", () => {
    expect(specChanges({ command: ["a"] }, { command: ["a", "b"] })).toEqual([
      { path: "spec.command", op: "changed", before: ["a"], after: ["a", "b"] },
    ]);
  });
});
