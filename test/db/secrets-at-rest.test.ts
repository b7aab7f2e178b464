// Secret values at rest on a real PostgreSQL server: a full database dump must contain none of them.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { parseKeyRing } from "../../db/secret-crypto.ts";
import { SecretStore } from "../../db/secret-store.ts";
import { createTestDatabase } from "../support/database.ts";
import { mapLimit } from "../support/fleet.ts";

const SECRETS = 1000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle;

function pgDump(): string {
  const root = "/usr/lib/postgresql";
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "pg_dump")))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error("pg_dump not found under /usr/lib/postgresql/*/bin");
  return join(root, version, "bin", "pg_dump");
}

beforeAll(async () => {
  database = await createTestDatabase("loco_secrets");
  handle = await connectDatabase(database.url);
  await migrateToLatest(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe("secrets at rest", () => {
  it(`keeps ${SECRETS} secret values out of a database dump, and each still decrypts`, async () => {
    const store = new SecretStore(handle.db, parseKeyRing(`k1:${randomBytes(32).toString("base64")}`, "test"));
    const values = Array.from({ length: SECRETS }, (_, i) => ({
      ref: { tenant: `tenant${i % 3}`, namespace: `tenant${i % 3}-prod`, app: `app${i % 50}`, key: `key-${i}` },
      value: `s3cret-${randomBytes(12).toString("hex")}`,
    }));
    await mapLimit(values, 8, ({ ref, value }) => store.put(ref, value, "seeder"));

    const dump = execFileSync(pgDump(), ["--data-only", "--inserts", database.url], {
      maxBuffer: 256 * 1024 * 1024,
    }).toString();
    expect(dump).toContain("INSERT INTO public.secret_versions");
    const leaked = values.filter(
      ({ value }) => dump.includes(value) || dump.includes(Buffer.from(value).toString("hex")),
    );
    expect(leaked).toEqual([]);

    for (const { ref, value } of values.slice(0, 50)) expect(await store.get(ref)).toBe(value);
  });
});
