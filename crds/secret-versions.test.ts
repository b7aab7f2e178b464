import { describe, expect, it } from "vitest";
import { formatSecretRestore, parseSecretRestore } from "./secret-versions.ts";

const V1 = "01JD6Z7Q5V8K2M4N6P8R0T2W41";

describe("secret restore annotation", () => {
  it("carries a promotion's source through format and parse", () => {
    const restore = { id: "r1", versions: { DB: V1 }, keep: ["B", "A"], from: { namespace: "acme-dev", app: "web" } };
    expect(parseSecretRestore(formatSecretRestore(restore))).toEqual({ ...restore, keep: ["A", "B"] });
    expect(parseSecretRestore(formatSecretRestore({ id: "r2", versions: {}, keep: [] }))).toEqual({
      id: "r2",
      versions: {},
      keep: [],
    });
  });

  it("reads a malformed source as no restore, never as one from the App's own versions", () => {
    expect(
      parseSecretRestore(JSON.stringify({ id: "r3", versions: { DB: V1 }, from: { namespace: 1 } })),
    ).toBeUndefined();
    expect(parseSecretRestore(JSON.stringify({ id: "r4", versions: { DB: V1 }, from: null }))).toBeUndefined();
  });
});
