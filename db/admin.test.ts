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

describe("loco-db revoke-bootstrap", () => {
  it("revokes a live bootstrap token and audits it, leaving tenant tokens alone; a second run changes nothing", async () => {
    const handle = await connectDatabase(url);
    await migrateToLatest(handle.db);
    await sql`INSERT INTO tenants (name) VALUES ('acme') ON CONFLICT DO NOTHING`.execute(handle.db);
    await sql`
      INSERT INTO api_tokens (id, tenant, name, hash, role, created_by, expires_at, bound_to_membership) VALUES
        ('01JD6Z7Q5V8K2M4N6P8R0T2W4Y', NULL, 'bootstrap', ${randomBytes(32)}, 'platform-admin', 'loco-api-bootstrap',
         now() + interval '1 hour', false),
        ('01JD6Z7Q5V8K2M4N6P8R0T2W4Z', 'acme', 'ci', ${randomBytes(32)}, 'developer', 'alice',
         now() + interval '1 hour', true)`.execute(handle.db);
    await handle.close();

    const revoked = admin(["revoke-bootstrap", "--database-url", url], {});
    expect(revoked.stderr).toBe("");
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain("Revoked the bootstrap token 01JD6Z7Q5V8K2M4N6P8R0T2W4Y");
    const again = admin(["revoke-bootstrap", "--database-url", url], {});
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("There was no live bootstrap token");

    const reopened = await connectDatabase(url);
    const { rows } = await sql<{ id: string; revoked: boolean }>`
      SELECT id, revoked_at IS NOT NULL AS revoked FROM api_tokens ORDER BY id`.execute(reopened.db);
    expect(rows).toEqual([
      { id: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y", revoked: true },
      { id: "01JD6Z7Q5V8K2M4N6P8R0T2W4Z", revoked: false },
    ]);
    const audit = await sql`SELECT actor, action, target, outcome FROM audit_log`.execute(reopened.db);
    expect(audit.rows).toEqual([
      {
        actor: "loco-db",
        action: "tokens.revokeBootstrap",
        target: "ApiToken/01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
        outcome: "succeeded",
      },
    ]);
    await reopened.close();
  }, 60_000);
});
