// Request metrics name an App or Pipeline only once the route found it in the tenant: a viewer reading timelines,
// deployment lists and Pipeline diffs of names that do not exist mints no series. Read from the API's real
// Prometheus /metrics listener, with the real Postgres, apiserver and OpenID Provider.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedApiTelemetry, startApiTelemetry } from "../../api/telemetry.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

const AUDIENCE = "https://api.loco.test";
const suffix = randomBytes(3).toString("hex");
const tenant = `metrics${suffix}`;
const VIEWER = `viewer-${suffix}`;

let started: StartedApiTelemetry;
let database: { url: string; drop(): Promise<void> };
let idp: TestOidcProvider;
let api: TestApi;
let viewer: string;

beforeAll(async () => {
  started = await startApiTelemetry({ otlpEndpoint: undefined, metricsAddress: { host: "127.0.0.1", port: 0 } });
  database = await createTestDatabase("loco_metric_labels");
  idp = await startOidcProvider({ audience: AUDIENCE, identities: [{ id: VIEWER }] });
  api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer: idp.issuer, audience: AUDIENCE },
    ...(started.server ? { telemetry: started.server } : {}),
  });
  const created = await api.call("POST", "/v1/tenants", {
    token: api.bootstrap,
    body: { name: tenant, owner: "alice" },
  });
  expect(created.status, await created.text()).toBe(201);
  const member = await api.call("PUT", `/v1/tenants/${tenant}/members/${VIEWER}`, {
    token: api.bootstrap,
    body: { role: "viewer" },
  });
  expect(member.status, await member.text()).toBe(200);
  viewer = await idp.token(VIEWER);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await started?.telemetry.shutdown();
  await idp?.stop();
  await api?.kube.delete(NAMESPACE, undefined, `${tenant}-dev`).catch(() => {});
  await database?.drop();
});

/** The tenant's request-count series on the API's Prometheus listener. */
async function tenantSeries(): Promise<string[]> {
  const port = started.telemetry.metricsAddress?.port;
  expect(port).toBeDefined();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("http_server_request_duration_count{") && l.includes(`loco_tenant="${tenant}"`))
    .map((l) => l.slice(0, l.lastIndexOf("}") + 1));
}

const get = async (path: string, method = "GET", body?: unknown) => {
  const response = await api.call(method, `/v1/tenants/${tenant}${path}`, { token: viewer, body });
  await response.text();
  return response.status;
};

describe("request metric labels", () => {
  it("do not grow with names of Apps and Pipelines that do not exist", async () => {
    // Each route once, so that its series (without an app) exists before counting.
    expect(await get("/apps/ghost-0/timeline?profile=dev")).toBe(200);
    expect(await get("/apps/ghost-0/deployments?profile=dev")).toBe(200);
    const before = await tenantSeries();
    expect(before.length).toBeGreaterThan(0);

    for (let i = 1; i <= 50; i++) expect(await get(`/apps/ghost-${i}/timeline?profile=dev`)).toBe(200);
    for (let i = 1; i <= 10; i++) expect(await get(`/apps/ghost-${i}/deployments?profile=dev`)).toBe(200);

    const after = await tenantSeries();
    expect(after.filter((l) => l.includes("ghost-"))).toEqual([]);
    expect(after.sort()).toEqual(before.sort());
  });

  it("name an App once the route found it: a timeline with events", async () => {
    // What the operator's mirror records for an App of the tenant (db/mirror.ts writes these rows).
    await sql`
      INSERT INTO events (tenant, namespace, kind, name, type, reason, message, occurred_at, source_key)
      VALUES (${tenant}, ${`${tenant}-dev`}, 'App', 'shop-api', 'Normal', 'Deployed', 'Deployed shop-api.', now(),
              ${`test:${suffix}`})`.execute(api.database.db);
    expect(await get("/apps/shop-api/timeline?profile=dev")).toBe(200);
    const series = await tenantSeries();
    expect(series.some((l) => l.includes('loco_app="shop-api"'))).toBe(true);
  });
});
