import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { parseKeyRing } from "./secret-crypto.ts";
import { listSecretVersions, SecretStore } from "./secret-store.ts";

let handle: DatabaseHandle;
const oldKey = randomBytes(32).toString("base64");
const newKey = randomBytes(32).toString("base64");
const shop = { tenant: "acme", namespace: "acme-prod", app: "shop", key: "db-password" };

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("SecretStore on embedded PGlite", () => {
  it("keeps versions and reads the newest", async () => {
    const store = new SecretStore(handle.db, parseKeyRing(`old:${oldKey}`, "test"));
    expect(await store.put(shop, "first", "ann")).toBe(1);
    expect(await store.put(shop, "second", "ann")).toBe(2);
    expect(await store.get(shop)).toBe("second");
    expect(await store.get({ ...shop, key: "missing" })).toBeUndefined();
    // Another tenant asking for the same namespace/app/key gets nothing.
    expect(await store.get({ ...shop, tenant: "globex" })).toBeUndefined();
  });

  it("stores no plaintext", async () => {
    const { rows } = await sql<{ row: string }>`SELECT secret_versions::text AS row FROM secret_versions`.execute(
      handle.db,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { row } of rows) {
      expect(row).not.toContain("first");
      expect(row).not.toContain("second");
      expect(row).not.toContain(Buffer.from("second").toString("hex"));
    }
  });

  it("rotates every row to the new key id, and every row still decrypts", async () => {
    const rotated = new SecretStore(handle.db, parseKeyRing(`new:${newKey},old:${oldKey}`, "test"));
    for (let i = 0; i < 25; i++) await rotated.put({ ...shop, key: `k${i}` }, `value-${i}`, "ann");
    expect(await rotated.rotate(7)).toBe(2); // the two rows written under "old"
    const { rows } = await sql<{ key_id: string }>`SELECT DISTINCT key_id FROM secret_versions`.execute(handle.db);
    expect(rows.map((r) => r.key_id)).toEqual(["new"]);
    // The old key can now be retired.
    const retired = new SecretStore(handle.db, parseKeyRing(`new:${newKey}`, "test"));
    expect(await retired.get(shop)).toBe("second");
    expect(await retired.get({ ...shop, key: "k24" })).toBe("value-24");
    expect(await retired.rotate()).toBe(0);
  });

  it("syncs an app's values: new versions only for changed keys, removed keys deleted, replays write nothing", async () => {
    const store = new SecretStore(handle.db, parseKeyRing(`new:${newKey}`, "test"));
    const cart = { tenant: "acme", namespace: "acme-prod", app: "cart" };
    expect(await store.syncApp(cart, { A: "1", B: "2" }, "mirror")).toBe(2);
    expect(await store.syncApp(cart, { A: "1", B: "2" }, "mirror")).toBe(0);
    expect(await store.syncApp(cart, { A: "1", B: "3", C: "4" }, "mirror")).toBe(2);
    expect(await store.getApp(cart)).toEqual({ A: "1", B: "3", C: "4" });
    expect(await store.syncApp(cart, { B: "3" }, "mirror")).toBe(2);
    expect(await store.getApp(cart)).toEqual({ B: "3" });
    // A deleted key is gone for get() too — not its previous version.
    expect(await store.get({ ...cart, key: "A" })).toBeUndefined();
    expect(await store.syncApp(cart, { A: "back", B: "3" }, "mirror")).toBe(1);
    expect(await store.get({ ...cart, key: "A" })).toBe("back");
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM secret_versions WHERE app = 'cart' AND key = 'B'`.execute(handle.db);
    expect(rows[0]?.n).toBe(2);
  });

  it("stores each value under the version id the API named it with, and reads values back by id", async () => {
    const store = new SecretStore(handle.db, parseKeyRing(`new:${newKey}`, "test"));
    const api = { tenant: "acme", namespace: "acme-prod", app: "api" };
    const v1 = "01JD6Z7Q5V8K2M4N6P8R0T2W41";
    const v2 = "01JD6Z7Q5V8K2M4N6P8R0T2W42";
    expect(await store.syncApp(api, { DB: "one" }, "mirror", { DB: v1 })).toBe(1);
    expect(await store.syncApp(api, { DB: "two" }, "mirror", { DB: v2 })).toBe(1);
    // A rollback writes the first value back under its first id: a new version, so the newest row names it.
    expect(await store.syncApp(api, { DB: "one" }, "mirror", { DB: v1 })).toBe(1);
    expect(await store.syncApp(api, { DB: "one" }, "mirror", { DB: v1 })).toBe(0);
    expect(await store.valuesAt(api, { DB: v2 })).toEqual({ values: { DB: "two" }, missing: [] });
    expect(await store.valuesAt(api, { DB: v1, GONE: v2 })).toEqual({ values: { DB: "one" }, missing: ["GONE"] });
    // Another tenant naming the same ids reads nothing.
    expect(await store.valuesAt({ ...api, tenant: "globex" }, { DB: v1 })).toEqual({ values: {}, missing: ["DB"] });
    // A value changed outside loco (the annotation still names the old id) is stored without an id.
    expect(await store.syncApp(api, { DB: "kubectl" }, "mirror", { DB: v1 })).toBe(1);
    const versions = await listSecretVersions(handle.db, api);
    expect(versions.map((v) => v.versionId)).toEqual([null, v1, v2, v1]);
  });

  it("keeps only the retained versions of each key, deleting the older rows", async () => {
    const store = new SecretStore(handle.db, parseKeyRing(`new:${newKey}`, "test"), { retain: 2 });
    const web = { tenant: "acme", namespace: "acme-prod", app: "web" };
    for (const value of ["purged-1", "purged-2", "kept-3", "kept-4"])
      await store.syncApp(web, { TOKEN: value }, "mirror");
    const { rows } = await sql<{ version: number; row: string }>`
      SELECT version, secret_versions::text AS row FROM secret_versions WHERE app = 'web' ORDER BY version`.execute(
      handle.db,
    );
    expect(rows.map((r) => r.version)).toEqual([3, 4]);
    // The purged rows are gone, not marked: every remaining row still opens, and the newest is the last value.
    expect(await store.get({ ...web, key: "TOKEN" })).toBe("kept-4");
    expect(() => new SecretStore(handle.db, parseKeyRing(`new:${newKey}`, "test"), { retain: 0 })).toThrow(RangeError);
  });
});
