// A database of its own for a test file, on the test run's real Postgres server.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { databaseOnServer } from "./postgres-server.ts";

export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await databaseOnServer(inject("databaseUrl"), `${prefix}_${randomBytes(4).toString("hex")}`);
  return { url: database.url, drop: () => database.stop() };
}
