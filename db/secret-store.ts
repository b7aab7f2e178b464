// Versioned secret values in `secret_versions`, sealed with db/secret-crypto.ts. Every `put` adds a version;
// `get` reads the newest. Rows carry only ciphertext, the wrapped data key and the key id.
import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, Row } from "./schema.ts";
import { type KeyRing, open, rewrap, type SealedSecret, seal } from "./secret-crypto.ts";
import { withStorageErrors } from "./with-storage-errors.ts";

export interface SecretRef {
  tenant: string;
  namespace: string;
  app: string;
  key: string;
}

type SecretRow = Row<"secret_versions">;

/** pg returns bytea as a Buffer, PGlite as a plain Uint8Array: a Buffer view of the same bytes either way. */
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The sealed value a row holds. */
const sealedOf = (row: SecretRow): SealedSecret => ({
  ciphertext: asBuffer(row.ciphertext),
  wrappedKey: asBuffer(row.wrapped_key),
  keyId: row.key_id,
});

/** Associated data: the row's identity, so a value only decrypts where it was written. */
export const secretAad = (ref: SecretRef, version: number) =>
  `${ref.tenant}/${ref.namespace}/${ref.app}/${ref.key}/v${version}`;

export class SecretStore {
  private readonly db: Kysely<Database>;
  private readonly ring: KeyRing;

  constructor(db: Kysely<Database>, ring: KeyRing) {
    this.db = db;
    this.ring = ring;
  }

