import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateToLatest } from "../migrate.ts";
import { listAllClusterResources } from "./resources.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
  for (const name of ["dev", "eu-prod", "prod", "qa", "staging"]) {
    await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, created_at)
      VALUES (gen_random_uuid(), 'Profile', '', ${name}, '', '1', '{}', now())`.execute(handle.db);
  }
  // Neither a deleted Profile nor another kind may show.
  await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, created_at, deleted_at)
    VALUES (gen_random_uuid(), 'Profile', '', 'gone', '', '1', '{}', now(), now())`.execute(handle.db);
  await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, created_at)
    VALUES (gen_random_uuid(), 'Namespace', '', 'acme-dev', 'acme', '1', '{}', now())`.execute(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("listAllClusterResources", () => {
  it("reads every live resource of the kind, page after page, whatever the page size", async () => {
    const all = ["dev", "eu-prod", "prod", "qa", "staging"];
    for (const pageSize of [1, 2, 5, 1000]) {
      const rows = await listAllClusterResources(handle.db, "Profile", pageSize);
      expect(
        rows.map((row) => row.name),
        `pages of ${pageSize}`,
      ).toEqual(all);
    }
  });
});
