import { sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { connectDatabase } from "../../db/connect.ts";

describe("the test run's Postgres server", () => {
  it("is a real PostgreSQL server reached through the same Kysely interface as PGlite", async () => {
    const handle = await connectDatabase(inject("databaseUrl"));
    try {
      expect(handle.kind).toBe("postgres");
      const { rows } = await sql<{ version: string; db: string; locks: boolean }>`
        SELECT version() AS version, current_database() AS db, pg_try_advisory_lock(42) AS locks`.execute(handle.db);
      // Advisory locks and a real version string are what pg-mem-like stand-ins lack.
      expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0]?.db).toMatch(/^loco_test/);
      expect(rows[0]?.locks).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
