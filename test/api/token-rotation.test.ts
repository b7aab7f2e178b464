// Rotating an API token replaces its secret and nothing else, against the real API, Postgres and OpenID Provider:
// the new token keeps its minter and their membership binding, is bound to the membership of a member who rotated
// it (they hold its secret), keeps its expiry, and an expired token cannot be rotated. A token never hands out a
// credential, minted or rotated, that works longer than itself.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

const AUDIENCE = "https://api.loco.test";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let idp: TestOidcProvider;
let api: TestApi;
const tenant = `rot${randomBytes(3).toString("hex")}`;
const MEMBERS = { adam: "admin", bea: "admin", dora: "developer", dan: "developer" } as const;

beforeAll(async () => {
  database = await createTestDatabase("loco_api_rotation");
  idp = await startOidcProvider({
    audience: AUDIENCE,
    identities: [
      { id: "platform-ops", groups: ["loco-admins"] },
      { id: "olga" },
      ...Object.keys(MEMBERS).map((id) => ({ id })),
    ],
  });
  api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" },
    args: ["--platform-admin-groups", "loco-admins", "--rate-limit-per-ip", "100000"],
  });
  const admin = await idp.token("platform-ops");
  expect((await api.call("POST", "/v1/tenants", { token: admin, body: { name: tenant, owner: "olga" } })).status).toBe(
    201,
  );
  for (const [subject, role] of Object.entries(MEMBERS)) {
    const put = await api.call("PUT", `/v1/tenants/${tenant}/members/${subject}`, { token: admin, body: { role } });
    expect(put.status).toBe(200);
  }
});

afterAll(async () => {
  await api?.stop();
  await idp?.stop();
  await database?.drop();
});

interface Minted {
  token: { id: string; createdBy: string; expiresAt: string; rotatedBy: string | null };
  secret: string;
}
const as = (subject: string) => idp.token(subject);
const whoami = (token: string) => api.call("GET", "/v1/whoami", { token });
const mint = async (token: string, body: Record<string, unknown>): Promise<Minted> => {
  const response = await api.call("POST", `/v1/tenants/${tenant}/tokens`, { token, body });
  expect(response.status).toBe(201);
  return (await response.json()) as Minted;
};
const rotate = (token: string, id: string) => api.call("POST", `/v1/tenants/${tenant}/tokens/${id}/rotate`, { token });
const rotated = async (token: string, id: string): Promise<Minted> => {
  const response = await rotate(token, id);
  expect(response.status).toBe(201);
  return (await response.json()) as Minted;
};
const refusedWith = async (response: Response, status: number, pattern: RegExp) => {
  expect(response.status).toBe(status);
  expect(((await response.json()) as { detail: string }).detail).toMatch(pattern);
};
const setMember = async (subject: string, role: string) => {
  const put = await api.call("PUT", `/v1/tenants/${tenant}/members/${subject}`, {
    token: await as("olga"),
    body: { role },
  });
  expect(put.status).toBe(200);
};
const removeMember = async (subject: string) => {
  const removed = await api.call("DELETE", `/v1/tenants/${tenant}/members/${subject}`, { token: await as("olga") });
  expect(removed.status).toBe(204);
};
/** Moves a token's life: created `agoDays` days ago, expiring in `inDays` days (negative: already expired). */
const age = (id: string, agoDays: number, inDays: number) =>
  sql`UPDATE api_tokens SET created_at = now() - make_interval(days => ${agoDays}),
        expires_at = now() + make_interval(secs => ${inDays * 86_400})
      WHERE id = ${id}`.execute(api.database.db);

