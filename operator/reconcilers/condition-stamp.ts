// What every mark… helper in a kind's status.ts needs besides the conditions themselves: the generation the
// condition reports on and the clock reading. Passed in, so the helpers stay pure and a test can pin both.
import type { Condition, ConditionInput } from "../runtime/conditions.ts";
import { setCondition } from "../runtime/conditions.ts";

export interface ConditionStamp {
  generation: number | undefined;
  /** ISO time; becomes lastTransitionTime only when a condition's status changes. */
  now: string;
}

/** Sets one condition with the stamp's generation and time (the step every mark… helper ends in). */
export function mark(
  conditions: readonly Condition[] | undefined,
  stamp: ConditionStamp,
  input: ConditionInput,
): Condition[] {
  return setCondition(conditions, input, stamp.generation, stamp.now);
}
