// The local OpenID Provider (hack/local/oidc-main.ts) as `npm start` runs it: a separate process on a loopback
// port with its own folder. The CLI's own device flow client logs in against it while the provider's pages are
// walked like a browser would; the access token is checked against the provider's published keys; a restart
// keeps the keys and the refresh token; a second start on the same port and a bad --dir fail in one line.
// Needs no Kubernetes and no database.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeviceTokens, deviceFlow, refreshTokens } from "../../cli/client/device-flow.ts";
import { noDebugLog } from "../../cli/debug-log.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { approveDeviceLogin, type Page } from "../support/e2e-device.ts";

const execFileAsync = promisify(execFile);
const main = new URL("../../hack/local/oidc-main.ts", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "loco-test-oidc-"));
const dir = join(root, "oidc");
// A bare id, not a URL: the provider must still issue tokens for it (the API's --oidc-audience can be either).
const audience = "loco-api-local";
let port: number;
let issuer: string;
let running: ChildProcess | undefined;

/** Starts the provider and resolves once it printed its ready line and /healthz answers 200. */
async function startProvider(): Promise<{ child: ChildProcess; ready: string }> {
  const child = spawn(process.execPath, [main, "--dir", dir, "--port", String(port), "--audience", audience], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!stdout.includes("\n")) {
    if (child.exitCode !== null) throw new Error(`The provider exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`The provider printed nothing in 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  return { child, ready: stdout.trim() };
}

async function stopProvider(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

/** Runs the program to its exit (for the starts that must fail). */
async function runToExit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [main, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function publishedKeys(): Promise<{ keys: { kid: string; n: string }[] }> {
  return (await fetch(`${issuer}/jwks`)).json() as Promise<{ keys: { kid: string; n: string }[] }>;
}

/** Verifies an access token as the API would: signature by the issuer's keys, issuer, audience. */
async function verifyAccessToken(token: string) {
  const jwks = createLocalJWKSet((await publishedKeys()) as never);
  return (await jwtVerify(token, jwks, { issuer, audience })).payload;
}

beforeAll(async () => {
  port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (running) await stopProvider(running);
  rmSync(root, { recursive: true, force: true });
});

describe("the local OpenID Provider", () => {
  let tokens: DeviceTokens;
  let keysBefore: { kid: string; n: string }[];

  it("logs the CLI in through the real device flow, approved on its pages, with a JWT for the API", async () => {
    const started = await startProvider();
    running = started.child;
    expect(started.ready).toBe(
      `Local OpenID Provider ready at ${issuer} (user developer, client loco-cli, audience ${audience}); ` +
        `health ${issuer}/healthz; state in ${dir}`,
    );

    const pages: Page[] = [];
    let approval: Promise<void> | undefined;
    tokens = await deviceFlow({
      issuer,
      clientId: "loco-cli",
      log: noDebugLog,
      // What `loco login` prints; the "browser" opens it right away.
      onPrompt: (prompt) => {
        approval = approveDeviceLogin({
          url: prompt.verificationUriComplete ?? prompt.verificationUri,
          userCode: prompt.userCode,
          user: "developer",
          onPage: (page) => pages.push(page),
        });
      },
      minIntervalMs: 0,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))),
    });
    await approval;

    const claims = await verifyAccessToken(tokens.accessToken);
    expect(claims).toMatchObject({ sub: "developer", aud: audience, client_id: "loco-cli", groups: [] });
    expect(tokens.refreshToken).toEqual(expect.any(String));

    // The pages a person sees: the code to confirm, the sign-in that names the user and the app, then done.
    const login = pages.find((page) => new URL(page.url).pathname.startsWith("/interaction/"));
    expect(login?.status).toBe(200);
    expect(login!.html).toContain("Local development provider");
    expect(login!.html).toContain("developer@loco.local");
    expect(login!.html).toContain("loco CLI");
    expect(login!.html).toContain("127.0.0.1 only");
    expect(login!.html).toMatch(/<button[^>]*>Sign in as developer<\/button>/);
    expect(pages.at(-1)!.html).toContain("Sign-in complete");
    // Every page under a CSP that runs no script but the one it names by hash, and loads nothing from elsewhere.
    for (const page of pages) {
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp, page.url).toContain("default-src 'none'");
      expect(csp, page.url).not.toContain("unsafe-inline");
      expect(page.html, page.url).not.toMatch(/\bsrc=|https?:\/\/(?!127\.0\.0\.1)/i);
      for (const [, script] of page.html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
        expect(csp, page.url).toMatch(/script-src 'none' 'sha256-/);
        expect(csp, page.url).toContain(`'sha256-${createHash("sha256").update(script!).digest("base64")}'`);
      }
    }
    keysBefore = (await publishedKeys()).keys;
  });

  it("keeps its keys and the CLI's refresh token across a restart", async () => {
    expect(await stopProvider(running!)).toBe(0);
    for (const file of ["jwks.json", "state.json"]) {
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    }
    running = (await startProvider()).child;

    expect((await publishedKeys()).keys).toEqual(keysBefore);
    const renewed = await refreshTokens({
      issuer,
      clientId: "loco-cli",
      refreshToken: tokens.refreshToken!,
      log: noDebugLog,
    });
    expect(renewed).toBeDefined();
    const claims = await verifyAccessToken(renewed!.accessToken);
    expect(claims).toMatchObject({ sub: "developer", aud: audience });
    // The token issued before the restart still verifies too: same key.
    await verifyAccessToken(tokens.accessToken);
    // A public client's refresh token rotates: the new one renews, the used one no longer does.
    expect(renewed!.refreshToken).toEqual(expect.any(String));
    expect(renewed!.refreshToken).not.toBe(tokens.refreshToken);
    const reuse = { issuer, clientId: "loco-cli", log: noDebugLog };
    expect(await refreshTokens({ ...reuse, refreshToken: tokens.refreshToken! })).toBeUndefined();
    // Reuse of a rotated token revokes the whole login (RFC 9700 §4.14.2), the new refresh token included.
    expect(await refreshTokens({ ...reuse, refreshToken: renewed!.refreshToken! })).toBeUndefined();
  });

  it("refuses a second start on the same port in one clear line", async () => {
    const second = await runToExit(["--dir", join(root, "other"), "--port", String(port), "--audience", audience]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr.trim().split("\n")).toEqual([
      `loco local OpenID Provider: The provider cannot listen on 127.0.0.1:${port}: the port is in use (another provider, or another program). Stop it, or pass another --port.`,
    ]);
    // The first one still serves, and the failed start made nothing in its folder.
    expect((await fetch(`${issuer}/healthz`)).status).toBe(200);
    expect(readdirSync(join(root, "other"))).toEqual([]);
  });

  it("refuses a --dir that is a file in one clear line", async () => {
    const file = join(root, "not-a-folder");
    writeFileSync(file, "x");
    const bad = await runToExit(["--dir", file, "--port", "0", "--audience", audience]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toEqual([
      `loco local OpenID Provider: The provider cannot keep its state in --dir ${file}: it is a file, not a folder. Pass a folder this user can write (it is created when missing).`,
    ]);
    expect(readFileSync(file, "utf8")).toBe("x");
  });
});
