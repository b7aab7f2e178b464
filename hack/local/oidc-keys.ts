// The local provider's secrets, made once and kept in its folder (0600) so that a restart signs with the same key
// (tokens issued before it still verify) and reads the same cookies (a sign-in open in the browser still works):
// `jwks.json` holds the RS256 signing key, `cookie-keys.json` the keys that sign the provider's cookies.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { LocalProviderError } from "./local-provider-error.ts";
import { writePrivateFile } from "./private-file.ts";

export interface ProviderKeys {
  /** Private signing keys (oidc-provider publishes their public halves at /jwks). */
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** True when this call made them (a first start). */
  created: boolean;
}

export const jwksFile = (dir: string) => join(dir, "jwks.json");
export const cookieKeysFile = (dir: string) => join(dir, "cookie-keys.json");

function readKeysFile<T>(file: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new LocalProviderError(
      "BadKeys",
      `Could not read ${file} (${error instanceof Error ? error.message : String(error)}); delete it to make new keys (logins made with the old ones end).`,
      { cause: error },
    );
  }
  if (!valid(value)) {
    throw new LocalProviderError(
      "BadKeys",
      `${file} does not hold the provider's keys; delete it to make new keys (logins made with the old ones end).`,
    );
  }
  return value;
}

const isJwks = (value: unknown): value is { keys: JWK[] } =>
  Array.isArray((value as { keys?: unknown })?.keys) &&
  (value as { keys: JWK[] }).keys.length > 0 &&
  (value as { keys: JWK[] }).keys.every((key) => typeof key.kid === "string" && typeof key.d === "string");

const isCookieKeys = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((key) => typeof key === "string" && key.length >= 32);

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return {
    ...(await exportJWK(privateKey)),
    kid: `loco-local-${randomBytes(6).toString("hex")}`,
    alg: "RS256",
    use: "sig",
  };
}

export async function loadOrCreateKeys(dir: string): Promise<ProviderKeys> {
  let created = false;
  if (!existsSync(jwksFile(dir))) {
    writePrivateFile(jwksFile(dir), `${JSON.stringify({ keys: [await newSigningKey()] }, null, 2)}\n`);
    created = true;
  }
  if (!existsSync(cookieKeysFile(dir))) {
    writePrivateFile(cookieKeysFile(dir), `${JSON.stringify([randomBytes(32).toString("base64url")])}\n`);
    created = true;
  }
  return {
    jwks: readKeysFile(jwksFile(dir), isJwks),
    cookieKeys: readKeysFile(cookieKeysFile(dir), isCookieKeys),
    created,
  };
}
