// Request validation with the very schemas the CRDs are generated from, so the API refuses what the apiserver
// would refuse, with the same field paths, before it writes anything. (The API itself comes in a later issue.)
import type { z } from "zod";
import { AppSpec } from "../crds/app.ts";
import { fieldProblems, formatPath } from "../crds/field-problems.ts";
import { PipelineSpec } from "../crds/pipeline.ts";
import { ProfileSpec } from "../crds/profile.ts";
import { RunSpec } from "../crds/run.ts";

export interface FieldError {
  /** Path from the resource's root, as the apiserver names it: `spec.autoscale.max`, `spec.ports[1].name`. */
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Parses `body` with `schema`; on failure, one error per offending field, paths prefixed with `root`. */
export function validate<S extends z.ZodType>(schema: S, body: unknown, root = ""): Validated<z.output<S>> {
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = fieldProblems(parsed.error, { schema }).map((problem) => ({
    field: formatPath(root === "" ? problem.path : [root, ...problem.path]),
    message: problem.message,
  }));
  return { ok: false, errors };
}

export const parseAppSpec = (body: unknown) => validate(AppSpec, body, "spec");
export const parseProfileSpec = (body: unknown) => validate(ProfileSpec, body, "spec");
export const parsePipelineSpec = (body: unknown) => validate(PipelineSpec, body, "spec");
export const parseRunSpec = (body: unknown) => validate(RunSpec, body, "spec");
