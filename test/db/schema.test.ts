// db/schema.ts against the schema the migrations leave on a real PostgreSQL server (the production path); every
// table and column, with its type, nullability and default, read from information_schema.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { SCHEMA_COLUMNS } from "../../db/schema.ts";
import { migratedColumns, SCHEMA_DRIFT_ADVICE, schemaDrift } from "../../db/schema-drift.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase("loco_schema");
  handle = await connectDatabase(database.url);
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

  it("types values as pg returns them: bigint a string, bytea a Buffer, timestamptz a Date, jsonb parsed", async () => {
    await handle.db
      .insertInto("resources")
      .values({
        uid: "00000000-0000-0000-0000-000000000001",
        kind: "App",
        namespace: "acme-prod",
        name: "shop",
        generation: 3,
        resource_version: "1",
        labels: JSON.stringify({ "loco.dev/tenant": "acme" }),
        spec: JSON.stringify({ image: "shop:1" }),
        created_at: "2026-12-05T08:00:00Z",
      })
      .execute();
    const resource = await handle.db.selectFrom("resources").selectAll().executeTakeFirstOrThrow();
    expect(resource.generation).toBe("3");
    expect(resource.labels).toEqual({ "loco.dev/tenant": "acme" });
    expect(resource.spec).toEqual({ image: "shop:1" });
    expect(resource.status).toBeNull();
    expect(resource.created_at).toEqual(new Date("2026-12-05T08:00:00Z"));
    await handle.db
      .insertInto("api_tokens")
      .values({ id: "t1", name: "ci", hash: Buffer.from([1, 2]), role: "platform-admin", created_by: "ann" })
      .execute();
    const token = await handle.db.selectFrom("api_tokens").selectAll().executeTakeFirstOrThrow();
    expect(Buffer.isBuffer(token.hash)).toBe(true);
    expect(token.bound_to_membership).toBe(true);
  });
});
