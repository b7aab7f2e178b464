// Pure edits of an App's spec that scale and env make: only the named fields change.
import type { AppSpec } from "../../crds/app.ts";

type EnvVar = { name: string; value: string };
type SecretEnvVar = { name: string; secretKey: string };

export interface Scale {
  replicas?: number | undefined;
  cpu?: string | number | undefined;
  memory?: string | number | undefined;
}

/** Sets the replicas, CPU or memory given; the rest of `resources` is kept. Edits `spec` in place. */
export function scaledSpec(spec: AppSpec, scale: Scale): AppSpec {
  if (scale.replicas !== undefined) spec.replicas = scale.replicas;
  if (scale.cpu !== undefined || scale.memory !== undefined) {
    spec.resources = {
      ...spec.resources,
      ...(scale.cpu !== undefined ? { cpu: scale.cpu } : {}),
      ...(scale.memory !== undefined ? { memory: scale.memory } : {}),
    };
  }
  return spec;
}

export interface EnvEdit {
  set: Record<string, string>;
  unset: string[];
  /** The values set are secrets: the spec names them, the App's Secret holds them. */
  secret: boolean;
}

/** The names an env edit removes from both lists: those unset, and those set again (maybe as the other kind). */
export const envNamesReplaced = (edit: EnvEdit) => new Set([...edit.unset, ...Object.keys(edit.set)]);

/**
 * Applies an env edit to the spec (in place); says whether the App's Secret must be written too: when secrets are
 * set, or a secret variable is removed.
 */
export function editedEnv(spec: AppSpec, edit: EnvEdit): { spec: AppSpec; touchesSecret: boolean } {
  const gone = envNamesReplaced(edit);
  const entries = Object.entries(edit.set);
  const touchesSecret = edit.secret || (spec.secretEnv ?? []).some((s) => gone.has(s.name));
  let env = (spec.env ?? []).filter((e) => !gone.has(e.name)) as EnvVar[];
  let secretEnv = (spec.secretEnv ?? []).filter((e) => !gone.has(e.name)) as SecretEnvVar[];
  if (edit.secret) secretEnv = [...secretEnv, ...entries.map(([name]) => ({ name, secretKey: name }))];
  else env = [...env, ...entries.map(([name, value]) => ({ name, value }))];
  spec.env = env.length > 0 ? env : undefined;
  spec.secretEnv = secretEnv.length > 0 ? secretEnv : undefined;
  return { spec, touchesSecret };
}
