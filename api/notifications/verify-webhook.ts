// How loco signs a webhook delivery, and how a receiver checks one. Self-contained (node:crypto only) so a receiver
// written in TypeScript or JavaScript can import or copy this file as it is; docs/notifications.md shows the same
// check in a few lines for other languages.
//
// The signature is HMAC-SHA256, keyed with the webhook's secret (the whole `whsec_…` string as UTF-8 bytes), over
// `<timestamp>.<body>`: the Unix time in seconds from the `loco-webhook-timestamp` header, a dot, and the raw
// request body exactly as received. It travels hex-encoded as `v1=<hex>` in `loco-webhook-signature`. Binding the
// timestamp into what is signed is what makes the replay window enforceable: a captured delivery cannot be re-sent
// later with a fresh timestamp.
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "loco-webhook-timestamp";
export const SIGNATURE_HEADER = "loco-webhook-signature";
/** The event's id: the same on every retry of one delivery, so receivers can drop duplicates. */
export const EVENT_ID_HEADER = "loco-webhook-id";
/** How far a delivery's timestamp may be from the receiver's clock by default, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `v1=${mac}`;
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "MissingHeader" | "BadTimestamp" | "TooOld" | "BadSignature" };

/**
 * Checks a delivery: the signature must match the body and timestamp, and the timestamp must be within
 * `toleranceSeconds` of `now` (either side). Pass the raw body, before any JSON parsing.
 */
export function verifyWebhook(input: {
  secret: string;
  body: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  toleranceSeconds?: number;
  /** Milliseconds since the epoch (default: Date.now()). */
  now?: number;
}): VerifyResult {
  if (!input.timestamp || !input.signature) return { ok: false, reason: "MissingHeader" };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: "BadTimestamp" };
  const timestamp = Number(input.timestamp);
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.body), "utf8");
  // A header may carry several signatures (during a secret rotation): any one matching is enough.
  const matches = input.signature
    .split(/[\s,]+/)
    .map((candidate) => Buffer.from(candidate, "utf8"))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  if (!matches) return { ok: false, reason: "BadSignature" };
  const skew = Math.abs((input.now ?? Date.now()) / 1000 - timestamp);
  if (skew > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: "TooOld" };
  return { ok: true, timestamp };
}
