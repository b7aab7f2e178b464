// Turns zod issues into messages for people: what is wrong with which field, and what to do about it. The API
// (JSON bodies) and the CLI (loco.toml) share it, so both say the same thing about the same mistake.
import type { z } from "zod";

export type FieldPath = (string | number)[];

export interface FieldProblem {
  path: FieldPath;
  message: string;
}

export interface ProblemOptions {
  /** TOML calls objects tables. */
  dialect?: "json" | "toml";
  /** The schema that was parsed, to suggest the key a misspelt one was meant to be. */
  schema?: z.ZodType;
}

type Issue = z.core.$ZodIssue;

/** `autoscale.max`, `ports[1].name`, `env."my key"`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else {
      const key = String(segment);
      const bare = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      text += text === "" ? bare : `.${bare}`;
    }
  }
  return text;
}

function describeValue(value: unknown, dialect: "json" | "toml"): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return dialect === "toml" ? "a table" : "an object";
    default:
      return typeof value;
  }
}

function describeExpected(expected: string, dialect: "json" | "toml"): string {
  switch (expected) {
    case "number":
      return "a number";
    case "int":
      return "an integer";
    case "string":
      return "a string";
    case "boolean":
      return "a boolean (true or false)";
    case "array":
      return "an array";
    case "object":
    case "record":
    case "map":
      return dialect === "toml" ? "a table" : "an object";
    default:
      return expected;
  }
}

function typeHint(expected: string, input: unknown): string {
  if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) return "put it in quotes";
  if ((expected === "number" || expected === "int") && typeof input === "string")
    return "write the number without quotes";
  return "change the value";
}

function plural(count: number | bigint, word: string): string {
  return `${count} ${word}${Number(count) === 1 ? "" : "s"}`;
}

function describeSize(issue: Issue & { code: "too_small" | "too_big" }): string {
  const small = issue.code === "too_small";
  const limit = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "string":
      if (small && Number(limit) === 1) return "must not be empty; set a value";
      return small
        ? `must be at least ${plural(limit, "character")} long; lengthen it`
        : `must be at most ${plural(limit, "character")} long; shorten it`;
    case "array":
    case "set":
      return small
        ? `needs at least ${plural(limit, "entry").replace("entrys", "entries")}; add more`
        : `may have at most ${plural(limit, "entry").replace("entrys", "entries")}; remove some`;
    default:
      if (small) return `must be ${inclusive ? "≥" : ">"} ${limit}; raise it`;
      return `must be ${inclusive ? "≤" : "<"} ${limit}; lower it`;
  }
}

// zod's own messages start like this; ours never do.
const isZodDefault = (message: string) => /^Invalid\b/.test(message);

function describe(issue: Issue, dialect: "json" | "toml"): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required; add it";
      return `must be ${describeExpected(issue.expected, dialect)}, not ${describeValue(issue.input, dialect)}; ${typeHint(issue.expected, issue.input)}`;
    case "too_small":
    case "too_big":
      return describeSize(issue);
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${JSON.stringify(issue.input)}`;
    case "invalid_format":
      return isZodDefault(issue.message) ? `is not a valid ${issue.format}; fix its format` : issue.message;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_key": {
      const inner = issue.issues[0];
      return `is not a valid key${inner ? `: ${describe(inner, dialect)}` : ""}; rename it`;
    }
    default:
      return issue.message;
  }
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** Keys an object at `path` inside `schema` may have, following optional, default, record and array wrappers. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  let remaining = [...path];
  for (;;) {
    const def = defOf(node);
    if (["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"].includes(def.type)) {
      node = def.innerType;
    } else if (def.type === "pipe") {
      node = def.in;
    } else if (remaining.length === 0) {
      return def.type === "object" ? Object.keys(def.shape as object) : [];
    } else if (def.type === "object") {
      node = (def.shape as Record<string, unknown>)[String(remaining[0])];
      remaining = remaining.slice(1);
      if (node === undefined) return [];
    } else if (def.type === "record") {
      node = def.valueType;
      remaining = remaining.slice(1);
    } else if (def.type === "array") {
      node = def.element;
      remaining = remaining.slice(1);
    } else {
      return [];
    }
  }
}

function unionProblems(issue: z.core.$ZodIssueInvalidUnion, dialect: "json" | "toml"): FieldProblem[] {
  const branches = issue.errors;
  const typeOnly = branches.every((b) => b.length === 1 && b[0]?.code === "invalid_type" && b[0].path.length === 0);
  if (typeOnly) {
    const expected = branches.map((b) => describeExpected((b[0] as z.core.$ZodIssueInvalidType).expected, dialect));
    return [
      {
        path: issue.path as FieldPath,
        message: `must be ${[...new Set(expected)].join(" or ")}, not ${describeValue(issue.input, dialect)}; change the value`,
      },
    ];
  }
  // The branch whose type matched explains best what is wrong inside it.
  const matched =
    branches.find((b) => !b.every((i) => i.code === "invalid_type" && i.path.length === 0)) ?? branches[0] ?? [];
  return matched.map((inner) => ({
    path: [...(issue.path as FieldPath), ...(inner.path as FieldPath)],
    message: describe(inner, dialect),
  }));
}

/** One problem per offending field, in the order zod found them. */
export function fieldProblems(error: z.ZodError, options: ProblemOptions = {}): FieldProblem[] {
  const dialect = options.dialect ?? "json";
  const problems: FieldProblem[] = [];
  for (const issue of error.issues as Issue[]) {
    const path = issue.path as FieldPath;
    if (issue.code === "unrecognized_keys") {
      const known = options.schema ? knownKeysAt(options.schema, path) : [];
      for (const key of issue.keys) {
        const suggestion = closest(key, known);
        problems.push({
          path: [...path, key],
          message: suggestion
            ? `unknown key; did you mean ${suggestion}?`
            : "unknown key; remove it or fix its spelling",
        });
      }
    } else if (issue.code === "invalid_union") {
      problems.push(...unionProblems(issue, dialect));
    } else {
      problems.push({ path, message: describe(issue, dialect) });
    }
  }
  return problems;
}
