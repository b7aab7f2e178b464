// "Does the live object already say what we want?" — the check that lets a steady-state reconcile send no
// request at all. Server-side apply of an unchanged object is a no-op for etcd, but it is still a write request
// to the apiserver (admission, validation, managedFields work); at 1,000 Apps a resync would send thousands.

const QUANTITY = /^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[+-]?[0-9]+)?$/;
const MULTIPLIERS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes resource quantity ("250m", "1Gi", 2) to a number, or undefined if it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? "";
  if (suffix.startsWith("e")) return number * 10 ** Number(suffix.slice(1));
  const multiplier = MULTIPLIERS[suffix];
  return multiplier === undefined || Number.isNaN(number) ? undefined : number * multiplier;
}

/** Paths (dot-joined, list indexes dropped) under which the apiserver canonicalises quantities. */
function isQuantityPath(path: string[]): boolean {
  return path.includes("resources") || path.includes("limits") || path.includes("requests");
}

/**
 * True when every field set in `desired` is present in `live` with an equal value. Fields only in `live` (server
 * defaults, other managers' fields, status) are ignored. Lists must match element by element in order, each
 * element compared the same way (the server keeps list order; defaulted fields inside elements are allowed).
 * Quantities compare by value ("1000m" equals "1").
 */
export function isSubset(desired: unknown, live: unknown, path: string[] = []): boolean {
  if (desired === live) return true;
  if (desired === null || desired === undefined) return live === null || live === undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((item, index) => isSubset(item, live[index], path));
  }
  if (typeof desired === "object") {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([key, value]) =>
      isSubset(value, liveRecord[key], [...path, key]),
    );
  }
  if (isQuantityPath(path)) {
    const a = parseQuantity(desired);
    const b = parseQuantity(live);
    if (a !== undefined && b !== undefined) return Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a));
  }
  return false;
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord).filter((k) => aRecord[k] !== undefined);
  const bKeys = Object.keys(bRecord).filter((k) => bRecord[k] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((key) => jsonEqual(aRecord[key], bRecord[key]));
}
