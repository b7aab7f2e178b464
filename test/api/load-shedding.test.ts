// The API under a burst, against the real operator, control plane, Postgres and OpenID Provider:
// - deploys beyond the cluster-write slots wait in a bounded line and are otherwise answered 503 with Retry-After,
//   having changed nothing — never 500 or 504 — and the CLI's client deploys them once it retried;
// - followers of one App's logs opened at once share one namespace and pod lookup: the API's own Kubernetes client
//   (its request hook, as loco-api counts rest_client requests) sees a handful of requests, not two per follower.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_LOOKUP_TTL_MS } from "../../api/shared-app-lookup.ts";
import { tenantNamespace } from "../../api/tenant-namespaces.ts";
import { ApiClient } from "../../cli/client/api-client.ts";
import { APP } from "../../crds/kinds.ts";
import { POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { cannedLogs } from "../support/canned-logs.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let tenant: string;
let namespace: string;
let developer: string;

beforeAll(async () => {
  world = await startApiWorld("shed");
  tenant = world.tenants[0].name;
  namespace = tenantNamespace(tenant, world.profile);
  developer = await world.token(world.tenants[0].members.developer);
}, 240_000);

afterAll(async () => {
  await world?.stop();
}, 180_000);

const spec = (replicas: number) => ({
  profile: world.profile,
  image: "registry.example.com/acme/burst:1",
  resources: { cpu: "10m", memory: "16Mi" },
  replicas,
});

type Problem = { code: string; detail: string; retryAfterSeconds: number; notStarted: boolean };

describe("a burst of deploys", () => {
  let shedding: TestApi;
  beforeAll(async () => {
    // One slot and a short line: a burst of 24 must overflow it on any machine.
    shedding = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: world.idp.audience },
      args: ["--cluster-writes", "1", "--cluster-write-wait", "300ms", "--rate-limit-per-token", "100000"],
    });
  });
  afterAll(async () => {
    await shedding?.stop();
  });

  it("is answered 2xx or 503 with Retry-After having changed nothing, never 500 or 504; the CLI's client retries the 503s", async () => {
    const apps = Array.from({ length: 24 }, (_, i) => `burst${i}`);
    const answers = await Promise.all(
      apps.map(async (app) => {
        const response = await shedding.call(
          "POST",
          `/v1/tenants/${tenant}/apps/${app}/deployments?profile=${world.profile}`,
          { token: developer, body: { spec: spec(0) } },
        );
        return {
          app,
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          text: await response.text(),
        };
      }),
    );
    const statuses = answers.map((a) => a.status);
    expect(
      statuses.filter((s) => s !== 202 && s !== 503),
      JSON.stringify(answers.map((a) => a.text)),
    ).toEqual([]);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(statuses).toContain(202);
    for (const answer of shed) {
      const problem = JSON.parse(answer.text) as Problem;
      expect(problem).toMatchObject({ code: "Unavailable", notStarted: true });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBe(problem.retryAfterSeconds);
      expect(problem.detail).toMatch(/changed nothing\. Retry after \d+s/);
      // Shed before anything was written: the App was never applied.
      expect(await world.api.kube.find(APP, namespace, answer.app)).toBeUndefined();
    }
    // The attempt is in the tenant's audit log as refused, like any other refusal.
    const audit = await world.api.call("GET", `/v1/tenants/${tenant}/audit?limit=200`, {
      token: await world.token(world.tenants[0].members.owner),
    });
    const entries = ((await audit.json()) as { items: { action: string; outcome: string }[] }).items;
    expect(entries.filter((e) => e.action === "apps.deploy" && e.outcome === "failed:Unavailable").length).toBe(
      shed.length,
    );

    // `loco deploy`'s client waits the Retry-After (spread at random) and asks again: the shed deploys sent again,
    // with new ones to make another burst of 24 against one slot (8 at once could all fit in the line's 300 ms on
    // a quiet machine, and were not shed), are shed in turn and retried until every one went through.
    const retries: string[] = [];
    const cli = new ApiClient({
      server: shedding.url,
      token: developer,
      log: { path: undefined, write: (message) => retries.push(message) },
    });
    const again = [...shed.map((a) => a.app), ...apps.map((app) => `again-${app}`)].slice(0, apps.length);
    const retried = await Promise.all(again.map((app) => cli.deployApp(tenant, app, world.profile, spec(0))));
    expect(retried.map((r) => r.unchanged)).toEqual(again.map(() => false));
    expect(retries.filter((m) => m === "Retrying after the server's Retry-After").length).toBeGreaterThan(0);
    for (const app of again) expect(await world.api.kube.find(APP, namespace, app)).toBeDefined();
  }, 180_000);
});

