// Reads the console's pages are built on, against the real API, operator, control plane and Postgres: an App's
// pods (live from the cluster, with the deployment each runs), never another tenant's.
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
