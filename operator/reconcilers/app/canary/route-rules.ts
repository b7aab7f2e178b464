// Others' route rules survive loco's applies (ADR 0010). Gateway API declares a route's `spec.rules` an atomic list,
// so server-side apply gives the whole list to whoever applies it last, and loco applies with force: a rule or filter
// another tool added would vanish at loco's next apply. So loco carries them: its own rule is the first live rule
// whose backendRefs name the App's Service, and the testers' rule of a canary (backendRefs naming the canary Service
// alone) is loco's too — loco writes it while a rollout is in flight and drops it after; every other live rule is
// applied back as it is, after loco's, and the fields of loco's main rule that loco does not set itself (filters,
// timeouts, a name, …) are kept. Pure.
import type { KubeObject } from "../../../../kube/types.ts";

type Rule = Record<string, unknown> & { backendRefs?: { name?: string }[] };

/** The fields of a rule that loco sets; the rest of a live rule of loco's is someone else's and kept. */
const LOCO_RULE_FIELDS = new Set(["matches", "backendRefs"]);

const rulesOf = (route: KubeObject | undefined): Rule[] =>
  ((route?.spec as { rules?: Rule[] } | undefined)?.rules ?? []) as Rule[];

/** `desired` with the live route's foreign rules and the extra fields of loco's own live rule merged in. */
export function keepForeignRules(
  desired: KubeObject | undefined,
  live: KubeObject | undefined,
  stableService: string,
  canaryService?: string,
): KubeObject | undefined {
  if (!desired || !live) return desired;
  // The merge is only as fresh as the cache: the live resourceVersion makes the apply a conditional write, so a
  // rule added since the cache last heard gives a conflict (retried quietly) instead of being overwritten.
  const conditional = { ...desired, metadata: { ...desired.metadata, resourceVersion: live.metadata.resourceVersion } };
  const liveRules = rulesOf(live);
  const own = liveRules.findIndex((rule) => (rule.backendRefs ?? []).some((ref) => ref.name === stableService));
  const isTesters = (rule: Rule) =>
    canaryService !== undefined &&
    (rule.backendRefs ?? []).length > 0 &&
    (rule.backendRefs ?? []).every((ref) => ref.name === canaryService);
  const foreign = liveRules.filter((rule, index) => index !== own && !isTesters(rule));
  const kept =
    own < 0 ? {} : Object.fromEntries(Object.entries(liveRules[own]!).filter(([k]) => !LOCO_RULE_FIELDS.has(k)));
  if (foreign.length === 0 && Object.keys(kept).length === 0) return conditional;
  const [first, ...rest] = rulesOf(desired);
  const rules = [{ ...kept, ...first }, ...rest, ...foreign];
  return { ...conditional, spec: { ...(desired.spec as Record<string, unknown>), rules } };
}
