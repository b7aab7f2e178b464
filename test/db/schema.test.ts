// db/schema.ts against the schema the migrations leave on a real PostgreSQL server (the production path); every
// table and column, with its type, nullability and default, read from information_schema.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { SCHEMA_COLUMNS } from "../../db/schema.ts";
import { migratedColumns, SCHEMA_DRIFT_ADVICE, schemaDrift } from "../../db/schema-drift.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle<unknown>;

beforeAll(async () => {
  database = await createTestDatabase("loco_schema");
  handle = await connectDatabase<unknown>(database.url);
  await migrateToLatest(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe("db/schema.ts on PostgreSQL", () => {
  it("describes every table and column the migrations create", async () => {
    const migrated = await migratedColumns(handle.db);
    expect(Object.keys(migrated).sort()).toEqual(Object.keys(SCHEMA_COLUMNS).sort());
    expect(schemaDrift(migrated), SCHEMA_DRIFT_ADVICE).toEqual([]);
  });
});
