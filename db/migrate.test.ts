import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest, migrations } from "./migrate.ts";
import { type StorageError, toStorageError } from "./storage-error.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
}, 60_000);
afterAll(() => handle.close());

async function failure(query: Promise<unknown>): Promise<StorageError> {
  try {
    await query;
  } catch (error) {
    return toStorageError(error);
  }
  throw new Error("expected the query to fail");
}

describe("migrations on embedded PGlite", () => {
  it("apply every migration once, and a second run applies nothing", async () => {
    const first = await migrateToLatest(handle.db);
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(
      Object.keys(migrations).map((name) => [name, "Success"]),
    );
    const second = await migrateToLatest(handle.db);
    expect(second.results).toEqual([]);
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(
      handle.db,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "api_tokens",
        "audit_log",
        "deployments",
        "events",
        "members",
        "resources",
        "secret_versions",
        "tenants",
      ]),
    );
  });

  it("maps constraint violations to storage error codes", async () => {
    await sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(handle.db);
    expect((await failure(sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(handle.db))).code).toBe("Exists");
    expect((await failure(sql`INSERT INTO tenants (name) VALUES ('Not A Name')`.execute(handle.db))).code).toBe(
      "Invalid",
    );
    expect(
      (
        await failure(
          sql`INSERT INTO members (tenant, subject, role) VALUES ('acme', 'ann', 'emperor')`.execute(handle.db),
        )
      ).code,
    ).toBe("Invalid");
    expect(
      (
        await failure(
          sql`INSERT INTO members (tenant, subject, role) VALUES ('nobody', 'ann', 'viewer')`.execute(handle.db),
        )
      ).code,
    ).toBe("Invalid");
  });

  it("keeps one live resource per kind, namespace and name, but any number of deleted ones", async () => {
    const insert = (uid: string, deleted: boolean) =>
      sql`INSERT INTO resources (uid, kind, namespace, name, resource_version, created_at, deleted_at)
          VALUES (${uid}::uuid, 'App', 'acme-prod', 'shop', '1', now(), ${deleted ? sql`now()` : null})`.execute(
        handle.db,
      );
    await insert("00000000-0000-0000-0000-000000000001", true);
    await insert("00000000-0000-0000-0000-000000000002", true);
    await insert("00000000-0000-0000-0000-000000000003", false);
    expect((await failure(insert("00000000-0000-0000-0000-000000000004", false))).code).toBe("Exists");
  });
});

describe("toStorageError", () => {
  it.each([
    [{ code: "40001" }, "Conflict"],
    [{ code: "40P01" }, "Conflict"],
    [{ code: "08006" }, "Unavailable"],
    [{ code: "57P01" }, "Unavailable"],
    [{ code: "ECONNREFUSED" }, "Unavailable"],
    [{ code: "XX000" }, "Internal"],
    [new Error("boom"), "Internal"],
  ])("maps %j to %s", (error, code) => {
    expect(toStorageError(error).code).toBe(code);
  });

  it("never puts the driver's message in what clients see for unexpected failures", () => {
    const error = toStorageError({ code: "XX000", message: "relation secret_versions: corrupted page" });
    expect(error.message).toBe("The database failed unexpectedly.");
    expect(error.detail).toContain("XX000");
  });
});
