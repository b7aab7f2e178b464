// Deploy, progress, rollback, scale, env and timeline through the API, with the real operator and its mirror.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNamespace } from "../../api/tenant-namespaces.ts";
import { SECRET } from "../../kube/resources.ts";
import { startTestApi } from "../support/api-server.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { cannedLogs } from "../support/canned-logs.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;

beforeAll(async () => {
  world = await startApiWorld("dep");
});

afterAll(async () => {
  await world?.stop();
});

const json = async <T = Record<string, unknown>>(response: Response): Promise<T> => (await response.json()) as T;
const worker = (image: string) => ({
  profile: world.profile,
  image,
  resources: { cpu: "10m", memory: "16Mi" },
  replicas: 1,
});

/** Reads a server-sent event stream to its `end` event. */
async function readEvents(response: Response): Promise<{ event: string; data: { outcome: string } }[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event:"))
    .map((block) => {
      const lines = block.split("\n");
      return {
        event: lines[0]!.slice("event: ".length),
        data: JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6)) as { outcome: string },
      };
    });
}

describe("deployments", () => {
  it("return the deployment id at once, stream progress until Available, and list it", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const base = `/v1/tenants/${a.name}/apps/svc`;
    const started = Date.now();
    const response = await world.api.call("POST", `${base}/deployments?profile=${world.profile}`, {
      token: developer,
      body: { spec: worker("registry.example.com/acme/svc:1") },
    });
    expect(response.status).toBe(202);
    const accepted = await json<{ deploymentId: string; events: string; unchanged: boolean }>(response);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(accepted.deploymentId).toMatch(/^[0-9A-Z]{26}$/);

    const stream = await world.api.call("GET", accepted.events, { token: developer });
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readEvents(stream);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { outcome: "Available" } });
    expect(events[0]?.event).toBe("status");

    const one = await json(
      await world.api.call("GET", `${base}/deployments/${accepted.deploymentId}?profile=${world.profile}`, {
        token: developer,
      }),
    );
    expect(one).toMatchObject({
      id: accepted.deploymentId,
      outcome: "Available",
      image: "registry.example.com/acme/svc:1",
    });
    expect(String(one.requestedBy)).toContain(a.members.developer);

    const again = await world.api.call("POST", `${base}/deployments?profile=${world.profile}`, {
      token: developer,
      body: { spec: worker("registry.example.com/acme/svc:1") },
    });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ deploymentId: accepted.deploymentId, unchanged: true });
  });

  it("roll back to an earlier deployment's spec under a new id", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const base = `/v1/tenants/${a.name}/apps/roll`;
    const first = await json<{ deploymentId: string; events: string }>(
      await world.api.call("POST", `${base}/deployments?profile=${world.profile}`, {
        token: developer,
        body: { spec: worker("registry.example.com/acme/roll:1") },
      }),
    );
    await readEvents(await world.api.call("GET", first.events, { token: developer }));
    const second = await json<{ deploymentId: string; events: string }>(
      await world.api.call("POST", `${base}/deployments?profile=${world.profile}`, {
        token: developer,
        body: { spec: worker("registry.example.com/acme/roll:2") },
      }),
    );
    await readEvents(await world.api.call("GET", second.events, { token: developer }));
    const rollback = await world.api.call("POST", `${base}/rollback?profile=${world.profile}`, {
      token: developer,
      body: { deploymentId: first.deploymentId },
    });
    expect(rollback.status).toBe(202);
    const third = await json<{ deploymentId: string; events: string }>(rollback);
    expect(third.deploymentId).not.toBe(first.deploymentId);
    const end = (await readEvents(await world.api.call("GET", third.events, { token: developer }))).at(-1);
    expect(end?.data).toMatchObject({ outcome: "Available", image: "registry.example.com/acme/roll:1" });
    const list = await json<{ items: { id: string; outcome: string }[] }>(
      await world.api.call("GET", `${base}/deployments?profile=${world.profile}`, { token: developer }),
    );
    expect(list.items.map((d) => d.id)).toEqual([third.deploymentId, second.deploymentId, first.deploymentId]);
    const missing = await world.api.call("POST", `${base}/rollback?profile=${world.profile}`, {
      token: developer,
      body: { deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y" },
    });
    expect(missing.status).toBe(404);
  });

  it("are refused with 409 naming only what they request when the cluster lacks the platform's multiple of free capacity", async () => {
    const strict = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: world.idp.audience },
      args: ["--capacity-multiple", "1000"],
    });
    try {
      const [a] = world.tenants;
      const response = await strict.call(
        "POST",
        `/v1/tenants/${a.name}/apps/huge/deployments?profile=${world.profile}`,
        {
          token: await world.token(a.members.developer),
          body: {
            spec: {
              ...worker("registry.example.com/acme/huge:1"),
              replicas: 50,
              resources: { cpu: "64", memory: "256Gi" },
            },
          },
        },
      );
      expect(response.status).toBe(409);
      const text = await response.text();
      const body = JSON.parse(text) as { detail: string; capacity: Record<string, number> };
      expect(body.detail).toBe(
        "This deploy requests 3200000m CPU and 13107200Mi memory in all (replicas × cpu and memory), more than the cluster has room for now, so it was not applied. Lower replicas, cpu or memory and deploy again, or ask a platform admin to add capacity.",
      );
      // Only the tenant's own request: no free CPU or memory of the cluster, no node count, anywhere in the body.
      expect(body.capacity).toEqual({ requestedCpu: 3200, requestedMemoryBytes: 50 * 256 * 2 ** 30 });
      expect(text).not.toMatch(/free|node|readyNodes|multiple/i);
      expect(
        await world.api.kube.find(
          { group: "loco.dev", version: "v1alpha1", kind: "App", plural: "apps", namespaced: true },
          `${a.name}-${world.profile}`,
          "huge",
        ),
      ).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });
});

