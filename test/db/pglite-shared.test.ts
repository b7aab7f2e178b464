// The local platform's shape: the operator (mirror on) and the API in one process on ONE embedded PGlite handle,
// against the real control plane. Many concurrent API calls — token lookups, token mints and lists, env edits,
// App creations — run while the mirror writes what they cause; every answer and every row must be right.
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNamespace } from "../../api/tenant-namespaces.ts";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { GATEWAY, NAMESPACE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

const shard = newShard();
const suffix = randomBytes(3).toString("hex");
const tenant = `shared${suffix}`;
const profile = `p${shard}`;
const gatewayNamespace = `gw-${shard}`;
const namespace = tenantNamespace(tenant, profile);
const firstApps = Array.from({ length: 6 }, (_, i) => `web${i}`);
const burstApps = Array.from({ length: 4 }, (_, i) => `late${i}`);

let handle: DatabaseHandle;
let operator: RunningOperator;
let api: TestApi;
let admin: string;
const tokens: Record<"admin" | "developer" | "viewer", { id: string; secret: string }> = {} as never;
const rotating: { name: string; id: string; secret: string }[] = [];
/** Tenants created during the burst, two requests racing for each name. */
const raced = Array.from({ length: 3 }, (_, i) => `race${i}${suffix}`);

const appSpec = { profile, image: "registry.example.com/acme/web:1.0.0", ports: [{ name: "http", port: 8080 }] };

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
  operator = await startTestOperator(shard, { database: handle });
  api = await startTestApi({
    databaseUrl: "pglite:memory",
    database: handle,
    args: ["--rate-limit-per-ip", "100000", "--rate-limit-per-token", "100000"],
    objectLabels: { [SHARD_LABEL]: shard },
  });
  admin = api.bootstrap!;
  expect(admin).toMatch(/^loco_/);
  await api.kube.apply(
    NAMESPACE,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: gatewayNamespace, labels: { "loco.dev/test": "true" } } },
    "loco-test",
  );
  await api.kube.apply(
    GATEWAY,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: gatewayNamespace },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
    "loco-test",
  );
  await json(
    await api.call("PUT", `/v1/profiles/${profile}`, {
      token: admin,
      body: { spec: { baseDomain: "apps.example.com", gateway: { name: "public", namespace: gatewayNamespace } } },
    }),
    200,
  );
  await eventually("the Profile in the mirror", async () =>
    (await api.call("GET", `/v1/profiles/${profile}`, { token: admin })).status === 200 ? true : undefined,
  );
  await json(await api.call("POST", "/v1/tenants", { token: admin, body: { name: tenant, owner: "alice" } }), 201);
  for (const role of ["admin", "developer", "viewer"] as const) {
    const minted = await json<{ token: { id: string }; secret: string }>(
      await api.call("POST", `/v1/tenants/${tenant}/tokens`, { token: admin, body: { name: `first-${role}`, role } }),
      201,
    );
    tokens[role] = { id: minted.token.id, secret: minted.secret };
  }
  for (let i = 0; i < 6; i++) {
    const minted = await json<{ token: { id: string }; secret: string }>(
      await api.call("POST", `/v1/tenants/${tenant}/tokens`, {
        token: admin,
        body: { name: `rot-${i}`, role: "viewer" },
      }),
      201,
    );
    rotating.push({ name: `rot-${i}`, id: minted.token.id, secret: minted.secret });
  }
  // Several Apps, applied together, keep the mirror busy (Apps, their Deployments, Services, routes, events).
  await Promise.all(
    firstApps.map(async (app) =>
      json(
        await api.call("PUT", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, {
          token: tokens.developer.secret,
          body: { spec: appSpec },
        }),
        200,
      ),
    ),
  );
  for (const app of firstApps) {
    await eventually(`App ${app} in the mirror`, async () =>
      (
        await api.call("GET", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, {
          token: tokens.viewer.secret,
        })
      ).status === 200
        ? true
        : undefined,
    );
  }
}, 180_000);

