// API token secrets: `loco_` + 256 random bits (base64url). Only a SHA-256 hash is stored: the secret has full
// entropy, so a slow hash adds nothing, and a fast one keeps every request's lookup cheap.
import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "loco_";
const SECRET_PATTERN = /^loco_[A-Za-z0-9_-]{43}$/;

export function generateTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashTokenSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

export function looksLikeTokenSecret(value: string): boolean {
  return SECRET_PATTERN.test(value);
}
