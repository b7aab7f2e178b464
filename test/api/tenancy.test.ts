// Tenants, profiles, members, apps and the audit log through the API, against the real apiserver, the real
// operator mirroring into Postgres, and a real OpenID Provider.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../../api/store/tenants.ts";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA, ROLE_BINDING } from "../../kube/resources.ts";
import { ADMIN, type ApiWorld, OUTSIDER, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;

beforeAll(async () => {
  world = await startApiWorld("ten");
});

afterAll(async () => {
  await world?.stop();
});

const json = async <T = Record<string, unknown>>(response: Response): Promise<T> => (await response.json()) as T;

describe("tenants", () => {
  it("get a namespace per Profile with quota, RBAC and network policy, all labelled as loco's", async () => {
    const [a] = world.tenants;
    const namespace = `${a.name}-${world.profile}`;
    const kube = world.api.kube;
    const ns = await kube.get(NAMESPACE, undefined, namespace);
    expect(ns.metadata.labels).toMatchObject({
      "loco.dev/tenant": a.name,
      "loco.dev/profile": world.profile,
      "app.kubernetes.io/managed-by": "loco",
    });
    for (const [resource, name] of [
      [RESOURCE_QUOTA, "loco-tenant-quota"],
      [ROLE_BINDING, "loco-tenant-viewers"],
      [NETWORK_POLICY, "loco-tenant-isolation"],
    ] as const) {
      const object = await kube.get(resource, namespace, name);
      expect(object.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("loco");
      expect(object.metadata.managedFields?.map((f) => (f as { manager: string }).manager)).toContain("loco-api");
    }
    const detail = await eventually("the namespace in the mirror", async () => {
      const body = await json<{ namespaces: unknown[] }>(
        await world.api.call("GET", `/v1/tenants/${a.name}`, { token: await world.token(a.members.viewer) }),
      );
      return body.namespaces.length > 0 ? body : undefined;
    });
    expect(detail).toMatchObject({ name: a.name, role: "viewer", namespaces: [{ profile: world.profile, namespace }] });
  });

  it("are created by platform admins only, and never take over a namespace that is not theirs", async () => {
    const name = `taken${world.profile.slice(1, 7)}`;
    const body = { name, owner: world.tenants[0].members.owner };
    const asOwner = await world.api.call("POST", "/v1/tenants", {
      token: await world.token(world.tenants[0].members.owner),
      body,
    });
    expect(asOwner.status).toBe(403);
    await world.api.kube.create(
      NAMESPACE,
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: `${name}-${world.profile}`, labels: { "loco.dev/test": "true" } },
      },
      "loco-test",
    );
    try {
      const refused = await world.api.call("POST", "/v1/tenants", { token: await world.token(ADMIN), body });
      expect(refused.status).toBe(409);
      expect((await json(refused)).detail).toMatch(/already exists and is not this tenant's/);
      const lookup = await world.api.call("GET", `/v1/tenants/${name}`, { token: await world.token(ADMIN) });
      expect(lookup.status).toBe(404);
    } finally {
      await world.api.kube.delete(NAMESPACE, undefined, `${name}-${world.profile}`);
    }
  });

  it("are named without '-': the name is refused, naming the field, so that namespaces cannot collide", async () => {
    // With '-', tenant acme + profile eu-prod and tenant acme-eu + profile prod were both namespace acme-eu-prod.
    const [a] = world.tenants;
    const refused = await world.api.call("POST", "/v1/tenants", {
      token: await world.token(ADMIN),
      body: { name: `${a.name}-eu` },
    });
    expect(refused.status).toBe(400);
    const body = await json<{ errors: { field: string; message: string }[] }>(refused);
    expect(body.errors).toEqual([{ field: "name", message: expect.stringMatching(/without '-'/) }]);
    const lookup = await world.api.call("GET", `/v1/tenants/${a.name}-eu`, { token: await world.token(ADMIN) });
    expect(lookup.status).toBe(404);
  });

  it("created before that rule keep working, and their namespaces cannot be taken by a tenant whose <tenant>-<profile> is the same, nor revealed to it", async () => {
    const [a] = world.tenants;
    const admin = await world.token(ADMIN);
    // A tenant named before the rule ('-' in it) and a Profile that makes a's namespace name equal to its own:
    // a + eu-<profile> = <a>-eu + <profile>.
    const legacy = `${a.name}-eu`;
    const euProfile = `eu-${world.profile}`;
    const shared = `${a.name}-eu-${world.profile}`;
    await createTenant(world.api.database.db, { name: legacy, displayName: "" }, undefined);
    const put = await world.api.call("PUT", `/v1/profiles/${euProfile}`, {
      token: admin,
      body: { spec: { baseDomain: "eu.example.com", gateway: { name: "public", namespace: "gateways" } } },
    });
    expect(put.status).toBe(200);
    try {
      await eventually("the Profile in the mirror", async () =>
        (await world.api.call("GET", `/v1/profiles/${euProfile}`, { token: admin })).status === 200 ? true : undefined,
      );
      // The legacy tenant still deploys: its namespace is created as before.
      const legacyApp = await world.api.call("PUT", `/v1/tenants/${legacy}/apps/shop?profile=${world.profile}`, {
        token: admin,
        body: { spec: world.appSpec() },
      });
      expect(legacyApp.status).toBe(200);
      expect((await world.api.kube.get(NAMESPACE, undefined, shared)).metadata.labels?.["loco.dev/tenant"]).toBe(
        legacy,
      );

      // a's developer writes to profile eu-<profile>, whose namespace for a would be the legacy tenant's.
      const developer = await world.token(a.members.developer);
      const taken = await world.api.call("PUT", `/v1/tenants/${a.name}/apps/cart?profile=${euProfile}`, {
        token: developer,
        body: { spec: { ...world.appSpec(), profile: euProfile } },
      });
      const missing = `nope${world.profile}`;
      const unavailable = await world.api.call("PUT", `/v1/tenants/${a.name}/apps/cart?profile=${missing}`, {
        token: developer,
        body: { spec: { ...world.appSpec(), profile: missing } },
      });
      // Exactly the answer for a profile that does not exist: nothing names the namespace or its tenant.
      const shape = async (response: Response, profile: string) => {
        const problem = await json<Record<string, unknown>>(response);
        return JSON.stringify({ ...problem, requestId: undefined, instance: undefined }).replaceAll(profile, "<p>");
      };
      expect(taken.status).toBe(unavailable.status);
      const takenShape = await shape(taken, euProfile);
      expect(takenShape).toBe(await shape(unavailable, missing));
      expect(takenShape).not.toContain(legacy);
      expect(takenShape).not.toContain(shared);
      expect(taken.status).toBe(400);
      // Nothing was written: the namespace is still the legacy tenant's, without a's App.
      expect((await world.api.kube.get(NAMESPACE, undefined, shared)).metadata.labels?.["loco.dev/tenant"]).toBe(
        legacy,
      );
      expect(await world.api.kube.find(APP, shared, "cart")).toBeUndefined();
      // Nor does a see the legacy tenant's App through that profile.
      expect(
        (await world.api.call("GET", `/v1/tenants/${a.name}/apps/shop?profile=${euProfile}`, { token: developer }))
          .status,
      ).toBe(404);

      // The operator gives the legacy tenant's App no default hostname (shop of <a>-eu would be shop-<a>-eu…, the
      // default of App shop-<a> of tenant eu…), and says so without naming anyone else.
      const status = await eventually("the legacy App's RoutesReady condition", async () => {
        const app = await world.api.kube.get(APP, shared, "shop");
        const conditions = (app.status as { conditions?: { type: string; reason: string; message: string }[] })
          ?.conditions;
        return conditions?.find((c) => c.type === "RoutesReady");
      });
      expect(status).toMatchObject({ reason: "NoDefaultHostname", message: expect.stringMatching(/spec\.routes/) });
      expect(status.message).not.toContain(a.name);
    } finally {
      await world.api.kube.delete(NAMESPACE, undefined, shared).catch(() => {});
      await world.api.kube.delete(PROFILE, undefined, euProfile).catch(() => {});
    }
  });

  it("list only the caller's own tenants, and all of them for platform admins", async () => {
    const [a, b] = world.tenants;
    const mine = await json<{ items: { name: string; role: string }[] }>(
      await world.api.call("GET", "/v1/tenants", { token: await world.token(a.members.developer) }),
    );
    expect(mine.items).toEqual([expect.objectContaining({ name: a.name, role: "developer" })]);
    const outsider = await json<{ items: unknown[] }>(
      await world.api.call("GET", "/v1/tenants", { token: await world.token(OUTSIDER) }),
    );
    expect(outsider.items).toEqual([]);
    const all = await json<{ items: { name: string }[] }>(
      await world.api.call("GET", "/v1/tenants", { token: await world.token(ADMIN) }),
    );
    expect(all.items.map((t) => t.name)).toEqual(expect.arrayContaining([a.name, b.name]));
  });
});

describe("profiles", () => {
  it("are read by everyone and written by platform admins only", async () => {
    const viewer = await world.token(world.tenants[0].members.viewer);
    const list = await json<{ items: { name: string }[] }>(
      await world.api.call("GET", "/v1/profiles", { token: viewer }),
    );
    expect(list.items.map((p) => p.name)).toContain(world.profile);
    const owner = await world.token(world.tenants[0].members.owner);
    const write = await world.api.call("PUT", `/v1/profiles/${world.profile}`, {
      token: owner,
      body: { spec: { baseDomain: "evil.example.com", gateway: { name: "x", namespace: "y" } } },
    });
    expect(write.status).toBe(403);
    expect((await world.api.call("DELETE", `/v1/profiles/${world.profile}`, { token: owner })).status).toBe(403);
  });
});

describe("members", () => {
  it("are managed by admins within their own role, and a tenant keeps an owner", async () => {
    const [a] = world.tenants;
    const admin = await world.token(a.members.admin);
    const promote = await world.api.call("PUT", `/v1/tenants/${a.name}/members/newcomer`, {
      token: admin,
      body: { role: "owner" },
    });
    expect(promote.status).toBe(403);
    const add = await world.api.call("PUT", `/v1/tenants/${a.name}/members/newcomer`, {
      token: admin,
      body: { role: "developer" },
    });
    expect(await json(add)).toMatchObject({ subject: "newcomer", role: "developer" });
    const demoteOwner = await world.api.call("PUT", `/v1/tenants/${a.name}/members/${a.members.owner}`, {
      token: admin,
      body: { role: "viewer" },
    });
    expect(demoteOwner.status).toBe(403);
    const owner = await world.token(a.members.owner);
    const lastOwner = await world.api.call("DELETE", `/v1/tenants/${a.name}/members/${a.members.owner}`, {
      token: owner,
    });
    expect(lastOwner.status).toBe(409);
    expect((await world.api.call("DELETE", `/v1/tenants/${a.name}/members/newcomer`, { token: admin })).status).toBe(
      204,
    );
    const viewerWrite = await world.api.call("PUT", `/v1/tenants/${a.name}/members/x`, {
      token: await world.token(a.members.viewer),
      body: { role: "viewer" },
    });
    expect(viewerWrite.status).toBe(403);
  });
});

describe("apps", () => {
  it("are applied with field manager loco-api and served from the mirror with their status", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const path = `/v1/tenants/${a.name}/apps/api?profile=${world.profile}`;
    const applied = await world.api.call("PUT", path, {
      token: developer,
      body: { spec: world.appSpec("registry.example.com/acme/api:2") },
    });
    expect(applied.status).toBe(200);
    expect(await json(applied)).toMatchObject({ name: "api", tenant: a.name, profile: world.profile, generation: 1 });
    const inCluster = await world.api.kube.get(APP, `${a.name}-${world.profile}`, "api");
    expect(inCluster.metadata.managedFields?.map((f) => (f as { manager: string }).manager)).toContain("loco-api");

    const served = await eventually("the App's status in the mirror", async () => {
      const body = await json<{ status: { conditions?: unknown[] }; ready: string }>(
        await world.api.call("GET", path, { token: await world.token(a.members.viewer) }),
      );
      return body.status?.conditions?.length ? body : undefined;
    });
    expect(served).toMatchObject({ name: "api", spec: { image: "registry.example.com/acme/api:2" } });
    expect(["True", "False", "Unknown"]).toContain(served.ready);

    const updated = await world.api.call("PUT", path, {
      token: developer,
      body: { spec: world.appSpec("registry.example.com/acme/api:3") },
    });
    expect(await json(updated)).toMatchObject({ generation: 2, spec: { image: "registry.example.com/acme/api:3" } });
  });

  it("list in pages from the mirror, optionally by profile", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    for (const name of ["page-1", "page-2", "page-3"]) {
      await world.api.call("PUT", `/v1/tenants/${a.name}/apps/${name}?profile=${world.profile}`, {
        token: developer,
        body: { spec: world.appSpec() },
      });
    }
    const names = await eventually("all Apps in the mirror", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : "";
        const page = await json<{ items: { name: string }[]; nextCursor: string | null }>(
          await world.api.call("GET", `/v1/tenants/${a.name}/apps?limit=2&profile=${world.profile}${query}`, {
            token: developer,
          }),
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      return seen.includes("page-3") && pages >= 2 ? seen : undefined;
    });
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["page-1", "page-2", "page-3", a.app]));
    const bad = await world.api.call("GET", `/v1/tenants/${a.name}/apps?cursor=bogus`, { token: developer });
    expect(bad.status).toBe(400);
  });

  it("refuse status, metadata and mismatched profiles in bodies, naming the field", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const path = `/v1/tenants/${a.name}/apps/sneaky?profile=${world.profile}`;
    for (const extra of [
      { status: { conditions: [] } },
      { metadata: { namespace: "kube-system" } },
      { tenant: "other" },
    ]) {
      const response = await world.api.call("PUT", path, {
        token: developer,
        body: { spec: world.appSpec(), ...extra },
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(/unknown key/);
    }
    const mismatched = await world.api.call("PUT", path, {
      token: developer,
      body: { spec: { ...world.appSpec(), profile: "other" } },
    });
    expect(mismatched.status).toBe(400);
    const invalid = await json<{ errors: { field: string }[] }>(
      await world.api.call("PUT", path, {
        token: developer,
        body: { spec: { ...world.appSpec(), replicas: 2, autoscale: { max: 3 } } },
      }),
    );
    expect(invalid.errors.map((e) => e.field)).toContain("spec.replicas");
    expect(await world.api.kube.find(APP, `${a.name}-${world.profile}`, "sneaky")).toBeUndefined();
  });

  it("are changed by developers and up, not viewers, and deleted", async () => {
    const [a] = world.tenants;
    const path = `/v1/tenants/${a.name}/apps/short?profile=${world.profile}`;
    const viewer = await world.token(a.members.viewer);
    expect((await world.api.call("PUT", path, { token: viewer, body: { spec: world.appSpec() } })).status).toBe(403);
    const developer = await world.token(a.members.developer);
    expect((await world.api.call("PUT", path, { token: developer, body: { spec: world.appSpec() } })).status).toBe(200);
    expect((await world.api.call("DELETE", path, { token: viewer })).status).toBe(403);
    expect((await world.api.call("DELETE", path, { token: developer })).status).toBe(204);
    expect((await world.api.call("DELETE", path, { token: developer })).status).toBe(404);
    await eventually("the deletion in the mirror", async () =>
      (await world.api.call("GET", path, { token: viewer })).status === 404 ? true : undefined,
    );
  });
});

