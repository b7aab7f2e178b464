// Which pod annotations a task may set. Annotations on a pod are not inert: CNI plugins choose networks from them
// (k8s.v1.cni.cncf.io/networks), meshes skip their sidecar, AppArmor and seccomp read profiles from them. So a
// task may set only the keys the platform allows — the operator's own list plus the namespace's Profile
// (spec.runs.allowedPodAnnotations) — and nothing by default. Pure but for policyForNamespace, which reads caches.

import { LABEL_PROFILE } from "../../../crds/app-names.ts";
import { Reason } from "../../../crds/conditions.ts";
import type { ProfileSpec } from "../../../crds/profile.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { SpecProblem } from "./validation.ts";

export interface PodAnnotationPolicy {
  /** Exact keys and prefixes ending in `*`. */
  allowed: readonly string[];
  /** The Profile the namespace names (label loco.dev/profile), for messages; undefined when it names none. */
  profile: string | undefined;
  /** Whether that Profile exists (a missing one allows nothing of its own). */
  profileFound: boolean;
}

/** Whether `key` matches one of the patterns: equal to an exact key, or starting with a pattern's text before `*`. */
export function annotationAllowed(key: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith("*") ? pattern.length > 1 && key.startsWith(pattern.slice(0, -1)) : key === pattern,
  );
}

/** The operator's and the Profile's patterns together. */
export function podAnnotationPolicy(
  operatorAllowed: readonly string[],
  profile: { name: string | undefined; allowed: readonly string[] | undefined; found: boolean },
): PodAnnotationPolicy {
  return {
    allowed: [...operatorAllowed, ...(profile.allowed ?? [])],
    profile: profile.name,
    profileFound: profile.found,
  };
}

/**
 * The policy for tasks in `namespace`: its Profile is the one its loco.dev/profile label names (a Run has no
 * spec.profile of its own; tenant namespaces are made one per profile).
 */
export function policyForNamespace(
  namespace: string,
  caches: {
    namespaces: { get(key: string): KubeObject | undefined };
    profiles: { get(key: string): KubeObject | undefined };
  },
  operatorAllowed: readonly string[],
): PodAnnotationPolicy {
  const name = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_PROFILE];
  const profile = name ? (caches.profiles.get(name) as (KubeObject & { spec?: ProfileSpec }) | undefined) : undefined;
  return podAnnotationPolicy(operatorAllowed, {
    name,
    allowed: profile?.spec?.runs?.allowedPodAnnotations,
    found: profile !== undefined,
  });
}

/**
 * A problem naming the task (or `subject`) and the keys when its podAnnotations ask for keys the policy does not
 * allow; undefined when all are allowed.
 */
export function podAnnotationProblem(
  subject: string,
  annotations: Readonly<Record<string, string>> | undefined,
  policy: PodAnnotationPolicy,
): SpecProblem | undefined {
  const denied = Object.keys(annotations ?? {})
    .filter((key) => !annotationAllowed(key, policy.allowed))
    .sort();
  if (denied.length === 0) return undefined;
  const where =
    policy.profile === undefined
      ? "the namespace names no Profile (label loco.dev/profile) to allow them"
      : !policy.profileFound
        ? `Profile ${policy.profile} does not exist`
        : `Profile ${policy.profile} does not allow them`;
  return {
    reason: Reason.PodAnnotationNotAllowed,
    message: `${subject} pod annotation(s) ${denied.map((k) => JSON.stringify(k)).join(", ")} are not allowed: ${where}. Remove them from podAnnotations, or ask your platform admin to add them to the Profile's spec.runs.allowedPodAnnotations.`,
  };
}
