// What `loco env sync` would change: the .env file's variables against the App's, as a plan (pure), and the
// plan as the lines shown before it is applied. Secret values are never read back from the API, so secret keys
// are always (re)set and never compared; their values never appear in a plan.
import type { EnvView } from "./client/api-client.ts";

export interface EnvSyncPlan {
  /** Plain variables the App does not have yet. */
  add: { name: string; value: string }[];
  /** Plain variables whose value differs, or that are secret in the App and plain in the file. */
  change: { name: string; from: string | null; value: string }[];
  /** Secret keys of the file (set every time: their current values cannot be compared). */
  secrets: string[];
  /** In the App but not in the file: removed with --prune, else kept. */
  remove: string[];
  keep: string[];
  /** Not in the file, but declared by loco.toml or a manifest: --prune leaves them to it. */
  declared: string[];
  unchanged: string[];
}

export function planEnvSync(
  file: ReadonlyMap<string, string>,
  current: EnvView,
  options: { secretKeys: ReadonlySet<string>; prune: boolean },
): EnvSyncPlan {
  const plain = new Map(current.env.map((v) => [v.name, v.value]));
  const secret = new Set(current.secrets.map((s) => s.name));
  const plan: EnvSyncPlan = { add: [], change: [], secrets: [], remove: [], keep: [], declared: [], unchanged: [] };
  for (const [name, value] of [...file].sort(([a], [b]) => a.localeCompare(b))) {
    if (options.secretKeys.has(name)) plan.secrets.push(name);
    else if (plain.get(name) === value) plan.unchanged.push(name);
    else if (plain.has(name)) plan.change.push({ name, from: plain.get(name)!, value });
    else if (secret.has(name)) plan.change.push({ name, from: null, value });
    else plan.add.push({ name, value });
  }
  const missing = [...plain.keys(), ...secret].filter((name) => !file.has(name)).sort();
  // loco.toml's (or a manifest's) variables are theirs to remove: pruning leaves them (an older API sends no list).
  const declared = new Set(current.declared ?? []);
  if (options.prune) {
    plan.remove = missing.filter((name) => !declared.has(name));
    plan.declared = missing.filter((name) => declared.has(name));
  } else plan.keep = missing;
  return plan;
}

export const planIsEmpty = (plan: EnvSyncPlan) =>
  plan.add.length + plan.change.length + plan.secrets.length + plan.remove.length === 0;

/** The requests that carry the plan out: plain sets and unsets together, then the secrets. */
export function planRequests(
  plan: EnvSyncPlan,
  file: ReadonlyMap<string, string>,
): { set?: Record<string, string>; unset?: string[]; secret: boolean }[] {
  const requests: { set?: Record<string, string>; unset?: string[]; secret: boolean }[] = [];
  const plainSet = Object.fromEntries([...plan.add, ...plan.change].map((v) => [v.name, v.value]));
  if (Object.keys(plainSet).length || plan.remove.length) {
    requests.push({
      ...(Object.keys(plainSet).length ? { set: plainSet } : {}),
      ...(plan.remove.length ? { unset: plan.remove } : {}),
      secret: false,
    });
  }
  if (plan.secrets.length) {
    requests.push({ set: Object.fromEntries(plan.secrets.map((name) => [name, file.get(name)!])), secret: true });
  }
  return requests;
}

const shorten = (value: string) => {
  const flat = JSON.stringify(value);
  return flat.length > 60 ? `${flat.slice(0, 57)}…"` : flat;
};

/** `+ NAME=value`, `~ NAME: old → new`, `* NAME (secret)`, `- NAME`, then a summary line. */
export function formatPlan(plan: EnvSyncPlan, source: string): string[] {
  const lines = [
    ...plan.add.map((v) => `+ ${v.name}=${shorten(v.value)}`),
    ...plan.change.map((v) => `~ ${v.name}: ${v.from === null ? "(secret)" : shorten(v.from)} → ${shorten(v.value)}`),
    ...plan.secrets.map((name) => `* ${name} (secret, value not shown)`),
    ...plan.remove.map((name) => `- ${name}`),
  ];
  const counts = [
    `${plan.add.length} to add`,
    `${plan.change.length} to change`,
    `${plan.secrets.length} secret${plan.secrets.length === 1 ? "" : "s"} to set`,
    `${plan.remove.length} to remove`,
    `${plan.unchanged.length} unchanged`,
  ];
  lines.push(`Plan from ${source}: ${counts.join(", ")}.`);
  if (plan.keep.length) {
    lines.push(`Kept (not in ${source}; --prune removes them): ${plan.keep.join(", ")}.`);
  }
  if (plan.declared.length) {
    lines.push(
      `Kept (not in ${source}, but loco.toml or a manifest declares them; remove them there): ${plan.declared.join(", ")}.`,
    );
  }
  return lines;
}