afterAll(async () => {
  await operator?.stop().catch(() => {});
  await Promise.allSettled([
    api?.kube.delete(NAMESPACE, undefined, namespace),
    ...raced.map((name) => api?.kube.delete(NAMESPACE, undefined, tenantNamespace(name, profile))),
    api?.kube.delete(PROFILE, undefined, profile),
    api?.kube.delete(NAMESPACE, undefined, gatewayNamespace),
  ]);
  await api?.stop();
  // The handle is the test's: neither the operator nor the API closed it, so it still answers until now.
  await handle?.db.selectFrom("tenants").select("name").execute();
  await handle?.close();
});

interface Check {
  what: string;
  /** How many API calls it makes (all of them concurrently with every other check). */
  calls: number;
  run(): Promise<void>;
}

describe("the operator and the API on one PGlite handle", () => {
  it("answers every one of many concurrent calls correctly while the mirror writes", async () => {
    const minted = new Map<string, { id: string; secret: string }>();
    const checks: Check[] = [];
    // Env edits: two per App on different keys, so that both must land (the API retries on a write conflict).
    for (const app of firstApps) {
      for (const key of ["ALPHA", "BETA"]) {
        checks.push({
          what: `env set ${key} on ${app}`,
          calls: 1,
          run: async () => {
            const body = await json<{ env: { name: string; value: string }[] }>(
              await api.call("PATCH", `/v1/tenants/${tenant}/apps/${app}/env?profile=${profile}`, {
                token: tokens.developer.secret,
                body: { set: { [key]: `${app}-${key}` } },
              }),
              200,
            );
            expect(body.env).toContainEqual({ name: key, value: `${app}-${key}` });
          },
        });
      }
    }
    for (let i = 0; i < 12; i++) {
      checks.push({
        what: `mint token ${i}`,
        calls: 1,
        run: async () => {
          const body = await json<{ token: { id: string; name: string; role: string }; secret: string }>(
            // Minted by the platform admin: a tenant token's mints are bound to its minter's membership.
            await api.call("POST", `/v1/tenants/${tenant}/tokens`, {
              token: admin,
              body: { name: `burst-${i}`, role: "viewer" },
            }),
            201,
          );
          expect(body.token).toMatchObject({ name: `burst-${i}`, role: "viewer" });
          expect(body.secret).toMatch(/^loco_/);
          minted.set(`burst-${i}`, { id: body.token.id, secret: body.secret });
        },
      });
    }
    for (let i = 0; i < 10; i++) {
      const app = firstApps[i % firstApps.length]!;
      checks.push({
        what: `read App ${app}`,
        calls: 1,
        run: async () => {
          const body = await json<{ name: string; tenant: string; namespace: string }>(
            await api.call("GET", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, {
              token: tokens.viewer.secret,
            }),
            200,
          );
          expect(body).toMatchObject({ name: app, tenant, namespace });
        },
      });
    }
    for (let i = 0; i < 6; i++) {
      checks.push({
        what: `list tokens ${i}`,
        calls: 1,
        run: async () => {
          const body = await json<{ items: { id: string; name: string }[] }>(
            await api.call("GET", `/v1/tenants/${tenant}/tokens?limit=1000`, { token: tokens.admin.secret }),
            200,
          );
          const ids = body.items.map((t) => t.id);
          for (const role of ["admin", "developer", "viewer"] as const) expect(ids).toContain(tokens[role].id);
        },
      });
    }
    // The token lookup that went wrong over the socket multiplexer: each token must resolve to itself.
    for (let i = 0; i < 8; i++) {
      const role = (["admin", "developer", "viewer"] as const)[i % 3]!;
      checks.push({
        what: `whoami as ${role} ${i}`,
        calls: 1,
        run: async () => {
          const body = await json<{ token: { id: string; tenant: string; role: string } }>(
            await api.call("GET", "/v1/whoami", { token: tokens[role].secret }),
            200,
          );
          expect(body.token).toEqual({ id: tokens[role].id, tenant, role });
        },
      });
    }
    for (let i = 0; i < 2; i++) {
      checks.push({
        what: `unknown token ${i}`,
        calls: 1,
        run: async () => {
          const body = await json<{ detail: string }>(
            await api.call("GET", "/v1/whoami", { token: `loco_${"x".repeat(40)}${i}` }),
            401,
          );
          expect(body.detail).toMatch(/not valid/);
        },
      });
    }
    // New Apps during the burst: the operator reconciles them and the mirror writes them meanwhile.
    for (const app of burstApps) {
      checks.push({
        what: `create App ${app}`,
        calls: 1,
        run: async () => {
          const body = await json<{ name: string }>(
            await api.call("PUT", `/v1/tenants/${tenant}/apps/${app}?profile=${profile}`, {
              token: tokens.developer.secret,
              body: { spec: appSpec },
            }),
            200,
          );
          expect(body.name).toBe(app);
        },
      });
    }
    // Transactions in the API while the mirror runs its own: rotations (each commits) and two requests racing to
    // create one tenant (one commits; the other fails inside its transaction or before it, and must roll back alone).
    const rotated = new Map<string, { id: string; secret: string }>();
    for (const old of rotating.slice(1)) {
      checks.push({
        what: `rotate ${old.name}`,
        calls: 1,
        run: async () => {
          const body = await json<{ token: { id: string; name: string; role: string }; secret: string }>(
            await api.call("POST", `/v1/tenants/${tenant}/tokens/${old.id}/rotate`, { token: admin }),
            201,
          );
          expect(body.token).toMatchObject({ name: old.name, role: "viewer" });
          expect(body.token.id).not.toBe(old.id);
          rotated.set(old.name, { id: body.token.id, secret: body.secret });
        },
      });
    }
    // Six rotations of one token (rot-0) at once: exactly one wins; the others are refused, some inside a transaction
    // that rolls back while the rest of the burst goes on.
    let contested: { id: string; secret: string } | undefined;
    checks.push({
      what: "six concurrent rotations of one token",
      calls: 6,
      run: async () => {
        const answers = await Promise.all(
          Array.from({ length: 6 }, () =>
            api.call("POST", `/v1/tenants/${tenant}/tokens/${rotating[0]!.id}/rotate`, { token: admin }),
          ),
        );
        const bodies = await Promise.all(
          answers.map((a) => a.json() as Promise<{ token?: { id: string }; secret?: string; detail?: string }>),
        );
        expect(answers.map((a) => a.status).sort(), JSON.stringify(bodies)).toEqual([201, 409, 409, 409, 409, 409]);
        const won = bodies.find((b) => b.secret)!;
        contested = { id: won.token!.id, secret: won.secret! };
        for (const lost of bodies.filter((b) => !b.secret)) {
          expect(lost.detail).toMatch(/already revoked|changed concurrently/);
        }
      },
    });
    for (const name of raced) {
      checks.push({
        what: `race to create tenant ${name}`,
        calls: 2,
        run: async () => {
          const answers = await Promise.all(
            [0, 1].map(() => api.call("POST", "/v1/tenants", { token: admin, body: { name, owner: "alice" } })),
          );
          const bodies = await Promise.all(answers.map((a) => a.json() as Promise<{ name?: string; detail?: string }>));
          expect(answers.map((a) => a.status).sort(), JSON.stringify(bodies)).toEqual([201, 409]);
          expect(bodies.find((b) => b.name === name)).toBeDefined();
          expect(bodies.find((b) => b.detail)?.detail).toMatch(/already exists|changed concurrently|conflict/i);
        },
      });
    }
    expect(checks.reduce((n, check) => n + check.calls, 0)).toBe(71);

    const mirror = operator.mirror!;
    const before = { ...mirror.stats };
    const outcomes = await Promise.allSettled(checks.map((check) => check.run()));
    // The mirror did write in the meantime (what the calls changed), and never failed a write.
    expect(mirror.stats.flushes).toBeGreaterThan(before.flushes);
    expect(mirror.stats.failures).toBe(before.failures);
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [`${checks[i]!.what}: ${String(outcome.reason)}`] : [],
    );
    expect(failures).toEqual([]);

    // Every token minted is listed once, and each one authenticates as itself.
    const listed = await json<{ items: { id: string; name: string; revokedAt: string | null }[] }>(
      await api.call("GET", `/v1/tenants/${tenant}/tokens?limit=1000`, { token: tokens.admin.secret }),
      200,
    );
    const live = listed.items.filter((t) => t.revokedAt === null);
    expect(live.map((t) => t.name).sort()).toEqual(
      [
        ...["admin", "developer", "viewer"].map((r) => `first-${r}`),
        ...minted.keys(),
        ...rotating.map((t) => t.name),
      ].sort(),
    );
    for (const old of rotating.slice(1)) {
      const fresh = rotated.get(old.name)!;
      expect(live.find((t) => t.name === old.name)?.id).toBe(fresh.id);
      expect((await api.call("GET", "/v1/whoami", { token: old.secret })).status).toBe(401);
      const me = await json<{ token: { id: string } }>(
        await api.call("GET", "/v1/whoami", { token: fresh.secret }),
        200,
      );
      expect(me.token.id).toBe(fresh.id);
    }
    // The contested token was replaced once: its winner works, the old secret does not.
    expect(live.find((t) => t.name === rotating[0]!.name)?.id).toBe(contested!.id);
    expect((await api.call("GET", "/v1/whoami", { token: rotating[0]!.secret })).status).toBe(401);
    expect((await api.call("GET", "/v1/whoami", { token: contested!.secret })).status).toBe(200);
    // Each raced tenant exists once, with its owner.
    const tenants = await handle.db
      .selectFrom("members")
      .select(["tenant", "subject", "role"])
      .where("tenant", "in", raced)
      .orderBy("tenant")
      .execute();
    expect(tenants).toEqual(raced.map((name) => ({ tenant: name, subject: "alice", role: "owner" })));
    for (const [name, token] of minted) {
      expect(
        live.filter((t) => t.id === token.id),
        name,
      ).toHaveLength(1);
      const me = await json<{ token: { id: string; role: string } }>(
        await api.call("GET", "/v1/whoami", { token: token.secret }),
        200,
      );
      expect(me.token).toMatchObject({ id: token.id, role: "viewer" });
    }

    // Both env edits of every App landed, in the cluster and as the API reads them back.
    for (const app of firstApps) {
      const live = await api.kube.get<KubeObject>(APP, namespace, app);
      const env = (live.spec as { env?: { name: string; value: string }[] }).env ?? [];
      expect(env).toEqual(
        expect.arrayContaining([
          { name: "ALPHA", value: `${app}-ALPHA` },
          { name: "BETA", value: `${app}-BETA` },
        ]),
      );
    }

    // The mirror settles on exactly the cluster's Apps: same uid, resourceVersion and spec, no extra live row.
    await eventually(
      "the mirror's App rows to match the cluster",
      async () => {
        const cluster = (await api.kube.list<KubeObject>(APP, namespace)).items;
        const rows = await handle.db
          .selectFrom("resources")
          .select(["uid", "name", "resource_version", "spec"])
          .where("kind", "=", "App")
          .where("namespace", "=", namespace)
          .where("deleted_at", "is", null)
          .orderBy("name")
          .execute();
        const want = cluster
          .map((o) => ({
            uid: o.metadata.uid,
            name: o.metadata.name,
            resource_version: o.metadata.resourceVersion,
            spec: o.spec,
          }))
          .sort((a, b) => a.name!.localeCompare(b.name!));
        return rows.length === firstApps.length + burstApps.length && isDeepStrictEqual(rows, want) ? rows : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });
});
