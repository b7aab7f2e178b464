// Cross-field rules are the one thing a zod shape and a Kubernetes structural schema can't both say, so each rule
// is written once here in two languages: CEL for the apiserver and a predicate for zod (API requests, loco.toml).
// The invalid-object table in crds/testdata/invalid-objects.ts holds both to the same verdict.
import type { z } from "zod";

/** Field of a `x-kubernetes-validations` entry in a CRD schema. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

export interface CrossFieldRule<T> {
  /** CEL expression the apiserver evaluates with `self` bound to the value (and `oldSelf` for transition rules). */
  cel: string;
  /** A sentence saying what is wrong and what to do; shown by the apiserver and, unless `explain` is set, by zod. */
  message: string;
  /** Where the error points, relative to the value, in CEL fieldPath syntax (`.max`, `.dependsOn`). */
  field?: string;
  reason?: CelValidation["reason"];
  /** Where zod reports the error when it differs from `field` (CEL can't point into metadata). */
  zodField?: string;
  /**
   * The same rule in TypeScript. Omitted only for transition rules (`oldSelf`), which need the stored object and
   * so can only be checked by the apiserver.
   */
  holds?: (value: T) => boolean;
  /** A more specific message for zod, which can quote the offending values. */
  explain?: (value: T) => string;
}

const validationsKey = "x-kubernetes-validations";

/** Zod path segments for a simple CEL fieldPath such as `.autoscale.max`. */
export function fieldPathSegments(field: string | undefined): string[] {
  if (field === undefined) return [];
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(field)) {
    throw new Error(`fieldPath ${field} is not a plain dotted path; only those are supported`);
  }
  return field.slice(1).split(".");
}

/**
 * Predicates are written for a value of the right shape (they parse its durations and quantities). On a value
 * whose fields already failed one may throw: that field's own issue says what is wrong, so the rule is passed
 * over instead of turning a 400 that names the field into a 500 (found by fuzzing PUT …/pipelines/{pipeline}).
 * On a well-shaped value a throwing predicate is a bug and surfaces as one.
 */
function holdsOn<T>(rule: CrossFieldRule<T>, value: T, shapeFailed: boolean): boolean {
  try {
    return rule.holds!(value);
  } catch (error) {
    if (shapeFailed) return true;
    throw error;
  }
}

/**
 * Attaches rules to a schema: as a zod refinement (checked on parse) and as `x-kubernetes-validations` metadata
 * (copied into the CRD by the generator). Rules already attached are kept.
 */
export function withRules<S extends z.ZodType>(schema: S, rules: CrossFieldRule<z.output<S>>[]): S {
  const existing = (schema.meta()?.[validationsKey] as CelValidation[] | undefined) ?? [];
  const refined = schema.superRefine((value, ctx) => {
    // The issues found so far belong to the value's own fields; the rules below add theirs after these.
    const shapeFailed = ctx.issues.length > 0;
    for (const rule of rules) {
      if (rule.holds === undefined || holdsOn(rule, value, shapeFailed)) continue;
      ctx.addIssue({
        code: "custom",
        message: rule.explain ? rule.explain(value) : rule.message,
        path: fieldPathSegments(rule.zodField ?? rule.field),
        input: value,
      });
    }
  });
  const validations = rules.map(
    (rule): CelValidation => ({
      rule: rule.cel,
      message: rule.message,
      ...(rule.field === undefined ? {} : { fieldPath: rule.field }),
      ...(rule.reason === undefined ? {} : { reason: rule.reason }),
    }),
  );
  return refined.meta({ [validationsKey]: [...existing, ...validations] }) as S;
}
