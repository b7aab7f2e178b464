import { describe, expect, it } from "vitest";
import { z } from "zod";
import { quantity } from "../common.ts";
import { kinds } from "../index.ts";
import { type JsonSchema, structuralSchema, toStructural } from "./structural-schema.ts";

/** Every schema node below `node`, with its path. */
function* walk(node: JsonSchema, path = ""): Generator<[string, JsonSchema]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (node.items) yield* walk(node.items as JsonSchema, `${path}[]`);
  if (typeof node.additionalProperties === "object") yield* walk(node.additionalProperties as JsonSchema, `${path}.*`);
}

describe("toStructural", () => {
  it("turns an integer-or-string union into x-kubernetes-int-or-string, keeping each branch's validations", () => {
    expect(structuralSchema(quantity())).toEqual({
      minimum: 0,
      maxLength: 64,
      pattern: expect.any(String),
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
    });
  });

  it("collapses a union of string literals into one enum", () => {
    const schema = structuralSchema(z.union([z.literal("A"), z.literal("B")]).describe("letters"));
    expect(schema).toEqual({ description: "letters", type: "string", enum: ["A", "B"] });
  });

  it("turns a const into a one-value enum", () => {
    expect(toStructural({ type: "string", const: "loco.dev/v1alpha1" })).toEqual({
      type: "string",
      enum: ["loco.dev/v1alpha1"],
    });
  });

  it("drops the ±2^53 bounds zod puts on every integer, but keeps real ones", () => {
    expect(structuralSchema(z.int())).toEqual({ type: "integer" });
    expect(structuralSchema(z.int().min(1).max(10))).toEqual({ type: "integer", minimum: 1, maximum: 10 });
  });

  it("drops additionalProperties beside properties, and keeps it for maps", () => {
    const schema = structuralSchema(z.strictObject({ labels: z.record(z.string(), z.string()) }));
    expect(schema).toEqual({
      type: "object",
      properties: { labels: { type: "object", additionalProperties: { type: "string" } } },
      required: ["labels"],
    });
  });

  it("marks open values as x-kubernetes-preserve-unknown-fields instead of leaving them without a type", () => {
    expect(structuralSchema(z.strictObject({ raw: z.unknown() }))).toMatchObject({
      properties: { raw: { "x-kubernetes-preserve-unknown-fields": true } },
    });
    expect(structuralSchema(z.looseObject({}))).toMatchObject({ "x-kubernetes-preserve-unknown-fields": true });
  });

  it("writes patterns as RE2 reads them, without JavaScript's escaped slashes", () => {
    expect(structuralSchema(z.string().regex(/^\/api\/v[0-9]$/))).toEqual({ type: "string", pattern: "^/api/v[0-9]$" });
  });

  it("leaves date-time checking to the apiserver's format instead of zod's regex", () => {
    expect(structuralSchema(z.iso.datetime())).toEqual({ type: "string", format: "date-time" });
  });

  it("refuses unions it can't express, naming where", () => {
    const schema = z.strictObject({ port: z.union([z.int(), z.boolean()]) });
    expect(() => structuralSchema(schema)).toThrow(/<root>\.port: a union/);
  });

  it("refuses references and keywords Kubernetes does not know", () => {
    expect(() => toStructural({ $ref: "#/definitions/x" })).toThrow(/references are not allowed/);
    expect(() => toStructural({ type: "string", examples: ["a"] })).toThrow(/examples has no place/);
  });
});

describe("the loco kinds' structural schemas", () => {
  for (const kind of kinds) {
    const schema = structuralSchema(kind.schema);
    const nodes = [...walk(schema)];

    it(`${kind.kind}: every node has a type, or is int-or-string or preserves unknown fields`, () => {
      const untyped = nodes.filter(
        ([, n]) => !n.type && !n["x-kubernetes-int-or-string"] && !n["x-kubernetes-preserve-unknown-fields"],
      );
      expect(untyped.map(([path]) => path)).toEqual([]);
    });

    it(`${kind.kind}: no junctors except the int-or-string pair, and no additionalProperties beside properties`, () => {
      for (const [path, node] of nodes) {
        expect(node.oneOf, path).toBeUndefined();
        expect(node.allOf, path).toBeUndefined();
        if (node.anyOf) expect(node.anyOf, path).toEqual([{ type: "integer" }, { type: "string" }]);
        if (node.properties) expect(node.additionalProperties, path).toBeUndefined();
      }
    });

    it(`${kind.kind}: every field of spec and status has a description`, () => {
      const undescribed = nodes
        .filter(([path]) => path.startsWith(".spec") || path.startsWith(".status"))
        .filter(([path]) => !path.endsWith("[]") && !path.endsWith(".*"))
        .filter(([, node]) => typeof node.description !== "string" || node.description.length < 3);
      expect(undescribed.map(([path]) => path)).toEqual([]);
    });
  }

  it("keys lists of named things by name, so server-side apply merges them item by item", () => {
    const listMaps = kinds.flatMap((kind) =>
      [...walk(structuralSchema(kind.schema))]
        .filter(([, node]) => node["x-kubernetes-list-type"] === "map")
        .map(([path, node]) => `${kind.kind}${path}:${(node["x-kubernetes-list-map-keys"] as string[]).join()}`),
    );
    expect(listMaps).toEqual(
      expect.arrayContaining([
        "App.spec.ports:name",
        "App.spec.env:name",
        "App.spec.secretEnv:name",
        "App.status.conditions:type",
        "Pipeline.spec.tasks:name",
        "Pipeline.spec.tasks[].env:name",
        "Pipeline.spec.parameters:name",
        "Run.status.tasks:name",
        "Profile.spec.env:name",
      ]),
    );
  });
});
