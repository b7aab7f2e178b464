// zod → Kubernetes structural OpenAPI v3. zod's own OpenAPI 3.0 output is the starting point; Kubernetes then
// forbids a few things it emits (see notes/dependencies.md, "zod → CRD schemas"), which `toStructural` rewrites
// or refuses. Anything it does not recognise is an error rather than something silently dropped: the apiserver
// would otherwise prune it or reject the CRD far from the schema that caused it.
import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };

/** zod's JSON Schema for what a client may send (defaults optional), inline, no $ref. */
export function openApiSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    reused: "inline",
    unrepresentable: "throw",
  }) as JsonSchema;
}

/** The structural schema of a zod schema, ready for a CRD's openAPIV3Schema. */
export function structuralSchema(schema: z.ZodType): JsonSchema {
  return toStructural(openApiSchema(schema));
}

// Keys of apiextensions.k8s.io/v1 JSONSchemaProps that loco's schemas may use, in the order they are written.
const keyOrder = [
  "description",
  "type",
  "format",
  "enum",
  "default",
  "nullable",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "x-kubernetes-int-or-string",
  "anyOf",
  "items",
  "properties",
  "required",
  "additionalProperties",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
] as const;
const known = new Set<string>(keyOrder);

// zod writes the bounds of a JavaScript safe integer on every z.int(); they say nothing useful to Kubernetes.
const safeIntegerBounds = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);

// Formats the apiserver validates by itself; zod adds its own regex beside them, which is redundant there.
const serverFormats = new Set(["date-time", "date", "uuid", "email", "uri", "hostname", "ipv4", "ipv6", "byte"]);

// Validations that may be hoisted out of an int-or-string's branches: each only constrains values of its own type.
const integerValidations = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const stringValidations = ["minLength", "maxLength", "pattern", "format"];

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function fail(path: string, problem: string): never {
  throw new Error(`${path}: ${problem}`);
}

/** String enum from a union of string literals and enums (`z.literal('a').or(z.literal('b'))`). */
function collapseEnumUnion(branches: JsonSchema[]): JsonSchema | undefined {
  const values: unknown[] = [];
  for (const branch of branches) {
    const { type, enum: members, const: constant, ...rest } = branch;
    if (type !== "string" || Object.keys(rest).length > 0) return undefined;
    if (Array.isArray(members)) values.push(...members);
    else if (constant !== undefined) values.push(constant);
    else return undefined;
  }
  return { type: "string", enum: [...new Set(values)] };
}

/** `x-kubernetes-int-or-string` from a union of one integer and one string schema, keeping both's validations. */
function collapseIntOrString(branches: JsonSchema[], path: string): JsonSchema | undefined {
  if (branches.length !== 2) return undefined;
  const integer = branches.find((b) => b.type === "integer");
  const string = branches.find((b) => b.type === "string");
  if (!integer || !string) return undefined;
  const hoisted: JsonSchema = {};
  for (const [branch, allowed] of [
    [integer, integerValidations],
    [string, stringValidations],
  ] as const) {
    for (const [key, value] of Object.entries(branch)) {
      if (key === "type") continue;
      if (!allowed.includes(key)) fail(path, `int-or-string branch of type ${String(branch.type)} uses ${key}`);
      if ((key === "minimum" || key === "maximum") && safeIntegerBounds.has(value as number)) continue;
      hoisted[key] = value;
    }
  }
  // The apiserver accepts exactly this anyOf beside x-kubernetes-int-or-string, with nothing inside the branches.
  return { ...hoisted, "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] };
}

function ordered(node: JsonSchema, path: string): JsonSchema {
  for (const key of Object.keys(node)) {
    if (!known.has(key)) fail(path, `${key} has no place in a Kubernetes structural schema`);
  }
  const result: JsonSchema = {};
  for (const key of keyOrder) if (node[key] !== undefined) result[key] = node[key];
  return result;
}

/**
 * Rewrites zod's OpenAPI 3.0 output into a Kubernetes structural schema: no $ref, no `additionalProperties`
 * beside `properties`, unions collapsed into `enum` or int-or-string, open values marked
 * `x-kubernetes-preserve-unknown-fields`, ±2^53 integer bounds dropped. Throws, naming the path, on what it
 * cannot express (say it with a CEL rule instead).
 */
export function toStructural(schema: JsonSchema, path = "<root>"): JsonSchema {
  const { $schema: _dialect, $ref, definitions, $defs, ...rest } = schema;
  if ($ref !== undefined || definitions !== undefined || $defs !== undefined) {
    fail(path, "references are not allowed; generate with reused: 'inline'");
  }
  let node: JsonSchema = { ...rest };

  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (union !== undefined) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = node;
    const collapsed = collapseEnumUnion(union) ?? collapseIntOrString(union, path);
    if (!collapsed) fail(path, "a union other than string literals or int-or-string; use a CEL rule instead");
    node = { ...outer, ...collapsed };
  }
  if (node.allOf !== undefined || node.not !== undefined) fail(path, "allOf/not are not supported; use a CEL rule");

  if (node.const !== undefined) {
    node.enum = [node.const];
    delete node.const;
  }

  if (node.type === "integer" || node.type === "number") {
    for (const bound of ["minimum", "maximum"] as const) {
      if (safeIntegerBounds.has(node[bound] as number)) delete node[bound];
    }
  }

  if (typeof node.format === "string" && serverFormats.has(node.format)) delete node.pattern;
  if (typeof node.pattern === "string") {
    // zod writes a RegExp's JavaScript source, where '/' is escaped; Go's RE2 doesn't need that.
    node.pattern = node.pattern.replace(/(?<!\\)\\\//g, "/");
  }

  if (node.type === "object") {
    if (isObject(node.properties)) {
      const properties: JsonSchema = {};
      for (const [name, child] of Object.entries(node.properties)) {
        properties[name] = toStructural(child as JsonSchema, `${path}.${name}`);
      }
      node.properties = properties;
      // Structural schemas can't have both. An open object (z.looseObject) keeps unknown fields instead; a
      // closed one needs nothing, since the apiserver prunes (or, under Strict, refuses) undeclared fields.
      const extra = node.additionalProperties;
      if (isObject(extra) && Object.keys(extra).length > 0) fail(path, "additionalProperties beside properties");
      if (extra === true || isObject(extra)) node["x-kubernetes-preserve-unknown-fields"] = true;
      delete node.additionalProperties;
    } else if (isObject(node.additionalProperties) && Object.keys(node.additionalProperties).length > 0) {
      node.additionalProperties = toStructural(node.additionalProperties, `${path}[*]`);
    } else if (node.additionalProperties === true || isObject(node.additionalProperties)) {
      delete node.additionalProperties;
      node["x-kubernetes-preserve-unknown-fields"] = true;
    } else {
      delete node.additionalProperties;
    }
  } else if (node.type === "array") {
    if (!isObject(node.items)) fail(path, "an array without a single items schema");
    node.items = toStructural(node.items, `${path}[]`);
  } else if (node.type === undefined && node["x-kubernetes-int-or-string"] !== true) {
    // z.unknown() and friends: keep whatever is there rather than pruning it.
    node["x-kubernetes-preserve-unknown-fields"] = true;
  }

  return ordered(node, path);
}