describe("rotating an API token", () => {
  it("binds it to the member who rotated it: a platform-minted admin token dies with the rotating admin's membership", async () => {
    const platformMinted = await mint(await as("platform-ops"), { name: "deploy-bot", role: "admin" });
    const next = await rotated(await as("adam"), platformMinted.token.id);
    expect(next.token).toMatchObject({ createdBy: "platform-ops", rotatedBy: "adam" });
    expect(await (await whoami(next.secret)).json()).toMatchObject({ token: { role: "admin" } });
    // Never above the rotator's current role…
    await setMember("adam", "developer");
    expect(await (await whoami(next.secret)).json()).toMatchObject({ token: { role: "developer" } });
    // …and gone with their membership.
    await removeMember("adam");
    await refusedWith(await whoami(next.secret), 401, /whoever last rotated it is no longer a member/);
    await refusedWith(
      await api.call("GET", `/v1/tenants/${tenant}/apps`, { token: next.secret }),
      401,
      /no longer a member/,
    );
  });

  it("keeps the original minter and their binding: the token dies when the minter leaves", async () => {
    const doras = await mint(await as("dora"), { name: "dora-ci", role: "developer" });
    const next = await rotated(await as("bea"), doras.token.id);
    expect(next.token).toMatchObject({ createdBy: "dora", rotatedBy: "bea" });
    // Still Dora's: she lists it as hers.
    const listed = (await (
      await api.call("GET", `/v1/tenants/${tenant}/tokens`, { token: await as("dora") })
    ).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.map((t) => t.id)).toContain(next.token.id);
    expect((await whoami(next.secret)).status).toBe(200);
    await removeMember("dora");
    await refusedWith(await whoami(next.secret), 401, /whoever created it is no longer a member/);
  });

  it("never extends its life: a token rotating itself keeps its expiry", async () => {
    const dans = await mint(await as("dan"), { name: "self", role: "developer", expiresInDays: 30 });
    // Minted 29 days ago, one day left: rotating must not start a fresh 30 days.
    await age(dans.token.id, 29, 1);
    const expiresAt = (
      await sql<{ expires_at: Date }>`SELECT expires_at FROM api_tokens WHERE id = ${dans.token.id}`.execute(
        api.database.db,
      )
    ).rows[0]!.expires_at.toISOString();
    const first = await rotated(dans.secret, dans.token.id);
    expect(first.token.expiresAt).toBe(expiresAt);
    const second = await rotated(first.secret, first.token.id);
    expect(second.token.expiresAt).toBe(expiresAt);
    await refusedWith(await whoami(first.secret), 401, /rotated/);
    expect((await whoami(second.secret)).status).toBe(200);
    // Once that day is over, the lineage is over: the token cannot authenticate, nor be rotated by an admin.
    await age(second.token.id, 30, -1 / 86_400);
    await refusedWith(await whoami(second.secret), 401, /expired/);
    await refusedWith(await rotate(second.secret, second.token.id), 401, /expired/);
  });

  it("is refused for an expired token", async () => {
    const expiring = await mint(await as("dan"), { name: "expired", role: "viewer" });
    await age(expiring.token.id, 90, -1 / 86_400);
    await refusedWith(await rotate(await as("bea"), expiring.token.id), 409, /expired at .* cannot be rotated/);
    await refusedWith(await rotate(await as("platform-ops"), expiring.token.id), 409, /cannot be rotated/);
    const revoked = await mint(await as("dan"), { name: "revoked", role: "viewer" });
    expect(
      (await api.call("DELETE", `/v1/tenants/${tenant}/tokens/${revoked.token.id}`, { token: await as("dan") })).status,
    ).toBe(204);
    await refusedWith(await rotate(await as("bea"), revoked.token.id), 409, /already revoked/);
  });

  it("by another token hands out nothing that outlives the calling token", async () => {
    const caller = await mint(await as("bea"), { name: "short", role: "developer", expiresInDays: 30 });
    await age(caller.token.id, 29, 1);
    const callerExpiry = new Date(Date.now() + 86_400_000);
    const target = await mint(await as("bea"), { name: "long", role: "viewer", expiresInDays: 90 });
    const next = await rotated(caller.secret, target.token.id);
    expect(new Date(next.token.expiresAt).getTime()).toBeLessThanOrEqual(callerExpiry.getTime());
  });
});

describe("minting with an API token", () => {
  it("never outlives the calling token", async () => {
    const caller = await mint(await as("bea"), { name: "minter", role: "developer", expiresInDays: 30 });
    await age(caller.token.id, 29, 1);
    const child = await mint(caller.secret, { name: "child", role: "viewer", expiresInDays: 90 });
    expect(new Date(child.token.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 86_400_000);
    // A human login still mints the lifetime asked for.
    const human = await mint(await as("bea"), { name: "human", role: "viewer", expiresInDays: 90 });
    expect(new Date(human.token.expiresAt).getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
  });
});
