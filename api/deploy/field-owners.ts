// Who owns which of an App's spec fields, read from the apiserver's metadata.managedFields (server-side apply's
// record). Only the fields loco's writers share are read: env entries by name, replicas, autoscale, cpu and memory.
// Pure.

export interface SpecOwnership {
  /** Names of spec.env entries whose value the managers own. */
  env: Set<string>;
  /** Names of spec.secretEnv entries whose secretKey the managers own. */
  secretEnv: Set<string>;
  replicas: boolean;
  autoscale: boolean;
  cpu: boolean;
  memory: boolean;
  /** Whether they own any field of spec at all. */
  spec: boolean;
}

interface ManagedFieldsEntry {
  manager?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields => typeof value === "object" && value !== null;

/** Names of the list-map items under `list` (keys `k:{"name":"X"}`) whose `leaf` field is owned. */
function ownedNames(list: unknown, leaf: string): string[] {
  if (!isFields(list)) return [];
  return Object.entries(list).flatMap(([key, item]) => {
    if (!key.startsWith("k:") || !isFields(item) || !(leaf in item)) return [];
    try {
      const name = (JSON.parse(key.slice(2)) as { name?: unknown }).name;
      return typeof name === "string" ? [name] : [];
    } catch {
      return [];
    }
  });
}

export const noOwnership = (): SpecOwnership => ({
  env: new Set(),
  secretEnv: new Set(),
  replicas: false,
  autoscale: false,
  cpu: false,
  memory: false,
  spec: false,
});

/** What the named managers own of the App's spec, together (status subresource entries aside). */
export function specOwnership(
  managedFields: readonly unknown[] | undefined,
  managers: readonly string[],
): SpecOwnership {
  const owned = noOwnership();
  for (const entry of (managedFields ?? []) as ManagedFieldsEntry[]) {
    if (!entry.manager || !managers.includes(entry.manager) || entry.subresource) continue;
    const spec = entry.fieldsV1?.["f:spec"];
    if (!isFields(spec) || Object.keys(spec).length === 0) continue;
    owned.spec = true;
    for (const name of ownedNames(spec["f:env"], "f:value")) owned.env.add(name);
    for (const name of ownedNames(spec["f:secretEnv"], "f:secretKey")) owned.secretEnv.add(name);
    if ("f:replicas" in spec) owned.replicas = true;
    if ("f:autoscale" in spec) owned.autoscale = true;
    const resources = spec["f:resources"];
    if (isFields(resources) && "f:cpu" in resources) owned.cpu = true;
    if (isFields(resources) && "f:memory" in resources) owned.memory = true;
  }
  return owned;
}
