// The first-start bootstrap token against the real API, Postgres and OpenID Provider: it expires, platform admins
// revoke it through the API, loco-db revokes it with the API down, and the first platform admin to sign in with
// OpenID Connect retires it. loco-api itself shows it once, with its expiry and how to revoke it, or writes it to a
// file of mode 0600 instead.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { Loco, shown } from "../support/e2e-cli.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

const AUDIENCE = "https://api.loco.test";
const repoRoot = new URL("../..", import.meta.url).pathname;
const suffix = randomBytes(3).toString("hex");
let idp: TestOidcProvider;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  idp = await startOidcProvider({
    audience: AUDIENCE,
    identities: [{ id: "platform-ops", groups: ["loco-admins"] }, { id: "alice" }],
  });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await idp?.stop();
});

/** A database of its own for one scenario, dropped after the file. */
async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase("loco_bootstrap");
  cleanups.push(() => database.drop());
  return database.url;
}

async function api(databaseUrl: string, args: string[] = []): Promise<TestApi> {
  const started = await startTestApi({
    databaseUrl,
    oidc: { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" },
    args: ["--rate-limit-per-ip", "100000", ...args],
  });
  cleanups.push(() => started.stop());
  return started;
}

const whoami = (server: TestApi, token: string) => server.call("GET", "/v1/whoami", { token });
const refusedWith = async (response: Response, status: number, pattern: RegExp) => {
  expect(response.status).toBe(status);
  expect(((await response.json()) as { detail: string }).detail).toMatch(pattern);
};
const auditOf = async (server: TestApi) =>
  (
    await sql<{ actor: string; target: string; outcome: string; details: Record<string, unknown> }>`
      SELECT actor, target, outcome, details FROM audit_log WHERE action = 'tokens.revokeBootstrap' ORDER BY id`.execute(
      server.database.db,
    )
  ).rows;
const bootstrapRow = async (server: TestApi) =>
  (
    await sql<{ id: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }>`
      SELECT id, created_at, expires_at, revoked_at FROM api_tokens WHERE created_by = 'loco-api-bootstrap'`.execute(
      server.database.db,
    )
  ).rows;

describe("the bootstrap token", () => {
  it("expires after --bootstrap-token-ttl (default 24h) and then answers 401", async () => {
    const short = await api(await freshDatabase(), ["--bootstrap-token-ttl", "2s"]);
    const secret = short.bootstrap!;
    expect(await (await whoami(short, secret)).json()).toMatchObject({ platformAdmin: true });
    const [row] = await bootstrapRow(short);
    expect(row!.expires_at!.getTime() - row!.created_at.getTime()).toBeGreaterThanOrEqual(1_900);
    expect(row!.expires_at!.getTime() - row!.created_at.getTime()).toBeLessThan(3_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, row!.expires_at!.getTime() - Date.now()) + 200));
    await refusedWith(await whoami(short, secret), 401, /expired at .*log in as a platform admin/);

    const defaults = await api(await freshDatabase());
    const [standard] = await bootstrapRow(defaults);
    const lifetime = standard!.expires_at!.getTime() - standard!.created_at.getTime();
    expect(Math.abs(lifetime - 24 * 3_600_000)).toBeLessThan(60_000);
  });

  it("is revoked by a platform admin with DELETE /v1/bootstrap-token, which is audited", async () => {
    const server = await api(await freshDatabase(), ["--platform-admin-groups", "loco-admins"]);
    const secret = server.bootstrap!;
    const [row] = await bootstrapRow(server);
    // Not for tenant members: only platform admins.
    const asAlice = await server.call("DELETE", "/v1/bootstrap-token", { token: await idp.token("alice") });
    await refusedWith(asAlice, 403, /Only platform admins/);
    expect((await whoami(server, secret)).status).toBe(200);

    // The bootstrap token may revoke itself, with the CLI: the quickstart's last step.
    const loco = new Loco(join(repoRoot, "cli", "main.ts"));
    const home = mkdtempSync(join(tmpdir(), "loco-bootstrap-home-"));
    cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
    const run = (args: string[], stdin?: string) =>
      loco.run(args, { home, timeoutMs: 60_000, ...(stdin !== undefined ? { stdin } : {}) });
    const login = await run(["login", server.url, "--token-stdin"], secret);
    expect(login.code, shown(login)).toBe(0);
    const neither = await run(["token", "revoke"]);
    expect(neither.code, shown(neither)).toBe(EXIT_CODES.usage.code);
    expect(neither.stderr).toContain("--bootstrap");
    const both = await run(["token", "revoke", row!.id, "--bootstrap"]);
    expect(both.code, shown(both)).toBe(EXIT_CODES.usage.code);
    expect((await whoami(server, secret)).status).toBe(200);
    const revoked = await run(["token", "revoke", "--bootstrap"]);
    expect(revoked.code, shown(revoked)).toBe(0);
    expect(revoked.stdout).toContain("Revoked the bootstrap token");
    await refusedWith(await whoami(server, secret), 401, /revoked; log in as a platform admin/);
    const again = await server.call("DELETE", "/v1/bootstrap-token", { token: await idp.token("platform-ops") });
    await refusedWith(again, 404, /no live bootstrap token/);

    const audit = await auditOf(server);
    expect(audit).toEqual([
      expect.objectContaining({ actor: "oidc:alice", outcome: "failed:Forbidden" }),
      expect.objectContaining({
        actor: `token:${row!.id} (loco-api-bootstrap)`,
        target: `ApiToken/${row!.id}`,
        outcome: "succeeded",
      }),
      expect.objectContaining({ actor: "oidc:platform-ops", outcome: "failed:NotFound" }),
    ]);
  });

  it("is revoked by loco-db revoke-bootstrap with the API down, and stays revoked across restarts", async () => {
    const url = await freshDatabase();
    const first = await api(url);
    const secret = first.bootstrap!;
    const tenant = `boot${suffix}`;
    expect(
      (await first.call("POST", "/v1/tenants", { token: secret, body: { name: tenant, owner: "alice" } })).status,
    ).toBe(201);
    await first.stop();

    const loco_db = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, "db", "admin.ts"), ...args, "--database-url", url], {
        env: { ...process.env, LOCO_DATABASE_URL: "" },
        encoding: "utf8",
      });
    const revoked = loco_db("revoke-bootstrap");
    expect(revoked.stderr).toBe("");
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked the bootstrap token [0-9A-Z]{26}: requests with it now answer 401/);
    const nothingLeft = loco_db("revoke-bootstrap");
    expect(nothingLeft.status).toBe(0);
    expect(nothingLeft.stdout).toMatch(/no live bootstrap token/);

    const second = await api(url);
    // The install has a tenant: no new bootstrap token, and the old one is refused.
    expect(second.bootstrap).toBeUndefined();
    await refusedWith(await whoami(second, secret), 401, /revoked/);
    expect(await auditOf(second)).toEqual([
      expect.objectContaining({
        actor: "loco-db",
        outcome: "succeeded",
        details: { reason: "Revoked with loco-db revoke-bootstrap." },
      }),
    ]);
  });

  it("is revoked, and audited, when a platform admin first signs in with OpenID Connect", async () => {
    const url = await freshDatabase();
    // First start: OIDC set up but no platform admin configured, so the API mints the bootstrap token.
    const first = await api(url);
    const secret = first.bootstrap!;
    const tenant = `auto${suffix}`;
    expect(
      (await first.call("POST", "/v1/tenants", { token: secret, body: { name: tenant, owner: "alice" } })).status,
    ).toBe(201);
    await first.stop();

    // The operator configures platform admins and restarts: the token works until one of them signs in.
    const second = await api(url, ["--platform-admin-groups", "loco-admins"]);
    expect((await whoami(second, secret)).status).toBe(200);
    expect((await whoami(second, await idp.token("alice"))).status).toBe(200);
    expect((await whoami(second, secret)).status).toBe(200);
    expect(await (await whoami(second, await idp.token("platform-ops"))).json()).toMatchObject({
      platformAdmin: true,
    });
    await refusedWith(await whoami(second, secret), 401, /revoked/);
    const [row] = await bootstrapRow(second);
    expect(await auditOf(second)).toEqual([
      {
        actor: "oidc:platform-ops",
        target: `ApiToken/${row!.id}`,
        outcome: "succeeded",
        details: { reason: "A platform admin signed in with OpenID Connect." },
      },
    ]);
  });
});

