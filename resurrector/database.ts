// What the resurrector reads from the mirror, and what it records there after a rebuild.
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../db/schema.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import { SecretStore } from "../db/secret-store.ts";
import { toStorageError } from "../db/storage-error.ts";
import { RESTORED_RESOURCES, type StoredResource } from "./objects.ts";

export interface StoredState {
  resources: StoredResource[];
  runs: StoredResource[];
  /** Decrypted values per `namespace/app`. */
  secrets: Map<string, Record<string, string>>;
}

export class MissingKeyError extends Error {
  override name = "MissingKeyError";
}

/** What the resurrector reads of a row of `resources`. */
const STORED_COLUMNS = [
  "uid",
  "api_version",
  "kind",
  "namespace",
  "name",
  "tenant",
  "labels",
  "annotations",
  "spec",
  "status",
  "cluster_uid",
] as const;

const toStored = (row: Pick<Row<"resources">, (typeof STORED_COLUMNS)[number]>): StoredResource => ({
  uid: row.uid,
  apiVersion: row.api_version,
  kind: row.kind,
  namespace: row.namespace,
  name: row.name,
  tenant: row.tenant,
  labels: row.labels ?? {},
  annotations: row.annotations ?? {},
  spec: row.spec,
  status: row.status,
  clusterUid: row.cluster_uid,
});

export async function loadStoredState(db: Kysely<Database>, keyRing: KeyRing | undefined): Promise<StoredState> {
  try {
    const kinds = [...RESTORED_RESOURCES.map((r) => r.kind).filter((k) => k !== "Secret"), "Run"];
    const rows = await db
      .selectFrom("resources")
      .select(STORED_COLUMNS)
      .where("deleted_at", "is", null)
      .where("kind", "in", kinds)
      .orderBy("kind")
      .orderBy("namespace")
      .orderBy("name")
      .execute();
    const stored = rows.map(toStored);
    const secrets = new Map<string, Record<string, string>>();
    const { rows: counted } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM secret_versions WHERE deleted_at IS NULL`.execute(db);
    if (Number(counted[0]?.n ?? 0) > 0) {
      if (!keyRing) {
        throw new MissingKeyError(
          `The database holds ${counted[0]?.n} secret values but no key-encryption key was given: set LOCO_KEK_FILE (or LOCO_KEK) to the keys the operator uses, or the Apps' secret values cannot be restored.`,
        );
      }
      for (const value of await new SecretStore(db, keyRing).allLive()) {
        const key = `${value.namespace}/${value.app}`;
        const values = secrets.get(key) ?? {};
        values[value.key] = value.value;
        secrets.set(key, values);
      }
    }
    return {
      resources: stored.filter((r) => r.kind !== "Run"),
      runs: stored.filter((r) => r.kind === "Run"),
      secrets,
    };
  } catch (error) {
    if (error instanceof MissingKeyError) throw error;
    if (error instanceof Error && error.name === "SecretCryptoError") throw error;
    throw toStorageError(error);
  }
}

/**
 * Runs of the lost cluster are not re-created: they leave the live set, and the ones that were running get an
 * `Interrupted` event in their timeline. Idempotent (the event has a source key; the update only touches live rows).
 */
export async function retireRuns(
  db: Kysely<Database>,
  runs: { row: StoredResource; interrupted: boolean }[],
  at: Date,
): Promise<void> {
  if (runs.length === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const { row, interrupted } of runs) {
      if (interrupted) {
        await tx
          .insertInto("events")
          .values({
            tenant: row.tenant,
            namespace: row.namespace,
            kind: "Run",
            name: row.name,
            type: "Warning",
            reason: "Interrupted",
            message: "The Run was in progress when its cluster was lost; the resurrector did not re-run it.",
            actor: "loco-resurrector",
            occurred_at: at.toISOString(),
            source_key: `interrupted:${row.uid}`,
          })
          .onConflict((conflict) => conflict.column("source_key").doNothing())
          .execute();
      }
      await tx
        .updateTable("resources")
        .set({ deleted_at: at.toISOString(), updated_at: sql`now()` })
        .where("uid", "=", row.uid)
        .where("deleted_at", "is", null)
        .execute();
    }
  });
}
