// Objects of a lost cluster, as the API and the CLI show them. The real operator mirrors the test tenant's live App
// (stamped with this cluster's kube-system uid); beside it, rows the mirror kept from another cluster — an App that
// cluster last reported Ready/Available, a Pipeline and a Run in progress — and an App row written before rows
// recorded their cluster. The API answers the other cluster's objects as lost (readiness not claimed, reason Lost),
// the rest as before; `loco ls` and `loco status` (the CLI's sources, run as a user runs them) show `Lost` and what
// restores it.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readClusterUid } from "../../kube/cluster-identity.ts";
import { type ApiWorld, startApiWorld, type TenantFixture } from "../support/api-world.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";

let world: ApiWorld;
let tenant: TenantFixture;
let namespace: string;
let currentUid: string;
let loco: Loco;
let home: string;
const oldCluster = randomUUID();

const readyAvailable = {
  observedGeneration: 1,
  url: "http://gone-old.apps.example.com",
  deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Available",
      message: "1 of 1 replicas are ready.",
      lastTransitionTime: "2026-12-01T10:00:00Z",
    },
  ],
};

/** A mirror row as the operator's mirror writes it, from the cluster `clusterUid`. */
async function mirrorRow(row: { kind: string; name: string; clusterUid: string | null; spec: object; status: object }) {
  await world.api.database.db
    .insertInto("resources")
    .values({
      uid: randomUUID(),
      api_version: "loco.dev/v1alpha1",
      kind: row.kind,
      namespace,
      name: row.name,
      tenant: tenant.name,
      generation: 1,
      resource_version: "4711",
      labels: JSON.stringify({}),
      annotations: JSON.stringify({}),
      spec: JSON.stringify(row.spec),
      status: JSON.stringify(row.status),
      created_at: new Date().toISOString(),
      cluster_uid: row.clusterUid,
    })
    .execute();
}

async function get<T>(path: string): Promise<T> {
  const response = await world.api.call("GET", path, { token: await world.token(tenant.members.viewer) });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

type Summary = { name: string; lost: boolean | null; ready?: string; reason: string | null; message: string | null };

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, { home, env: { LOCO_TENANT: tenant.name }, timeoutMs: 60_000, ...(stdin ? { stdin } : {}) });
}

