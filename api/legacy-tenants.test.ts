import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { reportLegacyTenants } from "./legacy-tenants.ts";
import { createTenant } from "./store/tenants.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("reportLegacyTenants", () => {
  it("finds the tenants named before the tenant-name rule and logs them once for the platform", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    expect(await reportLegacyTenants(handle.db, log)).toEqual([]);
    expect(lines).toEqual([]);
    for (const name of ["acme", "acme-eu", "api-acme"])
      await createTenant(handle.db, { name, displayName: "" }, undefined);
    expect(await reportLegacyTenants(handle.db, log)).toEqual(["acme-eu", "api-acme"]);
    expect(lines).toEqual([expect.objectContaining({ level: 40, tenants: ["acme-eu", "api-acme"], count: 2 })]);
  });
});
