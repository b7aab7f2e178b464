// GET /v1/platform: what `loco platform` shows about the API — its version, the same probes as /readyz, and whether
// pods run on simulated nodes (the local platform says so; a real installation does not). Public, like /readyz.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../api/server.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let simulated: TestApi;
let real: TestApi;

beforeAll(async () => {
  database = await createTestDatabase("platform");
  simulated = await startTestApi({ databaseUrl: database.url, args: ["--simulated-nodes"], consoleDir: "" });
  real = await startTestApi({ databaseUrl: database.url });
});

afterAll(async () => {
  await simulated?.stop();
  await real?.stop();
  await database?.drop();
});

describe("GET /v1/platform", () => {
  it("answers without a credential with the version, each dependency's probe and whether nodes are simulated", async () => {
    const answer = await fetch(`${simulated.url}/v1/platform`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      version: API_VERSION,
      ready: true,
      checks: { database: "ok", kubernetes: "ok" },
      simulatedNodes: true,
      console: { available: false, url: null },
    });
  });

  it("says nothing is simulated on an API started without --simulated-nodes", async () => {
    const body = (await (await fetch(`${real.url}/v1/platform`)).json()) as { simulatedNodes: boolean };
    expect(body.simulatedNodes).toBe(false);
  });
});
