// Envelope encryption for secret values at rest: each value gets its own random data key (AES-256-GCM); the data
// key is stored wrapped (AES-256-GCM) by a key-encryption key (KEK) named by `keyId`. Both layers bind the row's
// identity as associated data, so a ciphertext moved to another tenant, app, key or version does not decrypt.
// Rotation re-wraps data keys only; values are never re-encrypted and plaintext never leaves this module's callers.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class SecretCryptoError extends Error {
  override name = "SecretCryptoError";
}

/** The KEKs loco knows: the active one encrypts; the others (older) still decrypt until retired. */
export interface KeyRing {
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export interface SealedSecret {
  ciphertext: Buffer;
  wrappedKey: Buffer;
  keyId: string;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SecretCryptoError("The sealed value is truncated.");
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SecretCryptoError(
      "A secret failed to decrypt: it was altered, moved to another row, or sealed with a different key under the same key id.",
    );
  }
}

const wrapAad = (keyId: string, aad: string) => Buffer.from(`loco-dek\0${keyId}\0${aad}`);
const valueAad = (aad: string) => Buffer.from(`loco-value\0${aad}`);

function kek(ring: KeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) {
    throw new SecretCryptoError(
      `Key-encryption key "${keyId}" is not loaded; add it back to LOCO_KEK / LOCO_KEK_FILE (keys stay needed until \`rotate\` has re-wrapped every row).`,
    );
  }
  return key;
}

/** Encrypts `plaintext` for the row identified by `aad` (e.g. tenant/namespace/app/key/version). */
export function seal(ring: KeyRing, plaintext: string, aad: string): SealedSecret {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    return {
      ciphertext: encrypt(dataKey, Buffer.from(plaintext, "utf8"), valueAad(aad)),
      wrappedKey: encrypt(kek(ring, ring.activeId), dataKey, wrapAad(ring.activeId, aad)),
      keyId: ring.activeId,
    };
  } finally {
    dataKey.fill(0);
  }
}

export function open(ring: KeyRing, sealed: SealedSecret, aad: string): string {
  const dataKey = decrypt(kek(ring, sealed.keyId), sealed.wrappedKey, wrapAad(sealed.keyId, aad));
  try {
    return decrypt(dataKey, sealed.ciphertext, valueAad(aad)).toString("utf8");
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps the data key under the active KEK; the ciphertext stays as it is. */
export function rewrap(ring: KeyRing, sealed: SealedSecret, aad: string): SealedSecret {
  if (sealed.keyId === ring.activeId) return sealed;
  const dataKey = decrypt(kek(ring, sealed.keyId), sealed.wrappedKey, wrapAad(sealed.keyId, aad));
  try {
    return {
      ciphertext: sealed.ciphertext,
      wrappedKey: encrypt(kek(ring, ring.activeId), dataKey, wrapAad(ring.activeId, aad)),
      keyId: ring.activeId,
    };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Parses KEKs written as `id:base64key` entries separated by commas or new lines; the first is active. Each key
 * must be 32 random bytes (`openssl rand -base64 32`).
 */
export function parseKeyRing(text: string, source: string): KeyRing {
  const entries = text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "" && !entry.startsWith("#"));
  if (entries.length === 0) {
    throw new SecretCryptoError(
      `${source} holds no key; write "<id>:<base64 of 32 random bytes>", e.g. "k1:$(openssl rand -base64 32)".`,
    );
  }
  const keys = new Map<string, Buffer>();
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    const key = Buffer.from(entry.slice(colon + 1), "base64");
    if (colon <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      throw new SecretCryptoError(
        `${source}, entry ${index + 1}: expected "<id>:<base64 key>" with an id of letters, digits, '.', '_' or '-'.`,
      );
    }
    if (key.length !== KEY_BYTES) {
      throw new SecretCryptoError(
        `${source}, key "${id}": must be 32 bytes, base64-encoded (got ${key.length}); generate one with \`openssl rand -base64 32\`.`,
      );
    }
    if (keys.has(id)) throw new SecretCryptoError(`${source}: key id "${id}" appears twice.`);
    keys.set(id, key);
  }
  return { activeId: entries[0]!.slice(0, entries[0]!.indexOf(":")), keys };
}

/** Loads the KEKs from LOCO_KEK_FILE (a mounted Kubernetes Secret, for instance) or LOCO_KEK. */
export function loadKeyRing(env: NodeJS.ProcessEnv = process.env): KeyRing {
  if (env.LOCO_KEK_FILE) return parseKeyRing(readFileSync(env.LOCO_KEK_FILE, "utf8"), env.LOCO_KEK_FILE);
  if (env.LOCO_KEK) return parseKeyRing(env.LOCO_KEK, "LOCO_KEK");
  throw new SecretCryptoError(
    'No key-encryption key: set LOCO_KEK_FILE to a file (e.g. a mounted Kubernetes Secret) or LOCO_KEK to "<id>:<base64 of 32 random bytes>".',
  );
}
