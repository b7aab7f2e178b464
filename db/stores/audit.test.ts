import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateToLatest } from "../migrate.ts";
import { listAudit, writeAudit } from "./audit.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("the audit log", () => {
  it("is newest first by id as a number, across pages (id 10 after 9)", async () => {
    for (let n = 1; n <= 12; n++) {
      await writeAudit(handle.db, {
        tenant: "acme",
        actor: "user:ada",
        action: "apps.deploy",
        target: `web-${n}`,
        outcome: "ok",
        requestId: `r${n}`,
        details: {},
      });
    }
    const first = await listAudit(handle.db, "acme", { limit: 5 });
    expect(first.map((e) => e.target)).toEqual(["web-12", "web-11", "web-10", "web-9", "web-8"]);
    const rest = await listAudit(handle.db, "acme", { before: first.at(-1)?.id, limit: 20 });
    expect(rest.map((e) => e.target)).toEqual(["web-7", "web-6", "web-5", "web-4", "web-3", "web-2", "web-1"]);
  });
});
