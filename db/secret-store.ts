// Versioned secret values in `secret_versions`, sealed with db/secret-crypto.ts. Every `put` adds a version;
// `get` reads the newest. Rows carry only ciphertext, the wrapped data key and the key id.
import { type Kysely, sql } from "kysely";
import { type KeyRing, open, rewrap, seal } from "./secret-crypto.ts";
import { toStorageError } from "./storage-error.ts";

export interface SecretRef {
  tenant: string;
  namespace: string;
  app: string;
  key: string;
}

interface SecretRow {
  id: string;
  tenant: string;
  namespace: string;
  app: string;
  key: string;
  version: number;
  ciphertext: Buffer;
  wrapped_key: Buffer;
  key_id: string;
}

/** Associated data: the row's identity, so a value only decrypts where it was written. */
export const secretAad = (ref: SecretRef, version: number) =>
  `${ref.tenant}/${ref.namespace}/${ref.app}/${ref.key}/v${version}`;

export class SecretStore {
  private readonly db: Kysely<unknown>;
  private readonly ring: KeyRing;

  constructor(db: Kysely<unknown>, ring: KeyRing) {
    this.db = db;
    this.ring = ring;
  }

  /** Stores a new version of the value; returns its version number. */
  async put(ref: SecretRef, value: string, actor: string): Promise<number> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        // Serialise writers of one key so that two puts never pick the same version.
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`${ref.namespace}/${ref.app}/${ref.key}`}))`.execute(tx);
        const { rows } = await sql<{ next: number }>`
          SELECT coalesce(max(version), 0) + 1 AS next FROM secret_versions
          WHERE namespace = ${ref.namespace} AND app = ${ref.app} AND key = ${ref.key}`.execute(tx);
        const version = Number(rows[0]?.next ?? 1);
        const sealed = seal(this.ring, value, secretAad(ref, version));
        await sql`
          INSERT INTO secret_versions (tenant, namespace, app, key, version, ciphertext, wrapped_key, key_id, created_by)
          VALUES (${ref.tenant}, ${ref.namespace}, ${ref.app}, ${ref.key}, ${version}, ${sealed.ciphertext},
                  ${sealed.wrappedKey}, ${sealed.keyId}, ${actor})`.execute(tx);
        return version;
      });
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** The newest value, or undefined when the key has none (or was deleted). */
  async get(ref: SecretRef): Promise<string | undefined> {
    const { rows } = await sql<SecretRow>`
      SELECT * FROM secret_versions
      WHERE namespace = ${ref.namespace} AND app = ${ref.app} AND key = ${ref.key} AND deleted_at IS NULL
      ORDER BY version DESC LIMIT 1`
      .execute(this.db)
      .catch((error: unknown) => {
        throw toStorageError(error);
      });
    const row = rows[0];
    if (!row || row.tenant !== ref.tenant) return undefined;
    return open(
      this.ring,
      { ciphertext: row.ciphertext, wrappedKey: row.wrapped_key, keyId: row.key_id },
      secretAad(ref, row.version),
    );
  }

  /**
   * Makes the stored values of one app equal `values` (what its Secret holds in the cluster): a key whose value
   * differs from its newest version gets a new version, a key no longer present is marked deleted. Replaying the
   * same values writes nothing. Returns how many keys changed.
   */
  async syncApp(app: Omit<SecretRef, "key">, values: Record<string, string>, actor: string): Promise<number> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`${app.namespace}/${app.app}`}))`.execute(tx);
        const { rows } = await sql<SecretRow & { deleted_at: Date | null }>`
          SELECT DISTINCT ON (key) * FROM secret_versions
          WHERE namespace = ${app.namespace} AND app = ${app.app}
          ORDER BY key, version DESC`.execute(tx);
        const newest = new Map(rows.map((row) => [row.key, row]));
        let changed = 0;
        for (const [key, value] of Object.entries(values)) {
          const row = newest.get(key);
          const same = row && row.deleted_at === null && row.tenant === app.tenant && this.open(row) === value;
          if (same) continue;
          const ref = { ...app, key };
          const version = (row?.version ?? 0) + 1;
          const sealed = seal(this.ring, value, secretAad(ref, version));
          await sql`
            INSERT INTO secret_versions (tenant, namespace, app, key, version, ciphertext, wrapped_key, key_id, created_by)
            VALUES (${app.tenant}, ${app.namespace}, ${app.app}, ${key}, ${version}, ${sealed.ciphertext},
                    ${sealed.wrappedKey}, ${sealed.keyId}, ${actor})`.execute(tx);
          changed++;
        }
        const gone = [...newest.values()].filter((row) => row.deleted_at === null && !(row.key in values));
        if (gone.length > 0) {
          await sql`
            UPDATE secret_versions SET deleted_at = now()
            WHERE namespace = ${app.namespace} AND app = ${app.app} AND deleted_at IS NULL
              AND key IN (${sql.join(gone.map((row) => row.key))})`.execute(tx);
          changed += gone.length;
        }
        return changed;
      });
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** The newest live value of every key of one app (what the resurrector writes back into its Secret). */
  async getApp(app: Omit<SecretRef, "key">): Promise<Record<string, string>> {
    const { rows } = await sql<SecretRow & { deleted_at: Date | null }>`
      SELECT DISTINCT ON (key) * FROM secret_versions
      WHERE namespace = ${app.namespace} AND app = ${app.app}
      ORDER BY key, version DESC`
      .execute(this.db)
      .catch((error: unknown) => {
        throw toStorageError(error);
      });
    const values: Record<string, string> = {};
    for (const row of rows) if (row.deleted_at === null && row.tenant === app.tenant) values[row.key] = this.open(row);
    return values;
  }

  /** Every live value of every app, newest versions only, in one query (the resurrector's read). */
  async allLive(): Promise<(SecretRef & { value: string })[]> {
    const { rows } = await sql<SecretRow & { deleted_at: Date | null }>`
      SELECT DISTINCT ON (namespace, app, key) * FROM secret_versions
      ORDER BY namespace, app, key, version DESC`
      .execute(this.db)
      .catch((error: unknown) => {
        throw toStorageError(error);
      });
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

  private open(row: SecretRow): string {
    return open(
      this.ring,
      { ciphertext: row.ciphertext, wrappedKey: row.wrapped_key, keyId: row.key_id },
      secretAad(row, row.version),
    );
  }

  /**
   * Re-wraps every data key that is not under the active KEK, in batches (each its own transaction, so a crash
   * leaves every row readable). Returns how many rows were re-wrapped.
   */
  async rotate(batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.db.transaction().execute(async (tx) => {
        const { rows } = await sql<SecretRow>`
          SELECT * FROM secret_versions WHERE key_id <> ${this.ring.activeId}
          ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(tx);
        for (const row of rows) {
          const sealed = rewrap(
            this.ring,
            { ciphertext: row.ciphertext, wrappedKey: row.wrapped_key, keyId: row.key_id },
            secretAad(row, row.version),
          );
          await sql`UPDATE secret_versions SET wrapped_key = ${sealed.wrappedKey}, key_id = ${sealed.keyId}
                    WHERE id = ${row.id}`.execute(tx);
        }
        return rows.length;
      });
      total += done;
      if (done < batchSize) return total;
    }
  }
}
