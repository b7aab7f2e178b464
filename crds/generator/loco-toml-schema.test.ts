import { describe, expect, it } from "vitest";
import { locoTomlJsonSchema } from "./loco-toml-schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: assertions walk generated, untyped JSON.
type Json = Record<string, any>;

describe("locoTomlJsonSchema", () => {
  const schema = locoTomlJsonSchema() as Json;

  it("is draft-07 with a do-not-edit note", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.$comment).toMatch(/do not edit/);
  });

  it("describes the top level, env as a table of strings, and profile overrides", () => {
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.env).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    const override = schema.properties.profile.additionalProperties;
    expect(override.properties.autoscale.properties.max.type).toBe("integer");
    expect(override.properties.name).toBeUndefined();
    expect(schema.properties.paused).toBeUndefined();
  });

  it("keeps Kubernetes-only annotations out", () => {
    expect(JSON.stringify(schema)).not.toContain("x-kubernetes");
  });
});
