import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { connectDatabase } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { createWebhook } from "./notifications/webhook-store.ts";
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
    // A webhook's signing secret is sealed the same way and rotated with them.
    await sql`INSERT INTO tenants (name) VALUES ('acme')`.execute(handle.db);
    const hook = await createWebhook(handle.db, parseKeyRing(oldKey, "test"), {
      tenant: "acme",
      url: "https://hooks.example.com/x",
      format: "loco",
      events: ["release.started"],
      description: "",
      secret: "whsec_rotated",
      createdBy: "t",
    });
    await handle.close();

    const rotated = admin(["rotate-keys", "--database-url", url], { LOCO_KEK: `${newKey},${oldKey}` });
    expect(rotated.stderr).toBe("");
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain('Re-wrapped 41 secret values and webhook secrets under key "new"');
    expect(rotated.stdout).toContain("the older keys can be retired");

    const reopened = await connectDatabase(url);
    const { rows } = await sql<{ key_id: string }>`SELECT DISTINCT key_id FROM secret_versions`.execute(reopened.db);
    expect(rows).toEqual([{ key_id: "new" }]);
    const webhooks = await sql<{ secret_key_id: string }>`
      SELECT secret_key_id FROM webhooks WHERE id = ${hook.id}`.execute(reopened.db);
    expect(webhooks.rows).toEqual([{ secret_key_id: "new" }]);
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

describe("loco-db prune", () => {
  it("refuses a retention under an hour or a bad batch size before connecting, naming the flag", () => {
    const short = admin(["prune", "--older-than", "10m", "--database-url", url], {});
    expect(short.status).toBe(2);
    expect(short.stderr).toContain("--older-than 10m is not a retention of at least an hour");
    const missing = admin(["prune", "--database-url", url], {});
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--older-than (missing)");
    const batch = admin(["prune", "--older-than", "30d", "--batch-size", "0", "--database-url", url], {});
    expect(batch.status).toBe(2);
    expect(batch.stderr).toContain("--batch-size 0 is not a whole number");
  }, 60_000);

  it("deletes the task logs older than the retention on the embedded database, and keeps the newer", async () => {
    const handle = await connectDatabase(url);
    await migrateToLatest(handle.db);
    for (const [task, days] of [
      ["old", 40],
      ["new", 1],
    ] as const) {
      const at = new Date(Date.now() - days * 86_400_000).toISOString();
      await sql`
        INSERT INTO task_logs (run_uid, task, attempt, namespace, run, captured_at, line_count, lines)
        VALUES (gen_random_uuid(), ${task}, 1, 'acme-dev', 'r', ${at}::timestamptz, 0, '[]'::jsonb)`.execute(handle.db);
    }
    await handle.close();
    const pruned = admin(["prune", "--older-than", "30d", "--database-url", url], {});
    expect(pruned.stderr).toBe("");
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toContain(": 1 task logs, 0 Run timeline events");
    const reopened = await connectDatabase(url);
    const { rows } = await sql<{ task: string }>`SELECT task FROM task_logs`.execute(reopened.db);
    expect(rows).toEqual([{ task: "new" }]);
    await reopened.close();
  }, 60_000);
});
