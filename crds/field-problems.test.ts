import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Autoscale } from "./app.ts";
import { quantity } from "./common.ts";
import { fieldProblems, formatPath } from "./field-problems.ts";

const schema = z.strictObject({
  name: z.string().min(1),
  replicas: z.int().min(0).max(10).optional(),
  protocol: z.enum(["HTTP", "GRPC"]).optional(),
  cpu: quantity().optional(),
  autoscale: Autoscale.optional(),
  tags: z.array(z.string()).min(1).optional(),
});

function problems(input: unknown, dialect: "json" | "toml" = "json") {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) throw new Error("expected a failure");
  return fieldProblems(result.error, { dialect, schema }).map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe("fieldProblems", () => {
  it("says what is missing, mistyped or out of range, and what to do", () => {
    expect(problems({ replicas: "3" })).toEqual([
      "name: is required; add it",
      "replicas: must be a number, not a string; write the number without quotes",
    ]);
    expect(problems({ name: 5 })).toEqual(["name: must be a string, not an integer; put it in quotes"]);
    expect(problems({ name: "", replicas: 11 })).toEqual([
      "name: must not be empty; set a value",
      "replicas: must be ≤ 10; lower it",
    ]);
    expect(problems({ name: "a", tags: [] })).toEqual(["tags: needs at least 1 entry; add more"]);
  });

  it("lists the allowed values of an enum", () => {
    expect(problems({ name: "a", protocol: "TCP" })).toEqual(['protocol: must be one of "HTTP", "GRPC"; got "TCP"']);
  });

  it("explains an int-or-string value by the branch whose type matched", () => {
    expect(problems({ name: "a", cpu: "lots" })).toEqual([
      "cpu: must be a Kubernetes quantity such as 250m, 0.5 or 1 (CPU) or 256Mi, 1Gi (memory)",
    ]);
    expect(problems({ name: "a", cpu: true })).toEqual([
      "cpu: must be a number or a string, not a boolean; change the value",
    ]);
  });

  it("reports each unknown key at its own path, suggesting the likely one", () => {
    expect(problems({ name: "a", replica: 2, colour: "red" })).toEqual([
      "replica: unknown key; did you mean replicas?",
      "colour: unknown key; remove it or fix its spelling",
    ]);
  });

  it("passes cross-field messages through at their field", () => {
    expect(problems({ name: "a", autoscale: { min: 4, max: 2 } })).toEqual([
      "autoscale.max: must be ≥ autoscale.min (4); raise max or lower min",
    ]);
  });

  it("calls objects tables in TOML", () => {
    const result = z.strictObject({ health: z.strictObject({}) }).safeParse({ health: "yes" }, { reportInput: true });
    expect(fieldProblems(result.error!, { dialect: "toml" })[0]?.message).toBe(
      "must be a table, not a string; change the value",
    );
  });
});

describe("formatPath", () => {
  it("writes indexes in brackets and quotes odd keys", () => {
    expect(formatPath(["spec", "ports", 1, "name"])).toBe("spec.ports[1].name");
    expect(formatPath(["env", "my key"])).toBe('env."my key"');
  });
});
