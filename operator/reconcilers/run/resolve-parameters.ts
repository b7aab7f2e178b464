import type { PipelineSpec } from "../../../crds/pipeline.ts";

/** Parameter values: the Run's, then the Pipeline's defaults. Undefined names the first missing one. */
export function resolveParameters(
  spec: PipelineSpec,
  given: Readonly<Record<string, string>> | undefined,
): { values: Record<string, string> } | { missing: string } {
  const values: Record<string, string> = {};
  for (const parameter of spec.parameters ?? []) {
    const value = given?.[parameter.name] ?? parameter.default;
    if (value === undefined) return { missing: parameter.name };
    values[parameter.name] = value;
  }
  return { values };
}
