import { createHash } from "node:crypto";
import type { KubeObject } from "../../../kube/types.ts";

/**
 * A digest of the Secret values an App reads through secretEnv: it goes into the pod template, so changing a value
 * rolls the pods (they read env only at start). Undefined when the App reads none.
 */
export function secretDigest(secret: KubeObject | undefined, keys: string[]): string | undefined {
  if (keys.length === 0) return undefined;
  const data = (secret?.data ?? {}) as Record<string, string>;
  const material = [...new Set(keys)]
    .sort()
    .map((key) => `${key}=${data[key] ?? ""}`)
    .join("\n");
  return createHash("sha256").update(material).digest("hex").slice(0, 16);
}
