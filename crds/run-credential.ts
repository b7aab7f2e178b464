// A Run's own loco API credential, shared by the operator (which mints it into a Secret owned by the Run) and the
// API (which checks it): its Secret's name, its key, and the token's shape. The token names its Run, so the API finds
// the one Secret to compare against without any table; the random part is what proves possession.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** Prefix of a Run credential; API tokens start with `loco_`, so the two can never be confused. */
export const RUN_CREDENTIAL_PREFIX = "locorun_";
/** The Secret key holding the token; tasks read it as LOCO_TOKEN. */
export const RUN_CREDENTIAL_KEY = "token";
/** Annotation on the credential's Secret: when it stops working (RFC 3339). */
export const ANNOTATION_CREDENTIAL_EXPIRES = "loco.dev/expires-at";

/**
 * `<run>.run-credential`: with a dot, so no App's Secret (`<app>-secrets`, App names have no dot) can take it. A name
 * too long for a Secret is cut with a digest-free suffix rule: Run names are at most 253 characters, so the longest
 * ones keep their first 238.
 */
export const runCredentialSecretName = (run: string): string => `${run.slice(0, 238)}.run-credential`;

/** A new token for a Run: its namespace and name (so the API knows where to look) and 256 random bits. */
export function mintRunCredential(namespace: string, run: string): string {
  const where = Buffer.from(`${namespace}/${run}`, "utf8").toString("base64url");
  return `${RUN_CREDENTIAL_PREFIX}${where}.${randomBytes(32).toString("base64url")}`;
}

/** The Run a token names, or undefined when it is not a well-formed Run credential. */
export function runOfCredential(token: string): { namespace: string; run: string } | undefined {
  const match = /^locorun_([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const [namespace, run, ...rest] = Buffer.from(match[1]!, "base64url").toString("utf8").split("/");
  if (!namespace || !run || rest.length > 0) return undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || !/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(run)) {
    return undefined;
  }
  return { namespace, run };
}

/** Constant-time comparison of a presented token with the stored one. */
export function sameCredential(presented: string, stored: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(stored, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
