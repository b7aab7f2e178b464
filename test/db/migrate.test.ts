// The same migrations on a real PostgreSQL server (the production path), including two replicas at once.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest, migrations } from "../../db/migrate.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const handles: DatabaseHandle[] = [];

beforeAll(async () => {
  database = await createTestDatabase("loco_migrate");
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await database.drop();
});

describe("migrations on PostgreSQL", () => {
  it("run once when two replicas start together", async () => {
    const [a, b] = await Promise.all([connectDatabase(database.url), connectDatabase(database.url)]);
    handles.push(a, b);
    const [ra, rb] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
    const applied = [...(ra.results ?? []), ...(rb.results ?? [])]
      .filter((r) => r.status === "Success")
      .map((r) => r.migrationName);
    expect(applied.sort()).toEqual(Object.keys(migrations).sort());
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(a.db);
    expect(rows[0]?.n).toBe(Object.keys(migrations).length);
    const { rows: tables } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`.execute(a.db);
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["resources", "events", "secret_versions", "audit_log"]),
    );
  });
});
