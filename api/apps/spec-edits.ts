// Pure edits of an App's spec that scale and env make: only the named fields change.
import type { AppSpec } from "../../crds/app.ts";
import type { SpecOwnership } from "../deploy/field-owners.ts";
import { envShare, scaleShare, shareSpec } from "../deploy/ownership-plan.ts";
import { ApiError } from "../errors.ts";
import type { ShareChange } from "./change-app.ts";

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

// Each command's share of the spec (crds/field-managers.ts): the fields it owns before and after the edit, and the
// whole spec the App would have. Pure.

/** `loco scale`: its replicas, cpu and memory, with the ones given set. */
export function scaleChange(live: AppSpec, owned: SpecOwnership, scale: Scale): ShareChange {
  const before = shareSpec(scaleShare(live, owned));
  const after = scaledSpec(structuredClone(before ?? {}) as AppSpec, scale);
  return { before, after, merged: scaledSpec(structuredClone(live), scale) };
}

/**
 * `loco env`: the variables it set, edited. A variable another writer set (loco.toml, kubectl) can be given a new
 * value here — the command's value then stays over theirs — but not removed, nor turned into the other kind, since
 * its writer would still declare it; that answers 409 naming the variable.
 */
export function envChange(
  live: AppSpec,
  owned: SpecOwnership,
  edit: EnvEdit,
): ShareChange & { touchesSecret: boolean } {
  const share = envShare(live, owned);
  const foreignPlain = new Set((live.env ?? []).map((e) => e.name).filter((n) => !owned.env.has(n)));
  const foreignSecret = new Set((live.secretEnv ?? []).map((e) => e.name).filter((n) => !owned.secretEnv.has(n)));
  const refuse = (name: string, why: string) => {
    throw new ApiError(
      "Conflict",
      `${name} ${why}, so \`loco env\` cannot remove it: the writer that declared it would still own it. Change it where it is declared (remove it from loco.toml and deploy, or from the App's manifest in Git).`,
      { errors: [{ field: name, message: "declared by another writer" }] },
    );
  };
  for (const name of edit.unset) {
    if (foreignPlain.has(name) || foreignSecret.has(name))
      refuse(name, "comes from the App's declared spec (loco.toml or a manifest), not from `loco env set`");
  }
  for (const name of Object.keys(edit.set)) {
    if (edit.secret && foreignPlain.has(name))
      refuse(name, "is a plain variable of the App's declared spec; making it secret would remove the plain one");
    if (!edit.secret && foreignSecret.has(name))
      refuse(name, "is a secret variable of the App's declared spec; making it plain would remove the secret one");
  }
  const before = shareSpec(share);
  const edited = editedEnv({ env: share.env, secretEnv: share.secretEnv } as AppSpec, edit);
  const after = shareSpec({ env: edited.spec.env ?? [], secretEnv: edited.spec.secretEnv ?? [] });
  const replaced = new Set([...share.env, ...share.secretEnv].map((e) => e.name));
  for (const name of envNamesReplaced(edit)) replaced.add(name);
  const merged = structuredClone(live);
  const env = [...(live.env ?? []).filter((e) => !replaced.has(e.name)), ...(after?.env ?? [])];
  const secretEnv = [...(live.secretEnv ?? []).filter((e) => !replaced.has(e.name)), ...(after?.secretEnv ?? [])];
  merged.env = env.length > 0 ? env : undefined;
  merged.secretEnv = secretEnv.length > 0 ? secretEnv : undefined;
  return { before, after, merged, touchesSecret: edited.touchesSecret };
}
