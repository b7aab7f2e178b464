// Runs the numbered, append-only migrations in db/migrations/ — the same ones on Postgres and on PGlite.
// Kysely's Migrator holds a lock row while it works, so replicas starting together migrate once.
import type { Kysely } from "kysely";
import { type Migration, type MigrationResultSet, Migrator } from "kysely/migration";
import * as initial from "./migrations/0001-initial.ts";
import * as clusterIdentity from "./migrations/0002-cluster-identity.ts";
import * as api from "./migrations/0003-api.ts";
import * as deploymentRequests from "./migrations/0004-deployment-requests.ts";
import * as taskLogs from "./migrations/0005-task-logs.ts";
import * as tokenLineage from "./migrations/0006-token-lineage.ts";
import * as releases from "./migrations/0007-releases.ts";
import * as retention from "./migrations/0008-retention.ts";
import * as releaseRevisions from "./migrations/0009-release-revisions.ts";
import * as tenantReleases from "./migrations/0010-tenant-releases.ts";
import * as releaseSource from "./migrations/0012-release-source.ts";
import * as releasePromotion from "./migrations/0013-release-promotion.ts";
import * as notifications from "./migrations/0014-notifications.ts";
import * as resourceJsonText from "./migrations/0015-resource-json-text.ts";

/** Listed explicitly (not read from the folder) so that a bundled or compiled build carries them all. */
export const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-cluster-identity": clusterIdentity,
  "0003-api": api,
  "0004-deployment-requests": deploymentRequests,
  "0005-task-logs": taskLogs,
  "0006-token-lineage": tokenLineage,
  "0007-releases": releases,
  "0008-retention": retention,
  "0009-release-revisions": releaseRevisions,
  "0010-tenant-releases": tenantReleases,
  "0012-release-source": releaseSource,
  "0013-release-promotion": releasePromotion,
  "0014-notifications": notifications,
  "0015-resource-json-text": resourceJsonText,
};

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Takes a handle of any schema: the migrations build the schema rather than depend on it (each one is written
 * against the tables as they stood at its number, not against db/schema.ts, which describes the latest), and a
 * `Kysely<Database>` must be accepted as it is, which a `Kysely<unknown>` parameter would refuse.
 */
export function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: see above; Kysely's own Migrator takes a Kysely<any> for the same reason.
  db: Kysely<any>,
): Promise<MigrationResultSet> {
  return migrateThrough(db, migrations);
}

/**
 * Every migration numbered below `number` ("0015"): the database as it stood before that one, which is how a
 * migration's test builds the data it upgrades.
 */
export function migrateBefore(
  // biome-ignore lint/suspicious/noExplicitAny: as migrateToLatest's.
  db: Kysely<any>,
  number: string,
): Promise<MigrationResultSet> {
  return migrateThrough(db, Object.fromEntries(Object.entries(migrations).filter(([name]) => name < number)));
}

async function migrateThrough(
  // biome-ignore lint/suspicious/noExplicitAny: as migrateToLatest's.
  db: Kysely<any>,
  selected: Record<string, Migration>,
): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => selected } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(
      `Database migration ${failed} failed: ${cause}. The database was left at the last migration that succeeded; fix the cause and restart.`,
    );
  }
  return result;
}
