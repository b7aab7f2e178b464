// `npx loco login` against the local platform: the real device flow, from the CLI through the API's
// /v1/auth/config to the local OpenID Provider that `npm start` runs, approved on its pages as the local user, and
// the token it yields accepted by the API as that user (platform admin, owner of the local tenant).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { LOCAL_TENANT, LOCAL_USER, startLocalLoco } from "../../hack/control-plane/local-loco.ts";
import { approveDeviceLogin } from "../support/e2e-device.ts";

// Several local platforms run at once in the suite: none may take the well-known ports 8800/8801.
process.env.LOCO_LOCAL_ANY_PORTS = "1";
const repo = new URL("../../", import.meta.url).pathname;
const loco = join(repo, "bin", "loco.js");
const root = mkdtempSync(join(tmpdir(), "loco-test-login-"));
const dir = join(root, "cluster");
const home = join(root, "home");
mkdirSync(home);
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), CI: "true" };

afterAll(async () => {
  await stopControlPlane(dir);
  rmSync(root, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [loco, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("loco login on the local platform", () => {
  it("signs the local user in through the local provider's device flow", { timeout: 420_000 }, async () => {
    const platform = await startLocalLoco({ dir, ownerPid: process.pid });
    const api = platform.platform.apiUrl;
    const login = spawn(process.execPath, [loco, "login", api], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    login.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const prompt = await new Promise<{ url: string; code: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No login prompt; stderr: ${stderr}`)), 60_000);
      login.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /open (\S+)\s+and (?:check|enter) the code (\S+)/.exec(stderr);
        if (match?.[1] && match[2]) {
          clearTimeout(timer);
          resolve({ url: match[1], code: match[2] });
        }
      });
    });
    expect(new URL(prompt.url).origin).toBe(platform.issuer);
    await approveDeviceLogin({ url: prompt.url, userCode: prompt.code, user: LOCAL_USER });
    const code = await new Promise<number | null>((resolve) => login.on("close", resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    const whoami = await run(["whoami", "-o", "json"]);
    expect(whoami.code, whoami.stderr).toBe(0);
    const me = JSON.parse(whoami.stdout) as { subject: string; via: string; platformAdmin: boolean };
    expect(me).toMatchObject({ subject: LOCAL_USER, via: "oidc", platformAdmin: true });
    const ls = await run(["ls", "--tenant", LOCAL_TENANT]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain("No apps in acme");
  });
});
