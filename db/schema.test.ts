// db/schema.ts against the schema the migrations leave on embedded PGlite (test/db/schema.test.ts does the same on
// a PostgreSQL server).
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { SCHEMA_COLUMNS } from "./schema.ts";
import { migratedColumns, SCHEMA_DRIFT_ADVICE, schemaDrift } from "./schema-drift.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

/** The drift the check reports while `change` (DDL, as a later migration would run it) is in effect. */
async function driftDuring(change: string): Promise<string[]> {
  const rollback = new Error("roll back");
  let drift: string[] = [];
  await handle.db
    .transaction()
    .execute(async (tx) => {
      await sql.raw(change).execute(tx);
      drift = schemaDrift(await migratedColumns(tx));
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return drift;
}

describe("db/schema.ts on embedded PGlite", () => {
  it("describes every table and column the migrations create", async () => {
    const migrated = await migratedColumns(handle.db);
    expect(Object.keys(migrated).sort()).toEqual(Object.keys(SCHEMA_COLUMNS).sort());
    expect(schemaDrift(migrated), SCHEMA_DRIFT_ADVICE).toEqual([]);
  });

  it("types values as PGlite returns them: bigint a number, bytea a Uint8Array, timestamptz a Date", async () => {
    await handle.db
      .insertInto("secret_versions")
      .values({
        tenant: "acme",
        namespace: "acme-prod",
        app: "shop",
        key: "k",
        version: 1,
        ciphertext: Buffer.from([1, 2]),
        wrapped_key: Buffer.from([3]),
        key_id: "k1",
      })
      .execute();
    const row = await handle.db.selectFrom("secret_versions").selectAll().executeTakeFirstOrThrow();
    expect(typeof row.id).toBe("number");
    expect(row.ciphertext).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(row.ciphertext)).toBe(false);
    expect(row.created_at).toBeInstanceOf(Date);
    expect(row.deleted_at).toBeNull();
  });

  it.each([
    ["ALTER TABLE resources ADD COLUMN owner text", ['resources.owner ("text null") is missing from db/schema.ts.']],
    [
      "ALTER TABLE task_logs DROP COLUMN pod",
      ['task_logs.pod is in db/schema.ts ("text default") but not in the migrations.'],
    ],
    [
      "ALTER TABLE tenants RENAME COLUMN display_name TO title",
      [
        'tenants.title ("text default") is missing from db/schema.ts.',
        'tenants.display_name is in db/schema.ts ("text default") but not in the migrations.',
      ],
    ],
    [
      "ALTER TABLE deployments ALTER COLUMN image DROP NOT NULL",
      ['deployments.image is "text null" after the migrations but "text" in db/schema.ts.'],
    ],
    [
      "ALTER TABLE events ALTER COLUMN reason SET DEFAULT ''",
      ['events.reason is "text default" after the migrations but "text" in db/schema.ts.'],
    ],
    [
      "ALTER TABLE secret_versions ALTER COLUMN version TYPE bigint",
      ['secret_versions.version is "bigint" after the migrations but "integer" in db/schema.ts.'],
    ],
    [
      "CREATE TABLE app_notes (id text PRIMARY KEY)",
      ["Table app_notes is created by the migrations but missing from db/schema.ts."],
    ],
    ["DROP TABLE task_logs", ["Table task_logs is in db/schema.ts but the migrations create no such table."]],
  ])("reports drift when a migration runs %s", async (change, drift) => {
    expect(await driftDuring(change)).toEqual(drift);
  });
});
