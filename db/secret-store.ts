// Versioned secret values in `secret_versions`, sealed with db/secret-crypto.ts. Every `put` adds a version;
// `get` reads the newest. Rows carry only ciphertext, the wrapped data key and the key id, and the version id the
// API named the value with (crds/secret-versions.ts), which releases refer to. With a retention, each key keeps
// only its newest versions: older rows are deleted, not marked.
//
// Functions at the end read only the rows' metadata (key, version id, when, by whom) and need no key: the API,
// which holds no key-encryption key, lists versions and checks that a rollback's versions still exist with them.
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

export interface SecretStoreOptions {
  /** Versions kept per key (the newest); older ones are deleted. Every version is kept when undefined. */
  retain?: number | undefined;
}

export class SecretStore {
  private readonly db: Kysely<Database>;
  private readonly ring: KeyRing;
  private readonly retain: number | undefined;

  constructor(db: Kysely<Database>, ring: KeyRing, options: SecretStoreOptions = {}) {
    this.db = db;
    this.ring = ring;
    if (options.retain !== undefined && (!Number.isInteger(options.retain) || options.retain < 1))
      throw new RangeError(`A secret version retention must be a whole number of at least 1, not ${options.retain}`);
    this.retain = options.retain;
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
        await this.insertVersion(tx, ref, version, value, actor, null);
        await this.purge(tx, ref, version);
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
   * same values writes nothing. `versionIds` names the value of each key (the Secret's loco.dev/secret-versions
   * annotation): a value under an id the newest version does not carry is a new version, even when the value is the
   * same (a rollback restoring it), so that every id a release names has its row. Returns how many keys changed.
   */
  syncApp(
    app: Omit<SecretRef, "key">,
    values: Record<string, string>,
    actor: string,
    versionIds: Record<string, string> = {},
  ): Promise<number> {
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
          const id = versionIds[key];
          const sameId = id === undefined || row?.version_id === id;
          const same = row && row.deleted_at === null && row.tenant === app.tenant && this.open(row) === value;
          if (same && sameId) continue;
          // A value changed outside loco keeps no id: the annotation still names the value before it.
          const versionId = sameId && !same ? null : (id ?? null);
          const version = (row?.version ?? 0) + 1;
          await this.insertVersion(tx, { ...app, key }, version, value, actor, versionId);
          await this.purge(tx, { ...app, key }, version);
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

  /**
   * The values of one app's keys at the named version ids (a rollback's restore). Keys whose version is no longer
   * stored (purged, or never mirrored) are listed in `missing`.
   */
  async valuesAt(
    app: Omit<SecretRef, "key">,
    versions: Record<string, string>,
  ): Promise<{ values: Record<string, string>; missing: string[] }> {
    const keys = Object.keys(versions);
    if (keys.length === 0) return { values: {}, missing: [] };
    const rows = await withStorageErrors(() =>
      this.db
        .selectFrom("secret_versions")
        .selectAll()
        .where("namespace", "=", app.namespace)
        .where("app", "=", app.app)
        .where("tenant", "=", app.tenant)
        .where("key", "in", keys)
        .where("version_id", "in", Object.values(versions))
        .orderBy("version", "desc")
        .execute(),
    );
    const values: Record<string, string> = {};
    for (const row of rows) {
      if (versions[row.key] === row.version_id && !(row.key in values)) values[row.key] = this.open(row);
    }
    return { values, missing: keys.filter((key) => !(key in values)) };
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
    versionId: string | null,
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
        version_id: versionId,
      })
      .execute();
  }

  /** Deletes the versions of one key beyond the retention, counting back from `newest`. */
  private async purge(tx: Transaction<Database>, ref: SecretRef, newest: number): Promise<void> {
    if (this.retain === undefined) return;
    await tx
      .deleteFrom("secret_versions")
      .where("namespace", "=", ref.namespace)
      .where("app", "=", ref.app)
      .where("key", "=", ref.key)
      .where("version", "<=", newest - this.retain)
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

// ---- Metadata only: no key needed (the API's reads). -----------------------------------------------------------------

export interface SecretVersionInfo {
  key: string;
  versionId: string | null;
  createdAt: string;
  createdBy: string | null;
  /** When the key was removed from the App's Secret (this version was then its newest). */
  deletedAt: string | null;
}

/** Every stored version of one app's keys, newest first per key; values are not read. */
export function listSecretVersions(db: Kysely<Database>, app: Omit<SecretRef, "key">): Promise<SecretVersionInfo[]> {
  return withStorageErrors(async () => {
    const rows = await db
      .selectFrom("secret_versions")
      .select(["key", "version_id", "created_at", "created_by", "deleted_at"])
      .where("tenant", "=", app.tenant)
      .where("namespace", "=", app.namespace)
      .where("app", "=", app.app)
      .orderBy("key")
      .orderBy("version", "desc")
      .execute();
    return rows.map((row) => ({
      key: row.key,
      versionId: row.version_id,
      createdAt: new Date(row.created_at).toISOString(),
      createdBy: row.created_by,
      deletedAt: row.deleted_at ? new Date(row.deleted_at).toISOString() : null,
    }));
  });
}