describe("scale, env and timeline", () => {
  it("scale replicas and resources, validated like a full spec", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const base = `/v1/tenants/${a.name}/apps/${a.app}`;
    const scaled = await world.api.call("POST", `${base}/scale?profile=${world.profile}`, {
      token: developer,
      body: { replicas: 3, cpu: "20m" },
    });
    expect(scaled.status).toBe(200);
    expect(await json(scaled)).toMatchObject({ spec: { replicas: 3, resources: { cpu: "20m", memory: "32Mi" } } });
    const invalid = await world.api.call("POST", `${base}/scale?profile=${world.profile}`, {
      token: developer,
      body: { cpu: "lots" },
    });
    expect(invalid.status).toBe(400);
    const empty = await world.api.call("POST", `${base}/scale?profile=${world.profile}`, {
      token: developer,
      body: {},
    });
    expect(empty.status).toBe(400);
    const viewer = await world.api.call("POST", `${base}/scale?profile=${world.profile}`, {
      token: await world.token(a.members.viewer),
      body: { replicas: 0 },
    });
    expect(viewer.status).toBe(403);
  });

  it("set and unset plain and secret variables; secret values stay out of responses, audit and spec", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const base = `/v1/tenants/${a.name}/apps/${a.app}`;
    const plain = await world.api.call("PATCH", `${base}/env?profile=${world.profile}`, {
      token: developer,
      body: { set: { LOG_LEVEL: "debug", FEATURE: "on" } },
    });
    expect(await json(plain)).toMatchObject({
      env: [
        { name: "LOG_LEVEL", value: "debug" },
        { name: "FEATURE", value: "on" },
      ],
      secrets: [],
    });
    const value = `s3cr3t-${Date.now()}`;
    const secret = await world.api.call("PATCH", `${base}/env?profile=${world.profile}`, {
      token: developer,
      body: { set: { DB_PASSWORD: value }, unset: ["FEATURE"], secret: true },
    });
    const text = await secret.text();
    expect(secret.status).toBe(200);
    expect(text).not.toContain(value);
    expect(JSON.parse(text)).toEqual({
      env: [{ name: "LOG_LEVEL", value: "debug" }],
      secrets: [{ name: "DB_PASSWORD" }],
      declared: [],
    });
    const stored = await world.api.kube.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }>(SECRET, `${a.name}-${world.profile}`, `${a.app}-secrets`);
    expect(Buffer.from(stored.data?.DB_PASSWORD ?? "", "base64").toString()).toBe(value);
    const listed = await eventually("the env in the mirror", async () => {
      const body = await json<{ secrets: { name: string }[] }>(
        await world.api.call("GET", `${base}/env?profile=${world.profile}`, {
          token: await world.token(a.members.viewer),
        }),
      );
      return body.secrets.length > 0 ? body : undefined;
    });
    expect(JSON.stringify(listed)).not.toContain(value);
    const audit = await (
      await world.api.call("GET", `/v1/tenants/${a.name}/audit/export`, { token: await world.token(a.members.admin) })
    ).text();
    expect(audit).toContain("DB_PASSWORD");
    expect(audit).not.toContain(value);
  });

  it("list an App's timeline from the mirror", async () => {
    const [a] = world.tenants;
    const timeline = await eventually("deployment events", async () => {
      const body = await json<{ items: { reason: string }[] }>(
        await world.api.call("GET", `/v1/tenants/${a.name}/apps/svc/timeline?profile=${world.profile}`, {
          token: await world.token(a.members.viewer),
        }),
      );
      return body.items.some((e) => e.reason === "DeploymentAvailable") ? body : undefined;
    });
    expect(timeline.items.map((e) => e.reason)).toContain("DeploymentStarted");
  });

  it("stream an App's logs from every replica as records naming pod and container, ending when not following", async () => {
    const [a] = world.tenants;
    const developer = await world.token(a.members.developer);
    const idleResponse = await world.api.call(
      "POST",
      `/v1/tenants/${a.name}/apps/idle/deployments?profile=${world.profile}`,
      {
        token: developer,
        body: { spec: { ...worker("registry.example.com/acme/idle:1"), replicas: 0 } },
      },
    );
    const idle = await json<{ events: string }>(idleResponse);
    expect(idleResponse.status).toBe(202);
    const idleEvents = await readEvents(await world.api.call("GET", idle.events, { token: developer }));
    expect(idleEvents.at(-1)?.event).toBe("end");
    await eventually("the idle App in the mirror", async () =>
      (await world.api.call("GET", `/v1/tenants/${a.name}/apps/idle?profile=${world.profile}`, { token: developer }))
        .status === 200
        ? true
        : undefined,
    );
    const none = await world.api.call("GET", `/v1/tenants/${a.name}/apps/idle/logs?profile=${world.profile}`, {
      token: developer,
    });
    expect(none.status).toBe(200);
    expect(none.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(await none.text()).toBe("");

    // Canned lines (kwok's kubelet server) for every container "app" in the tenant's namespace.
    const base = Date.now() - 60_000;
    const canned = await cannedLogs({
      namespace: tenantNamespace(a.name, world.profile),
      follow: true,
      containers: {
        app: Array.from({ length: 12 }, (_, i) => ({ time: new Date(base + i * 1000), line: `request ${i}` })),
      },
    });
    try {
      const running = await world.api.call(
        "GET",
        `/v1/tenants/${a.name}/apps/svc/logs?profile=${world.profile}&tail=10`,
        { token: await world.token(a.members.viewer) },
      );
      expect(running.status).toBe(200);
      const records = (await running.text())
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { pod: string; container: string; time: string; line: string });
      const pods = new Set(records.map((r) => r.pod));
      expect(pods.size).toBeGreaterThan(0);
      for (const record of records)
        expect(record).toMatchObject({ pod: expect.stringMatching(/^svc-/), container: "app" });
      // tail=10 per replica: the last ten lines of each, with the kubelet's timestamps.
      for (const pod of pods) {
        const own = records.filter((r) => r.pod === pod);
        expect(own.map((r) => r.line)).toEqual(Array.from({ length: 10 }, (_, i) => `request ${i + 2}`));
        expect(Date.parse(own[0]?.time ?? "")).toBe(base + 2000);
      }

      // Following: a line written after the request arrives; hanging up ends the streams without hurting the API.
      const hangUp = new AbortController();
      const following = await world.api.call(
        "GET",
        `/v1/tenants/${a.name}/apps/svc/logs?profile=${world.profile}&tail=0&follow=true`,
        { token: developer, signal: hangUp.signal },
      );
      const reader = (following.body as ReadableStream<Uint8Array>).getReader();
      // Written until it shows up: the replicas' follows open asynchronously, so an early line could precede them.
      const writer = setInterval(() => canned.append("app", [{ time: new Date(), line: "fresh line" }]), 500);
      let seen = "";
      try {
        while (!seen.includes("fresh line")) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += new TextDecoder().decode(value);
        }
      } finally {
        clearInterval(writer);
      }
      expect(seen).toContain('"line":"fresh line"');
      expect(seen).not.toContain("request 11");
      hangUp.abort();
      await reader.cancel().catch(() => undefined);
      const health = await world.api.call("GET", "/healthz");
      expect(health.status).toBe(200);
    } finally {
      await canned.remove();
    }
    const bad = await world.api.call(
      "GET",
      `/v1/tenants/${a.name}/apps/svc/logs?profile=${world.profile}&since=yesterday`,
      {
        token: developer,
      },
    );
    expect(bad.status).toBe(400);
  });
});
