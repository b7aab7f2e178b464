// Reads the console's pages are built on, against the real API, operator, control plane and Postgres: an App's
// pods (live from the cluster, with the deployment each runs) and a tenant's latest releases; never another
// tenant's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;

beforeAll(async () => {
  world = await startApiWorld("trd");
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const get = async (path: string, subject: string) => world.api.call("GET", path, { token: await world.token(subject) });

describe("an App's pods", () => {
  it("lists each pod with its phase, readiness and the deployment it runs; another tenant gets 404", async () => {
    const [a, b] = world.tenants;
    const path = `/v1/tenants/${a.name}/apps/${a.app}/pods?profile=${world.profile}`;
    const pods = await eventually(
      "the App's pod running",
      async () => {
        const app = (await (
          await get(`/v1/tenants/${a.name}/apps/${a.app}?profile=${world.profile}`, a.members.viewer)
        ).json()) as { status: { deploymentId?: string } };
        const response = await get(path, a.members.viewer);
        expect(response.status).toBe(200);
        const body = (await response.json()) as {
          items: {
            name: string;
            phase: string;
            ready: boolean;
            deploymentId: string | null;
            startedAt: string | null;
          }[];
        };
        const running = body.items.filter((p) => p.phase === "Running" && p.ready);
        return running.length > 0 && app.status.deploymentId
          ? { running, current: app.status.deploymentId }
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    for (const pod of pods.running) {
      expect(pod.name.startsWith(`${a.app}-`)).toBe(true);
      expect(pod.deploymentId).toBe(pods.current);
      expect(pod.startedAt).not.toBeNull();
    }
    // A member of the other tenant, even its owner, finds nothing: the same answer as a tenant that does not exist.
    const foreign = await get(path, b.members.owner);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain(pods.running[0]!.name);
    // A missing App of one's own tenant: 404, not an empty list.
    expect(
      (await get(`/v1/tenants/${a.name}/apps/nothere/pods?profile=${world.profile}`, a.members.viewer)).status,
    ).toBe(404);
  });
});

describe("a tenant's latest releases", () => {
  it("lists the newest releases across the tenant's Apps with App and profile; another tenant gets 404", async () => {
    const [a, b] = world.tenants;
    const image = "registry.example.com/acme/web:2.0.0";
    const applied = await world.api.call("PUT", `/v1/tenants/${a.name}/apps/${a.app}?profile=${world.profile}`, {
      token: await world.token(a.members.developer),
      body: { spec: world.appSpec(image) },
    });
    expect(applied.status).toBe(200);
    const path = `/v1/tenants/${a.name}/releases?limit=1`;
    const response = await get(path, a.members.viewer);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: { app: string; profile: string; number: number; kind: string; changes: { image?: { after: string } } }[];
    };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      app: a.app,
      profile: world.profile,
      kind: "apply",
      changes: { image: { after: image } },
    });
    expect(body.items[0]!.number).toBeGreaterThan(1);
    // The other tenant's list has only its own App's releases; its members get 404 for this tenant's.
    const theirs = (await (await get(`/v1/tenants/${b.name}/releases`, b.members.owner)).json()) as {
      items: { app: string; namespace: string }[];
    };
    expect(theirs.items.length).toBeGreaterThan(0);
    for (const item of theirs.items) expect(item.namespace).toBe(`${b.name}-${world.profile}`);
    expect((await get(path, b.members.owner)).status).toBe(404);
    expect((await get(`/v1/tenants/${a.name}/releases?limit=0`, a.members.viewer)).status).toBe(400);
  });
});
