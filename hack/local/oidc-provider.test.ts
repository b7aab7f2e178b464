import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalProviderError } from "./local-provider-error.ts";
import { prepareDirectory, resourceIndicatorFor } from "./oidc-provider.ts";

const root = mkdtempSync(join(tmpdir(), "loco-oidc-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("resourceIndicatorFor", () => {
  it("uses an audience that is an absolute URI as it is, and a URN for a bare id", () => {
    expect(resourceIndicatorFor("http://127.0.0.1:7443")).toBe("http://127.0.0.1:7443");
    expect(resourceIndicatorFor("loco-api")).toBe("urn:loco:audience:loco-api");
    expect(resourceIndicatorFor("loco api")).toBe("urn:loco:audience:loco%20api");
  });
});

describe("prepareDirectory", () => {
  it("creates a missing folder and refuses a file in one sentence", () => {
    prepareDirectory(join(root, "a", "b"));
    const file = join(root, "file");
    writeFileSync(file, "");
    expect(() => prepareDirectory(file)).toThrow(LocalProviderError);
    expect(() => prepareDirectory(file)).toThrow(/--dir .*: it is a file, not a folder\. Pass a folder/);
  });
});
