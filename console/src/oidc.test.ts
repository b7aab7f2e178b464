import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { challengeOf, randomToken } from "./oidc.ts";

describe("PKCE", () => {
  it("derives the S256 challenge as BASE64URL(SHA-256(verifier))", async () => {
    const verifier = randomToken(48);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await challengeOf(verifier)).toBe(createHash("sha256").update(verifier).digest("base64url"));
  });

  it("makes a fresh verifier each time", () => {
    expect(randomToken()).not.toBe(randomToken());
  });
});
