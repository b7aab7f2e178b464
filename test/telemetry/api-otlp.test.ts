// The API exports to a real OTLP receiver: an OpenTelemetry Collector built from Go modules (hack/otelcol) listens
// on loopback, the API runs in-process over the test run's real Postgres with telemetry pointed at it, and the HTTP
// server spans of its requests (with the Postgres query spans as their children) and the request metrics arrive
// carrying loco.tenant and loco.app. The same metrics are scraped from the API's separate Prometheus listener.
import { Writable } from "node:stream";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedApiTelemetry, startApiTelemetry } from "../../api/telemetry.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import { traceFields } from "../../kube/telemetry.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { eventually } from "../support/kube.ts";
import { type CollectedSpan, type RunningCollector, startCollector } from "../support/otel-collector.ts";

let collector: RunningCollector;
let started: StartedApiTelemetry;
let api: TestApi;
let database: { url: string; drop(): Promise<void> };
const suffix = Math.random().toString(36).slice(2, 8);
const tenant = `otel${suffix}`;
const app = "shop-api";
const route = "/v1/tenants/:tenant/apps/:app/timeline";
const logLines: Record<string, unknown>[] = [];

async function collected<T>(what: string, find: () => T | undefined): Promise<T> {
  return eventually(
    what,
    async () => {
      await started.telemetry.flush();
      return find();
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\ncollector output:\n${collector.output()}`);
  });
}

beforeAll(async () => {
  // The first run on a machine builds the collector (a few minutes); later runs reuse the cached binary.
  collector = await startCollector();
  started = await startApiTelemetry({
    otlpEndpoint: collector.endpoint,
    metricsAddress: { host: "127.0.0.1", port: 0 },
    metricIntervalMs: 500,
  });
  database = await createTestDatabase("loco_otel");
  const log = pino(
    { level: "info", mixin: traceFields },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  api = await startTestApi({
    databaseUrl: database.url,
    log,
    ...(started.server ? { telemetry: started.server } : {}),
  });
  const created = await api.call("POST", "/v1/tenants", {
    token: api.bootstrap,
    body: { name: tenant, owner: "alice" },
  });
  if (created.status !== 201) throw new Error(`Creating tenant ${tenant} failed: ${await created.text()}`);
  // The App has a timeline (the row the operator's mirror writes when it deploys): request metrics name an App only
  // once the route found it.
  await sql`
    INSERT INTO events (tenant, namespace, kind, name, type, reason, message, occurred_at, source_key)
    VALUES (${tenant}, ${`${tenant}-dev`}, 'App', ${app}, 'Normal', 'Deployed', 'Deployed.', now(), ${`otel:${suffix}`})`.execute(
    api.database.db,
  );
  const timeline = await api.call("GET", `/v1/tenants/${tenant}/apps/${app}/timeline?profile=dev`, {
    token: api.bootstrap,
  });
  if (timeline.status !== 200) throw new Error(`The timeline answered ${timeline.status}: ${await timeline.text()}`);
  // A stranger's request names a tenant and app of its choosing: no series may carry them.
  const stranger = await api.call("GET", `/v1/tenants/made-up-${suffix}/apps/x${suffix}/timeline?profile=dev`);
  expect(stranger.status).toBe(401);
}, 900_000);

afterAll(async () => {
  await api?.stop();
  await started?.telemetry.shutdown();
  await collector?.stop();
  await api?.kube.delete(NAMESPACE, undefined, `${tenant}-dev`).catch(() => {});
  await database?.drop();
});

describe("API telemetry at a real collector", () => {
  it("delivers the HTTP server span named after the route, with the tenant and app, and a database span as its child", async () => {
    const server = await collected("the timeline request's server span", () =>
      collector
        .spans()
        .find((s) => s.name === `GET ${route}` && s.attributes["loco.tenant"] === tenant && s.kind === 2),
    );
    expect(server.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": route,
      "http.response.status_code": 200,
      "loco.tenant": tenant,
      "loco.app": app,
    });
    expect(server.resource["service.name"]).toBe("loco-api");
    const queries = await collected("Postgres spans under the server span", () => {
      const children = collector
        .spans()
        .filter(
          (s: CollectedSpan) => s.parentSpanId === server.spanId && s.attributes["db.system.name"] === "postgresql",
        );
      return children.some((s) => s.name.startsWith("pg.query:")) ? children : undefined;
    });
    for (const query of queries) {
      expect(query.traceId).toBe(server.traceId);
      expect(query.kind).toBe(3);
      expect(query.attributes).toMatchObject({ "loco.tenant": tenant, "loco.app": app });
    }
    expect(queries.map((q) => String(q.attributes["db.query.text"]))).toEqual(
      expect.arrayContaining([expect.stringMatching(/\bevents\b/)]),
    );
    // The request's log lines (Fastify's pino logger) carry its trace id, span id, tenant and app.
    const completed = logLines.find((l) => l.msg === "Answered the request" && l.trace_id === server.traceId);
    expect(completed).toMatchObject({ span_id: server.spanId, "loco.tenant": tenant, "loco.app": app });
  });

  it("does not trace probes", async () => {
    expect((await api.call("GET", "/healthz")).status).toBe(200);
    await started.telemetry.flush();
    expect(collector.spans().filter((s) => s.attributes["url.path"] === "/healthz")).toEqual([]);
  });

  it("delivers http.server.request.duration with the route, status, tenant and app; a stranger's names are dropped", async () => {
    const point = await collected("http.server.request.duration for the tenant's App", () =>
      collector.points().find((p) => p.metric === "http.server.request.duration" && p.attributes["loco.app"] === app),
    );
    expect(point.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": route,
      "http.response.status_code": 200,
      "url.scheme": "http",
      "loco.tenant": tenant,
      "loco.app": app,
    });
    expect(point.value).toBeGreaterThanOrEqual(1);
    expect(point.resource["service.name"]).toBe("loco-api");
    const refused = collector
      .points()
      .filter((p) => p.metric === "http.server.request.duration" && p.attributes["http.response.status_code"] === 401);
    expect(refused.length).toBeGreaterThan(0);
    for (const p of refused) {
      expect(p.attributes["loco.tenant"]).toBeUndefined();
      expect(p.attributes["loco.app"]).toBeUndefined();
    }
    // One series under this name: the HTTP instrumentation's own copy is dropped.
    const scopes = new Set(
      collector
        .points()
        .filter((p) => p.metric === "http.server.request.duration")
        .map(
          (p) => p.attributes["http.route"] === undefined && p.attributes["http.response.status_code"] === undefined,
        ),
    );
    expect(scopes.has(true)).toBe(false);
  });

  it("serves the same metrics to Prometheus on a listener of its own, not on the API's port", async () => {
    const address = started.telemetry.metricsAddress;
    expect(address).toBeDefined();
    const text = await (await fetch(`http://127.0.0.1:${address?.port}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith("http_server_request_duration_count{") && l.includes(`loco_tenant="${tenant}"`));
    expect(line).toContain(`loco_app="${app}"`);
    expect(line).toContain(`http_route="${route}"`);
    expect((await api.call("GET", "/metrics")).status).toBe(404);
  });
});
