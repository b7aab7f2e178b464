import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli } from "./build-cli.ts";

// The bundle as `npm run build` makes it, under dist/ so that packages resolve as they do from dist/cli.
const repo = join(import.meta.dirname, "..");
let out: string;
let main: string;

const run = (args: string[]) =>
  spawnSync(process.execPath, [main, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: out, LOCO_SERVER: "http://127.0.0.1:9", LOCO_TOKEN: "loco_x" },
  });

beforeAll(async () => {
  out = mkdtempSync(join(repo, "dist", ".build-cli-test-"));
  main = await bundleCli(out);
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the CLI bundle", () => {
  it("is written in ASCII, and has no file that only re-exports another", () => {
    const dir = join(out, "cli", "bundle");
    for (const file of [main, ...readdirSync(dir).map((name) => join(dir, name))]) {
      const code = readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/[\u0080-\uffff]/);
      expect(code.trim(), file).not.toMatch(/^export \{[^}]*\} from "[^"]+";$/);
    }
  });

  it("runs commands whose code is in the main file, with the messages as written in the sources", () => {
    const refused = run(["whoami", "-o", "json"]);
    expect(refused.status).toBe(6);
    expect(refused.stderr).toContain("failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9)");
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("per profile (dev, prod, …)");
  });

  it("loads a module that names a binding like the one it imports (login's deviceFlow)", async () => {
    // An API whose OpenID Provider has no discovery document: login gets as far as the device flow, then fails
    // with its own message, not with a binding read before it is initialised.
    const server = createServer((req, res) => {
      const { port } = server.address() as AddressInfo;
      if (req.url === "/v1/auth/config") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ issuer: `http://127.0.0.1:${port}/issuer`, clientId: "loco-cli" }));
      } else res.writeHead(404, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [main, "login", url], { env: { PATH: process.env.PATH, HOME: out } });
      let stderr = "";
      child.stderr?.on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.on("close", (code) => resolve({ code, stderr }));
    });
    server.close();
    expect(login.stderr).toContain("Could not log in");
    expect(login.stderr).not.toContain("unexpectedly");
  });
});
