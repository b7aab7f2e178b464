import { describe, expect, it } from "vitest";
import { mintRunCredential, runCredentialSecretName, runOfCredential, sameCredential } from "./run-credential.ts";

describe("run credentials", () => {
  it("name their Run and differ every time", () => {
    const a = mintRunCredential("acme-dev", "ci-7f3k2");
    const b = mintRunCredential("acme-dev", "ci-7f3k2");
    expect(a).toMatch(/^locorun_/);
    expect(a).not.toBe(b);
    expect(runOfCredential(a)).toEqual({ namespace: "acme-dev", run: "ci-7f3k2" });
  });

  it("refuse what is not one", () => {
    expect(runOfCredential("loco_abc")).toBeUndefined();
    expect(runOfCredential(`locorun_${Buffer.from("a/b/c").toString("base64url")}.${"x".repeat(43)}`)).toBeUndefined();
    expect(
      runOfCredential(`locorun_${Buffer.from("Acme/run").toString("base64url")}.${"x".repeat(43)}`),
    ).toBeUndefined();
    expect(runOfCredential(`locorun_${Buffer.from("acme-dev/run").toString("base64url")}.short`)).toBeUndefined();
  });

  it("compare whole tokens only", () => {
    const token = mintRunCredential("acme-dev", "r");
    expect(sameCredential(token, token)).toBe(true);
    expect(sameCredential(token.slice(0, -1), token)).toBe(false);
    expect(sameCredential(`${token.slice(0, -1)}A`, token)).toBe(token.endsWith("A"));
  });

  it("keep Secret names within bounds and unlike an App's", () => {
    expect(runCredentialSecretName("ci-1")).toBe("ci-1.run-credential");
    expect(runCredentialSecretName("r".repeat(253)).length).toBeLessThanOrEqual(253);
  });
});
