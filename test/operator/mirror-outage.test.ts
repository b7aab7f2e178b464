// Postgres goes away for 30 s while 100 Apps are created and reconciled: when it returns, the mirror has every
// one of them, each once, at its latest resourceVersion. Real apiserver, real Postgres server (a private one, so
// that stopping it disturbs no other test file).
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { applyApps, deleteFleet, type Fleet, listAll, prepareFleet } from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";
import { type PrivatePostgres, privateServer } from "../support/postgres-server.ts";

const OUTAGE_MS = 30_000;
const CHANGES = 100;
let postgres: PrivatePostgres;
let operator: RunningOperator;
let fleet: Fleet;
let reader: DatabaseHandle<unknown>;

beforeAll(async () => {
  postgres = await privateServer(process.pid);
  const shard = newShard();
  operator = await startTestOperator(shard, { databaseUrl: postgres.url });
  fleet = await prepareFleet(operator.client, { shard, shardLabel: SHARD_LABEL, apps: CHANGES, namespaces: 2 });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await reader?.close();
  await deleteFleet(operator.client, fleet).catch(() => {});
  await postgres?.stop();
});

describe("the mirror during a database outage", () => {
  it(`loses none of ${CHANGES} changes made while Postgres was down for ${OUTAGE_MS / 1000} s, and records none twice`, async () => {
    await operator.mirror?.drained();
    await postgres.halt();
    const haltedAt = Date.now();
    await applyApps(operator.client, fleet.apps);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - haltedAt))));
    expect(operator.mirror?.stats.failures).toBeGreaterThan(0);
    expect(operator.mirror?.backlog).toBeGreaterThanOrEqual(CHANGES);
    await postgres.resume();

    reader = await connectDatabase(postgres.url);
    await eventually(
      "every App in the mirror at its live resourceVersion",
      async () => {
        const live = await listAll(operator.client, APP, fleet.namespaces);
        const { rows } = await sql<{ uid: string; resource_version: string }>`
          SELECT uid::text, resource_version FROM resources WHERE kind = 'App' AND deleted_at IS NULL`.execute(
          reader.db,
        );
        const mirrored = new Map(rows.map((r) => [r.uid, r.resource_version]));
        return live.length === CHANGES &&
          live.every((app) => mirrored.get(app.metadata.uid ?? "") === app.metadata.resourceVersion)
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const { rows: duplicates } = await sql<{ name: string }>`
      SELECT name FROM resources WHERE deleted_at IS NULL GROUP BY kind, namespace, name HAVING count(*) > 1`.execute(
      reader.db,
    );
    expect(duplicates).toEqual([]);
  }, 180_000);
});
