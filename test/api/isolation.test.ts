// The tenant isolation matrix: two tenants × four roles (OIDC users, plus an API token per tenant) × every
// tenant-scoped endpoint of the OpenAPI document × {own, foreign, missing} ids. Zero cross-tenant 2xx; a foreign
// tenant's objects answer exactly like missing ones; platform-admin endpoints (domain grants among them) refuse
// everyone else, and a Profile shows each tenant only its own domain grants.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../api/auth/principal.ts";
import { RUN_CREDENTIAL_ROUTES } from "../../api/authz/run-scope.ts";
import { APP, PIPELINE } from "../../crds/kinds.ts";
import { ADMIN, type ApiWorld, OUTSIDER, startApiWorld, type TenantFixture } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";
import { startRunWithCredential } from "../support/run-credential.ts";

let world: ApiWorld;
let routes: { method: string; path: string; operationId: string }[];
/** A token (and its id) per tenant, minted by its owner. */
const tokens = new Map<string, { id: string; secret: string }>();

beforeAll(async () => {
  world = await startApiWorld("iso");
  const document = (await (await world.api.call("GET", "/openapi.json")).json()) as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  routes = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operationId: operation.operationId,
    })),
  );
  for (const tenant of world.tenants) {
    const response = await world.api.call("POST", `/v1/tenants/${tenant.name}/tokens`, {
      token: await world.token(tenant.members.owner),
      body: { name: "matrix", role: "owner" },
    });
    const minted = (await response.json()) as { token: { id: string }; secret: string };
    tokens.set(tenant.name, { id: minted.token.id, secret: minted.secret });
  }
});

afterAll(async () => {
  await world?.stop();
});

/** Lowest role each tenant-scoped operation needs (api/authz/permissions.ts, as users see it). */
/** Tenant-scoped endpoints for platform admins only: every tenant role is refused them (403). */
const PLATFORM_ONLY = new Set(["deleteTenant"]);

const minimum: Record<string, Role> = {
  getTenant: "viewer",
  listApps: "viewer",
  getApp: "viewer",
  applyApp: "developer",
  deleteApp: "developer",
  listMembers: "viewer",
  putMember: "admin",
  removeMember: "admin",
  listTokens: "developer",
  createToken: "developer",
  revokeToken: "developer",
  rotateToken: "developer",
  listAudit: "admin",
  exportAudit: "admin",
  deployApp: "developer",
  diffDeployment: "viewer",
  rollbackApp: "developer",
  listDeployments: "viewer",
  getDeployment: "viewer",
  watchDeployment: "viewer",
  scaleApp: "developer",
  getAppEnv: "viewer",
  setAppEnv: "developer",
  appTimeline: "viewer",
  listReleases: "viewer",
  getRelease: "viewer",
  rollbackRelease: "developer",
  promoteRelease: "developer",
  listTenantReleases: "viewer",
  listSecrets: "viewer",
  appLogs: "viewer",
  listAppPods: "viewer",
  getRollout: "viewer",
  promoteRollout: "developer",
  abortRollout: "developer",
  appMetrics: "viewer",
  execInApp: "developer",
  execInAppInteractive: "developer",
  listPipelines: "viewer",
  getPipeline: "viewer",
  applyPipeline: "developer",
  diffPipeline: "viewer",
  deletePipeline: "developer",
  listPipelineSecrets: "viewer",
  setPipelineSecrets: "developer",
  startRun: "developer",
  createRun: "developer",
  listRuns: "viewer",
  getRun: "viewer",
  watchRun: "viewer",
  cancelRun: "developer",
  rerunRun: "developer",
  listWebhooks: "developer",
  createWebhook: "admin",
  getWebhook: "developer",
  deleteWebhook: "admin",
  testWebhook: "admin",
  listWebhookDeliveries: "developer",
  runTimeline: "viewer",
  runLogs: "viewer",
};
const rank = ["viewer", "developer", "admin", "owner"];
/**
 * Operations that create what they name (or, like diffPipeline and diffDeployment, accept a name that does not exist
 * yet): with a
 * fresh id they succeed; the others answer 404 for it.
 */
