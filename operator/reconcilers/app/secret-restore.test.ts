import { describe, expect, it } from "vitest";
import { ANNOTATION_SECRET_VERSIONS } from "../../../crds/secret-versions.ts";
import { restoredSecret } from "./secret-restore.ts";

const V1 = "01JD6Z7Q5V8K2M4N6P8R0T2W41";
const V2 = "01JD6Z7Q5V8K2M4N6P8R0T2W42";
const V3 = "01JD6Z7Q5V8K2M4N6P8R0T2W43";
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("restoredSecret", () => {
  const existing = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "web-secrets",
      annotations: { [ANNOTATION_SECRET_VERSIONS]: JSON.stringify({ DB: V2, OLD: V3 }) },
    },
    data: { DB: b64("now"), OLD: b64("old"), LEGACY: b64("legacy"), NEWER: b64("newer") },
  };

  it("takes the stored values, keeps `keep` and missing keys as they are, and drops the rest", () => {
    const result = restoredSecret(
      existing,
      { id: "r1", versions: { DB: V1, OLD: V3 }, keep: ["LEGACY"] },
      { DB: "then" },
      ["OLD"],
    );
    expect(result.data).toEqual({ DB: b64("then"), OLD: b64("old"), LEGACY: b64("legacy") });
    expect(result.versions).toEqual({ DB: V1, OLD: V3 });
  });
});
