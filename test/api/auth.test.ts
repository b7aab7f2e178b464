// Authentication against a real OpenID Provider (oidc-provider on loopback, real signed JWTs) and API tokens
// stored hashed in the real Postgres: every bad credential is refused, tokens are scoped, rotated and revoked.
import { randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

const AUDIENCE = "https://api.loco.test";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let idp: TestOidcProvider;
let otherIdp: TestOidcProvider;
let api: TestApi;
const suffix = randomBytes(3).toString("hex");
const tenant = `auth${suffix}`;
const otherTenant = `authtwo${suffix}`;

beforeAll(async () => {
  database = await createTestDatabase("loco_api_auth");
  idp = await startOidcProvider({
    audience: AUDIENCE,
    otherAudiences: ["https://other.loco.test"],
    identities: [
      { id: "platform-ops", groups: ["loco-admins"] },
      { id: "alice" },
      { id: "bob" },
      { id: "carol" },
      // exp is in whole seconds (iat rounded down + TTL): 2 s keeps a fresh token valid for at least 1 s.
      { id: "short-lived", ttlSeconds: 2 },
    ],
  });
  otherIdp = await startOidcProvider({ audience: AUDIENCE, identities: [{ id: "alice" }] });
  api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" },
    args: ["--platform-admin-groups", "loco-admins"],
  });
  const admin = await idp.token("platform-ops");
  for (const name of [tenant, otherTenant]) {
    const created = await api.call("POST", "/v1/tenants", { token: admin, body: { name, owner: "alice" } });
    expect(created.status).toBe(201);
  }
  expect(
    (await api.call("PUT", `/v1/tenants/${tenant}/members/bob`, { token: admin, body: { role: "admin" } })).status,
  ).toBe(200);
});

afterAll(async () => {
  await api?.stop();
  await Promise.allSettled([idp?.stop(), otherIdp?.stop()]);
  await database?.drop();
});

const whoami = (token?: string) => api.call("GET", "/v1/whoami", token ? { token } : {});
const refusedWith = async (response: Response, status: number, pattern: RegExp) => {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { detail: string; code: string };
  expect(body.detail).toMatch(pattern);
  return body;
};

describe("OIDC bearer tokens", () => {
  it("tells the CLI which issuer and client to log in with", async () => {
    const response = await api.call("GET", "/v1/auth/config");
    expect(await response.json()).toEqual({
      issuer: idp.issuer,
      clientId: "loco-cli",
      audience: AUDIENCE,
      apiTokens: true,
    });
  });

  it("accepts the provider's tokens and finds platform admins by group", async () => {
    const alice = await (await whoami(await idp.token("alice"))).json();
    expect(alice).toMatchObject({ subject: "alice", via: "oidc", platformAdmin: false });
    const ops = await (await whoami(await idp.token("platform-ops"))).json();
    expect(ops).toMatchObject({ subject: "platform-ops", platformAdmin: true, groups: ["loco-admins"] });
  });

  it("refuses missing, expired, foreign-issuer, wrong-audience, unsigned, unknown-key and tampered tokens", async () => {
    await refusedWith(await whoami(), 401, /No credentials/);
    await refusedWith(
      await api.call("GET", "/v1/whoami", { headers: { authorization: "Basic YWxpY2U6eA==" } }),
      401,
      /bearer/,
    );

    const shortLived = await idp.token("short-lived");
    expect((await whoami(shortLived)).status).toBe(200);
    // Until just past its own exp: a 1 s TTL once expired 50 ms after it was issued (issued late in a second).
    const expiresAtMs = (decodeJwt(shortLived).exp as number) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs + 100 - Date.now())));
    await refusedWith(await whoami(shortLived), 401, /expired/);

    await refusedWith(await whoami(await otherIdp.token("alice")), 401, /another identity provider|signed with a key/);
    await refusedWith(await whoami(await idp.token("alice", "https://other.loco.test")), 401, /another audience/);

    const real = await idp.token("alice");
    const [, payload] = real.split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    await refusedWith(await whoami(unsigned), 401, /algorithm/);

    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    expect((await exportJWK(privateKey)).kty).toBe("RSA");
    const forged = await new SignJWT({ groups: ["loco-admins"] })
      .setProtectedHeader({ alg: "RS256", kid: "not-the-providers-key" })
      .setIssuer(idp.issuer)
      .setAudience(AUDIENCE)
      .setSubject("mallory")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await refusedWith(await whoami(forged), 401, /key the identity provider does not publish/);

    const sameKid = await new SignJWT({ groups: ["loco-admins"] })
      .setProtectedHeader({ alg: "RS256", kid: decodeProtectedHeader(real).kid as string })
      .setIssuer(idp.issuer)
      .setAudience(AUDIENCE)
      .setSubject("mallory")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await refusedWith(await whoami(sameKid), 401, /signature/);

    const [header, , signature] = real.split(".");
    const escalated = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), groups: ["loco-admins"] }),
    ).toString("base64url");
    await refusedWith(await whoami(`${header}.${escalated}.${signature}`), 401, /signature/);
    await refusedWith(await whoami("not-a-jwt"), 401, /not a valid JWT/);
  });
});

