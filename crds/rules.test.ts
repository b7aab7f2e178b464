import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldPathSegments, withRules } from "./rules.ts";

const range = withRules(z.strictObject({ min: z.int(), max: z.int() }).describe("A range."), [
  {
    cel: "self.max >= self.min",
    message: "max must be ≥ min",
    field: ".max",
    holds: (r) => r.max >= r.min,
    explain: (r) => `max must be ≥ min (${r.min})`,
  },
]);

describe("withRules", () => {
  it("checks the rule in zod, at the rule's field, with the specific message", () => {
    const result = range.safeParse({ min: 3, max: 1 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: "custom", path: ["max"], message: "max must be ≥ min (3)" }),
    ]);
    expect(range.safeParse({ min: 1, max: 3 }).success).toBe(true);
  });

  it("records the CEL rule as metadata, next to the schema's other metadata", () => {
    expect(range.meta()).toEqual({
      description: "A range.",
      "x-kubernetes-validations": [{ rule: "self.max >= self.min", message: "max must be ≥ min", fieldPath: ".max" }],
    });
  });

  it("adds to rules attached earlier instead of replacing them", () => {
    const both = withRules(range, [{ cel: "self.min >= 0", message: "min must be ≥ 0", holds: (r) => r.min >= 0 }]);
    expect(both.meta()?.["x-kubernetes-validations"]).toHaveLength(2);
    expect(both.safeParse({ min: -1, max: -2 }).error?.issues).toHaveLength(2);
  });

  it("leaves transition rules (no predicate) to the apiserver", () => {
    const frozen = withRules(z.strictObject({ a: z.string() }), [{ cel: "self == oldSelf", message: "frozen" }]);
    expect(frozen.safeParse({ a: "x" }).success).toBe(true);
  });
});

describe("fieldPathSegments", () => {
  it("splits dotted paths and refuses others", () => {
    expect(fieldPathSegments(".autoscale.max")).toEqual(["autoscale", "max"]);
    expect(fieldPathSegments(undefined)).toEqual([]);
    expect(() => fieldPathSegments(".ports[0]")).toThrow(/plain dotted path/);
  });
});

describe("rules on a value whose fields already failed", () => {
  it("report the field instead of throwing (found by fuzzing: a 500 for PUT …/pipelines/{pipeline})", async () => {
    const { PipelineSpec } = await import("./pipeline.ts");
    const spec = {
      tasks: [{ image: "0", name: "0" }],
      timeout: "0ns",
      triggers: [{ cron: { schedule: "@yearly", timeZone: "A" }, interval: { every: "0ns", jitter: "" } }],
    };
    const result = PipelineSpec.safeParse(spec);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join("."));
    expect(paths).toContain("triggers.0.interval.jitter");
  });
});
