// Limits that keep one caller from exhausting the API: /readyz probes its dependencies at most once per interval
// however many ask (counted at the real apiserver client), and event streams and log follows are capped per
// credential and per tenant, with slots given back when the client hangs up or the stream ends. Against the real
// operator, control plane, Postgres and OpenID Provider.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READINESS_TTL_MS } from "../../api/routes/health.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
/** A second API over the same database and cluster, with small stream limits. */
let limited: TestApi;
let tenant: string;
let developer: string;
let viewer: string;

const resources = { cpu: "10m", memory: "16Mi" };
const hang = {
  tasks: [
    {
      name: "wait",
      image: "registry.example.com/ci/wait:1",
      resources,
      podAnnotations: { "loco.dev/test-hold": "true" },
    },
  ],
};

beforeAll(async () => {
  world = await startApiWorld("lim");
  tenant = world.tenants[0].name;
  developer = await world.token(world.tenants[0].members.developer);
  viewer = await world.token(world.tenants[0].members.viewer);
  limited = await startTestApi({
    databaseUrl: world.databaseUrl,
    oidc: { issuer: world.idp.issuer, audience: world.idp.audience },
    args: ["--streams-per-credential", "2", "--streams-per-tenant", "3"],
  });
  const pipeline = await world.api.call("PUT", `/v1/tenants/${tenant}/pipelines/hang?profile=${world.profile}`, {
    token: developer,
    body: { spec: hang },
  });
  expect(pipeline.status, await pipeline.text()).toBe(200);
}, 240_000);

afterAll(async () => {
  for (const stream of opened) stream.abort();
  for (const run of runs) {
    await world.api
      .call("POST", `/v1/tenants/${tenant}/runs/${run}/cancel?profile=${world.profile}`, { token: developer })
      .catch(() => undefined);
  }
  await limited?.stop();
  await world?.stop();
}, 180_000);

/** Starts a Run that holds until cancelled, and waits for it in the mirror. */
async function hangingRun(): Promise<string> {
  const response = await world.api.call("POST", `/v1/tenants/${tenant}/pipelines/hang/runs?profile=${world.profile}`, {
    token: developer,
    body: {},
  });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  const name = (JSON.parse(text) as { name: string }).name;
  await eventually(`Run ${name} in the mirror`, async () =>
    (await world.api.call("GET", `/v1/tenants/${tenant}/runs/${name}?profile=${world.profile}`, { token: viewer }))
      .status === 200
      ? true
      : undefined,
  );
  runs.push(name);
  return name;
}

interface OpenStream {
  response: Response;
  abort(): void;
  /** Resolves with the body once it ended (the server closed it, or it was aborted: then empty). */
  ended: Promise<string>;
}

/** Every stream opened, so that a failed test leaves none open (the servers' close would wait for them). */
const opened: OpenStream[] = [];
/** Runs started, cancelled at the end. */
const runs: string[] = [];

/** Opens a stream on the limited API; resolves once its status and headers arrived. */
async function open(path: string, token: string): Promise<OpenStream> {
  const controller = new AbortController();
  opened.push({ abort: () => controller.abort() } as OpenStream);
  const response = await limited.call("GET", `/v1/tenants/${tenant}${path}`, { token, signal: controller.signal });
  const ended = response.text().catch(() => "");
  return { response, abort: () => controller.abort(), ended };
}

type Problem = { code: string; detail: string; limit: string; max: number; retryAfterSeconds: number };

async function refused(stream: OpenStream): Promise<Problem> {
  expect(stream.response.status).toBe(429);
  expect(stream.response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(stream.response.headers.get("retry-after")).toBe("10");
  return JSON.parse(await stream.ended) as Problem;
}

describe("/readyz under a flood", () => {
  it("probes its dependencies once per interval however many callers ask at once", async () => {
    let apiserverRequests = 0;
    const counted = await startTestApi({
      databaseUrl: world.databaseUrl,
      kubeMetrics: {
        observe: () => {
          apiserverRequests++;
        },
      },
    });
    try {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 50 }, () => counted.call("GET", "/readyz")));
      const elapsed = Date.now() - started;
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      expect(await answers[0]!.json()).toEqual({ status: "ok", checks: { database: "ok", kubernetes: "ok" } });
      // One probe for the whole flood (two if it straddled an interval on a slow machine), not fifty.
      expect(apiserverRequests).toBeGreaterThanOrEqual(1);
      expect(apiserverRequests).toBeLessThanOrEqual(1 + Math.floor(elapsed / READINESS_TTL_MS));
      const before = apiserverRequests;
      await new Promise((resolve) => setTimeout(resolve, READINESS_TTL_MS + 100));
      expect((await counted.call("GET", "/readyz")).status).toBe(200);
      expect(apiserverRequests).toBe(before + 1);
    } finally {
      await counted.stop();
    }
  });
});

describe("concurrent streams", () => {
  it("are capped per credential and per tenant with 429, and slots come back when clients hang up or streams end", async () => {
    const run = await hangingRun();
    const events = `/runs/${run}/events?profile=${world.profile}`;
    const follow = `/runs/${run}/logs?follow=true&profile=${world.profile}`;

    const first = await open(events, developer);
    const second = await open(follow, developer);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const overCredential = await refused(await open(events, developer));
    expect(overCredential).toMatchObject({
      code: "RateLimited",
      limit: "streams-per-credential",
      max: 2,
      retryAfterSeconds: 10,
    });
    expect(overCredential.detail).toMatch(/at most 2 event streams and log follows at once\. Close one/);

    // Another member of the tenant has slots of their own, up to the tenant's cap.
    const third = await open(events, viewer);
    expect(third.response.status).toBe(200);
    const overTenant = await refused(await open(follow, viewer));
    expect(overTenant).toMatchObject({ code: "RateLimited", limit: "streams-per-tenant", max: 3 });
    expect(overTenant.detail).toContain(`Too many open streams in tenant ${tenant}: at most 3`);
    expect(overTenant.detail).toContain("--streams-per-tenant");

    // Another tenant is not held back by this one's streams.
    const [, b] = world.tenants;
    const other = await limited.call("GET", `/v1/tenants/${b.name}/apps/${b.app}/logs?profile=${world.profile}`, {
      token: await world.token(b.members.developer),
    });
    expect(other.status).toBe(200);
    await other.text();

    // The client hanging up gives its slot back.
    first.abort();
    await first.ended;
    const reopened = await eventually("a slot after the client hung up", async () => {
      const attempt = await open(events, developer);
      if (attempt.response.status === 200) return attempt;
      await attempt.ended;
      return undefined;
    });
    expect(reopened.response.status).toBe(200);

    // The Run ends: every stream of it ends by itself, and gives its slot back.
    const cancel = await world.api.call("POST", `/v1/tenants/${tenant}/runs/${run}/cancel?profile=${world.profile}`, {
      token: developer,
    });
    expect(cancel.status).toBe(202);
    await Promise.all([second.ended, third.ended, reopened.ended]);
    const next = await hangingRun();
    const again = [
      await open(`/runs/${next}/events?profile=${world.profile}`, developer),
      await open(`/runs/${next}/logs?follow=true&profile=${world.profile}`, developer),
      await open(`/runs/${next}/events?profile=${world.profile}`, viewer),
    ];
    expect(again.map((s) => s.response.status)).toEqual([200, 200, 200]);
    for (const stream of again) stream.abort();
    await world.api.call("POST", `/v1/tenants/${tenant}/runs/${next}/cancel?profile=${world.profile}`, {
      token: developer,
    });
  });
});