const creates = new Set([
  "applyApp",
  "putMember",
  "createToken",
  "deployApp",
  "diffDeployment",
  "applyPipeline",
  "diffPipeline",
  "createRun",
  "createWebhook",
]);
/** Reads of one object by an id that is never the caller's own in the matrix (a missing id): 404 when allowed. */
const readsById = new Set([
  "getDeployment",
  "watchDeployment",
  "getPipeline",
  "listPipelineSecrets",
  "getRun",
  "watchRun",
  "runLogs",
  "getRelease",
  "getWebhook",
  "listWebhookDeliveries",
]);
/** Reads of a source this world does not configure (no --metrics-url): 503 for the caller's own App when allowed. */
const unconfigured = new Set(["appMetrics"]);
/**
 * WebSocket sessions: a plain request (as the matrix sends) is refused 400 once the caller may have one; the session
 * itself, and another tenant's member opening one, are tried in test/api/exec-interactive.test.ts.
 */
const upgradesOnly = new Set(["execInAppInteractive"]);
/** A release number no App of the matrix reaches. */
const MISSING_RELEASE = "999999";
const pipelineSpec = {
  tasks: [{ name: "matrix", image: "registry.example.com/acme/matrix:1", resources: { cpu: "10m", memory: "16Mi" } }],
};

const MISSING_TOKEN_ID = "01JD6Z7Q5V8K2M4N6P8R0T2W4Y";
let fresh = 0;

interface Ids {
  tenant: string;
  app: string;
  subject: string;
  id: string;
}

function request(route: { method: string; path: string; operationId: string }, ids: Ids) {
  const path = route.path
    .replace("{tenant}", ids.tenant)
    .replace("{app}", ids.app)
    .replace("{subject}", encodeURIComponent(ids.subject))
    .replace("{id}", ids.id)
    .replace("{release}", MISSING_RELEASE)
    .replace("{pipeline}", ids.app)
    .replace("{run}", ids.app);
  const query =
    (/\/(apps|pipelines|runs)/.test(route.path) ? `?profile=${world.profile}` : "") +
    (route.operationId === "execInAppInteractive" ? "&command=sh" : "");
  const body =
    route.operationId === "applyApp" || route.operationId === "deployApp" || route.operationId === "diffDeployment"
      ? { spec: world.appSpec() }
      : route.operationId === "rollbackApp"
        ? { deploymentId: MISSING_TOKEN_ID }
        : route.operationId === "scaleApp"
          ? { replicas: 1 }
          : route.operationId === "setAppEnv" || route.operationId === "setPipelineSecrets"
            ? { set: { MATRIX: "x" } }
            : route.operationId === "putMember"
              ? { role: "viewer" }
              : route.operationId === "createToken"
                ? { name: "matrix", role: "viewer" }
                : route.operationId === "applyPipeline" || route.operationId === "diffPipeline"
                  ? { spec: pipelineSpec }
                  : route.operationId === "startRun" || route.operationId === "rerunRun"
                    ? {}
                    : route.operationId === "execInApp"
                      ? { command: ["sh", "-c", "echo matrix"] }
                      : route.operationId === "createWebhook"
                        ? // A public address (TEST-NET-3): allowed by the SSRF rule; nothing is ever sent from here.
                          { url: "https://203.0.113.10/matrix" }
                        : route.operationId === "createRun"
                          ? {
                              task: {
                                image: "registry.example.com/acme/matrix:1",
                                resources: { cpu: "10m", memory: "16Mi" },
                              },
                            }
                          : undefined;
  const promotion = { from: world.profile, to: `${world.profile}x` };
  return {
    method: route.method,
    url: `${path}${query}`,
    body: route.operationId === "promoteRelease" ? promotion : body,
  };
}

/** What a client can see of an error, with the tenant's and objects' names masked. */
async function shape(response: Response, names: string[]) {
  const text = await response.text();
  let masked = text;
  for (const name of names) masked = masked.split(name).join("<name>");
  const body = JSON.parse(masked || "null") as Record<string, unknown> | null;
  if (body) delete body.requestId;
  return { status: response.status, contentType: response.headers.get("content-type"), body };
}

type Caller = { label: string; tenant: TenantFixture; role: Role; token: () => Promise<string> };