describe("loco-api on first start", () => {
  const folder = mkdtempSync(join(tmpdir(), "loco-bootstrap-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Runs loco-api until it has started, and returns what it printed on stdout (its logs go to stderr). */
  async function firstStart(url: string, args: string[]): Promise<string> {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(repoRoot, "api", "main.ts"),
        "--address",
        "127.0.0.1:0",
        "--database-url",
        url,
        "--kubeconfig",
        inject("kubeconfig"),
        "--log-level",
        "info",
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let errors = "";
    // Every chunk of stdout is read only once the process has closed its pipes: "Started" on stderr can be read
    // before the notice written earlier to stdout (two pipes, no order between them).
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    child.stdout!.on("data", (chunk) => {
      output += String(chunk);
    });
    child.stderr!.on("data", (chunk) => {
      errors += String(chunk);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`loco-api did not start: ${output}${errors}`)), 60_000);
        // Logs go to stderr; the notice to stdout, before the server starts listening.
        child.stderr!.on("data", () => {
          if (errors.includes("Started loco-api")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`loco-api exited with ${code}: ${output}${errors}`)));
      });
    } finally {
      child.kill("SIGTERM");
      await closed;
    }
    return output;
  }

  it("prints the token once with its expiry and how to log in and revoke it", async () => {
    const output = await firstStart(await freshDatabase(), ["--bootstrap-token-ttl", "2h"]);
    const secret = /\n {2}(loco_[A-Za-z0-9_-]{43})\n/.exec(output)?.[1];
    expect(secret).toBeDefined();
    expect(output.split(secret!)).toHaveLength(2);
    const expiresAt = /It expires at (\S+)\./.exec(output)?.[1];
    expect(Math.abs(new Date(expiresAt!).getTime() - Date.now() - 2 * 3_600_000)).toBeLessThan(120_000);
    expect(output).toContain("--token-stdin");
    expect(output).not.toMatch(/--token[^-]/);
    expect(output).toContain("loco token revoke --bootstrap");
    expect(output).toContain("loco-db revoke-bootstrap");
  }, 120_000);

  it("with --bootstrap-token-file, writes it to a 0600 file and never prints it", async () => {
    const file = join(folder, "bootstrap-token");
    const output = await firstStart(await freshDatabase(), ["--bootstrap-token-file", file]);
    const secret = readFileSync(file, "utf8").trim();
    expect(secret).toMatch(/^loco_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(output).not.toContain(secret);
    expect(output).not.toMatch(/loco_[A-Za-z0-9_-]{43}/);
    expect(output).toContain(`written to ${file} (mode 0600)`);
    expect(output).toMatch(/It expires at \S+\./);
  }, 120_000);
});
