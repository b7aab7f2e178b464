import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next.ts";

describe("safeNext", () => {
  it("returns to a page of the console", () => {
    expect(safeNext("/tenants/acme/apps/web?profile=dev")).toBe("/tenants/acme/apps/web?profile=dev");
  });

  it("never leaves the console's origin, nor loops back to sign-in", () => {
    for (const next of [
      undefined,
      "",
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "/sign-in?next=/",
    ]) {
      expect(safeNext(next), String(next)).toBe("/");
    }
  });
});
