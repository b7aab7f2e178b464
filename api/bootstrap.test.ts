import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootstrapNotice, writeBootstrapTokenFile } from "./bootstrap.ts";
import { loadApiConfig } from "./config.ts";

const folder = mkdtempSync(join(tmpdir(), "loco-bootstrap-file-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const minted = {
  id: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
  secret: `loco_${"a".repeat(43)}`,
  expiresAt: "2026-12-06T08:00:00.000Z",
};

describe("the bootstrap token file", () => {
  it("is readable by its owner only, even when it existed with a wider mode", () => {
    const file = join(folder, "token");
    writeFileSync(file, "old contents that are longer than a token, to be truncated away entirely\n");
    chmodSync(file, 0o644);
    writeBootstrapTokenFile(file, minted.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(`${minted.secret}\n`);
  });

  it("is never written through a symlink", () => {
    const target = join(folder, "elsewhere");
    writeFileSync(target, "");
    const link = join(folder, "link");
    symlinkSync(target, link);
    expect(() => writeBootstrapTokenFile(link, minted.secret)).toThrow(/ELOOP/);
    expect(readFileSync(target, "utf8")).toBe("");
  });
});

describe("the bootstrap notice", () => {
  it("shows the secret once, when it expires, how to log in and how to revoke it", () => {
    const notice = bootstrapNotice(minted);
    expect(notice.split(minted.secret)).toHaveLength(2);
    expect(notice).toContain(`It expires at ${minted.expiresAt}.`);
    expect(notice).toContain("loco login <server> --token-stdin");
    expect(notice).toContain("loco token revoke --bootstrap");
    expect(notice).toContain("loco-db revoke-bootstrap");
  });

  it("with a file, names the file and never the secret", () => {
    const notice = bootstrapNotice(minted, "/run/loco/bootstrap-token");
    expect(notice).not.toContain(minted.secret);
    expect(notice).toContain("written to /run/loco/bootstrap-token (mode 0600)");
    expect(notice).toContain(`It expires at ${minted.expiresAt}.`);
  });
});

describe("bootstrap flags", () => {
  it("default to a 24h lifetime and printing; take a duration and a file", () => {
    expect(loadApiConfig([], {})).toMatchObject({ bootstrapTokenTtl: 24 * 3_600_000, bootstrapTokenFile: undefined });
    expect(
      loadApiConfig(["--bootstrap-token-ttl", "90m", "--bootstrap-token-file", "/run/loco/token"], {}),
    ).toMatchObject({ bootstrapTokenTtl: 90 * 60_000, bootstrapTokenFile: "/run/loco/token" });
    expect(loadApiConfig([], { LOCO_API_BOOTSTRAP_TOKEN_TTL: "2h" }).bootstrapTokenTtl).toBe(2 * 3_600_000);
    expect(() => loadApiConfig(["--bootstrap-token-ttl", "30d"], {})).toThrow(
      /--bootstrap-token-ttl: must be a duration/,
    );
    expect(() => loadApiConfig(["--bootstrap-token-ttl", "200h"], {})).toThrow(
      /--bootstrap-token-ttl: must be at most 168h/,
    );
  });
});
