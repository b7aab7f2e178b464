import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalProviderError } from "./local-provider-error.ts";
import { cookieKeysFile, jwksFile, loadOrCreateKeys } from "./oidc-keys.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "loco-oidc-keys-"));
  folders.push(dir);
  return dir;
};

describe("the local provider's keys", () => {
  it("are made once (0600) and read back the same on the next start", async () => {
    const dir = folder();
    const first = await loadOrCreateKeys(dir);
    expect(first.created).toBe(true);
    expect(first.jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(statSync(jwksFile(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(cookieKeysFile(dir)).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateKeys(dir);
    expect(second.created).toBe(false);
    expect(second.jwks).toEqual(first.jwks);
    expect(second.cookieKeys).toEqual(first.cookieKeys);
  });

  it("refuse a jwks.json that holds no private key, naming the file", async () => {
    const dir = folder();
    writeFileSync(jwksFile(dir), JSON.stringify({ keys: [{ kty: "RSA", kid: "k", n: "x", e: "AQAB" }] }));
    const error = await loadOrCreateKeys(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalProviderError);
    expect((error as LocalProviderError).code).toBe("BadKeys");
    expect((error as Error).message).toContain(jwksFile(dir));
  });
});
