import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { connectDatabase } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { parseKeyRing } from "./secret-crypto.ts";
import { SecretStore } from "./secret-store.ts";

const folder = mkdtempSync(join(tmpdir(), "loco-admin-"));
const url = `pglite:${folder}`;
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const oldKey = `old:${randomBytes(32).toString("base64")}`;
const newKey = `new:${randomBytes(32).toString("base64")}`;
const admin = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [new URL("./admin.ts", import.meta.url).pathname, ...args], {
    env: { ...process.env, LOCO_KEK_FILE: "", LOCO_DATABASE_URL: "", ...env },
    encoding: "utf8",
  });

describe("loco-db rotate-keys", () => {
  it("re-wraps every row under the new key; every value still decrypts once the old key is retired", async () => {
    const handle = await connectDatabase(url);
    await migrateToLatest(handle.db);
    const store = new SecretStore(handle.db, parseKeyRing(oldKey, "test"));
    for (let i = 0; i < 40; i++) {
      await store.put({ tenant: "acme", namespace: "acme-prod", app: `app-${i % 4}`, key: `k${i}` }, `v${i}`, "t");
    }
    await handle.close();

    const rotated = admin(["rotate-keys", "--database-url", url], { LOCO_KEK: `${newKey},${oldKey}` });
    expect(rotated.stderr).toBe("");
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain('Re-wrapped 40 secret values under key "new"');
    expect(rotated.stdout).toContain("the older keys can be retired");

    const reopened = await connectDatabase(url);
    const { rows } = await sql<{ key_id: string }>`SELECT DISTINCT key_id FROM secret_versions`.execute(reopened.db);
    expect(rows).toEqual([{ key_id: "new" }]);
    const retired = new SecretStore(reopened.db, parseKeyRing(newKey, "test"));
    for (let i = 0; i < 40; i++) {
      expect(await retired.get({ tenant: "acme", namespace: "acme-prod", app: `app-${i % 4}`, key: `k${i}` })).toBe(
        `v${i}`,
      );
    }
    await reopened.close();
  }, 60_000);

  it("says what is missing instead of failing obscurely", () => {
    const noUrl = admin(["rotate-keys"], { LOCO_KEK: newKey });
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toContain("--database-url");
    const noKey = admin(["rotate-keys", "--database-url", url], { LOCO_KEK: "" });
    expect(noKey.status).toBe(5);
    expect(noKey.stderr).toContain("LOCO_KEK_FILE");
  }, 60_000);
});
