import { describe, expect, it } from "vitest";
import { sameLabels } from "./types.ts";

const labelled = (labels?: Record<string, string>) => ({ metadata: { name: "n", ...(labels ? { labels } : {}) } });

describe("sameLabels", () => {
  it("compares label pairs, not their order", () => {
    expect(sameLabels(labelled({ a: "1", b: "2" }), labelled({ b: "2", a: "1" }))).toBe(true);
    expect(sameLabels(labelled(), labelled({}))).toBe(true);
  });

  it("tells a changed, added or removed label", () => {
    expect(sameLabels(labelled({ a: "1" }), labelled({ a: "2" }))).toBe(false);
    expect(sameLabels(labelled({ a: "1" }), labelled({ a: "1", b: "2" }))).toBe(false);
    expect(sameLabels(labelled({ a: "1", b: "2" }), labelled({ a: "1" }))).toBe(false);
    expect(sameLabels(labelled({ a: "1" }), labelled({ b: "1" }))).toBe(false);
  });
});
