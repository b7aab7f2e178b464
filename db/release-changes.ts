// What a release changed against the one before it, by name only: the image, plain variables, secret keys (a new
// version id is a changed value; the value itself is never seen here), replicas, and the paths of any other spec
// field. Pure.
import { specChanges } from "../kube/spec-diff.ts";
import type { ReleaseChanges } from "./schema.ts";

type Spec = {
  image?: string;
  env?: { name: string; value: string }[];
  secretEnv?: { name: string; secretKey?: string }[];
  replicas?: number;
};

/** Keys handled by name above; every other changed path is listed as a field. */
const NAMED = /^spec\.(image|env|secretEnv|replicas)(\.|\[|$)/;

function names<T>(before: Map<string, T>, after: Map<string, T>) {
  const same = (a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);
  return {
    added: [...after.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !after.has(k)).sort(),
    changed: [...after.keys()].filter((k) => before.has(k) && !same(before.get(k) as T, after.get(k) as T)).sort(),
  };
}

const empty = (list: { added: string[]; removed: string[]; changed: string[] }) =>
  list.added.length + list.removed.length + list.changed.length === 0;

export function releaseChanges(
  before: { spec: unknown; secrets: Record<string, string | null> } | undefined,
  after: { spec: unknown; secrets: Record<string, string | null> },
): ReleaseChanges {
  const was = (before?.spec ?? {}) as Spec;
  const now = (after.spec ?? {}) as Spec;
  const changes: ReleaseChanges = {};
  if (now.image !== undefined && was.image !== now.image)
    changes.image = { before: was.image ?? null, after: now.image };
  const env = names(
    new Map((was.env ?? []).map((e) => [e.name, e.value])),
    new Map((now.env ?? []).map((e) => [e.name, e.value])),
  );
  if (!empty(env)) changes.env = env;
  // A secret variable is its name in the spec and its key's version: either moving is a change of that secret.
  const secretState = (spec: Spec, versions: Record<string, string | null>) =>
    new Map<string, unknown>([
      ...Object.entries(versions).map(([key, id]) => [key, { id }] as const),
      ...(spec.secretEnv ?? []).map((s) => [s.name, { id: versions[s.secretKey ?? s.name] ?? null }] as const),
    ]);
  const secrets = names(secretState(was, before?.secrets ?? {}), secretState(now, after.secrets));
  if (!empty(secrets)) changes.secrets = secrets;
  if ((was.replicas ?? null) !== (now.replicas ?? null))
    changes.replicas = { before: was.replicas ?? null, after: now.replicas ?? null };
  const fields = [
    ...new Set(
      specChanges(was, now)
        .map((c) => c.path)
        .filter((path) => !NAMED.test(path)),
    ),
  ];
  if (before && fields.length > 0) changes.fields = fields;
  return changes;
}