describe("API tokens", () => {
  const mint = async (token: string, body: Record<string, unknown>, into = tenant) =>
    api.call("POST", `/v1/tenants/${into}/tokens`, { token, body });

  it("are shown once, stored only as a hash, and act with their tenant and role", async () => {
    const response = await mint(await idp.token("alice"), { name: "ci", role: "developer", expiresInDays: 7 });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { token, secret } = (await response.json()) as { token: { id: string; role: string }; secret: string };
    expect(secret).toMatch(/^loco_/);
    expect(token).toMatchObject({ role: "developer", createdBy: "alice" });
    const { rows } = await sql<{ hash: Buffer }>`SELECT hash FROM api_tokens WHERE id = ${token.id}`.execute(
      api.database.db,
    );
    expect(rows[0]!.hash.toString("utf8")).not.toContain(secret);
    expect(rows[0]!.hash).toHaveLength(32);

    const me = await (await whoami(secret)).json();
    expect(me).toMatchObject({ subject: "alice", via: "token", token: { tenant, role: "developer" } });
    const own = await api.call("GET", `/v1/tenants/${tenant}`, { token: secret });
    expect(await own.json()).toMatchObject({ name: tenant, role: "developer" });
    // Alice owns the other tenant too, but the token is scoped to one.
    const other = await api.call("GET", `/v1/tenants/${otherTenant}`, { token: secret });
    expect(other.status).toBe(404);
    const listed = (await (await api.call("GET", "/v1/tenants", { token: secret })).json()) as {
      items: { name: string }[];
    };
    expect(listed.items.map((t) => t.name)).toEqual([tenant]);
    // Listing never returns secrets or hashes.
    const tokens = await (
      await api.call("GET", `/v1/tenants/${tenant}/tokens`, { token: await idp.token("alice") })
    ).text();
    expect(tokens).not.toContain(secret);
    expect(tokens).not.toMatch(/hash/);
  });

  it("mint only within their own tenant, at their role or lower", async () => {
    const developer = (await (await mint(await idp.token("alice"), { name: "dev", role: "developer" })).json()) as {
      secret: string;
    };
    await refusedWith(
      await mint(developer.secret, { name: "up", role: "admin" }),
      403,
      /up to your own role \(developer\)/,
    );
    expect((await mint(developer.secret, { name: "down", role: "viewer" })).status).toBe(201);
    expect((await mint(developer.secret, { name: "x", role: "viewer" }, otherTenant)).status).toBe(404);
    const viewer = (await (await mint(developer.secret, { name: "v", role: "viewer" })).json()) as { secret: string };
    await refusedWith(
      await mint(viewer.secret, { name: "v2", role: "viewer" }),
      403,
      /viewer, which cannot change tokens/,
    );
  });

  it("refuse mass assignment of tenant, owner or extra fields", async () => {
    const alice = await idp.token("alice");
    const response = await mint(alice, { name: "sneaky", role: "viewer", tenant: otherTenant, createdBy: "bob" });
    const body = await refusedWith(response, 400, /unknown key/);
    expect(JSON.stringify(body)).toMatch(/tenant/);
    const tenantBody = await api.call("POST", "/v1/tenants", {
      token: await idp.token("platform-ops"),
      body: { name: `mass${suffix}`, owner: "alice", members: [{ subject: "mallory", role: "owner" }] },
    });
    expect(tenantBody.status).toBe(400);
  });

  it("stop working when revoked, rotated or expired", async () => {
    const alice = await idp.token("alice");
    const first = (await (await mint(alice, { name: "rotating", role: "viewer" })).json()) as {
      token: { id: string };
      secret: string;
    };
    expect((await whoami(first.secret)).status).toBe(200);
    const rotated = await api.call("POST", `/v1/tenants/${tenant}/tokens/${first.token.id}/rotate`, { token: alice });
    expect(rotated.status).toBe(201);
    const second = (await rotated.json()) as { token: { id: string }; secret: string };
    await refusedWith(await whoami(first.secret), 401, /rotated/);
    expect((await whoami(second.secret)).status).toBe(200);

    expect((await api.call("DELETE", `/v1/tenants/${tenant}/tokens/${second.token.id}`, { token: alice })).status).toBe(
      204,
    );
    await refusedWith(await whoami(second.secret), 401, /revoked/);

    const third = (await (await mint(alice, { name: "expiring", role: "viewer" })).json()) as {
      token: { id: string };
      secret: string;
    };
    await sql`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${third.token.id}`.execute(
      api.database.db,
    );
    await refusedWith(await whoami(third.secret), 401, /expired/);
    await refusedWith(await whoami(`loco_${"A".repeat(43)}`), 401, /unknown/);
  });

  it("stop working when whoever minted them leaves the tenant, whose API then answers 404", async () => {
    const bob = await idp.token("bob");
    const minted = (await (await mint(bob, { name: "bobs", role: "admin" })).json()) as { secret: string };
    expect((await api.call("GET", `/v1/tenants/${tenant}/members`, { token: minted.secret })).status).toBe(200);
    expect(
      (await api.call("DELETE", `/v1/tenants/${tenant}/members/bob`, { token: await idp.token("alice") })).status,
    ).toBe(204);
    await refusedWith(
      await api.call("GET", `/v1/tenants/${tenant}/members`, { token: minted.secret }),
      401,
      /no longer a member/,
    );
    const asBob = await api.call("GET", `/v1/tenants/${tenant}`, { token: bob });
    expect(asBob.status).toBe(404);
  });

  it("are downgraded with their minter's role", async () => {
    const admin = await idp.token("platform-ops");
    await api.call("PUT", `/v1/tenants/${tenant}/members/carol`, { token: admin, body: { role: "admin" } });
    const minted = (await (await mint(await idp.token("carol"), { name: "c", role: "admin" })).json()) as {
      secret: string;
    };
    expect(await (await whoami(minted.secret)).json()).toMatchObject({ token: { role: "admin" } });
    await api.call("PUT", `/v1/tenants/${tenant}/members/carol`, { token: admin, body: { role: "viewer" } });
    expect(await (await whoami(minted.secret)).json()).toMatchObject({ token: { role: "viewer" } });
    expect((await mint(minted.secret, { name: "d", role: "viewer" })).status).toBe(403);
  });

  it("record their first use in a minute, without a write on every request", async () => {
    const minted = (await (await mint(await idp.token("alice"), { name: "used", role: "viewer" })).json()) as {
      token: { id: string };
      secret: string;
    };
    const lastUsed = async () =>
      (
        await sql<{
          last_used_at: Date | null;
        }>`SELECT last_used_at FROM api_tokens WHERE id = ${minted.token.id}`.execute(api.database.db)
      ).rows[0]!.last_used_at;
    expect(await lastUsed()).toBeNull();
    expect((await whoami(minted.secret)).status).toBe(200);
    expect(await lastUsed()).toBeInstanceOf(Date);
    // Within the minute, further requests do not write (the server remembers it recorded this token's use).
    await sql`UPDATE api_tokens SET last_used_at = NULL WHERE id = ${minted.token.id}`.execute(api.database.db);
    expect((await whoami(minted.secret)).status).toBe(200);
    expect(await lastUsed()).toBeNull();
  });
});
