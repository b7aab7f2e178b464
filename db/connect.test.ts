import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { connectDatabase, DatabaseUrlError, describeDatabaseUrl } from "./connect.ts";

describe("describeDatabaseUrl", () => {
  it.each([
    ["postgres://loco@127.0.0.1:5432/loco", "postgres"],
    ["postgresql://loco@db/loco", "postgres"],
    ["pglite:memory", "pglite"],
    ["pglite:///var/lib/loco", "pglite"],
  ])("accepts %s as %s", (url, kind) => {
    expect(describeDatabaseUrl(url).kind).toBe(kind);
  });

  it("rejects other schemes and does not echo the password", () => {
    expect(() => describeDatabaseUrl("mysql://root:hunter2@db/x")).toThrow(DatabaseUrlError);
    expect(() => describeDatabaseUrl("mysql://root:hunter2@db/x")).not.toThrow(/hunter2/);
  });
});

describe("connectDatabase with embedded PGlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "loco-pglite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a query and persists data across reopening the folder", async () => {
    const url = `pglite:${join(dir, "data")}`;
    const first = await connectDatabase(url);
    await sql`CREATE TABLE notes (body text)`.execute(first.db);
    await sql`INSERT INTO notes VALUES ('kept')`.execute(first.db);
    await first.close();

    const second = await connectDatabase(url);
    const { rows } = await sql<{ body: string; version: string }>`SELECT body, version() AS version FROM notes`.execute(
      second.db,
    );
    await second.close();
    expect(rows).toEqual([{ body: "kept", version: expect.stringMatching(/^PostgreSQL \d+/) }]);
    // A fresh PGlite takes ~2 s to start (it boots Postgres in WASM), twice here; more when the machine is busy.
  }, 60_000);
});
