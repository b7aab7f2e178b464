import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ApiRequestError } from "./api-client.ts";
import { CliError } from "./cli-error.ts";
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
