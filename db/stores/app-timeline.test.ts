import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateToLatest } from "../migrate.ts";
import { listTimeline } from "./app-timeline.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("an App's timeline", () => {
  it("is newest first by event id as a number, across pages (id 10 after 9)", async () => {
    for (let n = 1; n <= 12; n++) {
      await sql`INSERT INTO events (tenant, namespace, kind, name, type, reason, message, occurred_at)
        VALUES ('acme', 'acme-dev', 'App', 'web', 'Normal', 'Test', ${`event ${n}`}, now())`.execute(handle.db);
    }
    const key = { tenant: "acme", namespace: "acme-dev", app: "web" };
    const first = await listTimeline(handle.db, { ...key, limit: 5 });
    expect(first.map((e) => e.message)).toEqual(["event 12", "event 11", "event 10", "event 9", "event 8"]);
    const rest = await listTimeline(handle.db, { ...key, before: first.at(-1)?.id, limit: 20 });
    expect(rest.map((e) => e.message)).toEqual([
      "event 7",
      "event 6",
      "event 5",
      "event 4",
      "event 3",
      "event 2",
      "event 1",
    ]);
  });
});
