// The published `loco` (dist/cli/main.js) run by a Node older than the one it needs: one sentence naming the Node
// it needs and how to get it, exit 1 — not a raw SyntaxError from a missing built-in export. Machines of this
// kind ship Node 20 as the system Node, which is exactly what a user who runs the built CLI directly has.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCli } from "../support/e2e-cli.ts";

/** A `node` on PATH (or the system one) older than 24, if this machine has one. */
function olderNode(): { path: string; version: string } | undefined {
  const candidates = [...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "node")), "/usr/bin/node"];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
      if (Number(version.replace(/^v/, "").split(".")[0]) < 24) return { path, version };
    } catch {
      // Not runnable: try the next one.
    }
  }
  return undefined;
}

const older = olderNode();

describe("loco on an older Node", () => {
  it.skipIf(!older)(`says which Node it needs (${older?.version ?? "no older Node on this machine"})`, async () => {
    const { main } = await buildCli();
    const home = mkdtempSync(join(tmpdir(), "loco-node-version-"));
    const result = spawnSync(older!.path, [main, "--version"], { encoding: "utf8", env: { HOME: home, PATH: "" } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("loco needs Node.js 24 or newer");
    expect(result.stderr).toContain(older!.version);
    expect(result.stderr).not.toContain("SyntaxError");
    expect(result.stdout).toBe("");
  });

  it.skipIf(!older)("says it from the package's bin too, which runs the sources in a clone", () => {
    const bin = new URL("../../bin/loco.js", import.meta.url).pathname;
    const home = mkdtempSync(join(tmpdir(), "loco-node-version-"));
    const result = spawnSync(older!.path, [bin, "--version"], { encoding: "utf8", env: { HOME: home, PATH: "" } });
    rmSync(home, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^loco needs Node\.js 24 or newer; this is Node\.js v[\d.]+ .*\n$/);
    expect(result.stderr).toContain(older!.version);
    expect(result.stdout).toBe("");
  });

  it("runs with the project's Node", async () => {
    const { main } = await buildCli();
    const result = spawnSync(process.execPath, [main, "--version"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^loco \d+\.\d+\.\d+\n$/);
  });
});
