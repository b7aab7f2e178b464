import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { ApiClient, ApiRequestError, newRequestId } from "./api-client.ts";
import { fromApiError } from "./session.ts";

// A server that accepts and never answers, and one that answers 429 with a problem.
const silent = createServer(() => {});
const limited = createServer((req, res) => {
  res.writeHead(429, { "content-type": "application/problem+json", "retry-after": "7" });
  res.end(
    JSON.stringify({
      status: 429,
      code: "RateLimited",
      detail: "Too many requests.",
      retryAfterSeconds: 7,
      requestId: req.headers["x-request-id"],
    }),
  );
});
const url = (server: typeof silent) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => limited.listen(0, "127.0.0.1", resolve));
});
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
  limited.close();
});

async function failure(client: ApiClient): Promise<ApiRequestError> {
  try {
    await client.whoAmI();
  } catch (error) {
    if (error instanceof ApiRequestError) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("ApiClient failures and what the user sees", () => {
  it("a server that does not answer in time is a timeout (exit 5)", async () => {
    const error = await failure(new ApiClient({ server: url(silent), token: "loco_x", timeoutMs: 100 }));
    expect(error.failure).toBe("timeout");
    const shown = fromApiError(error, "Could not check who you are") as CliError;
    expect(shown).toBeInstanceOf(CliError);
    expect(shown.exitCode).toBe(5);
    expect(shown.requestId).toBe(error.requestId);
  });

  it("429 keeps the problem's request id and says how long to wait (exit 6)", async () => {
    const error = await failure(new ApiClient({ server: url(limited), token: "loco_x" }));
    expect(error.problem?.code).toBe("RateLimited");
    const shown = fromApiError(error, "Could not list apps") as CliError;
    expect(shown.exitCode).toBe(6);
    expect(shown.fix).toBe("Wait 7 s and retry.");
    expect(shown.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("ApiClient with a renewable token", () => {
  // Accepts only the bearer "fresh"; anything else is a 401 like loco-api's for an expired JWT.
  const seen: string[] = [];
  const strict = createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    const ok = req.headers.authorization === "Bearer fresh";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { subject: "alice", via: "oidc", platformAdmin: false, groups: [] } : { status: 401 }));
  });
  beforeAll(() => new Promise<void>((resolve) => strict.listen(0, "127.0.0.1", resolve)));
  afterAll(() => strict.close());

  it("retries once with a renewed token after a 401", async () => {
    seen.length = 0;
    let renewals = 0;
    const client = new ApiClient({
      server: url(strict),
      tokenSource: {
        get: async () => "stale",
        renew: async () => {
          renewals++;
          return "fresh";
        },
      },
    });
    expect((await client.whoAmI()).subject).toBe("alice");
    expect(seen).toEqual(["Bearer stale", "Bearer fresh"]);
    expect(renewals).toBe(1);
  });

  it("gives up with the 401 when the token cannot be renewed", async () => {
    seen.length = 0;
    const client = new ApiClient({
      server: url(strict),
      tokenSource: { get: async () => "stale", renew: async () => undefined },
    });
    const error = await failure(client);
    expect(error.status).toBe(401);
    expect(seen).toEqual(["Bearer stale"]);
  });
});

describe("newRequestId", () => {
  it("is a version-4 UUID, different every time", () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
