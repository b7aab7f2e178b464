// The API server's plumbing against a real Postgres and kube-apiserver: health, OpenAPI, request ids, problem
// bodies, body limits, rate limits, the bootstrap token and graceful shutdown.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: TestApi;

beforeAll(async () => {
  database = await createTestDatabase("loco_api_server");
  api = await startTestApi({ databaseUrl: database.url, args: ["--body-limit", "4kb"] });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const expectProblem = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, requestId: response.headers.get("x-request-id") });
  expect(typeof body.detail).toBe("string");
  return body;
};

describe("the API server", () => {
  it("answers health and readiness, checking the database and the apiserver", async () => {
    expect(await (await api.call("GET", "/healthz")).json()).toEqual({ status: "ok" });
    const ready = await api.call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", checks: { database: "ok", kubernetes: "ok" } });
  });

  it("serves an OpenAPI 3.1 document naming every route, with bearer security", async () => {
    const response = await api.call("GET", "/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/v1/auth/config",
        "/v1/tenants",
        "/v1/tenants/{tenant}/apps/{app}",
        "/v1/tenants/{tenant}/tokens/{id}/rotate",
        "/v1/profiles/{profile}",
      ]),
    );
    const put = document.paths["/v1/tenants/{tenant}/apps/{app}"]?.put;
    expect(put?.operationId).toBe("applyApp");
    // The request body schema is the App spec's, generated from the same zod schema as the CRD.
    expect(JSON.stringify(put?.requestBody)).toContain("autoscale");
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("echoes a well-formed X-Request-ID and replaces one that is not", async () => {
    const given = await api.call("GET", "/healthz", { headers: { "x-request-id": "req-123.abc" } });
    expect(given.headers.get("x-request-id")).toBe("req-123.abc");
    const injected = await api.call("GET", "/healthz", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(injected.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await api.call("GET", "/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown routes, missing credentials and malformed bodies with problem details", async () => {
    await expectProblem(await api.call("GET", "/v1/nothing-here"), 404, "NotFound");
    for (const method of ["DELETE", "QUERY", "PATCH"]) {
      const wrongMethod = await api.call(method, "/v1/whoami");
      expect(wrongMethod.headers.get("allow")).toBe("GET");
      await expectProblem(wrongMethod, 405, "MethodNotAllowed");
    }
    const anonymous = await expectProblem(await api.call("GET", "/v1/tenants"), 401, "Unauthenticated");
    expect(anonymous.detail).toMatch(/Authorization: Bearer/);
    const token = api.bootstrap!;
    await expectProblem(
      await api.call("POST", "/v1/tenants", {
        token,
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
      400,
      "InvalidRequest",
    );
    await expectProblem(
      await api.call("POST", "/v1/tenants", { token, body: "name=x", headers: { "content-type": "text/plain" } }),
      415,
      "UnsupportedMediaType",
    );
    const invalid = await expectProblem(
      await api.call("POST", "/v1/tenants", { token, body: { name: "Not_A_Name", role: "owner" } }),
      400,
      "InvalidRequest",
    );
    expect(invalid.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "name" }),
        expect.objectContaining({ field: "role", message: expect.stringMatching(/unknown key/) }),
      ]),
    );
  });

  it("refuses bodies over the limit with 413", async () => {
    const body = { name: "big", displayName: "x".repeat(8 * 1024) };
    await expectProblem(await api.call("POST", "/v1/tenants", { token: api.bootstrap!, body }), 413, "PayloadTooLarge");
  });

  it("prints a platform-admin bootstrap token on first start only", async () => {
    expect(api.bootstrap).toMatch(/^loco_[A-Za-z0-9_-]{43}$/);
    const me = await api.call("GET", "/v1/whoami", { token: api.bootstrap! });
    expect(await me.json()).toMatchObject({ via: "token", platformAdmin: true, token: { role: "platform-admin" } });
    const second = await startTestApi({ databaseUrl: database.url });
    try {
      expect(second.bootstrap).toBeUndefined();
    } finally {
      await second.stop();
    }
    // Only the hash is stored.
    const { rows } = await api.database.db
      .selectFrom("api_tokens" as never)
      .select(["hash" as never])
      .execute()
      .then((rows) => ({ rows: rows as { hash: Buffer }[] }));
    expect(rows.some((r) => r.hash.toString("utf8").includes(api.bootstrap!))).toBe(false);
  });

  it("rate-limits per address and per credential with 429 and Retry-After", async () => {
    const limited = await startTestApi({
      databaseUrl: database.url,
      args: ["--rate-limit-per-ip", "1000", "--rate-limit-per-token", "3", "--rate-limit-window", "1m"],
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await limited.call("GET", "/v1/whoami", { token: api.bootstrap! })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.call("GET", "/v1/whoami", { token: api.bootstrap! });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      await expectProblem(refused, 429, "RateLimited");
      // Another credential from the same address still gets through.
      expect((await limited.call("GET", "/v1/whoami", { token: "loco_unknown" })).status).toBe(401);
    } finally {
      await limited.stop();
    }
    const perIp = await startTestApi({ databaseUrl: database.url, args: ["--rate-limit-per-ip", "2"] });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await perIp.call("GET", "/v1/auth/config")).status);
      expect(statuses).toEqual([200, 200, 429]);
      // Probes are never limited.
      expect((await perIp.call("GET", "/healthz")).status).toBe(200);
    } finally {
      await perIp.stop();
    }
  });

  it("finishes a request in flight when it shuts down, and refuses new connections afterwards", async () => {
    const closing = await startTestApi({ databaseUrl: database.url });
    const body = JSON.stringify({ name: "Not_A_Name" });
    // Headers sent, body not yet: the request is in flight when shutdown begins.
    const answer = new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      const req = request(
        `${closing.url}/v1/tenants`,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${api.bootstrap}`,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 5));
      req.flushHeaders();
      setTimeout(() => {
        const stopped = closing.stop();
        setTimeout(() => req.end(body.slice(5)), 100);
        stopped.catch(reject);
      }, 100);
    });
    const { status, connection, text } = await answer;
    expect(status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ code: "InvalidRequest" });
    expect(connection).toBe("close");
    await expect(closing.call("GET", "/healthz")).rejects.toThrow();
  });
});
