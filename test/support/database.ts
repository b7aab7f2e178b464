// A database of its own for a test file, on the test run's real Postgres server.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject("databaseUrl");
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
