import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { StorageError } from "../../db/storage-error.ts";
import { createTenant } from "./tenants.ts";
import { mintToken, rotateToken } from "./tokens.ts";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
  await createTenant(handle.db, { name: "acme", displayName: "Acme" }, "ann");
}, 60_000);
afterAll(() => handle.close());

const rotator = { subject: "ann", asMember: true, notAfter: null };

describe("rotateToken", () => {
  it("refuses, as a Conflict, a token that stopped being live after the caller read it, and keeps no new token", async () => {
    const { token } = await mintToken(handle.db, {
      tenant: "acme",
      name: "ci",
      role: "developer",
      createdBy: "ann",
      expiresAt: null,
      boundToMembership: true,
    });
    const first = await rotateToken(handle.db, token, rotator);

    // A second rotation from the same (now stale) read of the token: the first one revoked it meanwhile.
    const error = await rotateToken(handle.db, token, rotator).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "Conflict", message: "It was changed concurrently; try again." });

    const { rows } = await sql<{ id: string; replaced_by: string | null }>`
      SELECT id, replaced_by FROM api_tokens WHERE tenant = 'acme' AND name = 'ci' ORDER BY id`.execute(handle.db);
    expect(rows).toEqual([
      { id: token.id, replaced_by: first.token.id },
      { id: first.token.id, replaced_by: null },
    ]);
  });
});