function callers(): Caller[] {
  return world.tenants.flatMap((tenant) => [
    ...(["viewer", "developer", "admin", "owner"] as const).map((role) => ({
      label: `${tenant.name}/${role} (OIDC)`,
      tenant,
      role,
      token: () => world.token(tenant.members[role]),
    })),
    {
      label: `${tenant.name}/owner (API token)`,
      tenant,
      role: "owner" as Role,
      token: async () => tokens.get(tenant.name)!.secret,
    },
  ]);
}

describe("the tenant isolation matrix", () => {
  it("covers every tenant-scoped endpoint", () => {
    const scoped = routes.filter((r) => r.path.startsWith("/v1/tenants/{tenant}"));
    expect(
      scoped
        .map((r) => r.operationId)
        .filter((id) => !PLATFORM_ONLY.has(id))
        .sort(),
    ).toEqual(Object.keys(minimum).sort());
    // A tenant-scoped endpoint no tenant role may call is tried in "refuses platform-admin endpoints" below.
    expect(scoped.filter((r) => PLATFORM_ONLY.has(r.operationId)).map((r) => r.operationId)).toEqual([
      ...PLATFORM_ONLY,
    ]);
  });

  it("answers a foreign tenant's objects exactly like missing ones, and never with 2xx", async () => {
    const scoped = routes.filter((r) => r.path.startsWith("/v1/tenants/{tenant}") && !PLATFORM_ONLY.has(r.operationId));
    const missingTenant = `isoz-${world.profile.slice(1, 7)}`;
    let checked = 0;
    for (const caller of callers()) {
      const token = await caller.token();
      const other = world.tenants.find((t) => t !== caller.tenant)!;
      for (const route of scoped) {
        const n = fresh++;
        const foreignIds: Ids = {
          tenant: other.name,
          app: creates.has(route.operationId) ? `matrix-f${n}` : other.app,
          subject: creates.has(route.operationId) ? `matrix-f${n}` : other.members.viewer,
          id: tokens.get(other.name)!.id,
        };
        const missingIds: Ids = { ...foreignIds, tenant: missingTenant };
        const foreign = request(route, foreignIds);
        const missing = request(route, missingIds);
        const a = await world.api.call(foreign.method, foreign.url, { token, body: foreign.body });
        const b = await world.api.call(missing.method, missing.url, { token, body: missing.body });
        const label = `${caller.label} ${route.method} ${route.path} (foreign vs missing)`;
        expect(a.status, label).toBe(404);
        expect(await shape(a, [other.name, missingTenant]), label).toEqual(await shape(b, [other.name, missingTenant]));
        checked++;
      }
    }
    expect(checked).toBe(callers().length * scoped.length);
  });

  it("answers another tenant's object ids in the caller's own tenant exactly like missing ids", async () => {
    const objectRoutes = routes.filter(
      (r) => /\{(app|subject|id|pipeline|run)\}/.test(r.path) && !creates.has(r.operationId),
    );
    for (const caller of callers()) {
      const token = await caller.token();
      const other = world.tenants.find((t) => t !== caller.tenant)!;
      for (const route of objectRoutes) {
        const label = `${caller.label} ${route.method} ${route.path} (own tenant, foreign id)`;
        const foreign = request(route, {
          tenant: caller.tenant.name,
          app: other.app === caller.tenant.app ? "never-there" : other.app,
          subject: other.members.viewer,
          id: tokens.get(other.name)!.id,
        });
        const missing = request(route, {
          tenant: caller.tenant.name,
          app: "never-there",
          subject: "never-there",
          id: MISSING_TOKEN_ID,
        });
        const a = await world.api.call(foreign.method, foreign.url, { token, body: foreign.body });
        const b = await world.api.call(missing.method, missing.url, { token, body: missing.body });
        const names = [other.app, other.members.viewer, tokens.get(other.name)!.id, "never-there", MISSING_TOKEN_ID];
        const seen = await shape(a, names);
        expect(seen, label).toEqual(await shape(b, names));
        // History lists of an App name answer an empty page, never another tenant's entries.
        if (seen.status < 300) expect(seen.body, label).toEqual({ items: [], nextCursor: null });
      }
    }
  });

  it("lets each role do in its own tenant exactly what the permission table allows", async () => {
    const scoped = routes.filter((r) => r.path.startsWith("/v1/tenants/{tenant}") && !PLATFORM_ONLY.has(r.operationId));
    for (const caller of callers()) {
      const token = await caller.token();
      for (const route of scoped) {
        const n = fresh++;
        const reading = route.method === "GET";
        const ids: Ids = {
          tenant: caller.tenant.name,
          app: reading ? caller.tenant.app : `matrix-o${n}`,
          subject: reading ? caller.tenant.members.viewer : `matrix-o${n}`,
          id: MISSING_TOKEN_ID,
        };
        const call = request(route, ids);
        const response = await world.api.call(call.method, call.url, { token, body: call.body });
        const allowed = rank.indexOf(caller.role) >= rank.indexOf(minimum[route.operationId]!);
        const label = `${caller.label} ${route.method} ${route.path} (own)`;
        if (!allowed) expect(response.status, label).toBe(403);
        else if (unconfigured.has(route.operationId)) expect(response.status, label).toBe(503);
        else if (upgradesOnly.has(route.operationId)) expect(response.status, label).toBe(400);
        else if ((reading && !readsById.has(route.operationId)) || creates.has(route.operationId))
          expect(response.status, label).toBeLessThan(300);
        else expect(response.status, label).toBe(404);
      }
    }
  });

  it("left nothing behind in the other tenant", async () => {
    for (const tenant of world.tenants) {
      const { rows } = await sql<{ subject: string }>`
        SELECT subject FROM members WHERE tenant = ${tenant.name} AND subject LIKE 'matrix-f%'`.execute(
        world.api.database.db,
      );
      expect(rows).toEqual([]);
      const foreignTokens = await sql<{ id: string }>`
        SELECT id FROM api_tokens WHERE tenant = ${tenant.name}
          AND created_by NOT IN (${sql.join(Object.values(tenant.members))})`.execute(world.api.database.db);
      expect(foreignTokens.rows).toEqual([]);
      const apps = await world.api.kube.list(APP, `${tenant.name}-${world.profile}`);
      expect(apps.items.map((a) => a.metadata.name).filter((name) => name?.startsWith("matrix-f"))).toEqual([]);
      const pipelines = await world.api.kube.list(PIPELINE, `${tenant.name}-${world.profile}`);
      expect(pipelines.items.map((p) => p.metadata.name).filter((name) => name?.startsWith("matrix-f"))).toEqual([]);
      // The matrix's own tokens are still live: no foreign revoke or rotate reached them.
      const own = tokens.get(tenant.name)!;
      expect((await world.api.call("GET", "/v1/whoami", { token: own.secret })).status).toBe(200);
    }
  });

  it("refuses platform-admin endpoints to every tenant role and outsiders, with 403", async () => {
    const everyone = [...callers().map((c) => c.token), () => world.token(OUTSIDER)];
    for (const token of everyone) {
      const bearer = await token();
      const attempts = [
        world.api.call("POST", "/v1/tenants", { token: bearer, body: { name: "nevercreated" } }),
        world.api.call("PUT", `/v1/profiles/${world.profile}`, {
          token: bearer,
          body: { spec: { baseDomain: "evil.example.com", gateway: { name: "x", namespace: "y" } } },
        }),
        world.api.call("DELETE", `/v1/profiles/${world.profile}`, { token: bearer }),
        world.api.call("DELETE", "/v1/bootstrap-token", { token: bearer }),
        world.api.call("DELETE", `/v1/tenants/${world.tenants[0].name}?force=true`, { token: bearer }),
      ];
      for (const response of await Promise.all(attempts)) expect(response.status).toBe(403);
    }
    const adminView = await world.api.call("GET", "/v1/tenants/nevercreated", { token: await world.token(ADMIN) });
    expect(adminView.status).toBe(404);
  });

  it("refuses domain grants to anyone but a platform admin, and shows each tenant only its own grants", async () => {
    const admin = await world.token(ADMIN);
    const current = (await (await world.api.call("GET", `/v1/profiles/${world.profile}`, { token: admin })).json()) as {
      spec: Record<string, unknown>;
    };
    const grants = world.tenants.map((t) => ({ tenant: t.name, domains: [`${t.name}.grants.example.org`] }));
    const withGrants = { spec: { ...current.spec, domainGrants: grants } };
    // A tenant granting itself a domain (or taking another's) is a platform-admin write: 403 for every tenant role.
    for (const caller of callers()) {
      const selfGrant = {
        spec: { ...current.spec, domainGrants: [{ tenant: caller.tenant.name, domains: ["example.org"] }] },
      };
      const response = await world.api.call("PUT", `/v1/profiles/${world.profile}`, {
        token: await caller.token(),
        body: selfGrant,
      });
      expect(response.status, caller.label).toBe(403);
    }
    expect(
      (await world.api.call("PUT", `/v1/profiles/${world.profile}`, { token: admin, body: withGrants })).status,
    ).toBe(200);
    const grantsSeen = async (token: string) => {
      const one = (await (await world.api.call("GET", `/v1/profiles/${world.profile}`, { token })).json()) as {
        spec: { domainGrants?: { tenant: string }[] };
      };
      const page = (await (await world.api.call("GET", "/v1/profiles?limit=100", { token })).json()) as {
        items: { name: string; spec: { domainGrants?: { tenant: string }[] } }[];
      };
      const listed = page.items.find((p) => p.name === world.profile);
      expect(listed?.spec.domainGrants ?? []).toEqual(one.spec.domainGrants ?? []);
      return (one.spec.domainGrants ?? []).map((g) => g.tenant);
    };
    await eventually("the grants in the mirror", async () =>
      (await grantsSeen(admin)).length === grants.length ? true : undefined,
    );
    expect(await grantsSeen(admin)).toEqual(world.tenants.map((t) => t.name));
    for (const caller of callers()) {
      expect(await grantsSeen(await caller.token()), caller.label).toEqual([caller.tenant.name]);
    }
    expect(await grantsSeen(await world.token(OUTSIDER))).toEqual([]);
  });

  it("gives an outsider nothing of either tenant", async () => {
    const outsider = await world.token(OUTSIDER);
    for (const tenant of world.tenants) {
      for (const path of [
        `/v1/tenants/${tenant.name}`,
        `/v1/tenants/${tenant.name}/apps`,
        `/v1/tenants/${tenant.name}/members`,
      ]) {
        expect((await world.api.call("GET", path, { token: outsider })).status).toBe(404);
      }
    }
  });

  it("lets a Run's credential deploy only the App its Pipeline lists, in its own tenant, and do nothing else", async () => {
    const [own, other] = world.tenants;
    const held = await startRunWithCredential(world, own, "matrix-held");
    const scoped = routes.filter((r) => r.path.startsWith("/v1/tenants/{tenant}"));
    let permitted = 0;
    for (const route of scoped) {
      for (const target of [own, other]) {
        for (const app of [target.app, `matrix-r${fresh++}`]) {
          const call = request(route, {
            tenant: target.name,
            app,
            subject: target.members.viewer,
            id: MISSING_TOKEN_ID,
          });
          const response = await world.api.call(call.method, call.url, { token: held.token, body: call.body });
          const label = `run credential ${route.method} ${route.path} (${target === own ? "own" : "other"} tenant, ${app})`;
          const allowed =
            target === own &&
            app === own.app &&
            route.path.includes("{app}") &&
            RUN_CREDENTIAL_ROUTES.has(route.operationId);
          if (!allowed) {
            expect(response.status, label).toBe(403);
            continue;
          }
          permitted++;
          // Allowed: the App itself, a deploy of it, and 404 for a deployment id it does not have.
          expect([200, 202, 404], label).toContain(response.status);
        }
      }
    }
    expect(permitted).toBe(RUN_CREDENTIAL_ROUTES.size);
    await held.end();
    await eventually("the Run's credential to stop working", async () =>
      (
        await world.api.call("GET", `/v1/tenants/${own.name}/apps/${own.app}?profile=${world.profile}`, {
          token: held.token,
        })
      ).status === 401
        ? true
        : undefined,
    );
  });
});
