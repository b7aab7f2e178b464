import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { StorageError } from "./storage-error.ts";
import { withStorageErrors } from "./with-storage-errors.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("expected the work to fail");
}

describe("withStorageErrors on embedded PGlite", () => {
  it("returns what the work returns", async () => {
    const n = await withStorageErrors(async () => {
      const { rows } = await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(handle.db);
      return rows[0]?.n;
    });
    expect(n).toBe(42);
  });

  it("turns what the database refuses into a StorageError with its code and constraint", async () => {
    await sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(handle.db);
    const duplicate = await failure(
      withStorageErrors(() => sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(handle.db)),
    );
    expect(duplicate).toBeInstanceOf(StorageError);
    expect(duplicate).toMatchObject({ code: "Exists", detail: "23505 tenants_pkey" });
    const badRole = await failure(
      withStorageErrors(() =>
        sql`INSERT INTO members (tenant, subject, role) VALUES ('acme', 'ann', 'emperor')`.execute(handle.db),
      ),
    );
    expect(badRole).toMatchObject({ code: "Invalid" });
  });

  it("maps a failure inside a transaction, which is rolled back", async () => {
    const error = await failure(
      withStorageErrors(() =>
        handle.db.transaction().execute(async (tx) => {
          await sql`INSERT INTO tenants (name) VALUES ('globex')`.execute(tx);
          await sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(tx);
        }),
      ),
    );
    expect(error).toMatchObject({ code: "Exists" });
    const { rows } = await sql`SELECT 1 FROM tenants WHERE name = 'globex'`.execute(handle.db);
    expect(rows).toEqual([]);
  });

  it("lets a StorageError from the work through unchanged", async () => {
    const notFound = new StorageError("NotFound", "No such tenant.");
    expect(
      await failure(
        withStorageErrors(async () => {
          throw notFound;
        }),
      ),
    ).toBe(notFound);
  });
});
