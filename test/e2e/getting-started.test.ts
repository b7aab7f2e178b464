// docs/getting-started.md, run exactly as written: every command of its ```sh blocks, in one shell, in this clone,
// with a fresh HOME and a local platform of its own (a temp folder via LOCO_CLUSTER_DIR; the control-plane build is
// the user's cache). The page includes a restart in the middle (`npm run cluster:down`, `npm start`), so what the
// commands after it print proves that state survived. A command that stops working fails this test.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { cacheDir } from "../../hack/control-plane/versions.ts";
import { outputOf, scriptOf, shellCommands } from "../support/doc-commands.ts";

const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const page = readFileSync(join(repo, "docs", "getting-started.md"), "utf8");
const commands = shellCommands(page, "## On a real cluster");
const root = mkdtempSync(join(tmpdir(), "loco-getting-started-"));
const home = join(root, "home");
const clusterDir = join(root, "loco", "cluster");
mkdirSync(home);

afterAll(async () => {
  await stopControlPlane(clusterDir);
  rmSync(root, { recursive: true, force: true });
});

function runScript(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", script], {
      cwd: repo,
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        LOCO_CLUSTER_DIR: clusterDir,
        LOCO_CACHE_DIR: cacheDir(),
        // Other local platforms of the suite may run at the same time: no well-known ports.
        LOCO_LOCAL_ANY_PORTS: "1",
        // No terminal: the CLI prints plain lines, as in a script.
        CI: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("docs/getting-started.md", () => {
  it("names the commands this test runs", () => {
    expect(commands[0]).toBe("npm start");
    expect(commands).toContain("npm run cluster:down");
    expect(commands.filter((c) => c === "npm start").length).toBeGreaterThanOrEqual(2);
    expect(commands.some((c) => c.includes("npx loco deploy --profile dev --wait"))).toBe(true);
  });

  it("works as written, in a fresh home, across a restart", { timeout: 900_000 }, async () => {
    const { code, output } = await runScript(scriptOf(commands));
    const failedAt = output.lastIndexOf("\n$ ");
    expect(code, `stopped at:\n${output.slice(failedAt, failedAt + 4000)}`).toBe(0);

    expect(outputOf(output, "npm start")).toContain("npx loco deploy --profile dev");
    expect(outputOf(output, "npx loco whoami")).toContain("acme");
    expect(outputOf(output, "npx loco platform")).toMatch(/database\s+ok[\s\S]*Simulated/);
    const deploy = outputOf(output, "npx loco deploy --profile dev --wait") ?? "";
    expect(deploy).toMatch(/deployment\s+\S+/i);

    // After `npm run cluster:down` and `npm start`: the second start says it restarted, and what was set is there.
    expect(outputOf(output, "npm start", 1)).toMatch(/restarted/i);
    const after = output.slice(output.indexOf("\n$ npm start\n", output.indexOf("\n$ npm run cluster:down\n")));
    expect(after).toContain("shop-api");
    expect(after).toContain("LOG_LEVEL");
    expect(after).toContain("API_KEY"); // the secret's name (its value is never shown)
    expect(after).not.toContain("not-a-real-key");
    expect(after).toMatch(/hello/);
  });
});
