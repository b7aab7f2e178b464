// The state mirror inside the operator, against the real apiserver and a real Postgres database.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { createTestDatabase } from "../support/database.ts";
import { deleteFleet, type Fleet, fleetApp, prepareFleet } from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let reader: DatabaseHandle<unknown>;
let operator: RunningOperator;
let fleet: Fleet;

type Row = {
  name: string;
  kind: string;
  tenant: string | null;
  generation: string;
  status: { deploymentId?: string } | null;
  deleted: boolean;
};
const rowsOf = async (name: string) =>
  (
    await sql<Row>`SELECT name, kind, tenant, generation::text, status, deleted_at IS NOT NULL AS deleted
                   FROM resources WHERE name = ${name} ORDER BY created_at`.execute(reader.db)
  ).rows;

beforeAll(async () => {
  database = await createTestDatabase("loco_mirror");
  const shard = newShard();
  operator = await startTestOperator(shard, { databaseUrl: database.url });
  fleet = await prepareFleet(operator.client, { shard, shardLabel: SHARD_LABEL, apps: 0, namespaces: 1 });
  reader = await connectDatabase(database.url);
});

afterAll(async () => {
  await operator?.stop();
  await deleteFleet(operator.client, fleet).catch(() => {});
  await reader?.close();
  await database?.drop();
});

describe("the mirror", () => {
  it("records an App with its tenant, spec and status, and marks it deleted when it goes", async () => {
    const namespace = fleet.namespaces[0] as string;
    await operator.client.apply(APP, fleetApp(fleet, SHARD_LABEL, namespace, "mirrored"), "loco-test");
    const [row] = await eventually("the App's status in the mirror", async () => {
      const rows = await rowsOf("mirrored");
      return rows[0]?.status?.deploymentId ? rows : undefined;
    });
    expect(row).toMatchObject({ kind: "App", tenant: "tenant1", generation: "1", deleted: false });
    const profileRows = await rowsOf(fleet.profile);
    expect(profileRows).toEqual([expect.objectContaining({ kind: "Profile", deleted: false })]);

    // The deployment and the timeline: a row for the deployment id, its start and outcome, the condition
    // transitions, and the operator's own Kubernetes Events about the App.
    const deploymentId = row?.status?.deploymentId;
    const deployment = await eventually("the deployment row to record the outcome", async () => {
      const { rows } = await sql<{ id: string; outcome: string; tenant: string; image: string }>`
        SELECT id, outcome, tenant, image FROM deployments WHERE app = 'mirrored'`.execute(reader.db);
      return rows[0]?.outcome === "Available" ? rows : undefined;
    });
    expect(deployment).toEqual([
      { id: deploymentId, outcome: "Available", tenant: "tenant1", image: expect.stringContaining("mirrored") },
    ]);
    const timeline = await eventually("the timeline to hold a Kubernetes Event about the App", async () => {
      const { rows } = await sql<{ reason: string; actor: string | null; source_key: string }>`
        SELECT reason, actor, source_key FROM events WHERE name = 'mirrored' AND kind = 'App'
        ORDER BY occurred_at, id`.execute(reader.db);
      return rows.some((r) => r.source_key.startsWith("k8s-event:")) ? rows : undefined;
    });
    expect(timeline.map((e) => e.reason)).toEqual(expect.arrayContaining(["DeploymentStarted", "DeploymentAvailable"]));
    expect(timeline.find((e) => e.source_key.startsWith("k8s-event:"))?.actor).toContain("loco-operator");
    expect(new Set(timeline.map((e) => e.source_key)).size).toBe(timeline.length);

    await operator.client.delete(APP, namespace, "mirrored");
    await eventually("the deletion in the mirror", async () =>
      (await rowsOf("mirrored"))[0]?.deleted ? true : undefined,
    );
  });
});
