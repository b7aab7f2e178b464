// What changes between two versions of a spec, as a list of field changes and readable lines. Lists of objects
// with a `name` (tasks, parameters, triggers with names) are compared by name, so reordering or inserting a task
// reads as one change rather than a cascade of index shifts. Pure.

export interface SpecChange {
  /** Field path as the apiserver names it, lists of named items by name: spec.tasks[build].image. */
  path: string;
  op: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const named = (list: unknown[]): list is { name: string }[] =>
  list.length > 0 && list.every((item) => isObject(item) && typeof item.name === "string");

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function specChanges(before: unknown, after: unknown, path = "spec"): SpecChange[] {
  if (same(before, after)) return [];
  if (before === undefined) return [{ path, op: "added", after }];
  if (after === undefined) return [{ path, op: "removed", before }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => specChanges(before[key], after[key], `${path}.${key}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && (named(before) || named(after))) {
    const all = [...before, ...after];
    if (named(all)) {
      const old = new Map(before.map((item) => [(item as { name: string }).name, item]));
      const now = new Map(after.map((item) => [(item as { name: string }).name, item]));
      const names = [...new Set([...old.keys(), ...now.keys()])];
      const changes = names.flatMap((name) => specChanges(old.get(name), now.get(name), `${path}[${name}]`));
      // Items present in both versions but in another order: one change naming the new order.
      const kept = (list: unknown[]) =>
        list.map((item) => (item as { name: string }).name).filter((n) => now.has(n) && old.has(n));
      if (!same(kept(before), kept(after)))
        changes.push({ path, op: "changed", before: kept(before), after: kept(after) });
      return changes;
    }
  }
  return [{ path, op: "changed", before, after }];
}

const show = (value: unknown) => JSON.stringify(value);

/** One line per change: `+ path: value`, `- path: value`, `~ path: old → new`. */
export function diffLines(changes: readonly SpecChange[]): string[] {
  return changes.map((c) =>
    c.op === "added"
      ? `+ ${c.path}: ${show(c.after)}`
      : c.op === "removed"
        ? `- ${c.path}: ${show(c.before)}`
        : `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`,
  );
}
