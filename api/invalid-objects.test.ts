// zod's verdict on the invalid-object table; test/crds/invalid-objects.test.ts gets the apiserver's on the same
// objects, so the CEL rules and their TypeScript twins can't drift apart unnoticed.
import { describe, expect, it } from "vitest";
import { kinds } from "../crds/index.ts";
import { invalidObjects } from "../crds/testdata/invalid-objects.ts";
import { validate } from "./validation.ts";

const schemaOf = (kind: string) => kinds.find((k) => k.kind === kind)!.schema;

describe("invalid objects, judged by zod", () => {
  it("has at least 25 cases", () => {
    expect(invalidObjects.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of invalidObjects) {
    if (c.before) {
      it(`${c.kind}: ${c.name} is for the apiserver to judge (it needs the stored object)`, () => {
        expect(validate(schemaOf(c.kind), c.before).ok).toBe(true);
        expect(validate(schemaOf(c.kind), c.object).ok).toBe(true);
      });
      continue;
    }
    it(`${c.kind}: ${c.name} is refused at ${c.zodField ?? c.field}`, () => {
      const result = validate(schemaOf(c.kind), c.object);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(c.zodField ?? c.field);
    });
  }
});
