// Every name and label the Pipeline reconciler gives its children, in one place.
import { createHash } from "node:crypto";

export { FIELD_MANAGER, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from "../../../crds/app-names.ts";
export { LABEL_PIPELINE, pipelineSecretName } from "../../../crds/run-names.ts";

/** Set on Runs a trigger started: which trigger, and the slot (RFC 3339) it fired for. */
export const LABEL_TRIGGER = "loco.dev/trigger";
export const ANNOTATION_SCHEDULED_TIME = "loco.dev/scheduled-time";

/**
 * `<pipeline>-<trigger>-<slot in unix seconds, base 36>`: one name per slot, so a slot can never start two Runs,
 * whatever happens to the operator in between. Shortened to stay a valid name for the Run's Jobs too.
 */
export function triggeredRunName(pipeline: string, trigger: string, slotMs: number): string {
  const suffix = Math.floor(slotMs / 1000).toString(36);
  const name = `${pipeline}-${trigger}-${suffix}`;
  if (name.length <= 40) return name;
  const digest = createHash("sha256").update(`${pipeline}/${trigger}`).digest("hex").slice(0, 6);
  return `${pipeline.slice(0, 40 - suffix.length - 8).replace(/-+$/, "")}-${digest}-${suffix}`;
}