  /** Stores a new version of the value; returns its version number. */
  put(ref: SecretRef, value: string, actor: string): Promise<number> {
    return withStorageErrors(() =>
      this.db.transaction().execute(async (tx) => {
        // Serialise writers of one key so that two puts never pick the same version.
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`${ref.namespace}/${ref.app}/${ref.key}`}))`.execute(tx);
        const { rows } = await sql<{ next: number }>`
          SELECT coalesce(max(version), 0) + 1 AS next FROM secret_versions
          WHERE namespace = ${ref.namespace} AND app = ${ref.app} AND key = ${ref.key}`.execute(tx);
        const version = Number(rows[0]?.next ?? 1);
        await this.insertVersion(tx, ref, version, value, actor);
        return version;
      }),
    );
  }

  /** The newest value, or undefined when the key has none (or was deleted). */
  async get(ref: SecretRef): Promise<string | undefined> {
    const row = await withStorageErrors(() =>
      this.db
        .selectFrom("secret_versions")
        .selectAll()
        .where("namespace", "=", ref.namespace)
        .where("app", "=", ref.app)
        .where("key", "=", ref.key)
        .where("deleted_at", "is", null)
        .orderBy("version", "desc")
        .limit(1)
        .executeTakeFirst(),
    );
    if (!row || row.tenant !== ref.tenant) return undefined;
    return open(this.ring, sealedOf(row), secretAad(ref, row.version));
  }

  /**
   * Makes the stored values of one app equal `values` (what its Secret holds in the cluster): a key whose value
   * differs from its newest version gets a new version, a key no longer present is marked deleted. Replaying the
   * same values writes nothing. Returns how many keys changed.
   */
  syncApp(app: Omit<SecretRef, "key">, values: Record<string, string>, actor: string): Promise<number> {
    return withStorageErrors(() =>
      this.db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`${app.namespace}/${app.app}`}))`.execute(tx);
        const rows = await tx
          .selectFrom("secret_versions")
          .distinctOn("key")
          .selectAll()
          .where("namespace", "=", app.namespace)
          .where("app", "=", app.app)
          .orderBy("key")
          .orderBy("version", "desc")
          .execute();
        const newest = new Map(rows.map((row) => [row.key, row]));
        let changed = 0;
        for (const [key, value] of Object.entries(values)) {
          const row = newest.get(key);
          const same = row && row.deleted_at === null && row.tenant === app.tenant && this.open(row) === value;
          if (same) continue;
          await this.insertVersion(tx, { ...app, key }, (row?.version ?? 0) + 1, value, actor);
          changed++;
        }
        const gone = [...newest.values()]
          .filter((row) => row.deleted_at === null && !(row.key in values))
          .map((row) => row.key);
        if (gone.length > 0) {
          await tx
            .updateTable("secret_versions")
            .set({ deleted_at: sql`now()` })
            .where("namespace", "=", app.namespace)
            .where("app", "=", app.app)
            .where("deleted_at", "is", null)
            .where("key", "in", gone)
            .execute();
          changed += gone.length;
        }
        return changed;
      }),
    );
  }

  /** The newest live value of every key of one app (what the resurrector writes back into its Secret). */
  async getApp(app: Omit<SecretRef, "key">): Promise<Record<string, string>> {
    const rows = await withStorageErrors(() =>
      this.db
        .selectFrom("secret_versions")
        .distinctOn("key")
        .selectAll()
        .where("namespace", "=", app.namespace)
        .where("app", "=", app.app)
        .orderBy("key")
        .orderBy("version", "desc")
        .execute(),
    );
    const values: Record<string, string> = {};
    for (const row of rows) if (row.deleted_at === null && row.tenant === app.tenant) values[row.key] = this.open(row);
    return values;
  }

  /** Every live value of every app, newest versions only, in one query (the resurrector's read). */
  async allLive(): Promise<(SecretRef & { value: string })[]> {
    const rows = await withStorageErrors(() =>
      this.db
        .selectFrom("secret_versions")
        .distinctOn(["namespace", "app", "key"])
        .selectAll()
        .orderBy("namespace")
        .orderBy("app")
        .orderBy("key")
        .orderBy("version", "desc")
        .execute(),
    );
    return rows
      .filter((row) => row.deleted_at === null)
      .map((row) => ({
        tenant: row.tenant,
        namespace: row.namespace,
        app: row.app,
        key: row.key,
        value: this.open(row),
      }));
  }

  /** How many secret values each key-encryption key wraps (to know when an old key can be retired). */
  async keyUsage(): Promise<Record<string, number>> {
    const { rows } = await sql<{ key_id: string; n: number }>`
      SELECT key_id, count(*)::int AS n FROM secret_versions GROUP BY key_id ORDER BY key_id`.execute(this.db);
    return Object.fromEntries(rows.map((row) => [row.key_id, Number(row.n)]));
  }

  /** Seals `value` as version `version` of `ref` and inserts it. */
  private async insertVersion(
    tx: Transaction<Database>,
    ref: SecretRef,
    version: number,
    value: string,
    actor: string,
  ): Promise<void> {
    const sealed = seal(this.ring, value, secretAad(ref, version));
    await tx
      .insertInto("secret_versions")
      .values({
        tenant: ref.tenant,
        namespace: ref.namespace,
        app: ref.app,
        key: ref.key,
        version,
        ciphertext: sealed.ciphertext,
        wrapped_key: sealed.wrappedKey,
        key_id: sealed.keyId,
        created_by: actor,
      })
      .execute();
  }

  private open(row: SecretRow): string {
    return open(this.ring, sealedOf(row), secretAad(row, row.version));
  }

  /**
   * Re-wraps every data key that is not under the active KEK, in batches (each its own transaction, so a crash
   * leaves every row readable). Returns how many rows were re-wrapped.
   */
  async rotate(batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.db.transaction().execute(async (tx) => {
        const rows = await tx
          .selectFrom("secret_versions")
          .selectAll()
          .where("key_id", "<>", this.ring.activeId)
          .orderBy("id")
          .limit(batchSize)
          .forUpdate()
          .skipLocked()
          .execute();
        for (const row of rows) {
          const sealed = rewrap(this.ring, sealedOf(row), secretAad(row, row.version));
          await tx
            .updateTable("secret_versions")
            .set({ wrapped_key: sealed.wrappedKey, key_id: sealed.keyId })
            .where("id", "=", row.id)
            .execute();
        }
        return rows.length;
      });
      total += done;
      if (done < batchSize) return total;
    }
  }
}
