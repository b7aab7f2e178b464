// What the resurrector reads from the mirror, and what it records there after a rebuild.
import { type Kysely, sql } from "kysely";
import type { KeyRing } from "../secret-crypto.ts";
import { SecretStore } from "../secret-store.ts";
import { toStorageError } from "../storage-error.ts";
import { RESTORED_RESOURCES, type StoredResource } from "./objects.ts";

interface ResourceRow {
  uid: string;
  api_version: string;
  kind: string;
  namespace: string;
  name: string;
  tenant: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: unknown;
  status: unknown;
  cluster_uid: string | null;
}

export interface StoredState {
  resources: StoredResource[];
  runs: StoredResource[];
  /** Decrypted values per `namespace/app`. */
  secrets: Map<string, Record<string, string>>;
}

export class MissingKeyError extends Error {
  override name = "MissingKeyError";
}

const toStored = (row: ResourceRow): StoredResource => ({
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

export async function loadStoredState(db: Kysely<unknown>, keyRing: KeyRing | undefined): Promise<StoredState> {
  try {
    const kinds = [...RESTORED_RESOURCES.map((r) => r.kind).filter((k) => k !== "Secret"), "Run"];
    const { rows } = await sql<ResourceRow>`
      SELECT uid::text, api_version, kind, namespace, name, tenant, labels, annotations, spec, status, cluster_uid
      FROM resources WHERE deleted_at IS NULL AND kind IN (${sql.join(kinds)})
      ORDER BY kind, namespace, name`.execute(db);
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
  db: Kysely<unknown>,
  runs: { row: StoredResource; interrupted: boolean }[],
  at: Date,
): Promise<void> {
  if (runs.length === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const { row, interrupted } of runs) {
      if (interrupted) {
        await sql`
          INSERT INTO events (tenant, namespace, kind, name, type, reason, message, actor, occurred_at, source_key)
          VALUES (${row.tenant}, ${row.namespace}, 'Run', ${row.name}, 'Warning', 'Interrupted',
                  'The Run was in progress when its cluster was lost; the resurrector did not re-run it.',
                  'loco-resurrector', ${at.toISOString()}::timestamptz, ${`interrupted:${row.uid}`})
          ON CONFLICT (source_key) DO NOTHING`.execute(tx);
      }
      await sql`UPDATE resources SET deleted_at = ${at.toISOString()}::timestamptz, updated_at = now()
                WHERE uid = ${row.uid}::uuid AND deleted_at IS NULL`.execute(tx);
    }
  });
}
