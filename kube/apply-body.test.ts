import { describe, expect, it } from "vitest";
import { applyPatchBody } from "./apply-body.ts";

describe("applyPatchBody", () => {
  it("escapes what YAML refuses unescaped and keeps the same JSON value", () => {
    const value = { env: [{ name: "A", value: "\u009c\u007f\u0085x\ufeff\uffff" }], args: ["ok", "\u00e9\u{1f600}"] };
    const body = applyPatchBody(value);
    expect(body).not.toMatch(/[\u007f-\u009f\ufeff\ufffe\uffff]/);
    expect(body).toContain("\\u009c");
    expect(JSON.parse(body)).toEqual(value);
    // Printable text outside ASCII stays as it is.
    expect(body).toContain("\u00e9\u{1f600}");
  });
});