describe("the audit log", () => {
  it("records every mutation with who, what, the request id and the outcome; admins export it", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const requestId = `audit-${Date.now()}`;
    await world.api.call("PUT", `/v1/tenants/${a.name}/apps/audited?profile=${world.profile}`, {
      token: developer,
      body: { spec: world.appSpec() },
      headers: { "x-request-id": requestId },
    });
    const denied = `denied-${Date.now()}`;
    await world.api.call("PUT", `/v1/tenants/${a.name}/apps/audited?profile=${world.profile}`, {
      token: await world.token(a.members.viewer),
      body: { spec: world.appSpec() },
      headers: { "x-request-id": denied },
    });
    const admin = await world.token(a.members.admin);
    const log = await json<{
      items: { requestId: string; actor: string; action: string; target: string; outcome: string }[];
    }>(await world.api.call("GET", `/v1/tenants/${a.name}/audit?limit=100`, { token: admin }));
    expect(log.items.find((e) => e.requestId === requestId)).toMatchObject({
      actor: `oidc:${a.members.developer}`,
      action: "apps.apply",
      target: `App/${world.profile}/audited`,
      outcome: "succeeded",
    });
    expect(log.items.find((e) => e.requestId === denied)).toMatchObject({ outcome: "failed:Forbidden" });
    expect(log.items.some((e) => e.action === "members.put")).toBe(true);

    const csv = await world.api.call("GET", `/v1/tenants/${a.name}/audit/export?format=csv`, { token: admin });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("id,occurredAt,actor,action,target,outcome,requestId,details");
    expect(text).toContain(requestId);
    const exported = await json<unknown[]>(
      await world.api.call("GET", `/v1/tenants/${a.name}/audit/export`, { token: admin }),
    );
    expect(exported.length).toBe(text.trim().split("\r\n").length - 1);
    expect((await world.api.call("GET", `/v1/tenants/${a.name}/audit`, { token: developer })).status).toBe(403);
    // The other tenant's log holds none of this.
    const [, b] = world.tenants;
    const other = await json<{ items: { requestId: string }[] }>(
      await world.api.call("GET", `/v1/tenants/${b.name}/audit?limit=500`, {
        token: await world.token(b.members.owner),
      }),
    );
    expect(other.items.some((e) => e.requestId === requestId || e.requestId === denied)).toBe(false);
  });
});
