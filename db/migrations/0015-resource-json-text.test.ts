import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateBefore, migrateToLatest } from "../migrate.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  // The database as it stood before 0015, with mirrored rows in it.
  await migrateBefore(handle.db, "0015");
  await sql`
    INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, status, created_at) VALUES
      (gen_random_uuid(), 'App', 'acme-dev', 'web', 'acme', '1', '{"image": "web:1", "profile": "dev"}'::jsonb,
       '{"conditions": [{"type": "RoutesReady", "status": "True"}, {"type": "Ready", "status": "False", "reason": "Degraded"}]}'::jsonb,
       now()),
      (gen_random_uuid(), 'App', 'acme-dev', 'bare', 'acme', '1', '{"image": "x:1"}'::jsonb, NULL, now())`.execute(
    handle.db,
  );
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

type Texts = { name: string; spec_json: string | null; status_json: string | null; ready_condition: unknown };
const texts = async () =>
  (
    await sql<Texts>`
      SELECT name, spec_json::text, status_json::text, ready_condition FROM resources ORDER BY name`.execute(handle.db)
  ).rows;

describe("migration 0015 (spec and status as json text, the Ready condition)", () => {
  it("fills the columns of rows mirrored before it, and keeps them in step with every later write", async () => {
    const before = await texts();
    expect(before).toEqual([
      { name: "bare", spec_json: '{"image": "x:1"}', status_json: null, ready_condition: null },
      {
        name: "web",
        spec_json: '{"image": "web:1", "profile": "dev"}',
        status_json: expect.stringContaining('"reason": "Degraded"'),
        ready_condition: { type: "Ready", status: "False", reason: "Degraded" },
      },
    ]);
    await sql`UPDATE resources SET status = '{"conditions": [{"type": "Ready", "status": "True"}]}'::jsonb
              WHERE name = 'bare'`.execute(handle.db);
    const after = await texts();
    expect(after[0]).toMatchObject({
      status_json: '{"conditions": [{"type": "Ready", "status": "True"}]}',
      ready_condition: { type: "Ready", status: "True" },
    });
    // The text is the jsonb's own rendering, so it parses to exactly the stored value.
    for (const row of after) {
      const { rows } = await sql<{ spec: unknown; status: unknown }>`
        SELECT spec, status FROM resources WHERE name = ${row.name}`.execute(handle.db);
      expect(JSON.parse(row.spec_json ?? "null")).toEqual(rows[0]?.spec);
      expect(row.status_json === null ? null : JSON.parse(row.status_json)).toEqual(rows[0]?.status);
    }
  });

  it("refuses a write to a generated column", async () => {
    await expect(sql`UPDATE resources SET spec_json = '{}'::json`.execute(handle.db)).rejects.toThrow(/spec_json/);
  });
});
