import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type KeyRing, loadKeyRing, open, parseKeyRing, rewrap, SecretCryptoError, seal } from "./secret-crypto.ts";

const key = () => randomBytes(32).toString("base64");
const ring = (text: string): KeyRing => parseKeyRing(text, "test");

describe("seal and open", () => {
  const keys = ring(`k1:${key()}`);

  it("round-trips a value and never stores it in the clear", () => {
    const sealed = seal(keys, "hunter2-correct-horse", "acme/acme-prod/shop/db/v1");
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext.includes(Buffer.from("hunter2"))).toBe(false);
    expect(open(keys, sealed, "acme/acme-prod/shop/db/v1")).toBe("hunter2-correct-horse");
  });

  it("uses a fresh data key and IV each time", () => {
    const a = seal(keys, "same", "x");
    const b = seal(keys, "same", "x");
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
  });

  it("refuses a value moved to another row, or altered", () => {
    const sealed = seal(keys, "s3cret", "acme/acme-prod/shop/db/v1");
    expect(() => open(keys, sealed, "globex/globex-prod/shop/db/v1")).toThrow(SecretCryptoError);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[20] = (tampered.ciphertext[20] ?? 0) ^ 1;
    expect(() => open(keys, tampered, "acme/acme-prod/shop/db/v1")).toThrow(/altered/);
  });

  it("names the missing key when a row's KEK is not loaded", () => {
    const sealed = seal(ring(`old:${key()}`), "v", "a");
    expect(() => open(keys, sealed, "a")).toThrow(/"old" is not loaded/);
  });
});

describe("rewrap", () => {
  it("moves a value to the active key without touching its ciphertext", () => {
    const oldKey = key();
    const sealed = seal(ring(`old:${oldKey}`), "v1", "row");
    const rotated = ring(`new:${key()},old:${oldKey}`);
    const rewrapped = rewrap(rotated, sealed, "row");
    expect(rewrapped.keyId).toBe("new");
    expect(rewrapped.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(open(ring(`new:${[...rotated.keys.entries()][0]![1].toString("base64")}`), rewrapped, "row")).toBe("v1");
  });
});

describe("parseKeyRing and loadKeyRing", () => {
  it("takes the first key as active and accepts comments and new lines", () => {
    const parsed = ring(`# rotated 2026-11\nk2:${key()}\nk1:${key()}`);
    expect(parsed.activeId).toBe("k2");
    expect([...parsed.keys.keys()]).toEqual(["k2", "k1"]);
  });

  it.each([
    ["", /holds no key/],
    ["k1", /expected "<id>:<base64 key>"/],
    [`k1:${randomBytes(16).toString("base64")}`, /must be 32 bytes/],
    [`k1:${key()},k1:${key()}`, /appears twice/],
  ])("explains what is wrong with %j", (text, message) => {
    expect(() => ring(text)).toThrow(message);
  });

  it("asks for a key when none is configured", () => {
    expect(() => loadKeyRing({})).toThrow(/set LOCO_KEK_FILE .* or LOCO_KEK/);
    expect(loadKeyRing({ LOCO_KEK: `k9:${key()}` }).activeId).toBe("k9");
  });
});
