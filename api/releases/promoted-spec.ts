// Pure: the spec a promotion applies in the target profile, and the secret restore it asks of the operator.
//
// What the source release ran is carried as recorded — the image reference (with its digest when the release has
// one: a tag is carried as the tag, never looked up again), command, args, ports, health checks, project, env and
// secret env, whose values come from the source's stored versions. Where it runs stays the target's: routes,
// resources, replicas or autoscale, timeouts, the rollout strategy and `paused` come from the target App, or are left
// to the target Profile's defaults when the target has no App yet. The target's own overrides win: a variable or
// secret set in the target with `loco env set` / `loco secrets set` keeps its target value, as it does over loco.toml
// on a deploy. The Profile's injected env and defaults then apply in the operator, as for any App of that profile.
import type { AppSpec } from "../../crds/app.ts";
import type { SecretRestore } from "../../crds/secret-versions.ts";
import type { SpecOwnership } from "../deploy/field-owners.ts";

/** The fields that say what the release is: carried from the source release. */
export const CARRIED_FIELDS = ["image", "command", "args", "ports", "health", "project", "env", "secretEnv"] as const;
/** The fields that say where and how much it runs: the target's own. */
export const PLACEMENT_FIELDS = [
  "routes",
  "resources",
  "replicas",
  "autoscale",
  "idleTimeout",
  "requestTimeout",
  "rollout",
  "paused",
] as const;

export interface PromotionInput {
  /** The source release's whole spec. */
  source: AppSpec;
  /** The source release's secret versions, by secret key. */
  sourceSecrets: Record<string, string | null>;
  /** The target App's spec, when it exists. */
  target: AppSpec | undefined;
  /** What the target's `loco env` manager owns (its overrides). */
  targetEnvOwned: Pick<SpecOwnership, "env" | "secretEnv">;
  /** The target profile. */
  profile: string;
  /** Names the restore (a ULID). */
  restoreId: string;
  /** Where the source's secret versions are stored. */
  from: { namespace: string; app: string };
}

export interface Promotion {
  spec: AppSpec;
  /** Undefined when neither side has a secret. */
  restore: SecretRestore | undefined;
  /** Secret keys the source ran without a known version id: they cannot be carried. */
  unknownVersions: string[];
  /** Variables (plain or secret) whose target value stays, by name. */
  overridden: string[];
}

const keyOf = (s: { secretKey: string }) => s.secretKey;

export function promotedSpec(input: PromotionInput): Promotion {
  const { source, target, targetEnvOwned } = input;
  const spec: Record<string, unknown> = { profile: input.profile };
  for (const field of CARRIED_FIELDS) if (source[field] !== undefined) spec[field] = structuredClone(source[field]);
  for (const field of PLACEMENT_FIELDS) if (target?.[field] !== undefined) spec[field] = structuredClone(target[field]);

  // The target's own variables, set there with `loco env set` (plain or secret), replace the source's of that name.
  const owned = new Set([...targetEnvOwned.env, ...targetEnvOwned.secretEnv]);
  const targetEnv = (target?.env ?? []).filter((e) => owned.has(e.name));
  const targetSecretEnv = (target?.secretEnv ?? []).filter((e) => owned.has(e.name));
  const overridden = [...targetEnv, ...targetSecretEnv].map((e) => e.name).sort();
  const over = new Set(overridden);
  const env = [...(source.env ?? []).filter((e) => !over.has(e.name)), ...targetEnv];
  const carriedSecrets = (source.secretEnv ?? []).filter((e) => !over.has(e.name));
  const secretEnv = [...carriedSecrets, ...targetSecretEnv];
  if (env.length > 0) spec.env = env;
  else delete spec.env;
  if (secretEnv.length > 0) spec.secretEnv = secretEnv;
  else delete spec.secretEnv;

  const versions: Record<string, string> = {};
  const unknownVersions: string[] = [];
  for (const entry of carriedSecrets) {
    const key = keyOf(entry);
    const version = input.sourceSecrets[key];
    if (version) versions[key] = version;
    else unknownVersions.push(key);
  }
  const keep = [...new Set(targetSecretEnv.map(keyOf))].sort();
  const hasTargetSecrets = (target?.secretEnv ?? []).length > 0;
  const restore =
    carriedSecrets.length > 0 || hasTargetSecrets
      ? { id: input.restoreId, versions, keep, from: input.from }
      : undefined;
  return { spec: spec as AppSpec, restore, unknownVersions: unknownVersions.sort(), overridden };
}

/** Whether an image reference names its digest (then the exact image is carried, whatever its tag says now). */
export const pinnedByDigest = (image: string): boolean => /@sha256:[0-9a-f]{64}$/.test(image);