describe("log followers opened at once", () => {
  let counted: TestApi;
  let apiserverRequests = 0;
  beforeAll(async () => {
    counted = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: world.idp.audience },
      args: ["--streams-per-credential", "100", "--streams-per-tenant", "100"],
      kubeMetrics: {
        observe: () => {
          apiserverRequests++;
        },
      },
    });
  });
  afterAll(async () => {
    await counted?.stop();
  });

  it("share one namespace and pod lookup per App, and each gets every replica's lines", async () => {
    const deployed = await world.api.call(
      "POST",
      `/v1/tenants/${tenant}/apps/tail/deployments?profile=${world.profile}`,
      {
        token: developer,
        body: { spec: spec(2) },
      },
    );
    expect(deployed.status, await deployed.text()).toBe(202);
    await eventually("2 running pods of App tail", async () => {
      const pods = await world.api.kube.list<KubeObject & { status?: { phase?: string } }>(POD, namespace, {
        labelSelector: "loco.dev/app=tail",
      });
      return pods.items.filter((p) => p.status?.phase === "Running").length === 2 ? true : undefined;
    });
    await eventually("App tail in the mirror", async () =>
      (await counted.call("GET", `/v1/tenants/${tenant}/apps/tail?profile=${world.profile}`, { token: developer }))
        .status === 200
        ? true
        : undefined,
    );
    const canned = await cannedLogs({ namespace, follow: true, containers: { app: [] } });
    const hangUp = new AbortController();
    try {
      const followers = 40;
      const before = apiserverRequests;
      const started = Date.now();
      const opened = await Promise.all(
        Array.from({ length: followers }, () =>
          counted.call("GET", `/v1/tenants/${tenant}/apps/tail/logs?profile=${world.profile}&follow=true&tail=0`, {
            token: developer,
            signal: hangUp.signal,
          }),
        ),
      );
      const elapsed = Date.now() - started;
      const lookups = apiserverRequests - before;
      expect(opened.map((r) => r.status)).toEqual(Array(followers).fill(200));
      // Two requests (the namespace, the pods) per lookup, one lookup per TTL at most; 2 × 40 without sharing.
      expect(lookups).toBeGreaterThanOrEqual(2);
      expect(lookups).toBeLessThanOrEqual(2 * (1 + Math.ceil(elapsed / APP_LOOKUP_TTL_MS)));
      expect(lookups).toBeLessThan(followers);

      // Each follower gets the line from both replicas.
      const writer = setInterval(() => canned.append("app", [{ time: new Date(), line: "shared line" }]), 500);
      try {
        await Promise.all(
          opened.map(async (response) => {
            const reader = (response.body as ReadableStream<Uint8Array>).getReader();
            const pods = new Set<string>();
            let buffer = "";
            while (pods.size < 2) {
              const { value, done } = await reader.read();
              if (done) throw new Error("a follower's stream ended");
              buffer += new TextDecoder().decode(value);
              const lines = buffer.split("\n");
              buffer = lines.pop() ?? "";
              for (const line of lines) {
                const record = JSON.parse(line) as { pod: string; line: string };
                if (record.line === "shared line") pods.add(record.pod);
              }
            }
          }),
        );
      } finally {
        clearInterval(writer);
      }
    } finally {
      hangUp.abort();
      await canned.remove();
    }
  }, 180_000);
});
