// A deployment's follower reads its outcome and its App's status from one snapshot (getDeploymentWithApp), on a real
// PostgreSQL server where reads and the mirror's writes really overlap. The mirror writes both in one transaction;
// read as two queries, a Failed outcome could come with the status from before it (issue: "failed: RolloutInProgress"
// printed for an aborted rollout). Here a writer changes both together, over and over, each time to a new number,
// while readers check that every answer pairs the deployment with the App status of the same write.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { getDeploymentWithApp } from "../../db/stores/deployments.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle;
const key = { tenant: "acme", namespace: "acme-dev", app: "web", id: "01JDEPLOYMENTSNAPSHOT00000A" };

beforeAll(async () => {
  database = await createTestDatabase("loco_deployment_snapshot");
  handle = await connectDatabase(database.url);
  await migrateToLatest(handle.db);
  const uid = randomUUID();
  await sql`
    INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, status, created_at)
    VALUES (${uid}::uuid, 'App', ${key.namespace}, ${key.app}, ${key.tenant}, '1', '{"image":"web:0"}'::jsonb,
            '{"write":0}'::jsonb, now())`.execute(handle.db);
  await sql`
    INSERT INTO deployments (id, tenant, namespace, app, app_uid, image, spec_hash, created_at, outcome)
    VALUES (${key.id}, ${key.tenant}, ${key.namespace}, ${key.app}, ${uid}::uuid, 'web:0', 'h', now(), 'Progressing')`.execute(
    handle.db,
  );
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe("getDeploymentWithApp", () => {
  it("pairs a deployment with its App's status from the same write, while both change", async () => {
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        writes++;
        const n = writes;
        await handle.db.transaction().execute(async (tx) => {
          await sql`UPDATE resources SET status = jsonb_build_object('write', ${n}::int)
                    WHERE kind = 'App' AND name = ${key.app}`.execute(tx);
          await sql`UPDATE deployments SET image = ${`web:${n}`} WHERE id = ${key.id}`.execute(tx);
        });
      }
    })();
    const mismatches: string[] = [];
    let reads = 0;
    const reader = async () => {
      for (let i = 0; i < 300; i++) {
        const read = await getDeploymentWithApp(handle.db, key);
        reads++;
        const status = read?.app?.status as { write: number } | undefined;
        if (read?.deployment.image !== `web:${status?.write}`) {
          mismatches.push(`${read?.deployment.image} with status ${JSON.stringify(status)}`);
        }
      }
    };
    await Promise.all([reader(), reader(), reader()]);
    writing = false;
    await writer;
    // The readers saw the writes happen (not one frozen state), and never a deployment and a status of two writes.
    expect(writes).toBeGreaterThan(20);
    expect(reads).toBe(900);
    expect(mismatches).toEqual([]);
  });

  it("answers the deployment without an App once the App's row is gone, and nothing for an unknown id", async () => {
    await sql`UPDATE resources SET deleted_at = now() WHERE kind = 'App' AND name = ${key.app}`.execute(handle.db);
    const read = await getDeploymentWithApp(handle.db, key);
    expect(read?.deployment).toMatchObject({ id: key.id, app: key.app, outcome: "Progressing" });
    expect(read?.app).toBeUndefined();
    expect(await getDeploymentWithApp(handle.db, { ...key, id: "01JNOSUCHDEPLOYMENT0000000A" })).toBeUndefined();
  });
});