beforeAll(async () => {
  world = await startApiWorld("lost");
  tenant = world.tenants[0];
  namespace = `${tenant.name}-${world.profile}`;
  currentUid = await readClusterUid(world.api.kube);
  const appSpec = world.appSpec("registry.example.com/acme/gone:1.0.0");
  await mirrorRow({ kind: "App", name: "gone", clusterUid: oldCluster, spec: appSpec, status: readyAvailable });
  await mirrorRow({ kind: "App", name: "legacy", clusterUid: null, spec: appSpec, status: readyAvailable });
  await mirrorRow({
    kind: "Pipeline",
    name: "nightly",
    clusterUid: oldCluster,
    spec: { tasks: [{ name: "build", image: "registry.example.com/ci/build:1" }] },
    status: { conditions: [{ type: "Ready", status: "True", reason: "Valid", message: "" }] },
  });
  await mirrorRow({
    kind: "Run",
    name: "nightly-abc12345",
    clusterUid: oldCluster,
    spec: { pipelineRef: { name: "nightly" } },
    status: {
      startTime: "2026-12-01T10:00:00Z",
      conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }],
    },
  });
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-lost-home-"));
  const minted = await world.api.call("POST", `/v1/tenants/${tenant.name}/tokens`, {
    token: await world.token(tenant.members.developer),
    body: { name: "lost", role: "viewer" },
  });
  const { secret } = (await minted.json()) as { secret: string };
  const login = await user(["login", world.api.url, "--token-stdin"], secret);
  expect(login.code, shown(login)).toBe(0);
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe("objects of a lost cluster", () => {
  it("the live App was mirrored from the cluster the API talks to", async () => {
    const row = await world.api.database.db
      .selectFrom("resources")
      .select("cluster_uid")
      .where("kind", "=", "App")
      .where("namespace", "=", namespace)
      .where("name", "=", tenant.app)
      .where("deleted_at", "is", null)
      .executeTakeFirstOrThrow();
    expect(row.cluster_uid).toBe(currentUid);
    expect(oldCluster).not.toBe(currentUid);
  });

  it("lists a lost App as lost, without its old cluster's readiness; the others as before", async () => {
    const page = await get<{ items: Summary[] }>(`/v1/tenants/${tenant.name}/apps`);
    const byName = new Map(page.items.map((item) => [item.name, item]));
    expect([...byName.keys()].sort()).toEqual(["gone", "legacy", tenant.app].sort());
    expect(byName.get("gone")).toMatchObject({ lost: true, ready: "Unknown", reason: "Lost" });
    expect(byName.get("gone")?.message).toMatch(/^App gone is not in the current cluster: .*`npm start` does\)\.$/);
    expect(byName.get("legacy")).toMatchObject({ lost: false, ready: "True", reason: "Available" });
    expect(byName.get(tenant.app)?.lost).toBe(false);
  });

  it("gets a lost App as lost, keeping the status its old cluster last reported", async () => {
    const app = await get<Summary & { status: typeof readyAvailable }>(
      `/v1/tenants/${tenant.name}/apps/gone?profile=${world.profile}`,
    );
    expect(app).toMatchObject({ lost: true, ready: "Unknown", reason: "Lost" });
    expect(app.status.conditions[0]?.reason).toBe("Available");
    const live = await get<Summary>(`/v1/tenants/${tenant.name}/apps/${tenant.app}?profile=${world.profile}`);
    expect(live.lost).toBe(false);
  });

  it("answers a lost Pipeline and an unfinished lost Run as lost", async () => {
    const pipelines = await get<{ items: Summary[] }>(`/v1/tenants/${tenant.name}/pipelines`);
    expect(pipelines.items.find((p) => p.name === "nightly")).toMatchObject({
      lost: true,
      ready: "Unknown",
      reason: "Lost",
    });
    const pipeline = await get<Summary>(`/v1/tenants/${tenant.name}/pipelines/nightly?profile=${world.profile}`);
    expect(pipeline).toMatchObject({ lost: true, ready: "Unknown", reason: "Lost" });
    const runs = await get<{ items: Summary[] }>(`/v1/tenants/${tenant.name}/runs`);
    expect(runs.items.find((r) => r.name === "nightly-abc12345")).toMatchObject({ lost: true, reason: "Lost" });
    const run = await get<Summary>(`/v1/tenants/${tenant.name}/runs/nightly-abc12345?profile=${world.profile}`);
    expect(run).toMatchObject({ lost: true, reason: "Lost" });
    expect(run.message).toContain("records it as interrupted");
  });

  it("shows another tenant nothing of them", async () => {
    const other = world.tenants[1];
    const response = await world.api.call("GET", `/v1/tenants/${tenant.name}/apps/gone?profile=${world.profile}`, {
      token: await world.token(other.members.owner),
    });
    expect(response.status).toBe(404);
    const theirs = await world.api.call("GET", `/v1/tenants/${other.name}/apps`, {
      token: await world.token(other.members.owner),
    });
    expect(((await theirs.json()) as { items: Summary[] }).items.map((a) => a.name)).toEqual([other.app]);
  });

  it("`loco ls` shows the lost App as Lost, with one line on what it means and what to do", async () => {
    const result = await user(["ls"]);
    expect(result.code, shown(result)).toBe(0);
    const rows = result.stdout.split("\n");
    const gone = rows.find((line) => line.startsWith("gone "));
    expect(gone, shown(result)).toMatch(new RegExp(`^gone\\s+${world.profile}\\s+Lost\\s+-\\s+-$`));
    expect(rows.find((line) => line.startsWith("legacy "))).toMatch(/\sTrue\s+Available\s/);
    expect(result.stdout).not.toMatch(/^gone\s.*True/m);
    expect(rows.filter((line) => line.startsWith("Lost: "))).toEqual([
      `Lost: gone (${world.profile}) is not in the current cluster: what loco shows is the mirror's last record from a cluster that was replaced or wiped. The resurrector restores it (on the local platform, \`npm start\` does).`,
    ]);
    const json = await user(["ls", "-o", "json"]);
    expect(json.code, shown(json)).toBe(0);
    const items = (JSON.parse(json.stdout) as { items: Summary[] }).items;
    expect(items.find((a) => a.name === "gone")?.lost).toBe(true);
    expect(items.find((a) => a.name === "legacy")?.lost).toBe(false);
  });

  it("`loco status` of a lost App says Lost, and labels the conditions as the lost cluster's", async () => {
    const result = await user(["status", "gone", "--profile", world.profile]);
    expect(result.code, shown(result)).toBe(0);
    expect(result.stdout).toMatch(/^Ready: +Lost$/m);
    expect(result.stdout).toMatch(/^URL: +-$/m);
    expect(result.stdout).toMatch(/^Lost: gone \(.+\) is not in the current cluster: .*`npm start` does\)\.$/m);
    expect(result.stdout).toContain("Conditions (last reported by the lost cluster):");
    const json = await user(["status", "gone", "--profile", world.profile, "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: "gone", lost: true, ready: "Unknown", reason: "Lost" });
  });
});
