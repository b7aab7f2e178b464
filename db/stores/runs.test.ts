import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateToLatest } from "../migrate.ts";
import { listRunTimeline } from "./runs.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("a Run's timeline", () => {
  it("orders events of the same instant by id as a number, and pages on without skipping any", async () => {
    // One statement: every row gets the same occurred_at (the transaction's now()), so only the id orders them.
    await sql`INSERT INTO events (tenant, namespace, kind, name, type, reason, message, occurred_at)
      SELECT 'acme', 'acme-dev', 'Run', 'build', 'Normal', 'Test', 'event ' || n, now()
      FROM generate_series(1, 12) AS n`.execute(handle.db);
    const key = { tenant: "acme", namespace: "acme-dev", run: "build" };
    const first = await listRunTimeline(handle.db, { ...key, limit: 5 });
    expect(first.map((e) => e.message)).toEqual(["event 1", "event 2", "event 3", "event 4", "event 5"]);
    const last = first.at(-1);
    const rest = await listRunTimeline(handle.db, { ...key, after: last?.key, limit: 20 });
    expect(rest.map((e) => e.message)).toEqual([
      "event 6",
      "event 7",
      "event 8",
      "event 9",
      "event 10",
      "event 11",
      "event 12",
    ]);
  });
});
